/**
 * keepInStep and destinationsHolding (operations/keep-in-step.ts), driven directly: after an update, the destinations
 * whose record names the PAT get its new expiry, read back; the others are left alone; any that could not be brought
 * in step fail the step, naming each.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { destinationsHolding, keepInStep } from '../../../src/operations/keep-in-step';
import type { FakeStore } from './fakes';
import { destOf, outcome, runOf, world } from './rotate-kit';
import type { StoreTarget } from '../../../src/config/types';

const group = (variableName: string): StoreTarget => ({ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName, auth: 'user' });

async function scene(names: string[]) {
  const w = world();
  const pat = w.service.seed('feed', { daysLeft: 3 });
  for (const n of names) w.store(n).hold(pat);
  const updated = { ...pat, token: null, validTo: new Date(Date.parse(pat.validTo) + 20 * 86_400_000).toISOString() };
  const holding = await Promise.all(names.map((n) => destOf(w.store(n))));
  return { w, pat, updated, holding, out: outcome() };
}

/** After each mark, the store records `change` instead (what a service that ignored part of the write would show). */
function markedAs(store: FakeStore, change: Record<string, string | undefined>) {
  const mark = store.mark.bind(store);
  store.mark = async (m, c) => {
    await mark(m, c);
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete store.metadata[k];
      else store.metadata[k] = v;
    }
  };
}

async function failed(work: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof PatLifecycleError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('destinationsHolding', () => {
  it('splits the step\'s destinations by whether their record names the PAT (any case)', async () => {
    const w = world();
    const pat = w.service.seed('feed', { daysLeft: 3 });
    const other = w.service.seed('feed', { daysLeft: 3 });
    w.store('A').hold({ ...pat, authorizationId: pat.authorizationId.toUpperCase() });
    w.store('B').hold(other);
    const run = runOf(w, { destinations: [group('A'), group('B'), group('C')] });
    const { holding, others } = await destinationsHolding(run, pat);
    assert.deepEqual(holding.map((d) => d.store.describe()), ["fake store 'A'"]);
    assert.deepEqual(others.map((d) => d.store.describe()), ["fake store 'B'", "fake store 'C'"]);
  });
});

describe('keepInStep: the new expiry in every destination that holds the PAT', () => {
  it('writes the new validTo to the record only, keeps the value, and names each destination', async () => {
    const s = await scene(['A', 'B']);
    const values = ['A', 'B'].map((n) => s.w.store(n).value);
    await keepInStep(s.holding, s.updated, s.out);
    for (const n of ['A', 'B']) {
      assert.equal(s.w.store(n).metadata.validTo, s.updated.validTo);
      assert.equal(s.w.store(n).metadata.authorizationId, s.pat.authorizationId);
      assert.equal(s.w.store(n).writes, 0, 'a record-only write');
    }
    assert.deepEqual(['A', 'B'].map((n) => s.w.store(n).value), values);
    assert.equal(s.out.storedIn, "fake store 'A'; fake store 'B'");
  });

  it('only while the record still names that PAT: a destination that changed meanwhile is behind', async () => {
    const s = await scene(['A']);
    const other = s.w.service.seed('feed', { daysLeft: 30 });
    s.w.store('A').hold(other);
    const err = await failed(keepInStep(s.holding, s.updated, s.out));
    assert.equal(err.code, 'DestinationsBehind');
    assert.equal(s.w.store('A').metadata.validTo, other.validTo);
    assert.match(err.message, /\(StoreChanged\)/);
  });

  it('nothing to do without holders', async () => {
    const s = await scene([]);
    await keepInStep([], s.updated, s.out);
    assert.equal(s.out.storedIn, undefined);
  });

  it('a record that reads back with another expiry fails, naming what it records', async () => {
    const s = await scene(['A']);
    markedAs(s.w.store('A'), { validTo: '2030-01-01T00:00:00.000Z' });
    const err = await failed(keepInStep(s.holding, s.updated, s.out));
    assert.equal(err.kind, 'service');
    assert.equal(err.code, 'DestinationsBehind');
    assert.equal(
      err.message,
      `PAT 'feed' (${s.pat.authorizationId}) was updated, but a destination still records its old expiry: fake store 'A': read again, fake store 'A' records validTo 2030-01-01T00:00:00.000Z, not ${s.updated.validTo} (VerificationFailed). The PAT works; a consumer that trusts the recorded expiry may skip it.`,
    );
    assert.match(err.hint ?? '', /Run the update again/);
    assert.equal(s.out.storedIn, undefined);
  });

  it('a record that reads back without expiry says so', async () => {
    const s = await scene(['A']);
    markedAs(s.w.store('A'), { validTo: undefined });
    const err = await failed(keepInStep(s.holding, s.updated, s.out));
    assert.match(err.message, /records validTo \(none\), not /);
  });

  it('a record that reads back naming another PAT fails, even with the right expiry', async () => {
    const s = await scene(['A']);
    markedAs(s.w.store('A'), { authorizationId: 'someone-else' });
    const err = await failed(keepInStep(s.holding, s.updated, s.out));
    assert.equal(err.code, 'DestinationsBehind');
  });

  it('the record naming the PAT in another case is in step', async () => {
    const s = await scene(['A']);
    markedAs(s.w.store('A'), { authorizationId: s.pat.authorizationId.toUpperCase() });
    await keepInStep(s.holding, s.updated, s.out);
    assert.equal(s.out.storedIn, "fake store 'A'");
  });

  it('goes on after a failure: the others are brought in step, and every failure is named (plural)', async () => {
    const s = await scene(['A', 'B', 'C']);
    s.w.store('A').faults.add({ op: 'mark', error: new PatLifecycleError('permission', 'HTTP 403', 'no role') });
    markedAs(s.w.store('C'), { validTo: 'old' });
    const err = await failed(keepInStep(s.holding, s.updated, s.out));
    assert.equal(s.w.store('B').metadata.validTo, s.updated.validTo);
    assert.equal(s.out.storedIn, "fake store 'B'");
    assert.match(err.message, /was updated, but destinations still record its old expiry: fake store 'A': no role \(HTTP 403\); fake store 'C': read again, .* \(VerificationFailed\)\. The PAT works/);
  });
});
