import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { PatLifecycleError } from '../../../src/errors';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world } from './fakes';

describe('create', () => {
  const create = (names = ['feed']) => testConfig({ action: 'create', scopes: ['vso.code'], selector: { displayNames: names, takeNewest: false } });

  it('creates, stores and reads back a new PAT', async () => {
    const w = world();
    const [o] = (await executeOperation(w.context(create()))).outcomes;
    assert.equal(o.action, 'created');
    const [pat] = w.service.active('feed');
    assert.equal(pat.scope, 'vso.code');
    assert.equal(w.store().value, pat.value);
    assert.equal(o.newToken, pat.value);
    assert.ok(w.host.secrets.includes(pat.value));
  });

  it('is idempotent: a PAT the store holds is left alone', async () => {
    const w = world();
    await executeOperation(w.context(create()));
    const [o] = (await executeOperation(w.context(create()))).outcomes;
    assert.equal(o.action, 'exists');
    assert.equal(w.service.active('feed').length, 1);
  });

  it('never revokes a same-name PAT that no record proves ours (a hand-made twin, same scopes or not); names it', async () => {
    const w = world();
    const twin = w.service.seed('feed', { scope: 'vso.code', ageDays: 0, daysLeft: 30 });
    const other = w.service.seed('feed', { scope: 'vso.work', ageDays: 0, daysLeft: 30 });
    const [o] = (await executeOperation(w.context(create()))).outcomes;
    assert.equal(o.action, 'created');
    for (const t of [twin, other]) {
      assert.equal(w.service.byId(t.authorizationId)?.revoked, false);
      assert.ok(o.warnings.some((x) => x.includes(t.authorizationId) && /left alone/.test(x)));
    }
  });

  it('adopts: a value without a record and one active PAT of the name is recorded, nothing created', async () => {
    const w = world();
    const manual = w.service.seed('feed', { scope: 'vso.code', daysLeft: 60 });
    w.store().value = 'pasted';
    const [o] = (await executeOperation(w.context(create()))).outcomes;
    assert.equal(o.action, 'adopted');
    assert.equal(w.store().value, 'pasted');
    assert.equal(w.store().metadata.authorizationId, manual.authorizationId);
    assert.equal(w.service.pats.length, 1);
  });

  it('without a store it never touches other PATs of the name', async () => {
    const w = world();
    const twin = w.service.seed('feed', { scope: 'vso.code' });
    const config = { ...create(), destinations: [] };
    const [o] = (await executeOperation(w.context(config))).outcomes;
    assert.equal(o.action, 'created');
    assert.equal(w.service.byId(twin.authorizationId)?.revoked, false);
    assert.ok(o.warnings.some((x) => x.includes(twin.authorizationId)));
  });

  it('rolls back when the store write fails', async () => {
    const w = world();
    w.service.faults.add({ op: 'write', error: new PatLifecycleError('permission', 'HTTP 403', 'denied') });
    const [o] = (await executeOperation(w.context(create()))).outcomes;
    assert.equal(o.action, 'failed');
    assert.equal(w.service.active('feed').length, 0);
    assert.equal(o.newToken, undefined);
  });

  it('dry run creates nothing', async () => {
    const w = world();
    const [o] = (await executeOperation(w.context({ ...create(), dryRun: true }))).outcomes;
    assert.equal(o.action, 'planned');
    assert.equal(w.service.pats.length, 0);
  });
});

describe('update', () => {
  const update = (overrides = {}) => testConfig({ action: 'update', destinations: [], ...overrides });

  it('extends a PAT to now + lifetimeDays, keeping its value', async () => {
    const w = world();
    const pat = w.service.seed('feed', { daysLeft: 2 });
    const [o] = (await executeOperation(w.context(update()))).outcomes;
    assert.equal(o.action, 'updated');
    assert.ok(Date.parse(w.service.byId(pat.authorizationId)!.validTo) > w.clock.t + 29 * DAY_MS);
    assert.equal(o.newToken, undefined);
    assert.ok(!w.service.calls.some((c) => c.startsWith('create')));
  });

  it('renames and rescopes by authorizationId', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    await executeOperation(w.context(update({ selector: { displayNames: [], authorizationId: pat.authorizationId, takeNewest: false }, newDisplayName: 'feed-2', scopes: ['vso.code'] })));
    assert.equal(w.service.byId(pat.authorizationId)?.displayName, 'feed-2');
    assert.equal(w.service.byId(pat.authorizationId)?.scope, 'vso.code');
  });

  it('warns when the lifespan policy caps the extension', async () => {
    const w = world();
    w.service.seed('feed', { ageDays: 20 });
    w.service.maxLifetimeDays = 30;
    const [o] = (await executeOperation(w.context(update()))).outcomes;
    assert.ok(o.warnings.some((x) => /Use rotate for a fresh lifetime/.test(x)));
  });

  it('points to rotate for an expired PAT', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: -1 });
    const [o] = (await executeOperation(w.context(update()))).outcomes;
    assert.equal(o.error?.code, 'PatNotFound');
    assert.match(o.error!.hint!, /rotate/);
  });

  it('refuses to extend a full-access PAT without allowFullAccess', async () => {
    const w = world();
    w.service.seed('feed', { scope: 'app_token' });
    const [o] = (await executeOperation(w.context(update()))).outcomes;
    assert.equal(o.error?.code, 'FullAccessNotAllowed');
  });
});

