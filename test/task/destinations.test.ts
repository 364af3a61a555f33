/**
 * Where the task writes, as the agent runs it against the emulator: variable groups live in the pipeline's own
 * organization and project (or destinationProject) whatever `organization` manages, and the refresh token store is a
 * choice the user must make, with a warning on every run that chose `none`.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';

const RT_VARIABLE = 'PatLifecycle.RefreshToken';

/** The PAT 'feed-reader' rotated into group 'Tokens', the refresh token kept in group 'signin'. */
function rotateIntoGroups(extra: Record<string, string>): Record<string, string> {
  return {
    action: 'rotate',
    displayName: 'feed-reader',
    variableGroup: 'Tokens',
    variableName: 'FeedPat',
    refreshTokenStore: 'variableGroup',
    refreshTokenVariableGroup: 'signin',
    refreshTokenVariableName: RT_VARIABLE,
    // These tests compare the group with the token Entra rolled, which leaves the step only when asked for.
    outputRefreshToken: 'true',
    ...extra,
  };
}

describe('PatLifecycle@1 destinations (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  it("rotates a PAT of organization fabrikam into a variable group of the pipeline's organization contoso", async () => {
    f.emu.control.devops.addOrganization({ name: 'fabrikam' });
    f.emu.control.devops.addProject('fabrikam', { name: PROJECT });
    const validTo = new Date(f.emu.clock.now() + 3 * 86_400_000).toISOString();
    const old = f.emu.control.pats.create('fabrikam', f.user.userId, { displayName: 'feed-reader', scope: 'vso.packaging', validTo });
    // The group holds the PAT, pasted by hand: adopted, and rotated since it is due.
    const tokens = f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true } });
    const signin = f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });

    const run = await f.run(rotateIntoGroups({ organization: 'fabrikam' }));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);

    const fresh = f.emu.control.pats.list('fabrikam', f.user.userId).filter((p: { state: string; displayName: string }) => p.state === 'active' && p.displayName === 'feed-reader');
    assert.equal(fresh.length, 1);
    assert.notEqual(fresh[0].authorizationId, old.authorizationId);
    assert.equal(f.pats().length, 0, 'no PAT in contoso');
    assert.equal(f.group(tokens).variables['FeedPat'].value, fresh[0].token, 'the fabrikam PAT is in the contoso group');
    assert.equal(f.group(signin).variables[RT_VARIABLE].value, run.outputs['refreshToken']?.value, 'the refresh token is in the contoso group');
    const groupCalls = f.emu.log.entries({ service: 'variableGroups' });
    assert.ok(groupCalls.length > 0);
    assert.deepEqual(groupCalls.filter((e) => !e.path.startsWith(`/${ORG}/`)).map((e) => `${e.method} ${e.path}`), [], 'no variable group call outside contoso');
    assert.ok(f.emu.log.entries({ route: 'pats.create' }).every((e) => e.path.startsWith('/fabrikam/')));
  });

  it('writes the PAT and the refresh token to groups of destinationProject, another project of the organization', async () => {
    const old = f.seedPat('feed-reader', { daysLeft: 3 });
    f.emu.control.devops.addProject(ORG, { name: 'Platform' });
    const admins = [f.user.userId];
    const tokens = f.emu.control.variableGroups.add(ORG, 'Platform', { name: 'Tokens', variables: { FeedPat: { value: old.token, isSecret: true } }, administrators: admins });
    const signin = f.emu.control.variableGroups.add(ORG, 'Platform', { name: 'signin', variables: { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } }, administrators: admins });
    const decoy = f.addGroup('Tokens');

    const run = await f.run(rotateIntoGroups({ destinationProject: 'Platform' }));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const [fresh] = f.activePats('feed-reader');
    assert.equal(f.emu.control.variableGroups.get(ORG, tokens).variables['FeedPat'].value, fresh.token);
    assert.equal(f.emu.control.variableGroups.get(ORG, signin).variables[RT_VARIABLE].value, run.outputs['refreshToken']?.value);
    assert.equal(f.group(decoy).variables['FeedPat'], undefined, "the pipeline's own project is left alone");
  });

  it("names destinationProject when the project of the groups does not exist in the pipeline's organization", async () => {
    f.seedPat('feed-reader', { daysLeft: 3 });
    const run = await f.run({ action: 'rotate', displayName: 'feed-reader', destinationProject: 'Platfrom', variableGroup: 'Tokens', variableName: 'FeedPat' });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /Project 'Platfrom' was not found in organization 'contoso'/);
    assert.match(run.message ?? '', /Fix: .*destinationProject/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
  });

  it('refuses a run without refreshTokenStore before any request, naming the input and its choices (list and check may leave it out)', async () => {
    const run = await f.run({ action: 'rotate', displayName: 'feed-reader', target: 'outputOnly', refreshTokenStore: undefined });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /Input 'refreshTokenStore': is required.*no default.*Fix: set it to one of: none, variableGroup, keyVault/);
    assert.equal(f.emu.log.count(), 0, 'the emulator saw no request');
    f.assertNoSecrets(run);
  });

  it('list without refreshTokenStore runs and saves nothing: it writes nothing else', async () => {
    f.seedPat('feed-reader', { daysLeft: 60 });
    const run = await f.run({ action: 'list', refreshTokenStore: undefined }, { secretVariables: {} });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(f.emu.log.entries().filter((e) => e.method !== 'GET' && e.service !== 'entra').length, 0);
    f.assertNoSecrets(run);
  });

  it('warns on every run with refreshTokenStore none, saying the 90-day limit and what to set, and still succeeds', async () => {
    f.seedPat('feed-reader', { daysLeft: 60 });
    for (let i = 0; i < 2; i++) {
      const run = await f.run({ action: 'list', refreshTokenStore: 'none' }, { secretVariables: {} });
      assert.equal(run.result, 'Succeeded', run.message);
      const warning = run.warnings.find((w) => w.includes("refreshTokenStore is 'none'"));
      assert.ok(warning, `run ${i + 1} warns: ${run.warnings.join('\n')}`);
      assert.match(warning, /at most 90 days after the sign-in/);
      assert.match(warning, /set refreshTokenStore to 'variableGroup' .* or 'keyVault'/);
      assert.match(run.summaryMarkdown ?? '', /refreshTokenStore is 'none'/);
      f.assertNoSecrets(run);
    }
  });
});
