/**
 * storeNewPat (rotation rules 5 and 6) driven directly: what it writes, in which order, and what it does when a write
 * fails, lands despite an error, or cannot be confirmed. The safety rules pinned here: a PAT a destination holds is
 * never revoked; a destination that can put its value back does so; the intent goes only when nothing holds the new PAT.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { announceIntent } from '../../../src/operations/destination';
import { formatIntent, INTENT_DEADLINE_MS, type Destination } from '../../../src/operations/ownership';
import { storeNewPat } from '../../../src/operations/store-new-pat';
import type { PatToken } from '../../../src/devops/types';
import { DAY_MS } from '../../../src/clock';
import { destOf, Journal, JournaledStore, outcome, runOf, VersionedStore, world, type World } from './rotate-kit';
import { Faults } from './fakes';

const failure = (code = 'HTTP 500', kind: 'service' | 'network' | 'verification' = 'service', extra: { hint?: string; requestId?: string; status?: number } = {}) =>
  new PatLifecycleError(kind, code, `the service said ${code}`, extra);

interface Setup {
  w: World;
  run: ReturnType<typeof runOf>;
  journal: Journal;
  old: ReturnType<World['service']['seed']>;
  dests: Destination[];
  intent: string;
  created: PatToken & { token: string };
}

/**
 * Stores holding the old PAT (each a plain store, or a versioned one when its name starts with 'kv'), the run's intent
 * announced in each, and the new PAT created: the moment storeNewPat is called in a rotation.
 */
async function prepared(names: string[], o: { holdOld?: boolean; displayName?: string; scope?: string } = {}): Promise<Setup> {
  const w = world();
  const journal = new Journal();
  const old = w.service.seed('feed', { daysLeft: 3 });
  const stores = names.map((n) => (n.startsWith('kv') ? new VersionedStore(n, journal, new Faults()) : new JournaledStore(n, journal, new Faults())));
  for (const s of stores) if (o.holdOld ?? true) s.hold({ ...old, value: `old-value-of-${s.name}` });
  const run = runOf(w);
  const dests = await Promise.all(stores.map(destOf));
  const validTo = new Date(w.clock.t + 30 * DAY_MS).toISOString();
  const intent = await announceIntent(run, dests, validTo);
  const created = await w.service.create({ displayName: o.displayName ?? 'feed', scope: o.scope ?? 'vso.packaging', validTo, allOrgs: false });
  journal.entries = [];
  return { w, run, journal, old, dests, intent, created };
}

const storeOf = (d: Destination) => d.store as JournaledStore;

