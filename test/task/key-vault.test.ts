/** The bundled task writing to Key Vault through an Azure Resource Manager service connection, against the emulator. */
import { strict as assert } from 'node:assert';
import { secretsAsAzureKeyVaultTaskReadsThem } from '../support/azure-key-vault-task';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';

const DAY = 86_400_000;

describe('PatLifecycle@1 with Key Vault (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  const connectionData = () => f.keyVaultConnectionData();

  it('rotates into a Key Vault secret with a service principal, tags naming the PAT, and saves the refresh token there too', async () => {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: 'contoso-secrets', access: { [sp.objectId]: 'officer' } });
    f.emu.control.keyVault.setSecret('contoso-secrets', 'PatLifecycle-RefreshToken', f.refreshToken);
    const old = f.seedPat('feed-reader', { daysLeft: 3 });
    f.emu.control.keyVault.setSecret('contoso-secrets', 'FeedPat', old.token, { tags: { authorizationId: old.authorizationId, validTo: old.validTo } });
    const run = await f.run(
      {
        action: 'rotate',
        displayName: 'feed-reader',
        target: 'keyVault',
        azureSubscription: 'arm-connection-id',
        keyVault: vault.url,
        secretName: 'FeedPat',
        refreshTokenStore: 'keyVault',
        refreshTokenSecretName: 'PatLifecycle-RefreshToken',
        outputRefreshToken: true,
      },
      { endpoints: { 'arm-connection-id': f.servicePrincipalEndpoint(sp) } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [fresh] = f.activePats('feed-reader');
    assert.notEqual(fresh.authorizationId, old.authorizationId);
    const secret = f.emu.control.keyVault.getSecret('contoso-secrets', 'FeedPat');
    const latest = secret.versions.at(-1);
    assert.equal(latest.value, fresh.token);
    assert.equal(latest.tags?.authorizationId, fresh.authorizationId);
    // docs/security.md: the content type says what the secret is, and the secret expires with the PAT (Key Vault keeps whole seconds).
    assert.equal(latest.contentType, 'application/vnd.azure-devops.pat');
    assert.equal(latest.exp, Math.floor(Date.parse(fresh.validTo) / 1000), 'the secret expires when the PAT does');
    const rt = f.emu.control.keyVault.getSecret('contoso-secrets', 'PatLifecycle-RefreshToken').versions.at(-1);
    assert.equal(rt.value, run.outputs['refreshToken'].value);
    assert.equal(rt.contentType, 'text/plain');
    assert.ok(rt.tags?.issuedAt);
    assert.ok(run.secretsRegistered.includes(sp.secret!), 'the connection secret is registered');
  });

  it('a write whose answer does not read back as written fails VerificationFailed and revokes nothing: the old PAT stays valid', async () => {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: 'contoso-secrets', access: { [sp.objectId]: 'officer' } });
    const old = f.seedPat('feed-reader', { daysLeft: 3 });
    f.emu.control.keyVault.setSecret('contoso-secrets', 'FeedPat', old.token, { tags: { authorizationId: old.authorizationId, validTo: old.validTo } });
    // The PUT is carried out, but its answer shows another value: what read-back verification is there to catch.
    const now = Math.floor(f.emu.clock.now() / 1000);
    const answer = { value: 'not-the-value-written', id: `${vault.url}/secrets/FeedPat/${'0'.repeat(32)}`, attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable' }, tags: {} };
    f.emu.faults.add({ route: 'kv.set', phase: 'after', status: 200, body: answer });
    const run = await f.run({ action: 'rotate', displayName: 'feed-reader', target: 'keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat' }, { endpoints: { arm: f.servicePrincipalEndpoint(sp) } });
    assert.equal(run.result, 'Failed', `${run.message}`);
    assert.match(run.message ?? '', /does not hold the value just written.*\[VerificationFailed\]/s);
    f.assertNoSecrets(run);
    assert.equal(f.emu.log.count({ route: 'pats.revoke' }), 0, 'no PAT is revoked on an unconfirmed write');
    assert.ok(f.activePats('feed-reader').some((p) => p.authorizationId === old.authorizationId), 'the old PAT is still valid');
  });

  it('writes with workload identity federation (System.AccessToken + OIDC)', async () => {
    const sc = f.emu.control.oidc.registerServiceConnection({ org: ORG, project: PROJECT, projectId: f.project.id, name: 'arm-wif' });
    const app = f.emu.control.entra.addApp({ kind: 'confidential', federatedCredentials: [{ issuer: sc.issuer, subject: sc.subject }] });
    f.emu.control.keyVault.addVault({ name: 'wif-vault', access: { [app.objectId]: 'officer' } });
    const { token: jobToken } = f.emu.control.entra.issueJobToken({ org: ORG, projectId: f.project.id });
    f.extraSecrets.push(jobToken);
    const run = await f.run(
      { action: 'create', displayName: 'kv-bot', scopes: 'vso.code', target: 'keyVault', azureSubscription: sc.id, keyVault: `https://wif-vault.${f.emu.urls.vaultDnsSuffix}:${f.emu.urls.port}`, secretName: 'KvBot' },
      {
        endpoints: { [sc.id]: { scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: app.clientId, tenantid: f.emu.control.entra.defaultTenantId }, data: connectionData() } },
        system: { accessToken: jobToken, oidcRequestUri: f.emu.control.oidc.oidcRequestUri({ org: ORG, projectId: f.project.id }) },
      },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [pat] = f.activePats('kv-bot');
    assert.equal(f.emu.control.keyVault.getSecret('wif-vault', 'KvBot').versions.at(-1).value, pat.token);
  });

  it('refuses a vault URL outside the connection cloud before any request', async () => {
    const run = await f.run(
      { action: 'rotate', displayName: 'x', target: 'keyVault', azureSubscription: 'arm', keyVault: 'https://contoso.vault.azure.net', secretName: 'X' },
      { endpoints: { arm: { scheme: 'ManagedServiceIdentity', parameters: {}, data: connectionData() } } },
    );
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /not under 'vault\.emulator\.test'/);
    assert.equal(f.emu.log.count(), 0);
  });

  /** A vault the service principal of the step's Azure connection may write, and the inputs that name it. */
  function vaultStep(name: string) {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name, access: { [sp.objectId]: 'officer' } });
    const inputs = { target: 'keyVault', azureSubscription: 'arm-connection-id', keyVault: vault.url, secretName: 'FeedPat' };
    return { inputs, options: { endpoints: { 'arm-connection-id': f.servicePrincipalEndpoint(sp) } } };
  }
  const pipelineReads = (vault: string) => secretsAsAzureKeyVaultTaskReadsThem(f.emu.control.keyVault, vault, f.emu.clock.now());

  it('update keeps the vault in step: the current version gets the new expiry and validTo tag, so AzureKeyVault@2 still hands out the PAT after its old expiry', async () => {
    const { inputs, options } = vaultStep('update-vault');
    const old = f.seedPat('feed-reader', { daysLeft: 3 });
    f.emu.control.keyVault.setSecret('update-vault', 'FeedPat', old.token, { contentType: 'application/vnd.azure-devops.pat', tags: { authorizationId: old.authorizationId, validTo: old.validTo }, exp: Math.floor(Date.parse(old.validTo) / 1000) });
    const run = await f.run({ action: 'update', displayName: 'feed-reader', lifetimeDays: 30, ...inputs }, options);
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [pat] = f.activePats('feed-reader');
    assert.equal(pat.authorizationId, old.authorizationId, 'the same PAT, extended');
    const versions = f.emu.control.keyVault.getSecret('update-vault', 'FeedPat').versions;
    assert.equal(versions.length, 1, 'no new version: the value did not change');
    assert.equal(versions[0].tags?.validTo, pat.validTo);
    assert.equal(versions[0].exp, Math.floor(Date.parse(pat.validTo) / 1000));
    f.emu.clock.advance(10 * DAY);
    assert.equal(pipelineReads('update-vault')['FeedPat'], old.token, 'past the old expiry, the pipeline still gets the PAT');
  });

  it('the version that only carries a record while the first PAT is made is disabled: AzureKeyVault@2 never hands it out as the PAT, and the next run stores the PAT', async () => {
    const { inputs, options } = vaultStep('record-vault');
    f.emu.faults.add({ route: 'pats.create', status: 500, times: Infinity });
    const failed = await f.run({ action: 'create', displayName: 'kv-first', scopes: 'vso.code', ...inputs }, options);
    assert.equal(failed.result, 'Failed', failed.message);
    const versions = f.emu.control.keyVault.getSecret('record-vault', 'FeedPat').versions;
    assert.equal(versions.length, 1, 'the record-only version was written');
    assert.equal(versions[0].enabled, false);
    assert.deepEqual(pipelineReads('record-vault'), {}, 'a pipeline reading the vault gets nothing, not the placeholder text');
    f.emu.faults.clear();
    f.emu.clock.advance(20 * 60_000);
    const again = await f.run({ action: 'create', displayName: 'kv-first', scopes: 'vso.code', ...inputs }, options);
    assert.equal(again.result, 'Succeeded', `${again.message}\n${again.stderr}`);
    const [pat] = f.activePats('kv-first');
    assert.equal(pipelineReads('record-vault')['FeedPat'], pat.token);
    f.assertNoSecrets(again);
  });
});
