import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

const list = (overrides: Partial<Config> = {}) => testConfig({ action: 'list', selector: { displayNames: [], takeNewest: false }, destinations: [], ...overrides });
const byName = (template: string): Config['destinations'] => [{ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: template, auth: 'user' }];

async function listed(w: World, config: Config) {
  return (await executeOperation(w.context(config))).outcomes;
}

describe('list: which PATs, in which order', () => {
  it('names given: only those; an authorization ID: only that PAT, in any case; a pattern: the names it matches', async () => {
    const w = world();
    w.service.seed('a', { daysLeft: 30 });
    const b = w.service.seed('b', { daysLeft: 20 });
    w.service.seed('c', { daysLeft: 10 });
    w.service.seed('ab', { daysLeft: 5 });
    assert.deepEqual((await listed(w, list())).map((o) => o.name), ['ab', 'c', 'b', 'a'], 'no filter: all, soonest expiry first');
    assert.deepEqual((await listed(w, list({ selector: { displayNames: ['a', 'c'], takeNewest: false } }))).map((o) => o.name), ['c', 'a']);
    assert.deepEqual((await listed(w, list({ selector: { displayNames: [], authorizationId: b.authorizationId.toUpperCase(), takeNewest: false } }))).map((o) => o.name), ['b']);
    assert.deepEqual((await listed(w, list({ selector: { displayNames: [], displayNamePattern: 'a*', takeNewest: false } }))).map((o) => o.name), ['ab', 'a']);
  });

  it('each row: valid until its day, no plan or warnings; an issue only inside the rotation window, its boundary included', async () => {
    const w = world();
    const edge = w.service.seed('edge', { daysLeft: 7 });
    w.service.seed('outside', { daysLeft: 7.5 });
    const rows = await listed(w, list({ rotateWhenExpiresWithinDays: 7 }));
    assert.deepEqual(rows.map((o) => [o.name, o.action, o.detail, o.rotated, o.plan, o.warnings, o.issues.length]), [
      ['edge', 'listed', `valid until ${edge.validTo.slice(0, 10)}`, false, [], [], 1],
      ['outside', 'listed', rows[1].detail, false, [], [], 0],
    ]);
    assert.equal(rows[0].issues[0], `PAT 'edge' (${edge.authorizationId}) expires on ${edge.validTo.slice(0, 10)}, in 7 days.`);
    assert.equal(rows[0].pat?.authorizationId, edge.authorizationId);
  });

  it('a window of 0 flags nothing', async () => {
    const w = world();
    w.service.seed('soon', { daysLeft: 1 });
    const rows = await listed(w, list({ rotateWhenExpiresWithinDays: 0 }));
    assert.deepEqual(rows[0].issues, []);
  });
});

describe('list with the destinations of a rotation: recorded PATs no longer active', () => {
  it('a recorded PAT revoked before its expiry: a row first, an issue and an alert saying a rotate replaces it', async () => {
    const w = world();
    const leaked = w.service.seed('feed', { daysLeft: 20 });
    w.store().hold(leaked);
    leaked.revoked = true;
    w.service.seed('feed', { daysLeft: 25 });
    const rows = await listed(w, list({ selector: { displayNames: ['feed'], takeNewest: false }, destinations: byName('FeedPat') }));
    assert.deepEqual(rows.map((o) => [o.name, o.recordedState]), [['feed', 'revoked'], ['feed', undefined]]);
    const [r] = rows;
    assert.equal(r.detail, `REVOKED (found on ${new Date(w.clock.t).toISOString().slice(0, 10)}), still stored in fake store 'FeedPat'`);
    assert.equal(r.storedIn, "fake store 'FeedPat'");
    assert.equal(r.pat?.authorizationId, leaked.authorizationId);
    assert.equal(r.action, 'listed');
    assert.equal(r.issues.length, 1);
    assert.match(r.issues[0], new RegExp(`^PAT 'feed' \\(${leaked.authorizationId}\\) stored in fake store 'FeedPat' was revoked, not expired: .* A rotate step with these destinations replaces it at once\\.$`));
    assert.deepEqual(r.alerts, r.issues);
    assert.deepEqual([r.plan, r.warnings, r.rotated], [[], [], false]);
  });

  it('a recorded PAT two destinations hold: both named', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: -3 });
    w.store('FeedPat').hold(old);
    w.store('Copy').hold(old);
    const rows = await listed(w, list({ selector: { displayNames: ['feed'], takeNewest: false }, destinations: [...byName('FeedPat'), ...byName('Copy')] }));
    assert.deepEqual(rows.map((o) => o.detail), [`EXPIRED on ${old.validTo.slice(0, 10)}, still stored in fake store 'FeedPat' and fake store 'Copy'`]);
  });

  it('a recorded PAT that expired: a row with the day, an issue to run the rotation more often, no alert', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: -3 });
    w.store().hold(old);
    const rows = await listed(w, list({ selector: { displayNames: ['feed'], takeNewest: false }, destinations: byName('FeedPat') }));
    assert.equal(rows.length, 1);
    const [r] = rows;
    assert.equal(r.recordedState, 'expired');
    assert.equal(r.detail, `EXPIRED on ${old.validTo.slice(0, 10)}, still stored in fake store 'FeedPat'`);
    assert.deepEqual(r.issues, [`PAT 'feed' (${old.authorizationId}) stored in fake store 'FeedPat' expired on ${old.validTo.slice(0, 10)}; consumers of it fail until a rotate step replaces it. Run the rotation more often.`]);
    assert.equal(r.alerts, undefined);
    assert.ok(!('alerts' in r));
  });

  it('a pattern finds the names of active PATs and of revoked PATs a destination still holds', async () => {
    const w = world();
    const leaked = w.service.seed('x-gone', { daysLeft: 20 });
    w.store('Pat.x-gone').hold(leaked);
    leaked.revoked = true;
    const expired = w.service.seed('x-live', { daysLeft: -1 });
    w.store('Pat.x-live').hold(expired);
    w.service.seed('x-live', { daysLeft: 9 });
    // A name the pattern does not match: its record is not looked at.
    w.store('Pat.y-live').hold(w.service.seed('y-live', { daysLeft: -1 }));
    w.service.seed('y-live', { daysLeft: 9 });
    const gone = w.service.seed('y-gone', { daysLeft: 20 });
    w.store('Pat.y-gone').hold(gone);
    gone.revoked = true;
    const rows = await listed(w, list({ selector: { displayNames: [], displayNamePattern: 'x-*', takeNewest: false }, destinations: byName('Pat.{name}') }));
    assert.deepEqual(rows.map((o) => `${o.name}:${o.recordedState ?? 'active'}`).sort(), ['x-gone:revoked', 'x-live:active', 'x-live:expired']);
  });

  it('an active recorded PAT, or a record naming no PAT of the user, adds no row', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 20 }));
    w.store('Other').hold({ authorizationId: '0f0e0d0c-0b0a-4909-8807-060504030201', validTo: new Date(w.clock.t).toISOString() });
    const rows = await listed(w, list({ selector: { displayNames: ['feed'], takeNewest: false }, destinations: [...byName('FeedPat'), ...byName('Other')] }));
    assert.deepEqual(rows.map((o) => [o.name, o.recordedState]), [['feed', undefined]]);
  });
});
