/**
 * Which PATs are the task's own (docs/design.md, "Ownership"), tried as a new user would: every test starts from an
 * organization that already has PATs (hand-made ones, same-name twins, unrelated ones) and groups that already hold
 * values. The bundled task runs as the agent runs it; the emulator's state is the judge.
 */
import { strict as assert } from 'node:assert';
import { TaskFixture, useTaskFixture, type SeededPat } from './task-fixture';

const DAY = 86_400_000;

describe('ownership: only PATs the task made or stored are revoked (black box)', function () {
  this.timeout(180_000);
  let f: TaskFixture;
  /** PATs someone made by hand before the task arrived; none may ever be revoked by it. */
  let handMade: SeededPat[];

  useTaskFixture((fixture) => {
    f = fixture;
    handMade = [f.seedPat('personal-laptop', { scope: 'vso.code', daysLeft: 200 }), f.seedPat('release-bot', { scope: 'vso.release', daysLeft: 12 })];
  });

  const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;
  function assertHandMadeAlive(): void {
    for (const p of handMade) assert.notEqual(state(p.authorizationId), 'revoked', `hand-made PAT ${p.displayName} was not revoked`);
  }
  const rotateInputs = (extra: Record<string, string | number | boolean> = {}) => ({
    action: 'rotate',
    displayName: 'feed',
    target: 'variableGroup',
    variableGroup: 'Tokens',
    variableName: 'FeedPat',
    rotateWhenExpiresWithinDays: 7,
    ...extra,
  });

  it('adopts a PAT someone stored by hand while it is not due: only the record changes, rotated=false, "adopted" in log and summary', async () => {
    const manual = f.seedPat('feed', { daysLeft: 80 });
    const group = f.addGroup('Tokens', { FeedPat: { value: manual.token, isSecret: true } });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    assert.equal(run.outputs['rotated'].value, 'false');
    assert.equal(run.outputs['token'], undefined);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(f.emu.log.count({ route: 'pats.revoke' }), 0);
    const vars = f.group(group).variables;
    assert.equal(vars['FeedPat'].value, manual.token, 'the value is untouched');
    assert.equal(vars['FeedPat.authorizationId'].value, manual.authorizationId);
    assert.match(run.visibleLog, /Adopted/);
    assert.match(run.summaryMarkdown ?? '', /adopted/);
    assert.equal(state(manual.authorizationId), 'active');
    assertHandMadeAlive();

    // Next day: nothing at all changes any more.
    f.emu.clock.advance(DAY);
    const next = await f.run(rotateInputs());
    assert.equal(next.result, 'Succeeded', next.message);
    assert.doesNotMatch(next.visibleLog, /Adopted/);
    assert.equal(f.emu.log.count({ route: /^variableGroups\.update/ }), 1, 'the adoption was the only write');
  });

  it('adopts and rotates at once when the adopted PAT is due: the new PAT stored, the adopted one revoked', async () => {
    const manual = f.seedPat('feed', { daysLeft: 3 });
    const group = f.addGroup('Tokens', { FeedPat: { value: manual.token, isSecret: true } });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const [fresh] = f.activePats('feed');
    assert.notEqual(fresh.authorizationId, manual.authorizationId);
    assert.equal(f.group(group).variables['FeedPat'].value, fresh.token);
    assert.equal(state(manual.authorizationId), 'revoked');
    assertHandMadeAlive();
  });

  it('several active PATs of the name and no record: an error listing them, before anything changes', async () => {
    const a = f.seedPat('feed', { daysLeft: 80 });
    const b = f.seedPat('feed', { daysLeft: 20 });
    const group = f.addGroup('Tokens', { FeedPat: { value: a.token, isSecret: true } });
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Failed');
    assert.ok(run.message!.includes(a.authorizationId) && run.message!.includes(b.authorizationId), run.message);
    assert.match(run.message!, /authorizationId/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(f.group(group).variables['FeedPat.authorizationId'], undefined);
    // Naming it settles it: recorded, not rotated.
    const named = await f.run(rotateInputs({ displayName: '', authorizationId: a.authorizationId }));
    assert.equal(named.result, 'Succeeded', named.message);
    assert.equal(f.group(group).variables['FeedPat.authorizationId'].value, a.authorizationId);
    assert.equal(state(b.authorizationId), 'active');
  });

  it('an empty destination is filled with a new PAT; the PAT it never held keeps working', async () => {
    const existing = f.seedPat('feed', { daysLeft: 60 });
    const group = f.addGroup('Tokens');
    const run = await f.run(rotateInputs());
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(run.outputs['rotated'].value, 'true');
    const stored = f.group(group).variables['FeedPat.authorizationId'].value;
    assert.notEqual(stored, existing.authorizationId);
    assert.equal(state(existing.authorizationId), 'active');
    assert.ok(run.warnings.some((w) => w.includes(existing.authorizationId) && /left alone/.test(w)), run.warnings.join('\n'));
  });

  it('hand-made twins (same name and scopes) survive create, rotate, dry run and bulk', async () => {
    const stored = f.seedPat('feed', { daysLeft: 3 });
    f.addGroup('Tokens', { FeedPat: { value: stored.token, isSecret: true } });
    await f.run(rotateInputs({ rotateWhenExpiresWithinDays: 0 })); // records it (adopt), rotates once
    const twins = [f.seedPat('feed', { daysLeft: 90 }), f.seedPat('feed', { daysLeft: 2 }), f.seedPat('build', { daysLeft: 30 })];
    f.seedPat('build', { daysLeft: 30 });
    const runs = [
      await f.run(rotateInputs({ dryRun: true, rotateWhenExpiresWithinDays: 0 })),
      await f.run(rotateInputs({ rotateWhenExpiresWithinDays: 0 })),
      await f.run(rotateInputs()),
      await f.run({ action: 'create', displayName: 'feed', scopes: 'vso.packaging', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'FeedPat' }),
      await f.run({ action: 'create', displayName: 'build', scopes: 'vso.packaging', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'BuildPat' }),
      await f.run({ action: 'rotate', displayName: 'feed\nbuild', takeNewest: true, target: 'variableGroup', variableGroup: 'Tokens', variableName: 'Pat.{name}', rotateWhenExpiresWithinDays: 0 }),
    ];
    for (const r of runs) assert.notEqual(r.result, 'Failed', `${r.message}\n${r.stderr}`);
    for (const t of twins) assert.equal(state(t.authorizationId), 'active', `twin ${t.displayName} ${t.authorizationId} survived`);
    assertHandMadeAlive();
    assert.ok(runs[1].visibleLog.includes(twins[0].authorizationId), 'the twin is named');
  });

  it('two destinations in one step (a group variable and a Key Vault secret) get the same PAT; a fault in either leaves both working', async () => {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: 'two-places', access: { [sp.objectId]: 'officer' } });
    const old = f.seedPat('feed', { daysLeft: 3 });
    const group = f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId });
    f.emu.control.keyVault.setSecret('two-places', 'FeedPat', old.token, { tags: { authorizationId: old.authorizationId } });
    const inputs = rotateInputs({ target: 'variableGroup, keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat' });
    const options = { endpoints: { arm: f.servicePrincipalEndpoint(sp) } };
    const kvLatest = () => f.emu.control.keyVault.getSecret('two-places', 'FeedPat')!.versions.at(-1)!;

    // A fault in the variable group (written last): Key Vault is put back, the new PAT revoked.
    // The group's first PUT carries this run's intent, the second the value.
    const putFault = f.emu.faults.add({ route: /^variableGroups\.update/, nth: 2, kind: 'status', status: 500, times: 10 });
    const failedVg = await f.run(inputs, options);
    f.emu.faults.remove(putFault);
    f.emu.clock.advance(16 * 60_000);
    assert.equal(failedVg.result, 'Failed', failedVg.message);
    assert.equal(kvLatest().value, old.token, 'Key Vault holds the old PAT again');
    assert.equal(f.group(group).variables['FeedPat'].value, old.token);
    assert.deepEqual(f.activePats('feed').map((p) => p.authorizationId), [old.authorizationId]);

    // A fault in Key Vault (written first): nothing to put back, the new PAT revoked.
    const kvFault = f.emu.faults.add({ route: 'kv.set', kind: 'status', status: 500, times: 10 });
    const failedKv = await f.run(inputs, options);
    f.emu.faults.remove(kvFault);
    assert.equal(failedKv.result, 'Failed', failedKv.message);
    assert.equal(kvLatest().value, old.token);
    assert.deepEqual(f.activePats('feed').map((p) => p.authorizationId), [old.authorizationId]);

    f.emu.clock.advance(16 * 60_000);
    const ok = await f.run(inputs, options);
    assert.equal(ok.result, 'Succeeded', `${ok.message}\n${ok.stderr}`);
    f.assertNoSecrets(ok);
    const [fresh] = f.activePats('feed');
    assert.equal(kvLatest().value, fresh.token);
    assert.equal(kvLatest().tags?.authorizationId, fresh.authorizationId);
    assert.equal(f.group(group).variables['FeedPat'].value, fresh.token);
    assert.equal(state(old.authorizationId), 'revoked');
    assertHandMadeAlive();
  });

  it('names that a displayNamePattern expands to are checked for collisions before anything changes', async () => {
    f.seedPat('feed one', { daysLeft: 2 });
    f.seedPat('feed_one', { daysLeft: 2 });
    f.addGroup('Tokens');
    const run = await f.run({ action: 'rotate', displayNamePattern: 'feed*', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'Pat.{name}' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message!, /'feed one' and 'feed_one' would both be written to 'Pat\.feed_one'/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);

    // A matched name that lands on the refresh token's variable.
    f.seedPat('RefreshToken', { daysLeft: 2 });
    f.addGroup('signin', { 'PatLifecycle.RefreshToken': { value: f.refreshToken, isSecret: true } });
    const onRt = await f.run({
      action: 'rotate',
      displayNamePattern: 'Refresh*',
      target: 'variableGroup',
      variableGroup: 'signin',
      variableName: 'PatLifecycle.{name}',
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: 'signin',
      refreshTokenVariableName: 'PatLifecycle.RefreshToken',
    });
    assert.equal(onRt.result, 'Failed');
    assert.match(onRt.message!, /refresh token/);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
  });
});
