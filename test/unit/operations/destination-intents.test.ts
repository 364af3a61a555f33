/**
 * The destinations of one PAT and the intents kept in them (operations/destination.ts), driven directly: opening them,
 * listing again when a record names a PAT the list lacks, rule (b) for what a crashed run left, and this run's own
 * intent, announced before a create and withdrawn after a rollback.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { announceIntent, listedSince, openDestinations, settleIntents, withdrawIntent } from '../../../src/operations/destination';
import { formatIntent, INTENT_STALE_MS, type Destination } from '../../../src/operations/ownership';
import type { StoreTarget } from '../../../src/config/types';
import { DAY_MS } from '../../../src/clock';
import { destOf, outcome, runOf, world, type World } from './rotate-kit';
import type { Config } from '../../../src/config/types';

const group = (variableName: string): StoreTarget => ({ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName, auth: 'user' });

async function failed(work: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof PatLifecycleError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('openDestinations and listedSince', () => {
  it('opens one destination per configured one, the name filled in, from a recent read of each', async () => {
    const w = world();
    const pat = w.service.seed('feed', { daysLeft: 3 });
    w.store('feed-pat').hold({ ...pat, authorizationId: pat.authorizationId.toUpperCase() });
    const reads: unknown[] = [];
    const run = runOf(w, { destinations: [group('{name}-pat'), group('Copy')] });
    const open = run.openStore;
    run.openStore = async (d) => {
      const store = await open(d);
      const read = store.read.bind(store);
      store.read = (o) => {
        reads.push(o);
        return read(o);
      };
      return store;
    };
    const dests = await openDestinations(run, 'feed');
    assert.deepEqual(dests.map((d) => d.store.describe()), ["fake store 'feed-pat'", "fake store 'Copy'"]);
    assert.equal(dests[0].held, pat.authorizationId);
    assert.equal(dests[1].held, undefined);
    assert.deepEqual(reads, [{ recent: true }, { recent: true }]);
  });

  it('keeps the run\'s list while every record names a PAT it shows (or none)', async () => {
    const w = world();
    const pat = w.service.seed('feed', { daysLeft: 3 });
    w.store('a').hold(pat);
    const run = runOf(w);
    const list = await run.directory.active();
    const dests = [await destOf(w.store('a')), await destOf(w.store('empty'))];
    assert.equal(await listedSince(run, dests, list), list);
    assert.deepEqual(w.service.calls, ['list active']);
  });

  it('lists again when any record names a PAT the list does not show (another run rotated since)', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3 });
    const run = runOf(w);
    const list = await run.directory.active();
    const newer = w.service.seed('feed', { daysLeft: 30 });
    w.store('a').hold(newer);
    const again = await listedSince(run, [await destOf(w.store('empty')), await destOf(w.store('a'))], list);
    assert.deepEqual(w.service.calls, ['list active', 'list active']);
    assert.ok(again.some((t) => t.authorizationId === newer.authorizationId));
  });
});

/** A run of this task that wrote its intent `minutesAgo` minutes ago and created a PAT, then stopped. */
async function crashedRun(w: World, minutesAgo: number, store = w.store()) {
  const at = new Date(w.clock.t - minutesAgo * 60_000);
  const validTo = new Date(at.getTime() + 30 * DAY_MS).toISOString();
  const intent = formatIntent(at, validTo, 'crashed');
  const saved = w.clock.t;
  w.clock.t = at.getTime();
  const orphan = await w.service.create({ displayName: 'feed', scope: 'vso.packaging', validTo, allOrgs: false });
  w.clock.t = saved;
  store.metadata.pending = intent;
  return { intent, orphan, at };
}

async function settleScene(minutesAgo = 20, overrides: Partial<Config> = {}) {
  const w = world();
  const held = w.service.seed('feed', { daysLeft: 20 });
  w.store().hold(held);
  const crash = await crashedRun(w, minutesAgo);
  const run = runOf(w, overrides);
  const dests = [await destOf(w.store())];
  const active = await run.directory.active();
  return { w, held, run, dests, active, out: outcome(), ...crash };
}

