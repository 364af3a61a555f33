/**
 * Certificate credentials through the shipped bundle, black box. msal-node signs a certificate's client assertion with
 * jsonwebtoken, which the bundles load only then (src/entra/jsonwebtoken-on-demand.ts stands in for it at msal-node's
 * import): a certificate sign-in must still work, for the refresh token's app registration and for a Key Vault service
 * connection (@azure/identity -> msal-node), and a run without a certificate must not evaluate jsonwebtoken at all.
 * test/support/jsonwebtoken-probe.cjs tells whether jsonwebtoken was evaluated.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { certificateWithKey } from '../support/certificates';
import type { TaskRun } from '../support/run-task';
import { TaskFixture } from './task-fixture';

const PROBE = resolve(__dirname, '..', 'support', 'jsonwebtoken-probe.cjs');

describe('PatLifecycle@1 certificate sign-in (black box, jsonwebtoken on demand)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  let dir: string;

  beforeEach(async () => {
    f = await TaskFixture.start();
    dir = mkdtempSync(join(tmpdir(), 'pat-jwt-probe-'));
  });
  afterEach(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the task with the probe; returns the run and whether jsonwebtoken was evaluated. */
  async function probed(inputs: Record<string, string>, options: Parameters<TaskFixture['run']>[1] = {}): Promise<{ run: TaskRun; evaluated: boolean }> {
    const out = join(dir, `probe-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    const run = await f.run(inputs, { ...options, env: { NODE_OPTIONS: `${f.emu.childEnv().NODE_OPTIONS ?? ''} --require ${PROBE}`.trim(), JSONWEBTOKEN_PROBE_OUT: out, ...options.env } });
    return { run, evaluated: (JSON.parse(readFileSync(out, 'utf8')) as { evaluated: boolean }).evaluated };
  }

  it('a refresh token of a public app: jsonwebtoken is never evaluated', async () => {
    f.seedPat('public-list', { daysLeft: 40 });
    const { run, evaluated } = await probed({ action: 'list' });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.equal(evaluated, false, 'jsonwebtoken was evaluated on a run without a certificate');
    f.assertNoSecrets(run);
  });

  it('redeems the refresh token of a confidential app with clientCertificate (a signed client assertion)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const app = f.emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    f.extraSecrets.push(app.secret!, privateKey);
    const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
    f.extraSecrets.push(refreshToken);
    f.seedPat('cert-list', { daysLeft: 40 });
    const { run, evaluated } = await probed(
      { action: 'list', clientId: app.clientId, refreshToken, clientCertificate: pem },
      { secretVariables: { 'PatLifecycle.RefreshToken': refreshToken, 'PatLifecycle.ClientCertificate': pem } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.ok(run.info.some((l) => /^cert-list\s/.test(l)), run.info.join('\n'));
    // The app's secret was not given: Entra (the emulator) accepted the assertion signed with the certificate's key.
    assert.equal(f.emu.control.entra.refreshTokenInfo(refreshToken)?.redemptions, 1);
    assert.equal(evaluated, true, 'the certificate assertion loaded jsonwebtoken');
    f.assertNoSecrets(run);
  });

  it('writes to Key Vault with a certificate service connection (@azure/identity signs through msal-node)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const sp = f.emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    f.extraSecrets.push(sp.secret!, privateKey);
    const vault = f.emu.control.keyVault.addVault({ name: 'cert-vault', access: { [sp.objectId]: 'officer' } });
    const { run, evaluated } = await probed(
      { action: 'create', displayName: 'kv-cert', scopes: 'vso.packaging', target: 'keyVault', azureSubscription: 'arm-cert', keyVault: vault.url, secretName: 'KvCert' },
      {
        endpoints: {
          'arm-cert': {
            url: 'https://management.azure.com/',
            scheme: 'ServicePrincipal',
            parameters: { serviceprincipalid: sp.clientId, tenantid: f.emu.control.entra.defaultTenantId, authenticationType: 'spnCertificate', serviceprincipalcertificate: pem },
            data: f.keyVaultConnectionData(),
          },
        },
      },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [pat] = f.activePats('kv-cert');
    assert.equal(f.emu.control.keyVault.getSecret('cert-vault', 'KvCert')?.versions.at(-1)?.value, pat.token);
    assert.equal(evaluated, true, 'the service connection certificate loaded jsonwebtoken');
    f.assertNoSecrets(run);
  });
});
