/** The bundled CLI (cli/dist/pat-lifecycle.js) with a certificate credential: msal-node signs the client assertion. */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { startEmulator, type Emulator } from '../emulator/index';
import { certificateWithKey } from '../support/certificates';
import { assertNoSecrets, CLI_BUNDLE, emulatorEnv, startCli } from './helpers';

describe('cli bundle: certificate sign-in ', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let user: { userId: string };

  before(async function () {
    if (!existsSync(CLI_BUNDLE)) this.skip(); // built by `npm run bundle` (part of `npm test`)
    emu = await startEmulator();
    user = emu.control.entra.addUser({ upn: 'cert@contoso.test', displayName: 'Cert User' });
    emu.control.devops.addOrganization({ name: 'contoso' });
  });
  after(async () => {
    await emu?.close();
  });

  async function list(clientId: string, secrets: Record<string, string>, flags: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
    const env = emulatorEnv(emu, secrets);
    const args = ['run', '--action', 'list', '--tenant-id', emu.control.entra.defaultTenantId, '--client-id', clientId, '--organization', 'contoso', '--refresh-token-env', 'TEST_RT', '--refresh-token-store', 'none', ...flags];
    return startCli(args, env, 60_000, { bundle: true }).done;
  }

  it('lists with a confidential app and --client-certificate-env (a signed client assertion)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const app = emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    const { refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId });
    const r = await list(app.clientId, { TEST_RT: refreshToken, TEST_CERT: pem }, ['--client-certificate-env', 'TEST_CERT']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(emu.control.entra.refreshTokenInfo(refreshToken)?.redemptions, 1);
    assertNoSecrets(r.stdout + r.stderr, [...emu.secrets(), refreshToken, privateKey], 'output');
  });
});
