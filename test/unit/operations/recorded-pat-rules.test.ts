/**
 * The leak response's facts (src/operations/recorded-pat.ts): a recorded PAT is looked up by its own authorization ID
 * (never guessed from PATs of the same name), told apart as revoked or expired, kept only when it is the step's own,
 * and reported with what the API knows and nothing it does not.
 */
import { strict as assert } from 'node:assert';
import type { PatToken } from '../../../src/devops/types';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { destinationOf, type Destination } from '../../../src/operations/ownership';
import { expiredReport, goneReport, lookUpRecorded, recordedOutOfService, revokedReport, revokedStoredNames, toReplace, type RecordedPat } from '../../../src/operations/recorded-pat';
import type { OperationRun } from '../../../src/operations/types';
import type { Config } from '../../../src/config/types';
import { FakeStore, testConfig, world, type World } from './fakes';

function runOf(w: World, overrides: Partial<Config> = {}): OperationRun {
  const context = w.context(testConfig(overrides));
  return { ...context, directory: new PatDirectory(context.pats) };
}

function held(store: string, pat: { authorizationId: string }): Destination {
  return destinationOf(new FakeStore(store), { exists: true, metadata: { authorizationId: pat.authorizationId.toUpperCase() } });
}

const getCalls = (w: World) => w.service.calls.filter((c) => c.startsWith('get')).length;

/** Counts get calls, which the fake service does not record. */
function countGets(w: World): void {
  const get = w.service.get.bind(w.service);
  w.service.get = (id) => {
    w.service.calls.push(`get ${id}`);
    return get(id);
  };
}

describe('lookUpRecorded: revoked or expired, by the exact validTo', () => {
  it('expired once its validTo is reached, revoked while it was still valid; the ID in lower case', async () => {
    const w = world();
    const run = runOf(w);
    const atExpiry = w.service.seed('feed', { daysLeft: 0, revoked: true });
    const justBefore = w.service.seed('feed', { revoked: true });
    justBefore.validTo = new Date(w.clock.t + 1).toISOString();
    const a = await lookUpRecorded(run, atExpiry.authorizationId.toUpperCase(), []);
    assert.equal(a.state, 'expired', 'revoked or not, a PAT past its validTo is expired');
    assert.equal(a.authorizationId, atExpiry.authorizationId);
    assert.equal(a.pat?.authorizationId, atExpiry.authorizationId);
    assert.equal((await lookUpRecorded(run, justBefore.authorizationId, [])).state, 'revoked');
  });

  it('looks nothing up for a PAT in the active list, whatever the case of the record', async () => {
    const w = world();
    countGets(w);
    const pat = w.service.seed('feed');
    const r = await lookUpRecorded(runOf(w), pat.authorizationId.toUpperCase(), w.service.active());
    assert.equal(r.state, 'active');
    assert.equal(r.authorizationId, pat.authorizationId);
    assert.deepEqual(w.service.calls, []);
  });

  it('a PAT the get does not answer for is found in the revoked list (by ID, without case), else gone', async () => {
    const w = world();
    const revoked = w.service.seed('feed', { revoked: true });
    const twin = w.service.seed('feed', { revoked: true });
    w.service.get = async () => undefined;
    const run = runOf(w);
    const r = await lookUpRecorded(run, revoked.authorizationId.toUpperCase(), []);
    assert.equal(r.state, 'revoked');
    assert.equal(r.pat?.authorizationId, revoked.authorizationId, 'that very PAT, not a twin of its name');
    assert.notEqual(r.pat?.authorizationId, twin.authorizationId);
    const gone = await lookUpRecorded(run, 'DDDDDDDD-0000-4000-8000-000000000009', []);
    assert.deepEqual(gone, { state: 'gone', authorizationId: 'dddddddd-0000-4000-8000-000000000009' });
  });
});