async function failed(work: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof PatLifecycleError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('storeNewPat: what it writes', () => {
  it('writes the value and the full record, removing the intent, and names every destination in storedIn', async () => {
    const s = await prepared(['a', 'b']);
    const out = outcome();
    await storeNewPat(s.run, s.dests, s.created, out, { intent: s.intent, replaces: s.old });
    for (const d of s.dests) {
      const store = storeOf(d);
      assert.equal(store.value, s.created.token);
      assert.deepEqual(store.metadata, {
        authorizationId: s.created.authorizationId,
        validTo: s.created.validTo,
        replaced: s.old.authorizationId,
        displayName: 'feed',
        scopes: 'vso.packaging',
        rotatedAt: s.run.now().toISOString(),
      });
    }
    assert.equal(out.storedIn, "fake store 'a'; fake store 'b'");
    assert.deepEqual(out.warnings, []);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('records no replaced PAT when it replaces none, and keeps the intent when the create went unanswered', async () => {
    const s = await prepared(['a']);
    const out = outcome();
    out.createUncertain = true;
    await storeNewPat(s.run, s.dests, s.created, out, { intent: s.intent });
    const record = storeOf(s.dests[0]).metadata;
    assert.equal(record.replaced, undefined);
    assert.equal(record.pending, s.intent, 'the intent stays as proof of a create that may still land');
  });

  it('cuts the display name and scopes kept in the record to 256 characters', async () => {
    const long = 'n'.repeat(300);
    const scope = Array.from({ length: 40 }, (_, i) => `vso.scope${i}`).join(' ');
    const s = await prepared(['a'], { displayName: long, scope });
    await storeNewPat(s.run, s.dests, s.created, outcome(long), { intent: s.intent });
    const record = storeOf(s.dests[0]).metadata;
    assert.equal(record.displayName, 'n'.repeat(256));
    assert.equal(record.scopes, scope.slice(0, 256));
  });

  it('writes destinations that can put their value back first, the others after, each in its given order', async () => {
    const s = await prepared(['group1', 'kv1', 'group2', 'kv2']);
    const out = outcome();
    await storeNewPat(s.run, s.dests, s.created, out, { intent: s.intent });
    assert.deepEqual(s.journal.entries, ['write kv1', 'write kv2', 'write group1', 'write group2']);
    assert.equal(out.storedIn, "fake store 'kv1'; fake store 'kv2'; fake store 'group1'; fake store 'group2'");
  });

  it('does nothing without destinations (output variable only)', async () => {
    const s = await prepared([]);
    const out = outcome();
    await storeNewPat(s.run, [], s.created, out, { intent: 'not an intent' });
    assert.equal(out.storedIn, undefined);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')), []);
  });
});

describe('storeNewPat: a create that took too long after the intent', () => {
  it('revokes the new PAT instead of storing it, withdraws the intent and says every destination holds what it held', async () => {
    const s = await prepared(['a']);
    s.w.clock.t += INTENT_DEADLINE_MS + 1;
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'TooSlow');
    assert.equal(err.kind, 'network');
    assert.match(err.message, /took longer than 5 minutes, so it was revoked instead of stored; every destination still holds what it held/);
    assert.ok(err.message.includes(s.created.authorizationId));
    assert.ok(err.hint);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
    const store = storeOf(s.dests[0]);
    assert.equal(store.value, 'old-value-of-a');
    assert.equal(store.metadata.authorizationId, s.old.authorizationId);
    assert.equal(store.metadata.pending, undefined, 'the intent is withdrawn');
  });

  it('stores it at exactly the deadline', async () => {
    const s = await prepared(['a']);
    // The intent's time is the run's clock when announced; create moved the clock 1 s on.
    s.w.clock.t += INTENT_DEADLINE_MS - 1000;
    await storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent });
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
  });

  it('measures from the intent, not from when it is called: an old intent is too slow even at once', async () => {
    const s = await prepared(['a']);
    const stale = formatIntent(new Date(s.w.clock.t - INTENT_DEADLINE_MS - 1), s.created.validTo, 'unit');
    for (const d of s.dests) storeOf(d).metadata.pending = stale;
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: stale }));
    assert.equal(err.code, 'TooSlow');
  });

  it('an unreadable intent counts as written now', async () => {
    const s = await prepared(['a']);
    s.w.clock.t += 10 * INTENT_DEADLINE_MS;
    for (const d of s.dests) {
      storeOf(d).metadata.pending = 'garbled';
      d.pending = 'garbled';
    }
    await storeNewPat(s.run, s.dests, s.created, outcome(), { intent: 'garbled' });
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
  });

  it('when that revoke fails, warns that the PAT is stored nowhere and still fails TooSlow', async () => {
    const s = await prepared(['a']);
    s.w.clock.t += INTENT_DEADLINE_MS + 1;
    s.w.service.faults.add({ op: 'revoke', error: failure('HTTP 503') });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'TooSlow');
    assert.equal(s.run.lines.warn.length, 1);
    assert.match(s.run.lines.warn[0], /is stored nowhere and could not be revoked \(HTTP 503\)/);
    assert.ok(s.run.lines.warn[0].includes(s.created.authorizationId));
  });
});