describe('settleIntents (rule b): what a crashed run of ours left', () => {
  it('revokes the PAT a stale intent proves ours, removes the intent and returns what it revoked', async () => {
    const s = await settleScene();
    const revoked = await settleIntents(s.run, s.dests, 'feed', s.active, s.out);
    assert.deepEqual([...revoked], [s.orphan.authorizationId.toLowerCase()]);
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, true);
    assert.equal(s.w.service.byId(s.held.authorizationId)?.revoked, false, 'the stored PAT is never the orphan');
    assert.deepEqual(s.out.warnings, [
      `Revoked leftover PAT 'feed' (${s.orphan.authorizationId}): created by a run of this task at ${s.at.toISOString()} that stopped before storing it in fake store 'FeedPat'; its value is lost.`,
    ]);
    assert.equal(s.w.store().metadata.pending, undefined);
    assert.equal(s.w.store().metadata.authorizationId, s.held.authorizationId, 'the record keeps the PAT it names');
    assert.equal(s.dests[0].pending, '');
    assert.equal(s.dests[0].intent, undefined);
  });

  it('an intent exactly INTENT_STALE_MS old is stale', async () => {
    const s = await settleScene(INTENT_STALE_MS / 60_000);
    await settleIntents(s.run, s.dests, 'feed', s.active, s.out);
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, true);
  });

  it('a younger intent belongs to a run that may still work: stops, having changed nothing', async () => {
    const s = await settleScene(INTENT_STALE_MS / 60_000 - 0.001);
    const err = await failed(settleIntents(s.run, s.dests, 'feed', s.active, s.out));
    assert.equal(err.code, 'RotationInProgress');
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, false);
    assert.equal(s.w.store().metadata.pending, s.intent);
  });

  it('never revokes a PAT a destination of the step holds, even when it matches the intent', async () => {
    const s = await settleScene();
    s.w.store('Copy').hold(s.orphan);
    const dests = [...s.dests, await destOf(s.w.store('Copy'))];
    const revoked = await settleIntents(s.run, dests, 'feed', s.active, s.out);
    assert.equal(revoked.size, 0);
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, false);
    assert.equal(s.w.store().metadata.pending, undefined, 'the intent is settled all the same');
  });

  it('an intent in two destinations revokes its PAT once, with one warning', async () => {
    const s = await settleScene();
    s.w.store('Copy').metadata.pending = s.intent;
    const dests = [...s.dests, await destOf(s.w.store('Copy'))];
    await settleIntents(s.run, dests, 'feed', s.active, s.out);
    assert.equal(s.w.service.calls.filter((c) => c.startsWith('revoke')).length, 1);
    assert.equal(s.out.warnings.length, 1);
    assert.equal(s.w.store('Copy').metadata.pending, undefined);
  });

  it('a pending value that is no intent is removed, and nothing is revoked', async () => {
    const s = await settleScene();
    s.w.store().metadata.pending = 'garbage';
    const dests = [await destOf(s.w.store())];
    const revoked = await settleIntents(s.run, dests, 'feed', s.active, s.out);
    assert.equal(revoked.size, 0);
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, false);
    assert.equal(s.w.store().metadata.pending, undefined);
  });

  it('a destination without intent is not touched', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 20 }));
    const run = runOf(w);
    let marks = 0;
    const store = w.store();
    const mark = store.mark.bind(store);
    store.mark = (m, c) => {
      marks++;
      return mark(m, c);
    };
    await settleIntents(run, [await destOf(store)], 'feed', await run.directory.active(), outcome());
    assert.equal(marks, 0);
  });

  it('dry run: plans the revocation, revokes nothing and keeps the intent', async () => {
    const s = await settleScene(20, { dryRun: true });
    const revoked = await settleIntents(s.run, s.dests, 'feed', s.active, s.out);
    assert.equal(revoked.size, 0);
    assert.deepEqual(s.out.plan, [`revoke PAT 'feed' (${s.orphan.authorizationId}): created by a run of this task at ${s.at.toISOString()} that stopped before storing it in fake store 'FeedPat'; its value is lost`]);
    assert.deepEqual(s.out.warnings, []);
    assert.equal(s.w.service.byId(s.orphan.authorizationId)?.revoked, false);
    assert.equal(s.w.store().metadata.pending, s.intent);
    assert.equal(s.dests[0].pending, s.intent);
  });

  it('a revoke that fails stops the run and keeps the intent, the only proof', async () => {
    const s = await settleScene();
    s.w.service.faults.add({ op: 'revoke', error: new PatLifecycleError('network', 'ETIMEDOUT', 'no answer') });
    const err = await failed(settleIntents(s.run, s.dests, 'feed', s.active, s.out));
    assert.equal(err.kind, 'service');
    assert.equal(err.code, 'ETIMEDOUT');
    assert.ok(err.message.startsWith(`PAT 'feed' (${s.orphan.authorizationId}) (created by a run of this task at `), err.message);
    assert.ok(err.message.endsWith('could not be revoked: no answer. Nothing else was changed.'), err.message);
    assert.match(err.hint ?? '', /Run again/);
    assert.equal(s.w.store().metadata.pending, s.intent);
    assert.deepEqual(s.out.warnings, []);
  });
});

