/**
 * A stored PAT revoked outside the task (Azure DevOps found it leaked, an administrator or its owner revoked it), as a
 * user meets it: a rotation stored PAT P1, P1 is revoked by hand, and the next scheduled run comes while P1 is not due
 * by date. Every organization here is realistic: a hand-made twin with the same name and scopes, and an older expired
 * PAT of the same name, neither of which may be taken for P1 or revoked. The bundled task runs as the agent runs it.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture, type SeededPat } from './task-fixture';
import type { TaskRun } from '../support/run-task';

const DAY = 86_400_000;

describe('a stored PAT revoked outside the task is named as revoked and replaced at once (black box)', function () {
  this.timeout(180_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;
  const patOf = (token: string | undefined) => (token ? f.emu.control.pats.findByToken(token) : undefined);

  /** An older PAT of the name that expired a week ago, and a hand-made twin (same name and scopes) made since. */
  function realisticOrganization(name: string): { expired: SeededPat; twin: SeededPat } {
    const expired = f.seedPat(name, { scope: 'vso.packaging', daysLeft: 1 });
    f.emu.clock.advance(8 * DAY);
    const twin = f.seedPat(name, { scope: 'vso.packaging', daysLeft: 90 });
    return { expired, twin };
  }

  /** The PATs now active of that name that none of the `others` are: the one the task just made. */
  function newPat(name: string, others: readonly string[]): SeededPat {
    const made = f.activePats(name).filter((p) => !others.includes(p.authorizationId));
    assert.equal(made.length, 1, `one new PAT '${name}': ${made.map((p) => p.authorizationId).join(', ')}`);
    return made[0];
  }

  /** What every leak run must show: named as revoked (not expired), each holder, the causes, what to do; issues; nothing revoked. */
  function assertReportedAsRevoked(run: TaskRun, revoked: SeededPat, holders: readonly RegExp[], revokesBefore: number): void {
    assert.equal(run.result, 'SucceededWithIssues', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const report = run.warnings.find((w) => w.includes(revoked.authorizationId) && /revoked, not expired/.test(w));
    assert.ok(report, `a warning names ${revoked.authorizationId} as revoked:\n${run.warnings.join('\n')}`);
    for (const h of holders) assert.match(report!, h);
    assert.match(report!, /found it revoked on \d{4}-\d{2}-\d{2}/);
    assert.match(report!, /leaked/);
    assert.match(report!, /administrator/);
    assert.match(report!, /next read/);
    assert.doesNotMatch(run.visibleLog, /had already expired/, 'a revocation is not reported as an expiry');
    const summary = run.summaryMarkdown ?? '';
    const top = summary.indexOf('Revoked outside the task');
    assert.ok(top > 0 && top < summary.indexOf('| PAT |'), `the summary opens with the revocation:\n${summary}`);
    assert.ok(summary.slice(top, summary.indexOf('| PAT |')).includes(revoked.authorizationId));
    assert.equal(f.emu.log.count({ route: 'pats.revoke' }), revokesBefore, 'the run revoked nothing');
  }

  const groupInputs = (extra: Record<string, string | number | boolean> = {}) => ({
    action: 'rotate',
    displayName: 'nuget-feed',
    target: 'variableGroup',
    variableGroup: 'Tokens',
    variableName: 'FeedPat',
    rotateWhenExpiresWithinDays: 7,
    ...extra,
  });

  it('variable group: replaced at once with the revoked PAT\'s name and scopes, reported as revoked (not expired), the twin and the expired PAT untouched', async () => {
    const { expired, twin } = realisticOrganization('nuget-feed');
    const group = f.addGroup('Tokens');
    const first = await f.run(groupInputs({ scopes: 'vso.packaging_write' }));
    assert.equal(first.result, 'Succeeded', `${first.message}\n${first.stderr}`);
    const p1 = newPat('nuget-feed', [twin.authorizationId]);
    assert.equal(f.group(group).variables['FeedPat.authorizationId'].value, p1.authorizationId);

    f.emu.clock.advance(2 * DAY);
    assert.ok(f.emu.control.pats.revoke(ORG, p1.authorizationId));
    f.emu.clock.advance(DAY);
    const revokes = f.emu.log.count({ route: 'pats.revoke' });
    const run = await f.run(groupInputs());
    assertReportedAsRevoked(run, p1, [/variable group 'Tokens', variable 'FeedPat'/], revokes);

    const p2 = newPat('nuget-feed', [twin.authorizationId, p1.authorizationId]);
    const vars = f.group(group).variables;
    assert.equal(vars['FeedPat'].value, p2.token, 'consumers read a working PAT again');
    assert.equal(vars['FeedPat.authorizationId'].value, p2.authorizationId);
    assert.equal(vars['FeedPat.replaced'], undefined, 'nothing is left to revoke');
    assert.equal(p2.scope, p1.scope, "the revoked PAT's scopes");
    assert.equal(run.outputs['rotated'].value, 'true');
    assert.ok(run.warnings.some((w) => w.includes(p2.authorizationId)), 'the report names the replacement');
    assert.ok(run.warnings.some((w) => w.includes(twin.authorizationId) && /left alone/.test(w)), 'the twin is named, not taken');
    assert.equal(state(twin.authorizationId), 'active');
    assert.equal(state(expired.authorizationId), 'expired');
    assert.equal(state(p1.authorizationId), 'revoked');

    // The next run finds everything in order: back to a plain "not due", no issue, and as cheap as ever: the recorded
    // PAT is in the one list of active PATs, so no PAT request is spent on learning what became of it.
    f.emu.clock.advance(DAY);
    const seen = f.emu.log.entries().length;
    const next = await f.run(groupInputs());
    assert.equal(next.result, 'Succeeded', next.message);
    assert.equal(next.outputs['rotated'].value, 'false');
    assert.deepEqual(f.emu.log.entries().slice(seen).filter((e) => e.service === 'pats').map((e) => e.route), ['pats.list']);
  });

  it('an expired stored PAT keeps its own message, naming the recorded PAT rather than an older one of the name', async () => {
    const older = f.seedPat('nuget-feed', { daysLeft: 1 });
    f.emu.clock.advance(3 * DAY);
    const stored = f.seedPat('nuget-feed', { daysLeft: 5 });
    f.addGroup('Tokens', { FeedPat: { value: stored.token, isSecret: true }, 'FeedPat.authorizationId': stored.authorizationId });
    f.emu.clock.advance(6 * DAY);
    const run = await f.run(groupInputs());
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const expiry = run.warnings.find((w) => /had already expired/.test(w));
    assert.ok(expiry?.includes(stored.authorizationId) && expiry.includes(stored.validTo.slice(0, 10)), run.warnings.join('\n'));
    assert.ok(!expiry!.includes(older.authorizationId));
    assert.doesNotMatch(run.visibleLog, /revoked, not expired/);
  });

  it('Key Vault: the secret gets the replacement, tags naming it, and the report names the secret', async () => {
    const { twin } = realisticOrganization('nuget-feed');
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: 'leak-vault', access: { [sp.objectId]: 'officer' } });
    const p1 = f.seedPat('nuget-feed', { scope: 'vso.packaging', daysLeft: 30 });
    f.emu.control.keyVault.setSecret('leak-vault', 'FeedPat', p1.token, { tags: { authorizationId: p1.authorizationId, validTo: p1.validTo } });
    f.emu.control.pats.revoke(ORG, p1.authorizationId);
    const revokes = f.emu.log.count({ route: 'pats.revoke' });
    const run = await f.run(
      { action: 'rotate', displayName: 'nuget-feed', target: 'keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat', rotateWhenExpiresWithinDays: 7 },
      { endpoints: { arm: f.servicePrincipalEndpoint(sp) } },
    );
    assertReportedAsRevoked(run, p1, [/Key Vault 'leak-vault', secret 'FeedPat'/], revokes);
    const latest = f.emu.control.keyVault.getSecret('leak-vault', 'FeedPat').versions.at(-1);
    const p2 = patOf(latest.value);
    assert.equal(p2?.state, 'active');
    assert.equal(p2?.displayName, 'nuget-feed');
    assert.equal(latest.tags?.authorizationId, p2?.authorizationId);
    assert.equal(state(twin.authorizationId), 'active');
  });

  it('service connection: the connection holds the replacement, and the report names the connection', async () => {
    const { twin } = realisticOrganization('nuget-feed');
    const p1 = f.seedPat('nuget-feed', { scope: 'vso.packaging', daysLeft: 30 });
    const id = f.emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: 'Fabrikam feed',
      type: 'externalnugetfeed',
      url: 'https://pkgs.dev.azure.com/fabrikam/_packaging/feed/nuget/v3/index.json',
      scheme: 'Token',
      parameters: { apitoken: p1.token },
      description: `Feed\n[PAT Lifecycle record, kept by the task] authorizationId=${p1.authorizationId}; validTo=${p1.validTo}`,
      administrators: [f.user.userId],
    });
    f.emu.control.pats.revoke(ORG, p1.authorizationId);
    const revokes = f.emu.log.count({ route: 'pats.revoke' });
    const run = await f.run({ action: 'rotate', displayName: 'nuget-feed', target: 'serviceConnection', serviceConnection: 'Fabrikam feed', rotateWhenExpiresWithinDays: 7 });
    assertReportedAsRevoked(run, p1, [/service connection 'Fabrikam feed'/], revokes);
    const p2 = patOf(f.emu.control.serviceEndpoints.get(ORG, id).parameters['apitoken'] ?? undefined);
    assert.equal(p2?.state, 'active');
    assert.equal(p2?.displayName, 'nuget-feed');
    assert.equal(state(twin.authorizationId), 'active');
  });

  it('several destinations at once: every one gets the replacement, and the report names each', async () => {
    const { twin } = realisticOrganization('nuget-feed');
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: 'two-places', access: { [sp.objectId]: 'officer' } });
    const p1 = f.seedPat('nuget-feed', { scope: 'vso.packaging', daysLeft: 30 });
    const group = f.addGroup('Tokens', { FeedPat: { value: p1.token, isSecret: true }, 'FeedPat.authorizationId': p1.authorizationId });
    f.emu.control.keyVault.setSecret('two-places', 'FeedPat', p1.token, { tags: { authorizationId: p1.authorizationId } });
    f.emu.control.pats.revoke(ORG, p1.authorizationId);
    const revokes = f.emu.log.count({ route: 'pats.revoke' });
    const run = await f.run(groupInputs({ target: 'variableGroup, keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat' }), {
      endpoints: { arm: f.servicePrincipalEndpoint(sp) },
    });
    assertReportedAsRevoked(run, p1, [/variable group 'Tokens', variable 'FeedPat'/, /Key Vault 'two-places', secret 'FeedPat'/], revokes);
    const p2 = patOf(f.group(group).variables['FeedPat'].value);
    assert.equal(p2?.state, 'active');
    assert.equal(f.emu.control.keyVault.getSecret('two-places', 'FeedPat').versions.at(-1).value, f.group(group).variables['FeedPat'].value);
    assert.equal(state(twin.authorizationId), 'active');
  });

  it('bulk and pattern: only the revoked one is replaced and reported; the others stay not due; a name whose only PAT was revoked is still found by a pattern', async () => {
    const { twin } = realisticOrganization('nuget-feed');
    f.seedPat('npm-feed', { scope: 'vso.packaging', daysLeft: 2 }); // made by hand, expiring; the first run fills the empty variable beside it
    const group = f.addGroup('Tokens');
    const inputs = { action: 'rotate', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'Pat.{name}', rotateWhenExpiresWithinDays: 7, takeNewest: true };
    const first = await f.run({ ...inputs, displayName: 'nuget-feed\nnpm-feed', scopes: 'vso.packaging' });
    assert.equal(first.result, 'Succeeded', `${first.message}\n${first.stderr}`);
    const vars = () => f.group(group).variables;
    const leaked = f.pats().find((p) => p.authorizationId === vars()['Pat.nuget-feed.authorizationId'].value)!;
    const npm = vars()['Pat.npm-feed.authorizationId'].value;

    f.emu.control.pats.revoke(ORG, leaked.authorizationId);
    f.emu.clock.advance(DAY);
    let revokes = f.emu.log.count({ route: 'pats.revoke' });
    const bulk = await f.run({ ...inputs, displayName: 'nuget-feed\nnpm-feed' });
    assertReportedAsRevoked(bulk, leaked, [/variable 'Pat\.nuget-feed'/], revokes);
    const replaced = vars()['Pat.nuget-feed.authorizationId'].value;
    assert.notEqual(replaced, leaked.authorizationId);
    assert.equal(state(replaced), 'active');
    assert.equal(vars()['Pat.npm-feed.authorizationId'].value, npm, 'the other PAT was not due and is untouched');
    assert.equal(state(twin.authorizationId), 'active');

    // Pattern: the only PAT named npm-feed is revoked now, so no active PAT carries the name any more.
    f.emu.control.pats.revoke(ORG, npm);
    f.emu.clock.advance(2 * DAY);
    assert.deepEqual(f.activePats('npm-feed'), [], 'no active PAT is named npm-feed');
    revokes = f.emu.log.count({ route: 'pats.revoke' });
    const npmPat = f.pats().find((p) => p.authorizationId === npm)!;
    const pattern = await f.run({ ...inputs, displayNamePattern: '*-feed' });
    assertReportedAsRevoked(pattern, npmPat, [/variable 'Pat\.npm-feed'/], revokes);
    assert.equal(state(vars()['Pat.npm-feed.authorizationId'].value), 'active');
    assert.equal(vars()['Pat.nuget-feed.authorizationId'].value, replaced, 'the replacement of the first leak is not due');
    assert.equal(state(twin.authorizationId), 'active');
  });

  it('list marks each PAT a destination records that was revoked or has expired, changing nothing', async () => {
    const { twin } = realisticOrganization('nuget-feed');
    const p1 = f.seedPat('nuget-feed', { daysLeft: 30 });
    const stale = f.seedPat('old-feed', { daysLeft: 2 });
    const healthy = f.seedPat('npm-feed', { daysLeft: 30 });
    const group = f.addGroup('Tokens', {
      'Pat.nuget-feed': { value: p1.token, isSecret: true },
      'Pat.nuget-feed.authorizationId': p1.authorizationId,
      'Pat.old-feed': { value: stale.token, isSecret: true },
      'Pat.old-feed.authorizationId': stale.authorizationId,
      'Pat.npm-feed': { value: healthy.token, isSecret: true },
      'Pat.npm-feed.authorizationId': healthy.authorizationId,
    });
    f.emu.control.pats.revoke(ORG, p1.authorizationId);
    f.emu.clock.advance(3 * DAY);
    const before = f.group(group).variables;
    const run = await f.run({ action: 'list', displayName: 'nuget-feed\nold-feed\nnpm-feed', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'Pat.{name}' });
    assert.equal(run.result, 'SucceededWithIssues', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);
    const row = (id: string) => run.info.find((l) => l.includes(id)) ?? '';
    assert.match(row(p1.authorizationId), /REVOKED, stored/);
    assert.match(row(stale.authorizationId), /EXPIRED, stored/);
    assert.match(row(healthy.authorizationId), /active$/);
    assert.match(row(twin.authorizationId), /active$/);
    assert.ok(run.warnings.some((w) => w.includes(p1.authorizationId) && /revoked, not expired/.test(w) && /Pat\.nuget-feed/.test(w)), run.warnings.join('\n'));
    assert.ok(run.warnings.some((w) => w.includes(stale.authorizationId) && /expired on/.test(w)), run.warnings.join('\n'));
    const summary = run.summaryMarkdown ?? '';
    assert.ok(summary.indexOf('Revoked outside the task') > 0 && summary.indexOf('Revoked outside the task') < summary.indexOf('| PAT |'), summary);
    assert.equal(f.emu.log.count({ route: /^pats\.(create|revoke|update)$/ }), 0);
    assert.deepEqual(f.group(group).variables, before);
  });

  it("a record naming a revoked PAT of another name is not followed: nothing of that name is made, reported or revoked", async () => {
    const other = f.seedPat('someone-else', { scope: 'vso.code_write', daysLeft: 30 });
    const twin = f.seedPat('nuget-feed', { daysLeft: 60 });
    f.addGroup('Tokens', { FeedPat: { value: other.token, isSecret: true }, 'FeedPat.authorizationId': other.authorizationId });
    f.emu.control.pats.revoke(ORG, other.authorizationId);
    const run = await f.run(groupInputs());
    assert.notEqual(run.result, 'Failed', `${run.message}\n${run.stderr}`);
    assert.doesNotMatch(run.visibleLog, /revoked, not expired/);
    assert.ok(f.activePats('someone-else').length === 0, 'no PAT is made with the recorded PAT\'s name or scopes');
    assert.ok(f.pats().every((p) => p.displayName !== 'nuget-feed' || p.scope === twin.scope));
    assert.equal(state(twin.authorizationId), 'active');
    assert.equal(f.emu.log.count({ route: 'pats.revoke' }), 0);
  });

  it('a dry run names the revoked PAT and changes nothing', async () => {
    f.seedPat('nuget-feed', { daysLeft: 60 }); // a twin
    const p1 = f.seedPat('nuget-feed', { daysLeft: 30 });
    const group = f.addGroup('Tokens', { FeedPat: { value: p1.token, isSecret: true }, 'FeedPat.authorizationId': p1.authorizationId });
    f.emu.control.pats.revoke(ORG, p1.authorizationId);
    const run = await f.run(groupInputs({ dryRun: true }));
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.ok(run.warnings.some((w) => w.includes(p1.authorizationId) && /revoked, not expired/.test(w) && /not been replaced yet/.test(w)), run.warnings.join('\n'));
    assert.equal(f.emu.log.count({ route: 'pats.create' }), 0);
    assert.equal(f.group(group).variables['FeedPat.authorizationId'].value, p1.authorizationId);
  });
});