describe('storeNewPat: a write that failed (rule 6)', () => {
  it('nothing written yet: revokes the new PAT, withdraws the intent, keeps the old PAT and says so', async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).faults.add({ op: 'write', error: failure('HTTP 403', 'service', { hint: 'grant it', requestId: 'req-1', status: 403 }) });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'HTTP 403');
    assert.equal(err.kind, 'service');
    assert.equal(err.message, "Storing the new PAT in fake store 'a' failed: the service said HTTP 403. The new PAT was revoked; the old PAT and the destinations are as they were.");
    assert.equal(err.hint, 'grant it');
    assert.equal(err.requestId, 'req-1');
    assert.equal(err.status, 403);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, false);
    const store = storeOf(s.dests[0]);
    assert.equal(store.value, 'old-value-of-a');
    assert.equal(store.metadata.pending, undefined, 'the intent is withdrawn');
  });

  it('puts back a destination written before it and revokes the new PAT', async () => {
    const s = await prepared(['group', 'kv']);
    storeOf(s.dests[0]).faults.add({ op: 'write', error: failure() });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.deepEqual(s.journal.entries.filter((e) => !e.startsWith('mark')), ['write kv', 'write group', 'restore kv']);
    assert.match(err.message, /The destinations written before it were put back and the new PAT was revoked; the old PAT works as before\.$/);
    const kv = storeOf(s.dests[1]);
    assert.equal(kv.value, 'old-value-of-kv');
    assert.equal(kv.metadata.authorizationId, s.old.authorizationId);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
    for (const d of s.dests) assert.equal(storeOf(d).metadata.pending, undefined);
  });

  it('puts back the written destinations newest first', async () => {
    const s = await prepared(['kv1', 'kv2', 'group']);
    storeOf(s.dests[2]).faults.add({ op: 'write', error: failure() });
    await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.deepEqual(
      s.journal.entries.filter((e) => e.startsWith('restore')),
      ['restore kv2', 'restore kv1'],
    );
  });

  it('a destination that cannot be put back keeps the new PAT: both PATs stay, nothing is revoked, the intent stays', async () => {
    const s = await prepared(['kv', 'group']);
    (s.dests[0].store as VersionedStore).restoreResult = false;
    storeOf(s.dests[1]).faults.add({ op: 'write', error: failure() });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.match(err.message, /fake store 'kv' already holds the new PAT 'feed' \(.*\) and cannot be put back, so both PATs were kept: each destination holds a working PAT\. The next run brings them all to one PAT\.$/);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')), []);
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
    assert.equal(storeOf(s.dests[1]).metadata.authorizationId, s.old.authorizationId);
    assert.equal(storeOf(s.dests[1]).metadata.pending, s.intent, 'the intent stays: a later run needs it');
  });

  it('a restore that fails is logged and counts as not put back', async () => {
    const s = await prepared(['kv', 'group']);
    (s.dests[0].store as VersionedStore).restoreResult = failure('HTTP 409');
    storeOf(s.dests[1]).faults.add({ op: 'write', error: failure() });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.deepEqual(s.run.lines.warn, ["Putting back the previous value of fake store 'kv' failed (HTTP 409)."]);
    assert.match(err.message, /fake store 'kv' already holds the new PAT/);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('several destinations that cannot be put back are all named, newest first', async () => {
    const s = await prepared(['g1', 'g2', 'g3']);
    storeOf(s.dests[2]).faults.add({ op: 'write', error: failure() });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.match(err.message, /fake store 'g2' and fake store 'g1' already hold the new PAT/);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('a write that landed despite its error cannot be put back (no receipt): a later failure keeps both PATs', async () => {
    const s = await prepared(['kv', 'group']);
    storeOf(s.dests[0]).faults.add({ op: 'write', when: 'after', error: failure('ECONNRESET', 'network') });
    storeOf(s.dests[1]).faults.add({ op: 'write', error: failure() });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.deepEqual(s.journal.entries.filter((e) => e.startsWith('restore')), [], 'nothing to restore from');
    assert.match(err.message, /fake store 'kv' already holds the new PAT/);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('when revoking the new PAT fails too, says so and that the next run revokes it', async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).faults.add({ op: 'write', error: failure() });
    s.w.service.faults.add({ op: 'revoke', error: failure('HTTP 502') });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.ok(err.message.endsWith(`Revoking the new PAT 'feed' (${s.created.authorizationId}) failed too (HTTP 502); the next run revokes it. The old PAT and the destinations are as they were.`), err.message);
    assert.equal(storeOf(s.dests[0]).metadata.pending, undefined, 'the intent goes all the same');
  });
});

describe('storeNewPat: a write whose outcome is unknown', () => {
  it('an error after the write landed: the store names the new PAT, so it counts as stored, with a warning', async () => {
    const s = await prepared(['a', 'b']);
    storeOf(s.dests[0]).faults.add({ op: 'write', when: 'after', error: failure('ECONNRESET', 'network') });
    const out = outcome();
    await storeNewPat(s.run, s.dests, s.created, out, { intent: s.intent });
    assert.deepEqual(out.warnings, [`Writing to fake store 'a' reported ECONNRESET, but the store now names the new PAT 'feed' (${s.created.authorizationId}): the write went through.`]);
    assert.equal(storeOf(s.dests[1]).metadata.authorizationId, s.created.authorizationId, 'the next destination is still written');
    assert.equal(out.storedIn, "fake store 'a'; fake store 'b'");
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('a failed verification with the store naming the new PAT: cannot be confirmed, both PATs kept', async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).faults.add({ op: 'verify', error: failure('VerificationFailed', 'verification', { requestId: 'req-9', status: 200 }) });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.kind, 'verification');
    assert.equal(err.code, 'VerificationFailed');
    assert.equal(
      err.message,
      `Storing the new PAT 'feed' (${s.created.authorizationId}) in fake store 'a' could not be confirmed (the service said VerificationFailed); it names the new PAT, but its value did not read back as written. Both PATs were kept; the next run keeps the one each destination names and revokes the other.`,
    );
    assert.equal(err.hint, "check fake store 'a', then run again");
    assert.equal(err.requestId, 'req-9');
    assert.equal(err.status, 200);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, false);
  });

  it("keeps the cause's own hint when it has one", async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).faults.add({ op: 'verify', error: failure('VerificationFailed', 'verification', { hint: 'look at the tags' }) });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.hint, 'look at the tags');
  });

  it('a failed write whose store cannot be read back: both PATs kept, nothing revoked, nothing put back', async () => {
    const s = await prepared(['kv', 'group']);
    storeOf(s.dests[1]).faults.add({ op: 'write', error: failure('ETIMEDOUT', 'network') });
    storeOf(s.dests[1]).faults.add({ op: 'read', error: failure('ETIMEDOUT', 'network') });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.kind, 'network');
    assert.equal(err.code, 'ETIMEDOUT');
    assert.match(err.message, /in fake store 'group' could not be confirmed \(the service said ETIMEDOUT\); it could not be read back either\. Both PATs were kept/);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')), []);
    assert.deepEqual(s.journal.entries.filter((e) => e.startsWith('restore')), [], 'the written destination keeps the new PAT');
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
  });

  it('a failed write whose store still names the old PAT: rolled back as a plain failure', async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).faults.add({ op: 'write', error: failure('ETIMEDOUT', 'network') });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.match(err.message, /^Storing the new PAT in fake store 'a' failed: /);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
  });
});

