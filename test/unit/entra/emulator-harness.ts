/**
 * Starts the local emulator for the I/O layer's tests: an organization, a project, a user, a public app, and a
 * refresh token of the user in the app. The product trusts the emulator's CA through network.caPem, the seam the
 * agent's CA setting uses, so the mocha process needs no NODE_EXTRA_CA_CERTS.
 */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator } from '../../emulator/index';
import { PatLifecycleError } from '../../../src/errors';
import { createHttpClient } from '../../../src/http/http-client';
import type { HttpClient } from '../../../src/http/types';
import type { NetworkConfig } from '../../../src/config/types';

export interface Harness {
  emu: Emulator;
  network: NetworkConfig;
  http: HttpClient;
  org: string;
  project: { name: string; id: string; buildService: { objectId: string; name: string } };
  user: { userId: string; upn: string; tenantId: string };
  tenantId: string;
  publicClientId: string;
  refreshToken(clientId?: string): string;
  /** The PatLifecycleError the promise rejects with, after checking its description carries no secret the emulator issued. */
  failure(p: Promise<unknown>): Promise<PatLifecycleError>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const emu = await startEmulator();
  const org = 'contoso';
  emu.control.devops.addOrganization({ name: org });
  const project = emu.control.devops.addProject(org, { name: 'Web' });
  const tenantId = emu.control.entra.defaultTenantId as string;
  const user = emu.control.entra.addUser({ upn: 'ada@contoso.test', displayName: 'Ada' });
  const app = emu.control.entra.addApp({ kind: 'public' });
  const network: NetworkConfig = { timeoutMs: 10_000, caPem: emu.caCertPem };
  const http = createHttpClient(network, { delayFactor: 0 });
  return {
    emu,
    network,
    http,
    org,
    project,
    user,
    tenantId,
    publicClientId: app.clientId,
    refreshToken: (clientId = app.clientId) => emu.control.entra.signIn({ userId: user.userId, clientId }).refreshToken,
    async failure(p) {
      try {
        await p;
      } catch (e) {
        assert.ok(e instanceof PatLifecycleError, `expected PatLifecycleError, got ${String(e)}`);
        for (const s of emu.secrets().filter((x) => x.length >= 8)) assert.ok(!e.describe().includes(s), `secret in the error: ${e.describe()}`);
        return e;
      }
      assert.fail('expected a failure');
    },
    async close() {
      await http.close?.();
      await emu.close();
    },
  };
}
