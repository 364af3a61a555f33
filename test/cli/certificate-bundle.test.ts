/**
 * The bundled CLI (cli/dist/pat-lifecycle.js) with a certificate credential: msal-node signs the client assertion with
 * jsonwebtoken, which the bundle loads only then (src/entra/jsonwebtoken-on-demand.ts). test/support/jsonwebtoken-probe.cjs
 * tells whether jsonwebtoken was evaluated.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index';
import { certificateWithKey } from '../support/certificates';
import { assertNoSecrets, CLI_BUNDLE, emulatorEnv, startCli } from './helpers';

const PROBE = resolve(__dirname, '..', 'support', 'jsonwebtoken-probe.cjs');

describe('cli bundle: certificate sign-in (jsonwebtoken on demand)', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let user: { userId: string };
  let dir: string;

  before(async function () {
    if (!existsSync(CLI_BUNDLE)) this.skip(); // built by `npm run bundle` (part of `npm test`)
    emu = await startEmulator();
    user = emu.control.entra.addUser({ upn: 'cert@contoso.test', displayName: 'Cert User' });
    emu.control.devops.addOrganization({ name: 'contoso' });
    dir = mkdtempSync(join(tmpdir(), 'pat-cli-jwt-'));
  });
  after(async () => {
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function list(clientId: string, secrets: Record<string, string>, flags: string[]): Promise<{ code: number | null; stderr: string; stdout: string; evaluated: boolean }> {
    const out = join(dir, `probe-${Date.now()}.json`);
    const env = emulatorEnv(emu, { ...secrets, NODE_OPTIONS: `${emu.childEnv().NODE_OPTIONS ?? ''} --require ${PROBE}`.trim(), JSONWEBTOKEN_PROBE_OUT: out });
    const args = ['run', '--action', 'list', '--tenant-id', emu.control.entra.defaultTenantId, '--client-id', clientId, '--organization', 'contoso', '--refresh-token-env', 'TEST_RT', '--refresh-token-store', 'none', ...flags];
    const r = await startCli(args, env, 60_000, { bundle: true }).done;
    return { ...r, evaluated: (JSON.parse(readFileSync(out, 'utf8')) as { evaluated: boolean }).evaluated };
  }

  it('lists with a confidential app and --client-certificate-env (a signed client assertion)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const app = emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    const { refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId });
    const r = await list(app.clientId, { TEST_RT: refreshToken, TEST_CERT: pem }, ['--client-certificate-env', 'TEST_CERT']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(emu.control.entra.refreshTokenInfo(refreshToken)?.redemptions, 1);
    assert.equal(r.evaluated, true, 'the certificate assertion loaded jsonwebtoken');
    assertNoSecrets(r.stdout + r.stderr, [...emu.secrets(), refreshToken, privateKey], 'output');
  });

  it('lists with a public app without evaluating jsonwebtoken', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const { refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId });
    const r = await list(app.clientId, { TEST_RT: refreshToken }, []);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.evaluated, false, 'jsonwebtoken was evaluated on a run without a certificate');
  });
});
