/**
 * update and revoke (src/operations/update.ts, revoke.ts) by their rules: exactly the PAT the step names (by ID or by
 * its one active PAT of the name), the request that changes it and nothing more, the destinations that record it kept
 * in step, and those that do not left alone.
 */
import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import type { PatTokenUpdateRequest } from '../../../src/devops/types';
import type { Config } from '../../../src/config/types';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';

async function one(w: World, config: Config) {
  const { outcomes } = await executeOperation(w.context(config));
  assert.equal(outcomes.length, 1);
  return outcomes[0]!;
}

const group = (variableName: string) => ({ kind: 'variableGroup' as const, group: { project: 'p', name: 'g' }, variableName, auth: 'user' as const });
const update = (overrides: Partial<Config> = {}) => testConfig({ action: 'update', destinations: [], ...overrides });
const revoke = (overrides: Partial<Config> = {}) => testConfig({ action: 'revoke', destinations: [], ...overrides });
const byId = (authorizationId: string) => ({ selector: { displayNames: [], authorizationId, takeNewest: false } });

/** The update requests the service received. */
function requests(w: World): PatTokenUpdateRequest[] {
  const seen: PatTokenUpdateRequest[] = [];
  const update = w.service.update.bind(w.service);
  w.service.update = (req) => {
    seen.push(req);
    return update(req);
  };
  return seen;
}

const updates = (w: World) => w.service.calls.filter((c) => c.startsWith('update'));
const revokes = (w: World) => w.service.calls.filter((c) => c.startsWith('revoke'));

describe('update: which PAT', () => {
  it('by an authorization ID no active PAT has: says so by ID (not by an undefined name), and changes nothing', async () => {
    const w = world();
    w.service.seed('feed');
    const id = '00000000-0000-4000-8000-0000000000aa';
    const o = await one(w, update(byId(id)));
    assert.equal(o.name, id, 'the outcome is named by the ID that selected it');
    assert.equal(o.error?.code, 'PatNotFound');
    assert.equal(o.error?.message, `No active PAT has the authorization ID ${id}`);
    assert.equal(o.error?.input, 'authorizationId');
    assert.match(o.error!.hint!, /list action/);
    assert.doesNotMatch(o.error!.hint!, /check the name/);
    assert.deepEqual(updates(w), []);
  });

  it('by the authorization ID of an expired PAT: says it has expired and points to rotate', async () => {
    const w = world();
    const expired = w.service.seed('feed', { daysLeft: -1 });
    w.service.seed('feed', { daysLeft: 20 });
    const o = await one(w, update(byId(expired.authorizationId.toUpperCase())));
    assert.equal(o.error?.message, `No active PAT has the authorization ID ${expired.authorizationId.toUpperCase()} (it has expired, and an expired PAT cannot be extended)`);
    assert.match(o.error!.hint!, /use the rotate action/);
    assert.deepEqual(updates(w), [], 'never the active PAT of the same name instead');
  });

  it("by name: an expired PAT of another name says nothing about this one", async () => {
    const w = world();
    w.service.seed('deploy', { daysLeft: -1 });
    const o = await one(w, update());
    assert.equal(o.error?.message, "No active PAT is named 'feed'");
    assert.equal(o.error?.input, 'patName');
  });

  it('refuses to guess among several active PATs of the name; takeNewest updates the newest only', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 5 });
    const newest = w.service.seed('feed', { daysLeft: 9 });
    assert.equal((await one(w, update())).error?.code, 'AmbiguousDisplayName');
    assert.deepEqual(updates(w), []);
    const o = await one(w, update({ selector: { displayNames: ['feed'], takeNewest: true } }));
    assert.equal(o.action, 'updated');
    assert.deepEqual(updates(w), [`update ${newest.authorizationId}`]);
  });
});

describe('update: the request', () => {
  it('asks for now + lifetimeDays in this organization only, and for no name or scope the step did not give', async () => {
    const w = world();
    const seen = requests(w);
    const pat = w.service.seed('feed');
    await one(w, update({ lifetimeDays: 45 }));
    assert.deepEqual(seen, [{ authorizationId: pat.authorizationId, validTo: new Date(w.clock.t + 45 * DAY_MS).toISOString(), allOrgs: false }]);
  });

  it('narrows a full-access PAT to the scopes given without allowFullAccess; never widens one to full access', async () => {
    const w = world();
    const full = w.service.seed('feed', { scope: 'app_token' });
    const o = await one(w, update({ scopes: ['vso.code'] }));
    assert.equal(o.action, 'updated');
    assert.equal(w.service.byId(full.authorizationId)?.scope, 'vso.code');

    const narrow = world();
    narrow.service.seed('feed', { scope: 'vso.code' });
    const refused = await one(narrow, update({ scopes: ['app_token'] }));
    assert.equal(refused.error?.code, 'FullAccessNotAllowed');
    assert.deepEqual(updates(narrow), []);

    const kept = world();
    kept.service.seed('feed', { scope: 'app_token' });
    assert.equal((await one(kept, update())).error?.code, 'FullAccessNotAllowed', 'keeping full access needs allowFullAccess');
    assert.deepEqual(updates(kept), []);
  });

  it('a global PAT is not narrowed to one organization without allowNarrowingGlobalPat; with it, the plan says so', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    w.service.byId(pat.authorizationId)!.targetAccounts = null;
    const refused = await one(w, update());
    assert.equal(refused.error?.code, 'GlobalPatNotNarrowed');
    assert.match(refused.error!.message, /the updated PAT would be valid in organization 'contoso' only/);
    assert.deepEqual(updates(w), []);
    const o = await one(w, update({ allowNarrowingGlobalPat: true }));
    assert.equal(o.action, 'updated');
    assert.match(o.plan[0]!, /is global .*: the updated PAT is valid in organization 'contoso' only$/);
  });
});

