/**
 * A variable group linked to Azure Key Vault lists secret names and holds no values: as the PAT's destination or as
 * the refresh token store it stops the run before any PAT is created and before the renewed refresh token is written
 * anywhere, naming the group, its vault and the Key Vault inputs to use instead.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';
import type { TaskRun } from '../support/run-task';

const RT_VARIABLE = 'PatLifecycle.RefreshToken';
const VAULT = 'contoso-secrets';

describe('PatLifecycle@1 with a variable group linked to Key Vault (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => {
    f = fixture;
    f.seedPat('feed-reader', { daysLeft: 3 });
  });

  function addLinkedGroup(name: string, secret: string): number {
    return f.emu.control.variableGroups.add(ORG, PROJECT, {
      name,
      variables: {},
      administrators: [f.user.userId, f.project.buildService.objectId],
      keyVault: { serviceEndpointId: '0f8fad5b-d9cb-469f-a165-70867728950e', vault: VAULT, secrets: { [secret]: { contentType: 'text/plain' } } },
    });
  }

  /** Nothing changed: no PAT created or revoked, no variable group written, no refresh token handed on. */
  function assertNothingChanged(run: TaskRun): void {
    assert.equal(run.result, 'Failed', run.message);
    assert.equal(f.emu.log.count({ route: /^pats\.(create|revoke|update)$/ }), 0, 'no PAT call that changes anything');
    assert.equal(f.emu.log.count({ route: /^variableGroups\.(update|updateProject|create)/ }), 0, 'no variable group written');
    assert.equal(run.outputs['refreshToken'], undefined, 'the renewed refresh token is not handed on');
    assert.equal(run.variables[RT_VARIABLE], undefined);
    assert.equal(f.activePats('feed-reader').length, 1);
    f.assertNoSecrets(run);
  }

  it('as the PAT destination: fails before any PAT is created or the refresh token is saved, naming the group, the vault and target keyVault', async () => {
    addLinkedGroup('from-vault', 'FeedPat');
    f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });
    const run = await f.run({
      action: 'rotate',
      displayName: 'feed-reader',
      variableGroup: 'from-vault',
      variableName: 'FeedPat',
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: 'signin',
      refreshTokenVariableName: RT_VARIABLE,
    });
    assertNothingChanged(run);
    const message = run.message ?? '';
    assert.match(message, /Variable group 'from-vault' \(id \d+\) in project 'Proj' is linked to Azure Key Vault 'contoso-secrets'/);
    assert.match(message, /cannot write the new PAT/);
    assert.match(message, /Fix: Store the PAT in the vault itself: target: keyVault with keyVault: contoso-secrets/);
    assert.match(message, /picks up the new secret version by itself/);
  });

  it('as the refresh token store: fails before any PAT is created or anything written, naming the group, the vault and refreshTokenStore keyVault', async () => {
    addLinkedGroup('signin-vault', 'PatLifecycle-RefreshToken');
    f.addGroup('Tokens');
    const run = await f.run({
      action: 'rotate',
      displayName: 'feed-reader',
      variableGroup: 'Tokens',
      variableName: 'FeedPat',
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: 'signin-vault',
      refreshTokenVariableName: 'PatLifecycle-RefreshToken',
    });
    assertNothingChanged(run);
    const message = run.message ?? '';
    assert.match(message, /Variable group 'signin-vault' \(id \d+\) in project 'Proj' is linked to Azure Key Vault 'contoso-secrets'/);
    assert.match(message, /cannot write the renewed refresh token/);
    assert.match(message, /Fix: Save the refresh token in the vault itself: refreshTokenStore: keyVault with keyVault: contoso-secrets/);
  });

  it("with variableGroupAuth job: found before signing in, so the refresh token is not even redeemed", async () => {
    addLinkedGroup('from-vault', 'FeedPat');
    const { token: jobToken } = f.emu.control.entra.issueJobToken({ org: ORG, projectId: f.project.id });
    f.extraSecrets.push(jobToken);
    const run = await f.run(
      { action: 'rotate', displayName: 'feed-reader', variableGroup: 'from-vault', variableName: 'FeedPat', variableGroupAuth: 'job' },
      { system: { accessToken: jobToken } },
    );
    assertNothingChanged(run);
    assert.match(run.message ?? '', /linked to Azure Key Vault 'contoso-secrets'.*Fix: Store the PAT in the vault itself/);
    assert.equal(f.emu.log.count({ service: 'entra' }), 0, 'no sign-in');
    assert.equal(f.emu.control.entra.refreshTokenInfo(f.refreshToken)?.redemptions ?? 0, 0);
  });
});