describe('recordedOutOfService: the recorded PATs no longer active, checked against the step', () => {
  it('looks each recorded ID up once, with every destination that records it', async () => {
    const w = world();
    countGets(w);
    const revoked = w.service.seed('feed', { revoked: true });
    const active = w.service.seed('feed');
    const dests = [held('a', revoked), held('b', revoked), held('c', active), destinationOf(new FakeStore('d'), { exists: true, metadata: {} })];
    const found = await recordedOutOfService(runOf(w), dests, w.service.active(), 'feed');
    assert.equal(getCalls(w), 1, 'one lookup for two holders; none for the active PAT');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.state, 'revoked');
    assert.deepEqual(
      found[0]!.holders.map((d) => d.store.label()),
      ["fake store 'a'", "fake store 'b'"],
    );
  });

  it("keeps a revoked or expired PAT of the step's name, and any PAT the service does not know; leaves out another name's", async () => {
    const w = world();
    const mineRevoked = w.service.seed('feed', { revoked: true });
    const mineExpired = w.service.seed('feed', { daysLeft: -2 });
    const theirs = w.service.seed('admin-full', { revoked: true });
    const unknown = { authorizationId: 'eeeeeeee-0000-4000-8000-000000000005' };
    const dests = [held('a', mineRevoked), held('b', mineExpired), held('c', theirs), held('d', unknown)];
    const found = await recordedOutOfService(runOf(w), dests, [], 'feed');
    assert.deepEqual(
      found.map((r) => [r.state, r.authorizationId, r.holders.map((d) => d.store.label())]),
      [
        ['revoked', mineRevoked.authorizationId, ["fake store 'a'"]],
        ['expired', mineExpired.authorizationId, ["fake store 'b'"]],
        ['gone', unknown.authorizationId, ["fake store 'd'"]],
      ],
    );
  });
});

describe('revokedStoredNames: names whose stored PAT was revoked outside the task', () => {
  /** Each PAT in its own variable, as a bulk run by pattern keeps them. */
  const perName = { destinations: [{ kind: 'variableGroup' as const, group: { project: 'p', name: 'g' }, variableName: 'Pat.{name}', auth: 'user' as const }] };

  it("counts a name only when its destination records that very revoked PAT, still before its expiry, and it has no active PAT", async () => {
    const w = world();
    const leaked = w.service.seed('feed-a', { revoked: true });
    w.store('Pat.feed-a').hold(leaked);
    w.store('Pat.feed-b').hold(w.service.seed('feed-b', { revoked: true, daysLeft: 0 }));
    w.service.seed('feed-c', { revoked: true });
    w.store('Pat.feed-c').hold(leaked);
    const stillActive = w.service.seed('feed-d', { revoked: true });
    w.store('Pat.feed-d').hold(stillActive);
    const other = w.service.seed('other', { revoked: true });
    w.store('Pat.other').hold(other);
    const names = await revokedStoredNames(runOf(w, perName), /^feed-/, ['feed-d']);
    assert.deepEqual(names, ['feed-a'], "b expired, c holds another name's PAT, d has an active PAT, other does not match");
  });

  it('a name with several revoked PATs is named once', async () => {
    const w = world();
    const one = w.service.seed('feed-a', { revoked: true });
    w.service.seed('feed-a', { revoked: true });
    w.store('Pat.feed-a').hold(one);
    assert.deepEqual(await revokedStoredNames(runOf(w, perName), /^feed-/, []), ['feed-a']);
  });

  it('without destinations nothing is stored, so nothing is listed', async () => {
    const w = world();
    w.service.seed('feed-a', { revoked: true });
    assert.deepEqual(await revokedStoredNames(runOf(w, { destinations: [] }), /^feed-/, []), []);
    assert.deepEqual(w.service.calls, []);
  });
});

