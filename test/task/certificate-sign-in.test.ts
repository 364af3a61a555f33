/**
 * Certificate credentials through the shipped bundle, black box: msal-node signs a certificate's client assertion with
 * jsonwebtoken, for the refresh token's app registration and for a Key Vault service connection (@azure/identity ->
 * msal-node).
 */
import { strict as assert } from 'node:assert';
import { certificateWithKey } from '../support/certificates';
import { TaskFixture, useTaskFixture } from './task-fixture';

describe('PatLifecycle@1 certificate sign-in (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  it('redeems the refresh token of a confidential app with clientCertificate (a signed client assertion)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const app = f.emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    f.extraSecrets.push(app.secret!, privateKey);
    const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
    f.extraSecrets.push(refreshToken);
    f.seedPat('cert-list', { daysLeft: 40 });
    const run = await f.run(
      { action: 'list', clientId: app.clientId, refreshToken, clientCertificate: pem },
      { secretVariables: { 'PatLifecycle.RefreshToken': refreshToken, 'PatLifecycle.ClientCertificate': pem } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.ok(run.info.some((l) => /^cert-list\s/.test(l)), run.info.join('\n'));
    // The app's secret was not given: Entra (the emulator) accepted the assertion signed with the certificate's key.
    assert.equal(f.emu.control.entra.refreshTokenInfo(refreshToken)?.redemptions, 1);
    f.assertNoSecrets(run);
  });

  it('writes to Key Vault with a certificate service connection (@azure/identity signs through msal-node)', async () => {
    const { cert, pem, privateKey } = await certificateWithKey();
    const sp = f.emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert });
    f.extraSecrets.push(sp.secret!, privateKey);
    const vault = f.emu.control.keyVault.addVault({ name: 'cert-vault', access: { [sp.objectId]: 'officer' } });
    const run = await f.run(
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
    f.assertNoSecrets(run);
  });
});