async function announceScene(names: string[]) {
  const w = world();
  const pat = w.service.seed('feed', { daysLeft: 3 });
  for (const n of names) w.store(n).hold(pat);
  const run = runOf(w);
  const dests = await Promise.all(names.map((n) => destOf(w.store(n))));
  return { w, pat, run, dests, validTo: new Date(w.clock.t + 30 * DAY_MS).toISOString() };
}

describe('announceIntent and withdrawIntent: this run\'s own intent', () => {
  it('writes the intent (time, requested validTo, run) to every destination and returns it', async () => {
    const s = await announceScene(['a', 'b']);
    const intent = await announceIntent(s.run, s.dests, s.validTo);
    assert.equal(intent, `v1 ${s.run.now().toISOString()} ${s.validTo} unit`);
    for (const n of ['a', 'b']) {
      assert.equal(s.w.store(n).metadata.pending, intent);
      assert.equal(s.w.store(n).metadata.authorizationId, s.pat.authorizationId, 'the record keeps the PAT it names');
    }
    assert.deepEqual(s.dests.map((d) => d.pending), [intent, intent]);
  });

  it('a destination another run changed: withdraws what it wrote, creates nothing, and says another run is at it', async () => {
    const s = await announceScene(['a', 'b']);
    s.w.store('b').metadata.pending = 'v1 another run';
    const err = await failed(announceIntent(s.run, s.dests, s.validTo));
    assert.equal(err.code, 'ConcurrentRotation');
    assert.match(err.message, /^Another run changed fake store 'b' while this one prepared to rotate it \(.*\)\. This run created nothing and changed nothing\.$/);
    assert.match(err.hint ?? '', /one rotation of a PAT run at a time/);
    assert.equal(s.w.store('a').metadata.pending, undefined, 'its intent in the first destination is withdrawn');
    assert.equal(s.dests[0].pending, '');
    assert.equal(s.w.store('b').metadata.pending, 'v1 another run', "the other run's intent stays");
  });

  it('another failure: withdraws what it wrote and keeps the error\'s kind, code and details, saying nothing was created', async () => {
    const s = await announceScene(['a', 'b']);
    s.w.store('b').faults.add({ op: 'mark', nth: 2, error: new PatLifecycleError('permission', 'HTTP 403', 'You lack the role.', { hint: 'grant it', input: 'variableGroup', status: 403, requestId: 'r-1' }) });
    const err = await failed(announceIntent(s.run, s.dests, s.validTo));
    assert.equal(err.kind, 'permission');
    assert.equal(err.code, 'HTTP 403');
    assert.equal(err.message, "Could not record this run's intent in fake store 'b', which comes before creating the PAT: You lack the role. Nothing was created.");
    assert.equal(err.hint, 'grant it');
    assert.equal(err.input, 'variableGroup');
    assert.equal(err.status, 403);
    assert.equal(err.requestId, 'r-1');
    assert.ok(err.cause instanceof PatLifecycleError);
    assert.equal(s.w.store('a').metadata.pending, undefined);
  });

  it('an error without details gets none', async () => {
    const s = await announceScene(['a']);
    s.w.store('a').faults.add({ op: 'mark', error: new PatLifecycleError('network', 'ECONNRESET', 'reset.') });
    const err = await failed(announceIntent(s.run, s.dests, s.validTo));
    assert.equal(err.hint, undefined);
    assert.equal(err.input, undefined);
    assert.equal(err.status, undefined);
    assert.equal(err.requestId, undefined);
  });

  it('withdrawing: removes this intent from each destination; one that fails is logged and the rest still cleared', async () => {
    const s = await announceScene(['a', 'b', 'c']);
    const intent = await announceIntent(s.run, s.dests, s.validTo);
    s.w.store('b').faults.add({ op: 'mark', nth: 2, error: new PatLifecycleError('network', 'ECONNRESET', 'reset') });
    await withdrawIntent(s.run, s.dests, intent);
    assert.equal(s.w.store('a').metadata.pending, undefined);
    assert.equal(s.w.store('b').metadata.pending, intent);
    assert.equal(s.w.store('c').metadata.pending, undefined);
    assert.deepEqual(s.dests.map((d: Destination) => d.pending), ['', intent, '']);
    assert.deepEqual(s.run.lines.debug, ["The intent in fake store 'b' could not be removed (ECONNRESET); the next run removes it."]);
  });

  it('withdrawing leaves an intent that is not this run\'s', async () => {
    const s = await announceScene(['a']);
    const intent = await announceIntent(s.run, s.dests, s.validTo);
    s.w.store('a').metadata.pending = 'v1 later run';
    await withdrawIntent(s.run, s.dests, intent);
    assert.equal(s.w.store('a').metadata.pending, 'v1 later run');
  });
});