describe('update: the destinations that record the PAT', () => {
  it('records the new expiry where the PAT is recorded, and leaves a destination that records another PAT as it is, with a warning', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const other = w.service.seed('feed-old', { daysLeft: 3 });
    w.store('FeedPat').hold(pat);
    w.store('FeedPat2').hold(other);
    w.store('FeedPat3').value = 'pasted-by-hand';
    const o = await one(w, update({ destinations: [group('FeedPat'), group('FeedPat2'), group('FeedPat3')] }));
    assert.equal(o.action, 'updated');
    const updated = w.service.byId(pat.authorizationId)!;
    assert.equal(w.store('FeedPat').metadata.validTo, updated.validTo);
    assert.equal(w.store('FeedPat').value, pat.value, 'the value does not change');
    assert.equal(w.store('FeedPat2').metadata.validTo, other.validTo, 'left as it is');
    assert.equal(o.storedIn, "fake store 'FeedPat'");
    assert.deepEqual(o.plan.slice(1), ["record the new expiry in fake store 'FeedPat'"]);
    assert.deepEqual(o.warnings, [
      `fake store 'FeedPat2' does not record PAT 'feed' (${pat.authorizationId}) (it records ${other.authorizationId}); it is left as it is.`,
      `fake store 'FeedPat3' does not record PAT 'feed' (${pat.authorizationId}); it is left as it is.`,
    ]);
  });

  it('no destination records it: no plan to record anything', async () => {
    const w = world();
    w.service.seed('feed');
    const o = await one(w, update({ destinations: [group('FeedPat')] }));
    assert.equal(o.plan.length, 1);
    assert.equal(o.storedIn, undefined);
  });

  it('dry run: plans the record, writes none', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    w.store('FeedPat').hold(pat);
    const o = await one(w, update({ destinations: [group('FeedPat')], dryRun: true }));
    assert.equal(o.action, 'planned');
    assert.deepEqual(o.plan.slice(1), ["record the new expiry in fake store 'FeedPat'"]);
    assert.equal(w.store('FeedPat').metadata.validTo, pat.validTo);
    assert.equal(o.previous?.authorizationId, pat.authorizationId);
  });
});

describe('revoke: exactly what the step names', () => {
  it('by ID in any case: the request carries the PAT as listed, and the outcome names it', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const o = await one(w, revoke(byId(pat.authorizationId.toUpperCase())));
    assert.deepEqual(revokes(w), [`revoke ${pat.authorizationId}`]);
    assert.equal(o.pat, undefined, 'a revoked PAT is in effect no more');
    assert.equal(o.previous?.authorizationId, pat.authorizationId);
  });

  it('an ID that is not active: the outcome is named by the ID, with nothing revoked before', async () => {
    const w = world();
    const id = '00000000-0000-4000-8000-0000000000bb';
    const o = await one(w, revoke(byId(id)));
    assert.equal(o.name, id);
    assert.equal(o.action, 'alreadyGone');
    assert.equal(o.previous, undefined);
  });

  it('refuses to guess among several PATs of the name; takeNewest revokes the newest only', async () => {
    const w = world();
    const older = w.service.seed('feed');
    const newest = w.service.seed('feed');
    assert.equal((await one(w, revoke())).error?.code, 'AmbiguousDisplayName');
    assert.deepEqual(revokes(w), []);
    await one(w, revoke({ selector: { displayNames: ['feed'], takeNewest: true } }));
    assert.deepEqual(revokes(w), [`revoke ${newest.authorizationId}`]);
    assert.equal(w.service.byId(older.authorizationId)?.revoked, false);
  });

  it('a PAT revoked meanwhile (the service says not found): success with a note naming its ID', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const revokeCall = w.service.revoke.bind(w.service);
    w.service.revoke = async (id) => {
      await revokeCall(id);
      return 'notFound';
    };
    const o = await one(w, revoke());
    assert.equal(o.action, 'alreadyGone');
    assert.equal(o.detail, `nothing to revoke: no PAT has the authorization ID ${pat.authorizationId} (already revoked or expired)`);
    assert.equal(o.previous, undefined);
  });

  it('dry run by name: announced as what it would do, nothing revoked', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const o = await one(w, revoke({ dryRun: true }));
    assert.equal(o.action, 'planned');
    assert.deepEqual(revokes(w), []);
    assert.ok(w.host.infos.includes(`Dry run, would revoke PAT 'feed' (${pat.authorizationId}) [PAT 'feed']`), w.host.infos.join('\n'));
  });
});
