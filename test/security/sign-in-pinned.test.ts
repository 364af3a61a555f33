/**
 * The stored sign-in is pinned to its user (issue 22, item 6): a refresh token of another user, put in the step's input
 * through a queue-time variable or an earlier step's setvariable, must not replace the stored sign-in. Black box: the
 * bundled task against the emulator.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { TaskFixture, useTaskFixture } from '../task/task-fixture';

describe('security: the stored sign-in is pinned to its user (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture), { shared: true });

  it("a run signing in as another user fails before writing anything, naming both accounts and how to change the account on purpose", async () => {
    const groupName = `signin-${randomBytes(3).toString('hex')}`;
    const group = f.addGroup(groupName, { 'PatLifecycle.RefreshToken': { value: f.refreshToken, isSecret: true } });
    const store = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: groupName, refreshTokenVariableName: 'PatLifecycle.RefreshToken' };

    const first = await f.run({ action: 'list', ...store });
    assert.equal(first.result, 'Succeeded', first.message);
    const adas = f.group(group).variables['PatLifecycle.RefreshToken'].value;
    assert.equal(f.group(group).variables['PatLifecycle.RefreshToken.userObjectId']?.value, f.user.userId, "the store records the signed-in user's object ID");

    const mallory = f.emu.control.entra.addUser({ upn: 'mallory@contoso.com', displayName: 'Mallory' });
    const planted = f.emu.control.entra.signIn({ userId: mallory.userId, clientId: f.clientId }).refreshToken;
    f.extraSecrets.push(planted);
    f.emu.log.clear();
    const second = await f.run({ action: 'list', ...store, refreshToken: planted }, { secretVariables: { 'PatLifecycle.RefreshToken': adas } });
    assert.equal(second.result, 'Failed', second.message);
    const message = second.message ?? '';
    assert.match(message, /mallory@contoso\.com/);
    assert.match(message, new RegExp(f.user.userId));
    assert.match(message, /ada@contoso\.com/);
    assert.match(message, /pat-lifecycle(-cli)? login --tenant-id/, 'how to re-seed on purpose');
    assert.equal(f.group(group).variables['PatLifecycle.RefreshToken'].value, adas, "the stored sign-in is still Ada's");
    assert.equal(f.emu.log.count({ route: /^variableGroups\.update/ }), 0, 'no group was written');
    assert.equal(second.variables['PatLifecycle.RefreshToken'], undefined, "no later step is handed Mallory's token");
    f.assertNoSecrets(second);
  });
});