describe('toReplace: the recorded PAT a new one takes the place of', () => {
  const rec = (state: RecordedPat['state'], validFrom: string): RecordedPat => ({
    state,
    authorizationId: validFrom,
    pat: { authorizationId: validFrom, displayName: 'feed', scope: 's', validFrom, validTo: '2027-01-01T00:00:00Z', targetAccounts: null, token: null },
    holders: [],
  });

  it('a revoked PAT before an expired one, the newest of each; a gone one never', () => {
    const oldRevoked = rec('revoked', '2026-10-01T00:00:00Z');
    const newRevoked = rec('revoked', '2026-11-01T00:00:00Z');
    const newestExpired = rec('expired', '2026-11-20T00:00:00Z');
    assert.equal(toReplace([newestExpired, oldRevoked, newRevoked]), newRevoked);
    const oldExpired = rec('expired', '2026-09-01T00:00:00Z');
    assert.equal(toReplace([oldExpired, newestExpired]), newestExpired);
    assert.equal(toReplace([{ state: 'gone', authorizationId: 'x', holders: [] }]), undefined);
    assert.equal(toReplace([]), undefined);
  });
});

describe('the reports of a recorded PAT out of service', () => {
  const pat: PatToken = { authorizationId: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'feed', scope: 's', validFrom: '2026-11-01T00:00:00Z', validTo: '2026-12-31T00:00:00Z', targetAccounts: null, token: null };
  const one = (state: RecordedPat['state']): RecordedPat => ({ state, authorizationId: pat.authorizationId, pat, holders: [held('a', pat)] });
  const two = (state: RecordedPat['state']): RecordedPat => ({ ...one(state), holders: [held('a', pat), held('b', pat)] });
  const foundOn = new Date('2026-12-07T09:30:00Z');

  it('revoked: which PAT, where, revoked not expired, found when (no invented revocation date), and that the task revoked nothing', () => {
    const text = revokedReport(one('revoked'), foundOn);
    assert.ok(text.startsWith(`PAT 'feed' (${pat.authorizationId}) stored in fake store 'a' was revoked, not expired: this run found it revoked on 2026-12-07 `), text);
    assert.match(text, /the PAT API does not say when it was revoked; it had been valid until 2026-12-31/);
    assert.match(text, /It has not been replaced yet \(fake store 'a' still holds the revoked value\)\./);
    assert.match(text, /leaked/);
    assert.match(text, /The task revoked nothing\.$/);
    assert.match(revokedReport(two('revoked'), foundOn), /\(fake store 'a' and fake store 'b' still hold the revoked value\)/);
  });

  it('revoked and replaced: names the new PAT, its expiry and where it is now', () => {
    const replacement = { ...pat, authorizationId: 'bbbbbbbb-0000-4000-8000-000000000002', validTo: '2027-01-06T00:00:00Z' };
    const text = revokedReport(one('revoked'), foundOn, replacement);
    assert.match(text, new RegExp(`It was replaced at once: 'feed' \\(${replacement.authorizationId}\\), valid until 2027-01-06, is stored in fake store 'a' now`));
    assert.doesNotMatch(text, /not been replaced/);
  });

  it('expired: the day it expired and that the schedule runs too seldom', () => {
    assert.equal(
      expiredReport(one('expired'), 7),
      `PAT 'feed' (${pat.authorizationId}) stored in fake store 'a' had already expired on 2026-12-31; a replacement was created. Run the rotation more often than every 7 days.`,
    );
  });

  it('gone: only the record is there, and it names no PAT of the signed-in user', () => {
    const gone = (holders: Destination[]): RecordedPat => ({ state: 'gone', authorizationId: pat.authorizationId, holders });
    assert.equal(
      goneReport(gone([held('a', pat)])),
      `fake store 'a' records PAT ${pat.authorizationId}, which the signed-in user's PATs do not include (neither active, expired nor revoked): it belongs to another user, or the service no longer keeps it.`,
    );
    assert.match(goneReport(gone([held('a', pat), held('b', pat)])), /^fake store 'a' and fake store 'b' record PAT /);
  });
});