describe('storeNewPat: another run changed a destination meanwhile', () => {
  it('the destination now holds another active PAT: backs off, revokes its own new PAT, leaves the store alone', async () => {
    const s = await prepared(['a']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    const store = storeOf(s.dests[0]);
    store.hold({ ...other, value: 'other-value' });
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.equal(err.kind, 'service');
    assert.equal(
      err.message,
      `Another run rotated PAT 'feed' while this one ran: fake store 'a' now holds 'feed' (${other.authorizationId}). This run's new PAT 'feed' (${s.created.authorizationId}) was not stored and was revoked; nothing else was changed.`,
    );
    assert.match(err.hint ?? '', /one rotation of a PAT run at a time/);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
    assert.equal(s.w.service.byId(other.authorizationId)?.revoked, false);
    assert.equal(store.value, 'other-value');
    assert.equal(store.metadata.authorizationId, other.authorizationId);
  });

  it("this run's new PAT was revoked by another run: backs off and says so", async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).metadata.pending = 'v1 someone else';
    s.w.service.byId(s.created.authorizationId)!.revoked = true;
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.match(err.message, /: this run's new PAT was revoked by another run\./);
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.old.authorizationId);
  });

  it('the destination names a PAT that is no longer active: written over, as what it holds does not work', async () => {
    const s = await prepared(['a']);
    const gone = s.w.service.seed('feed', { daysLeft: 30, revoked: true });
    storeOf(s.dests[0]).hold(gone);
    const out = outcome();
    await storeNewPat(s.run, s.dests, s.created, out, { intent: s.intent });
    assert.equal(storeOf(s.dests[0]).value, s.created.token);
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('only its intent changed (the record still names the PAT it named): written over', async () => {
    const s = await prepared(['a']);
    storeOf(s.dests[0]).metadata.pending = 'v1 someone else';
    await storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent });
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
  });

  it('the destination was emptied meanwhile: written', async () => {
    const s = await prepared(['a']);
    const store = storeOf(s.dests[0]);
    store.value = undefined;
    store.metadata = {};
    await storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent });
    assert.equal(store.metadata.authorizationId, s.created.authorizationId);
  });

  it('a record left without its value names nothing: written over', async () => {
    const s = await prepared(['a']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    const store = storeOf(s.dests[0]);
    store.value = undefined;
    store.metadata = { authorizationId: other.authorizationId };
    await storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent });
    assert.equal(store.metadata.authorizationId, s.created.authorizationId);
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false);
  });

  it('backing off after an earlier destination took the new PAT: puts that one back first, then revokes the new PAT', async () => {
    const s = await prepared(['kv', 'group']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    storeOf(s.dests[1]).hold(other);
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.deepEqual(s.journal.entries.filter((e) => !e.startsWith('mark')), ['write kv', 'write group', 'restore kv']);
    assert.equal(
      err.message,
      `Storing the new PAT in fake store 'group' failed: Another run rotated PAT 'feed' while this one ran: fake store 'group' now holds 'feed' (${other.authorizationId}). The destinations written before it were put back and the new PAT was revoked; the old PAT works as before.`,
    );
    assert.match(err.hint ?? '', /one rotation of a PAT run at a time/);
    const kv = storeOf(s.dests[0]);
    assert.equal(kv.metadata.authorizationId, s.old.authorizationId);
    assert.equal(kv.value, 'old-value-of-kv');
    assert.equal(kv.metadata.pending, undefined, 'its intent withdrawn');
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, true);
    assert.equal(storeOf(s.dests[1]).metadata.authorizationId, other.authorizationId, "the other run's PAT stays");
  });

  it('never revokes the new PAT while an earlier destination that cannot be put back holds it, even when backing off', async () => {
    const s = await prepared(['group1', 'group2']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    storeOf(s.dests[1]).hold(other);
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.equal(s.w.service.byId(s.created.authorizationId)?.revoked, false, 'group1 holds it');
    assert.equal(storeOf(s.dests[0]).metadata.authorizationId, s.created.authorizationId);
    assert.match(err.message, /fake store 'group1' already holds the new PAT .* so both PATs were kept/);
  });

  it('backing off at the first destination reads it once and makes no recovery read', async () => {
    const s = await prepared(['group']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    const group = storeOf(s.dests[0]);
    group.hold(other);
    let reads = 0;
    const realRead = group.read.bind(group);
    group.read = () => {
      reads++;
      return realRead();
    };
    const err = await failed(storeNewPat(s.run, s.dests, s.created, outcome(), { intent: s.intent }));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.equal(reads, 1);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')).length, 1, 'the new PAT revoked once');
  });
});
