/**
 * The bundled task, run as the agent runs it, against the emulator: what a pipeline would see, and what changed.
 * Every run is scanned for secrets in the log, the summary and the request log.
 */
import { strict as assert } from 'node:assert';
import { ORG, TaskFixture, useTaskFixture } from './task-fixture';

describe('PatLifecycle@1 (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  it('rotates a PAT into a variable group with the user token, saving the rolled refresh token first', async () => {
    const old = f.seedPat('feed-reader', { scope: 'vso.packaging vso.code', daysLeft: 3 });
    // The group holds the PAT, pasted by hand: the task adopts it, and rotates it since it is due.
    const patGroup = f.addGroup('Tokens', { Keep: { value: 'other-secret-value', isSecret: true }, FeedPat: { value: old.token, isSecret: true } });
    const signinGroup = f.addGroup('signin', { 'PatLifecycle.RefreshToken': { value: f.refreshToken, isSecret: true } });
    const run = await f.run({
      action: 'rotate',
      displayName: 'feed-reader',
      target: 'variableGroup',
      variableGroup: 'Tokens',
      variableName: 'FeedPat',
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: 'signin',
      refreshTokenVariableName: 'PatLifecycle.RefreshToken',
      outputRefreshToken: true,
    });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);

    const active = f.activePats('feed-reader');
    assert.equal(active.length, 1);
    const fresh = active[0];
    assert.notEqual(fresh.authorizationId, old.authorizationId);
    assert.equal(fresh.scope, 'vso.packaging vso.code');
    assert.equal(f.pats().find((p) => p.authorizationId === old.authorizationId)?.state, 'revoked');

    const vars = f.group(patGroup).variables;
    assert.equal(vars['FeedPat'].value, fresh.token);
    assert.equal(vars['FeedPat'].isSecret, true);
    assert.equal(vars['FeedPat.authorizationId'].value, fresh.authorizationId);
    assert.equal(vars['Unrelated'].value, 'keep me');
    assert.equal(vars['Keep'].value, 'other-secret-value');

    assert.deepEqual(run.outputs['token'], { value: fresh.token, secret: true });
    assert.deepEqual(run.outputs['authorizationId'], { value: fresh.authorizationId, secret: false });
    assert.equal(run.outputs['rotated'].value, 'true');
    assert.equal(run.outputs['validTo']?.value.slice(0, 10), fresh.validTo.slice(0, 10));

    const rolled = run.outputs['refreshToken'];
    assert.ok(rolled?.secret && rolled.value !== f.refreshToken, 'a new refresh token, as a secret output');
    assert.equal(f.group(signinGroup).variables['PatLifecycle.RefreshToken'].value, rolled.value);
    assert.deepEqual(run.variables['PatLifecycle.RefreshToken'], { value: rolled.value, secret: true });
    for (const s of [f.refreshToken, rolled.value, fresh.token]) assert.ok(run.secretsRegistered.includes(s), 'registered with the masker');
    assert.equal(f.emu.control.entra.refreshTokenInfo(f.refreshToken)?.redemptions, 1, 'the refresh token is redeemed once');
    const rtWrite = f.emu.log.entries({ route: /^variableGroups\.update/ })[0];
    const create = f.emu.log.entries({ route: 'pats.create' })[0];
    assert.ok(rtWrite && create && rtWrite.seq < create.seq, 'the refresh token is saved before the PAT is created');

    assert.match(run.summaryMarkdown ?? '', /\| feed-reader \| vso\.packaging vso\.code \|.*\| rotated: new PAT valid until/);
    assert.ok(run.progress.length > 0 && run.progress.at(-1)!.value === 100);
  });

  it('leaves a PAT that is not due alone (rotated=false) and changes nothing', async () => {
    f.seedPat('feed-reader', { daysLeft: 25 });
    const first = await f.run({ action: 'rotate', displayName: 'feed-reader', target: 'variableGroup', variableGroup: String(f.addGroup('Tokens')), variableName: 'FeedPat', rotateWhenExpiresWithinDays: 7 });
    assert.equal(first.result, 'Succeeded', first.message);
    assert.equal(first.outputs['rotated'].value, 'true', 'the empty store is filled on the first run');
    const second = await f.run({ action: 'rotate', displayName: 'feed-reader', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'FeedPat' });
    assert.equal(second.result, 'Succeeded', second.message);
    assert.equal(second.outputs['rotated'].value, 'false');
    assert.equal(second.outputs['token'], undefined);
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 1);
    f.assertNoSecrets(second);
  });

  it('creates a PAT to the output variable only', async () => {
    const run = await f.run({ action: 'create', displayName: 'ci-bot', scopes: 'vso.build, code', target: 'outputOnly', lifetimeDays: 10 });
    assert.equal(run.result, 'Succeeded', run.message);
    const [pat] = f.activePats('ci-bot');
    assert.equal(pat.scope, 'vso.build vso.code');
    assert.deepEqual(run.outputs['token'], { value: pat.token, secret: true });
    assert.equal(f.emu.log.count({ service: 'variableGroups' }), 0);
    f.assertNoSecrets(run);
  });

  it('lists the PATs with days left, warning about those inside the window', async () => {
    f.seedPat('soon', { daysLeft: 2 });
    f.seedPat('later', { daysLeft: 60 });
    const run = await f.run({ action: 'list', rotateWhenExpiresWithinDays: 7 });
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.ok(run.info.some((l) => /^soon\s+vso\.packaging\s+\d{4}-\d\d-\d\d\s+2\s/.test(l)), run.info.join('\n'));
    assert.ok(run.info.some((l) => /^later\s/.test(l)));
    assert.ok(run.warnings.some((w) => /'soon'.*expires on/.test(w)));
    f.assertNoSecrets(run);
  });

  it('dry run changes nothing: no PAT, no variable group, not even the refresh token store', async () => {
    f.seedPat('feed-reader', { daysLeft: 3 });
    const group = f.addGroup('Tokens');
    f.addGroup('signin', { 'PatLifecycle.RefreshToken': { value: f.refreshToken, isSecret: true } });
    const before = JSON.stringify(f.pats());
    const run = await f.run({
      action: 'rotate',
      dryRun: true,
      displayName: 'feed-reader',
      variableGroup: 'Tokens',
      variableName: 'FeedPat',
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: 'signin',
      refreshTokenVariableName: 'PatLifecycle.RefreshToken',
    });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.equal(JSON.stringify(f.pats()), before);
    assert.equal(f.group(group).variables['FeedPat'], undefined);
    const writes = f.emu.log.entries((e) => (e.service === 'pats' || e.service === 'variableGroups') && e.method !== 'GET');
    assert.deepEqual(writes.map((e) => e.route), []);
    assert.equal(run.outputs['rotated'].value, 'false');
    assert.ok(run.info.some((l) => /^Dry run, would create PAT 'feed-reader'/.test(l)), run.info.join('\n'));
    f.assertNoSecrets(run);
  });

  it('refuses bad inputs before any request, naming each input', async () => {
    const run = await f.run({ action: 'rotate', tenantId: 'not-a-tenant', displayName: 'x', variableGroup: 'Tokens', variableName: 'has space', lifetimeDays: 0 });
    assert.equal(run.result, 'Failed');
    assert.equal(f.emu.log.count(), 0, 'no request was sent');
    for (const input of ['tenantId', 'variableName', 'lifetimeDays']) assert.ok(run.errors.some((e) => e.includes(`Input '${input}'`)), `${input} named: ${run.errors.join('\n')}`);
    assert.equal(run.exitCode, 1);
    f.assertNoSecrets(run);
  });

  it('refuses a PAT pasted as the refresh token without showing it', async () => {
    const pat = f.seedPat('some-pat');
    f.extraSecrets.push(pat.token);
    const run = await f.run({ action: 'list', refreshToken: pat.token });
    assert.equal(run.result, 'Failed');
    assert.ok(run.errors.some((e) => /personal access token, not a refresh token/.test(e)));
    assert.equal(f.emu.log.count(), 0);
    f.assertNoSecrets(run);
  });

  it('never echoes a refresh token passed through a plain (non-secret) variable, even with debug logging on', async () => {
    f.seedPat('feed-reader', { daysLeft: 20 });
    const run = await f.run({ action: 'list' }, { secretVariables: {}, variables: { 'System.Debug': 'true' } });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.ok(run.debug.length > 10, 'debug logging was on');
    assert.equal(run.secretsRegistered[0], f.refreshToken, 'the refresh token is the first thing registered');
    const firstMention = run.stdout.indexOf(f.refreshToken);
    assert.equal(run.stdout.slice(0, firstMention).split('\n').pop(), '##vso[task.setsecret]', 'it appears only in its own setsecret command');
    f.assertNoSecrets(run);
  });

  it('writes no debug lines when System.Debug is off (the agent drops them), and writes them when it is on', async () => {
    f.seedPat('feed-reader', { daysLeft: 20 });
    // task-lib reads these two before it knows the mode, and echoes them.
    const modeEcho = /^(system\.debug|DistributedTask\.Tasks\.Node\.SkipDebugLogsWhenDebugModeOff)=/;
    const off = await f.run({ action: 'list' }, { variables: { 'System.Debug': 'false' } });
    assert.equal(off.result, 'Succeeded', off.message);
    assert.deepEqual(off.debug.filter((l) => !modeEcho.test(l)), []);
    const on = await f.run({ action: 'list' }, { variables: { 'System.Debug': 'true' } });
    assert.equal(on.result, 'Succeeded', on.message);
    assert.ok(on.debug.some((l) => l.startsWith('Request: ')), 'the request log is written with System.Debug true');
  });

  it('fails with the sign-in cause and a fix when Entra refuses the refresh token', async () => {
    f.emu.control.entra.failNextRedemption({ code: 700082 });
    const run = await f.run({ action: 'list' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /AADSTS700082/);
    assert.match(run.message ?? '', /pat-lifecycle login/);
    assert.equal(f.emu.log.count({ service: 'pats' }), 0);
    f.assertNoSecrets(run);
  });

  it('bulk: rotates several PATs into their own variables, one missing name failing the step', async () => {
    const a = f.seedPat('build-a', { daysLeft: 2 });
    const b = f.seedPat('build-b', { daysLeft: 2 });
    const group = f.addGroup('Tokens', {
      'Pat.build-a': { value: a.token, isSecret: true },
      'Pat.build-a.authorizationId': a.authorizationId,
      'Pat.build-b': { value: b.token, isSecret: true },
      'Pat.build-b.authorizationId': b.authorizationId,
    });
    const run = await f.run({ action: 'rotate', displayName: 'build-a\nbuild-b\nmissing', variableGroup: 'Tokens', variableName: 'Pat.{name}', concurrency: 2 });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /rotate: 2 rotated, 1 failed/);
    const vars = f.group(group).variables;
    assert.equal(vars['Pat.build-a'].value, f.activePats('build-a')[0].token);
    assert.equal(vars['Pat.build-b'].value, f.activePats('build-b')[0].token);
    assert.equal(run.outputs['token'], undefined);
    f.assertNoSecrets(run);
  });

  it('revokes by name; a second run finds it gone and still succeeds', async () => {
    f.seedPat('old-bot');
    const first = await f.run({ action: 'revoke', displayName: 'old-bot' });
    assert.equal(first.result, 'Succeeded', first.message);
    assert.equal(f.activePats('old-bot').length, 0);
    const second = await f.run({ action: 'revoke', displayName: 'old-bot' });
    assert.equal(second.result, 'Succeeded', second.message);
    assert.match(second.summaryMarkdown ?? '', /already revoked or expired/);
    f.assertNoSecrets(second);
  });

  it(`updates a PAT's expiry in ${ORG}`, async () => {
    const pat = f.seedPat('feed', { daysLeft: 2 });
    const run = await f.run({ action: 'update', authorizationId: pat.authorizationId, lifetimeDays: 20 });
    assert.equal(run.result, 'Succeeded', run.message);
    const after = f.pats().find((p) => p.authorizationId === pat.authorizationId)!;
    assert.ok(Date.parse(after.validTo) > f.emu.clock.now() + 19 * 86_400_000);
    assert.equal(run.outputs['token'], undefined);
    f.assertNoSecrets(run);
  });
});