describe('revoke', () => {
  const revoke = (overrides = {}) => testConfig({ action: 'revoke', destinations: [], ...overrides });

  it('revokes by name and by id; an absent PAT is success with a note', async () => {
    const w = world();
    const a = w.service.seed('feed');
    const b = w.service.seed('other');
    assert.equal((await executeOperation(w.context(revoke()))).outcomes[0].action, 'revoked');
    assert.equal(w.service.byId(a.authorizationId)?.revoked, true);
    const byId = revoke({ selector: { displayNames: [], authorizationId: b.authorizationId, takeNewest: false } });
    assert.equal((await executeOperation(w.context(byId))).outcomes[0].action, 'revoked');
    const again = (await executeOperation(w.context(byId))).outcomes[0];
    assert.equal(again.action, 'alreadyGone');
    assert.match(again.detail, /already revoked or expired/);
    assert.equal((await executeOperation(w.context(revoke()))).outcomes[0].action, 'alreadyGone');
  });

  it('refuses to guess among several PATs of one name', async () => {
    const w = world();
    w.service.seed('feed');
    w.service.seed('feed');
    assert.equal((await executeOperation(w.context(revoke()))).outcomes[0].error?.code, 'AmbiguousDisplayName');
    assert.equal(w.service.active('feed').length, 2);
  });

  it('dry run revokes nothing', async () => {
    const w = world();
    w.service.seed('feed');
    assert.equal((await executeOperation(w.context(revoke({ dryRun: true })))).outcomes[0].action, 'planned');
    assert.equal(w.service.active('feed').length, 1);
  });
});

describe('list', () => {
  it('lists active PATs (all pages), soonest expiry first, flags those inside the window, filters', async () => {
    const w = world();
    w.service.pageSize = 2;
    w.service.seed('late', { daysLeft: 40 });
    w.service.seed('gone', { daysLeft: -3 });
    w.service.seed('revoked', { revoked: true });
    w.service.seed('middle', { daysLeft: 20 });
    w.service.seed('soon', { daysLeft: 3 });
    const config = testConfig({ action: 'list', selector: { displayNames: [], takeNewest: false }, destinations: [] });
    const { outcomes } = await executeOperation(w.context(config));
    assert.equal(w.service.pagesServed, 2, 'three active PATs, two to a page');
    assert.deepEqual(outcomes.map((o) => o.name), ['soon', 'middle', 'late']);
    assert.equal(outcomes[0].issues.length, 1);
    assert.match(outcomes[0].issues[0], /expires on .* in 3 days/);
    assert.equal(outcomes[1].issues.length, 0);
    assert.equal(outcomes[2].issues.length, 0);
    const filtered = await executeOperation(w.context({ ...config, selector: { displayNames: [], displayNamePattern: 'la*', takeNewest: false } }));
    assert.deepEqual(filtered.outcomes.map((o) => o.name), ['late']);
  });
});

describe('bulk', () => {
  it('rotates several PATs, each to its own variable, bounded in concurrency; one failure does not stop the others', async () => {
    const w = world();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of names) w.store(`Pat.${n}`).hold(w.service.seed(n, { daysLeft: 2 }));
    const config = testConfig({
      selector: { displayNames: [...names, 'missing'], takeNewest: false },
      destinations: [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'Pat.{name}', auth: 'user' }],
      concurrency: 2,
    });
    const { outcomes } = await executeOperation(w.context(config));
    assert.deepEqual(outcomes.map((o) => o.action), ['rotated', 'rotated', 'rotated', 'rotated', 'rotated', 'rotated', 'failed']);
    for (const n of names) assert.equal(w.store(`Pat.${n}`).metadata.authorizationId, w.service.active(n)[0].authorizationId);
    assert.ok(w.service.maxInFlightCreates <= 2, `at most 2 at a time, saw ${w.service.maxInFlightCreates}`);
    assert.equal(w.service.calls.filter((c) => c === 'list active').length, 1, 'the PAT list is read once for the whole run');
    assert.ok(w.host.progressed.length >= 7);
  });

  it('a pattern selects the matching names', async () => {
    const w = world();
    w.service.seed('build-a', { daysLeft: 2 });
    w.service.seed('build-b', { daysLeft: 2 });
    w.service.seed('deploy', { daysLeft: 2 });
    const config = testConfig({
      selector: { displayNames: [], displayNamePattern: 'build-*', takeNewest: false },
      destinations: [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'Pat.{name}', auth: 'user' }],
    });
    const { outcomes } = await executeOperation(w.context(config));
    assert.deepEqual(outcomes.map((o) => `${o.name}:${o.action}`), ['build-a:rotated', 'build-b:rotated']);
    assert.equal(w.service.active('deploy')[0].revoked, false);
  });
});
