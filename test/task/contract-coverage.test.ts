/**
 * Black-box contract coverage for what the other task tests leave out: each destination on `create`, `rotate` to the
 * output only, confidential sign-in apps, the job's access token on variable groups, classic-style inputs, shared
 * groups and the organization's full-scope policy. Every run is scanned for secrets.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';

describe('PatLifecycle@1 contract coverage (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));


  /** A confidential app as a service principal secret connection, and a vault it may write. */
  const spConnection = (vaultName: string) => {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: vaultName, access: { [sp.objectId]: 'officer' } });
    const endpoint = f.servicePrincipalEndpoint(sp);
    return { sp, vault, endpoint };
  };

  it('create -> variableGroup: stores the new PAT as a secret with its authorizationId and validTo companions', async () => {
    const group = f.addGroup('Tokens');
    const run = await f.run({ action: 'create', displayName: 'vg-bot', scopes: 'vso.code', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'VgPat', lifetimeDays: 15 });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);

    const active = f.activePats('vg-bot');
    assert.equal(active.length, 1);
    const [pat] = active;
    const fromSideDoor = f.emu.control.pats.list(ORG).find((p: { authorizationId: string }) => p.authorizationId === pat.authorizationId);
    assert.ok(fromSideDoor, 'the PAT is listed by the side door');
    const vars = f.group(group).variables;
    assert.equal(vars['VgPat'].value, fromSideDoor.token);
    assert.equal(vars['VgPat'].isSecret, true);
    assert.equal(vars['VgPat.authorizationId'].value, pat.authorizationId);
    assert.notEqual(vars['VgPat.authorizationId'].isSecret, true);
    assert.ok(vars['VgPat.validTo'], 'the validTo companion is written');
    assert.equal(vars['VgPat.validTo'].value.slice(0, 10), pat.validTo.slice(0, 10));
    assert.equal(vars['Unrelated'].value, 'keep me');
    assert.deepEqual(run.outputs['token'], { value: pat.token, secret: true });
    assert.ok(run.secretsRegistered.includes(pat.token));
  });

  it('create -> keyVault with a service principal secret connection: latest version is the new PAT, tagged with its authorizationId', async () => {
    const { vault, endpoint } = spConnection('create-vault');
    const run = await f.run(
      { action: 'create', displayName: 'kv-created', scopes: 'vso.packaging', target: 'keyVault', azureSubscription: 'arm-sp', keyVault: vault.url, secretName: 'KvCreated' },
      { endpoints: { 'arm-sp': endpoint } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [pat] = f.activePats('kv-created');
    assert.ok(pat, 'a PAT was created');
    const secret = f.emu.control.keyVault.getSecret('create-vault', 'KvCreated');
    assert.ok(secret, 'the secret exists');
    const latest = secret.versions.at(-1);
    assert.equal(latest.value, pat.token);
    assert.equal(latest.tags?.authorizationId, pat.authorizationId);
    assert.equal(f.emu.log.count({ service: 'variableGroups' }), 0, 'no variable group touched');
  });

  it('rotate -> outputOnly: the token output is the new valid PAT as a secret; the old PAT is kept unless revokeUntracked', async () => {
    const kept = f.seedPat('kept-bot', { scope: 'vso.build', daysLeft: 2 });
    const keep = await f.run({ action: 'rotate', displayName: 'kept-bot', target: 'outputOnly' });
    assert.equal(keep.result, 'Succeeded', `${keep.message}\n${keep.stderr}`);
    assert.equal(f.pats().find((p) => p.authorizationId === kept.authorizationId)?.state, 'active', 'no destination recorded it');
    const old = f.seedPat('out-bot', { scope: 'vso.build', daysLeft: 2 });
    const run = await f.run({ action: 'rotate', displayName: 'out-bot', target: 'outputOnly', revokeUntracked: true });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const active = f.activePats('out-bot');
    assert.equal(active.length, 1);
    const [fresh] = active;
    assert.notEqual(fresh.authorizationId, old.authorizationId);
    assert.equal(fresh.scope, 'vso.build');
    assert.deepEqual(run.outputs['token'], { value: fresh.token, secret: true });
    assert.ok(f.emu.control.pats.isValid(ORG, run.outputs['token'].value), 'the output token authenticates');
    assert.equal(f.pats().find((p) => p.authorizationId === old.authorizationId)?.state, 'revoked');
    assert.equal(f.emu.control.pats.isValid(ORG, old.token), false);
    assert.equal(run.outputs['rotated'].value, 'true');
    assert.equal(f.emu.log.count({ service: 'variableGroups' }), 0);
  });

  describe('confidential and public sign-in apps', () => {
    it('redeems a confidential app refresh token with clientSecret from a secret variable', async () => {
      const app = f.emu.control.entra.addApp({ kind: 'confidential' });
      f.extraSecrets.push(app.secret!);
      const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
      f.extraSecrets.push(refreshToken);
      f.seedPat('conf-list', { daysLeft: 40 });
      const run = await f.run(
        { action: 'list', clientId: app.clientId, refreshToken, clientSecret: app.secret! },
        { secretVariables: { 'PatLifecycle.RefreshToken': refreshToken, 'PatLifecycle.ClientSecret': app.secret! } },
      );
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
      f.assertNoSecrets(run);
      assert.ok(run.info.some((l) => /^conf-list\s/.test(l)), run.info.join('\n'));
      assert.equal(f.emu.control.entra.refreshTokenInfo(refreshToken)?.redemptions, 1);
    });

    it('fails with AADSTS7000218 when a confidential app refresh token comes without clientSecret', async () => {
      const app = f.emu.control.entra.addApp({ kind: 'confidential' });
      f.extraSecrets.push(app.secret!);
      const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
      f.extraSecrets.push(refreshToken);
      const run = await f.run({ action: 'list', clientId: app.clientId, refreshToken }, { secretVariables: { 'PatLifecycle.RefreshToken': refreshToken } });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /AADSTS7000218/);
      assert.equal(f.emu.log.count({ service: 'pats' }), 0);
      f.assertNoSecrets(run);
    });

    it('fails with AADSTS700025 when a public app is given a clientSecret', async () => {
      const bogus = 'pub-app-secret-~value-123456789';
      f.extraSecrets.push(bogus);
      const run = await f.run({ action: 'list', clientSecret: bogus }, { secretVariables: { 'PatLifecycle.RefreshToken': f.refreshToken, 'PatLifecycle.ClientSecret': bogus } });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /AADSTS700025/);
      assert.equal(f.emu.log.count({ service: 'pats' }), 0);
      f.assertNoSecrets(run);
    });
  });

  describe('variableGroupAuth: job', () => {
    it('needs the Build Service to be Administrator on the group, then writes with the job token', async () => {
      const group = f.addGroup('JobTokens');
      const { token: jobToken } = f.emu.control.entra.issueJobToken({ org: ORG, projectId: f.project.id });
      f.extraSecrets.push(jobToken);
      const inputs = { action: 'create', displayName: 'job-bot', scopes: 'vso.code', target: 'variableGroup', variableGroup: 'JobTokens', variableName: 'JobPat', variableGroupAuth: 'job' };
      const options = { system: { accessToken: jobToken } };

      const denied = await f.run(inputs, options);
      assert.equal(denied.result, 'Failed', denied.message);
      assert.match(denied.message ?? '', /Build Service/);
      assert.match(denied.message ?? '', /Administrator/);
      assert.equal(f.group(group).variables['JobPat'], undefined);
      f.assertNoSecrets(denied);

      f.emu.control.variableGroups.grant(ORG, group, f.project.buildService.objectId, 'Administrator');
      const ok = await f.run({ ...inputs, displayName: 'job-bot-2' }, options);
      assert.equal(ok.result, 'Succeeded', `${ok.message}\n${ok.stderr}`);
      f.assertNoSecrets(ok);
      const [pat] = f.activePats('job-bot-2');
      const vars = f.group(group).variables;
      assert.equal(vars['JobPat'].value, pat.token);
      assert.equal(vars['JobPat'].isSecret, true);
      assert.equal(vars['Unrelated'].value, 'keep me');
      const writes = f.emu.log.entries((e) => e.service === 'variableGroups' && e.method !== 'GET');
      assert.ok(writes.length > 0, 'the group was written');
    });
  });

  it('classic-style inputs: the connection through the ConnectedServiceName alias in a release works the same', async () => {
    const { vault, endpoint } = spConnection('classic-vault');
    const old = f.seedPat('classic-bot', { daysLeft: 1 });
    // The vault holds the PAT as an earlier run left it (value and tags).
    f.emu.control.keyVault.setSecret('classic-vault', 'ClassicPat', old.token, { tags: { authorizationId: old.authorizationId, validTo: old.validTo } });
    const run = await f.run(
      { action: 'rotate', displayName: 'classic-bot', target: 'keyVault', ConnectedServiceName: 'arm-classic', keyVault: vault.url, secretName: 'ClassicPat' },
      { endpoints: { 'arm-classic': endpoint }, system: { hostType: 'release' } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [fresh] = f.activePats('classic-bot');
    assert.notEqual(fresh.authorizationId, old.authorizationId);
    const latest = f.emu.control.keyVault.getSecret('classic-vault', 'ClassicPat').versions.at(-1);
    assert.equal(latest.value, fresh.token);
    assert.equal(latest.tags?.authorizationId, fresh.authorizationId);
    assert.equal(f.pats().find((p) => p.authorizationId === old.authorizationId)?.state, 'revoked');
  });

  it('a group shared with two projects keeps its other secret and its project references after rotate', async () => {
    const other = f.emu.control.devops.addProject(ORG, { name: 'Other' });
    const id = f.emu.control.variableGroups.add(ORG, PROJECT, {
      name: 'Shared',
      variables: { Unrelated: 'keep me', OtherSecret: { value: 'shared-other-secret-value', isSecret: true }, SharedPat: { value: 'pasted-by-hand', isSecret: true } },
      sharedWith: ['Other'],
      administrators: [f.user.userId],
    });
    const before = f.emu.control.variableGroups.get(ORG, id);
    const refsBefore = before.projectReferences.map((r: { projectId: string; projectName: string }) => `${r.projectId}/${r.projectName}`).sort();
    assert.equal(refsBefore.length, 2);
    f.seedPat('shared-bot', { daysLeft: 2 });

    const run = await f.run({ action: 'rotate', displayName: 'shared-bot', target: 'variableGroup', variableGroup: 'Shared', variableName: 'SharedPat' });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run, ['shared-other-secret-value']);

    const after = f.emu.control.variableGroups.get(ORG, id);
    const [fresh] = f.activePats('shared-bot');
    assert.equal(after.variables['SharedPat'].value, fresh.token);
    assert.equal(after.variables['OtherSecret'].value, 'shared-other-secret-value');
    assert.equal(after.variables['OtherSecret'].isSecret, true);
    assert.equal(after.variables['Unrelated'].value, 'keep me');
    const refsAfter = after.projectReferences.map((r: { projectId: string; projectName: string }) => `${r.projectId}/${r.projectName}`).sort();
    assert.deepEqual(refsAfter, refsBefore);
    assert.ok(refsAfter.includes(`${other.id}/Other`));
  });

  it('organization policy blockFullScope: a full-access create fails naming fullScopePatPolicyViolation, no PAT created', async () => {
    f.emu.control.devops.setPolicy(ORG, { blockFullScope: true });
    const run = await f.run({ action: 'create', displayName: 'full-bot', scopes: 'app_token', allowFullAccess: true, target: 'outputOnly' });
    assert.equal(run.result, 'Failed');
    assert.match(`${run.message}\n${run.errors.join('\n')}`, /fullScopePatPolicyViolation/);
    assert.equal(f.pats().filter((p) => p.displayName === 'full-bot').length, 0);
    assert.equal(run.outputs['token'], undefined);
    f.assertNoSecrets(run);
  });
});
