import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { PatLifecycleError } from '../../../src/errors';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

async function rotate(w: World, overrides: Partial<Config> = {}) {
  const { outcomes } = await executeOperation(w.context(testConfig(overrides)));
  assert.equal(outcomes.length, 1);
  return outcomes[0];
}

const netError = (code = 'ECONNRESET') => new PatLifecycleError('network', code, 'the connection was reset');

/** Runs `meanwhile` once, just before the fake service's first `op` call: what another run did at that moment. */
function beforeFirst(w: World, op: 'create' | 'revoke', meanwhile: () => unknown): void {
  const service = w.service as unknown as Record<typeof op, (...args: unknown[]) => Promise<unknown>>;
  const real = service[op].bind(w.service);
  let done = false;
  service[op] = async (...args) => {
    if (!done) {
      done = true;
      await meanwhile();
    }
    return real(...args);
  };
}

describe('rotate (rotation rules)', () => {
  it('rule 2: leaves a PAT alone while it is valid for longer than the window', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 20 });
    w.store().hold(old);
    const o = await rotate(w);
    assert.equal(o.action, 'notDue');
    assert.equal(o.rotated, false);
    assert.equal(o.pat?.authorizationId, old.authorizationId);
    assert.ok(!w.service.calls.some((c) => c.startsWith('create') || c.startsWith('revoke')));
    assert.match(o.detail, /not due/);
  });

  it('rule 2: a PAT expiring in exactly the window is due (within includes the boundary)', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 7 });
    w.store().hold(old);
    const o = await rotate(w, { rotateWhenExpiresWithinDays: 7 });
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.byId(old.authorizationId)?.revoked, true);
  });

  it('rule 2: a PAT expiring a second after the window ends is not due', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 7 + 1 / 86_400 });
    w.store().hold(old);
    const o = await rotate(w, { rotateWhenExpiresWithinDays: 7 });
    assert.equal(o.action, 'notDue');
  });

  it('rules 3-5: creates with the old name and scopes, stores and verifies it, then revokes the old one', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3, scope: 'vso.code vso.packaging' });
    w.store().hold(old);
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(o.rotated, true);
    const active = w.service.active('feed');
    assert.equal(active.length, 1);
    const fresh = active[0];
    assert.notEqual(fresh.authorizationId, old.authorizationId);
    assert.equal(fresh.scope, 'vso.code vso.packaging');
    assert.deepEqual(fresh.targetAccounts, ['org-guid'], 'allOrgs false');
    assert.ok(Math.abs(Date.parse(fresh.validTo) - (Date.parse(fresh.validFrom) + 30 * DAY_MS)) < 5000, 'validTo = now + lifetimeDays');
    assert.equal(w.store().value, fresh.value);
    const { rotatedAt, ...facts } = w.store().metadata;
    assert.deepEqual(facts, { authorizationId: fresh.authorizationId, validTo: fresh.validTo, replaced: old.authorizationId, displayName: 'feed', scopes: 'vso.code vso.packaging' });
    assert.ok(!Number.isNaN(Date.parse(rotatedAt)), 'rotatedAt is a timestamp');
    assert.equal(w.service.byId(old.authorizationId)?.revoked, true);
    assert.equal(o.newToken, fresh.value);
    assert.ok(w.host.secrets.includes(fresh.value), 'the new value is registered as a secret');
    assert.equal(o.pat?.token, null, 'the outcome PAT never carries the value');
    assert.equal(o.storedIn, "fake store 'FeedPat'");
    const order = w.service.calls.filter((c) => !c.startsWith('list'));
    assert.deepEqual(order.map((c) => c.split(' ')[0]), ['create', 'revoke'], 'revoke only after the store write');
  });

  it('rule 2: window 0 rotates on every run; the scopes input replaces the old scopes', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 300 });
    w.store().hold(old);
    const o = await rotate(w, { rotateWhenExpiresWithinDays: 0, scopes: ['vso.code'] });
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.active('feed')[0].scope, 'vso.code');
  });

  it('rule 1: several active PATs of the name fail unless takeNewest', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3 });
    const newest = w.service.seed('feed', { daysLeft: 3 });
    const o = await rotate(w);
    assert.equal(o.error?.code, 'AmbiguousDisplayName');
    assert.equal(o.error?.input, 'authorizationId');
    assert.match(o.error!.hint!, /takeNewest/);
    assert.equal(w.store().writes, 0, 'nothing changed before the error');
    const o2 = await rotate(w, { selector: { displayNames: ['feed'], takeNewest: true } });
    assert.equal(o2.action, 'rotated');
    assert.equal(o2.previous?.authorizationId, newest.authorizationId);
    assert.ok(o2.warnings.some((x) => /same name/.test(x)), 'the other one is named in a warning');
  });

  it('rule 1: selects by authorizationId; an empty destination is filled and the PAT it never held is kept', async () => {
    const w = world();
    const a = w.service.seed('feed', { daysLeft: 3 });
    w.service.seed('feed', { daysLeft: 3 });
    const o = await rotate(w, { selector: { displayNames: [], authorizationId: a.authorizationId, takeNewest: false } });
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.byId(a.authorizationId)?.revoked, false, 'no destination recorded it');
    assert.ok(o.plan.some((p) => /keep PAT/.test(p) && p.includes(a.authorizationId)));
    const withRevokeUntracked = world();
    const b = withRevokeUntracked.service.seed('feed', { daysLeft: 3 });
    await rotate(withRevokeUntracked, { revokeUntracked: true });
    assert.equal(withRevokeUntracked.service.byId(b.authorizationId)?.revoked, true, 'revokeUntracked: true revokes it');
  });

  it('fills an empty destination at once, even when the PAT is not due; the PAT stays until it expires', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 25 });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.match(o.plan[0], /does not hold it/);
    assert.equal(w.service.byId(old.authorizationId)?.revoked, false);
  });

  it('adoption: a value without a record and one active PAT of the name is recorded, not rotated, while not due', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 80 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w);
    assert.equal(o.action, 'adopted');
    assert.equal(o.rotated, false);
    assert.equal(w.store().value, 'pasted-by-hand', 'the value is untouched');
    assert.equal(w.store().metadata.authorizationId, manual.authorizationId);
    assert.ok(o.warnings.some((x) => /Adopted/.test(x)));
    assert.ok(!w.service.calls.some((c) => c.startsWith('create') || c.startsWith('revoke')));
    // Due later: rotated as usual, and the adopted PAT (now recorded) is revoked.
    w.clock.advanceDays(75);
    const later = await rotate(w);
    assert.equal(later.action, 'rotated');
    assert.equal(w.service.byId(manual.authorizationId)?.revoked, true);
  });

  it('adoption: several active PATs of the name and no record is an error naming them; nothing changes', async () => {
    const w = world();
    const a = w.service.seed('feed', { daysLeft: 80 });
    const b = w.service.seed('feed', { daysLeft: 40 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w);
    assert.equal(o.error?.code, 'AmbiguousDisplayName');
    assert.ok(o.error!.message.includes(a.authorizationId) && o.error!.message.includes(b.authorizationId));
    assert.deepEqual(w.store().metadata, {});
  });

  it('a hand-made twin (same name and scopes, newer than the stored PAT) is left alone with a warning, not due or due', async () => {
    for (const daysLeft of [20, 3]) {
      const w = world();
      const stored = w.service.seed('feed', { daysLeft });
      const twin = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
      w.store().hold(stored);
      const o = await rotate(w);
      assert.equal(o.action, daysLeft > 7 ? 'notDue' : 'rotated');
      assert.equal(w.service.byId(twin.authorizationId)?.revoked, false);
      assert.ok(o.warnings.some((x) => x.includes(twin.authorizationId) && /left alone/.test(x)));
    }
  });

  it('rule b: a PAT that a stale intent proves a crashed run made is revoked, never the stored one', async () => {
    // A run wrote its intent, created its PAT and died before storing it.
    const w2 = world();
    const held = w2.service.seed('feed', { daysLeft: 20 });
    w2.store().hold(held);
    w2.service.faults.add({ op: 'write', error: 'crash' });
    void rotate(w2, { rotateWhenExpiresWithinDays: 0 });
    await new Promise((r) => setTimeout(r, 20));
    const orphan = w2.service.active('feed').find((p) => p.authorizationId !== held.authorizationId)!;
    assert.ok(orphan, 'the crashed run made a PAT');
    assert.match(w2.store().metadata.pending ?? '', /^v1 /);
    w2.service.faults.crashed = false;
    // Too early: the run may still be working.
    assert.equal((await rotate(w2)).error?.code, 'RotationInProgress');
    w2.clock.t += 16 * 60_000;
    const o = await rotate(w2);
    assert.equal(o.action, 'notDue');
    assert.equal(w2.service.byId(orphan.authorizationId)?.revoked, true);
    assert.equal(w2.service.byId(held.authorizationId)?.revoked, false);
    assert.equal(w2.store().metadata.pending, undefined, 'the intent is gone');
    assert.ok(o.warnings.some((x) => x.includes(orphan.authorizationId) && /stopped before storing/.test(x)));
  });

  it('rule a: the PAT a record says was replaced (an interrupted revoke) is revoked on the next run, unless revokeOld is false', async () => {
    for (const revokeOld of [true, false]) {
      const w = world();
      const older = w.service.seed('feed', { daysLeft: 2, ageDays: 28 });
      const stored = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
      w.store().hold(stored);
      w.store().metadata.replaced = older.authorizationId;
      const o = await rotate(w, { revokeOld });
      assert.equal(o.action, 'notDue');
      assert.equal(w.service.byId(older.authorizationId)?.revoked, revokeOld);
      assert.equal(w.service.byId(stored.authorizationId)?.revoked, false);
    }
  });

  it('rule 7: leaves a same-name PAT with other scopes alone, with a warning', async () => {
    const w = world();
    const stored = w.service.seed('feed', { daysLeft: 20 });
    const other = w.service.seed('feed', { daysLeft: 30, scope: 'vso.work' });
    w.store().hold(stored);
    const o = await rotate(w);
    assert.equal(w.service.byId(other.authorizationId)?.revoked, false);
    assert.ok(o.warnings.some((x) => x.includes(other.authorizationId)));
  });

  it('rule 3: warns when the organization shortened validTo, and louder when that makes every run rotate', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 3 }));
    w.service.maxLifetimeDays = 10;
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.ok(o.warnings.some((x) => /shortened/.test(x) && /Set lifetimeDays to 10 or less/.test(x)));
    const w2 = world();
    w2.store().hold(w2.service.seed('feed', { daysLeft: 3 }));
    w2.service.maxLifetimeDays = 5;
    const o2 = await rotate(w2);
    assert.ok(o2.warnings.some((x) => /every run will rotate/.test(x)), JSON.stringify(o2));
  });

  it('rule 6: a failed store write revokes the new PAT and leaves the old PAT and the store as they were', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold({ ...old, value: 'old-value' });
    w.service.faults.add({ op: 'write', error: new PatLifecycleError('permission', 'HTTP 403', 'You lack the Administrator role on the variable group', { hint: 'grant it' }) });
    const o = await rotate(w);
    assert.equal(o.error?.code, 'HTTP 403');
    assert.match(o.error!.message, /new PAT was revoked; the old PAT and the destinations are as they were/);
    assert.equal(o.error?.hint, 'grant it');
    assert.deepEqual(w.service.active('feed').map((p) => p.authorizationId), [old.authorizationId]);
    assert.equal(w.store().value, 'old-value');
    assert.equal(o.newToken, undefined, 'a failed rotation hands no value on');
  });

  it('rule 6: a write that landed although an error came back is kept, and the old PAT revoked', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.service.faults.add({ op: 'write', when: 'after', error: netError() });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(o.error, undefined);
    assert.ok(o.warnings.some((x) => /write went through/.test(x)));
    const active = w.service.active('feed');
    assert.equal(active.length, 1);
    assert.equal(w.store().metadata.authorizationId, active[0].authorizationId);
  });

  it('rule 6: a verification failure with the store naming the new PAT keeps both and fails (never revokes a stored PAT)', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.service.faults.add({ op: 'verify', error: new PatLifecycleError('verification', 'VerificationFailed', 'the value did not read back') });
    const o = await rotate(w);
    assert.equal(o.error?.kind, 'verification');
    assert.match(o.error!.message, /Both PATs were kept/);
    assert.equal(w.service.active('feed').length, 2);
    // The next run converges: the store names the new one, the old one goes.
    const o2 = await rotate(w);
    assert.equal(o2.action, 'notDue');
    assert.deepEqual(w.service.active('feed').map((p) => p.authorizationId), [w.store().metadata.authorizationId]);
  });

  it('rule 6: when the store cannot be read back after a failed write, both PATs are kept', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 3 }));
    w.service.faults.add({ op: 'write', error: netError() });
    // Reads: 1 opening the store, 2 the recovery read after the failed write (the compare-before-write check happens
    // inside the store's own write).
    w.service.faults.add({ op: 'read', nth: 2, error: netError('ETIMEDOUT') });
    const o = await rotate(w);
    assert.match(o.error!.message, /could not be read back either/);
    assert.equal(w.service.active('feed').length, 2);
  });

  it('rule 5: a failed revoke of the old PAT is an issue naming it, not a failure', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.service.faults.add({ op: 'revoke', error: new PatLifecycleError('service', 'HTTP 500', 'Azure DevOps failed') });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(o.error, undefined);
    assert.ok(o.issues.some((x) => x.includes(old.authorizationId) && x.includes("'feed'")));
    // The next run finishes the job.
    const o2 = await rotate(w);
    assert.equal(o2.action, 'notDue');
    assert.equal(w.service.byId(old.authorizationId)?.revoked, true);
  });

  it('rule 7: an old PAT already revoked by a run rotating at the same time: the PAT that run made is named, never revoked', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    const handMade = w.service.seed('feed', { daysLeft: 30, ageDays: 100 });
    w.store().hold(old);
    // While this run creates its PAT, another one rotates completely: makes its own and revokes the old one.
    let other: ReturnType<typeof w.service.seed> | undefined;
    beforeFirst(w, 'create', () => {
      other = w.service.seed('feed', { daysLeft: 30 });
      w.service.byId(old.authorizationId)!.revoked = true;
    });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(w.store().metadata.authorizationId, o.pat?.authorizationId);
    const named = o.issues.filter((x) => /appeared while this run rotated/.test(x));
    assert.equal(named.length, 1, o.issues.join('\n'));
    assert.ok(named[0].includes(other!.authorizationId), named[0]);
    assert.equal(w.service.byId(other!.authorizationId)?.revoked, false, 'nothing proves it ours');
    assert.equal(w.service.byId(handMade.authorizationId)?.revoked, false);
    assert.ok(!o.issues.some((x) => x.includes(handMade.authorizationId)), 'a PAT that was there before the run is not named as new');
  });

  it("rule 7: another run's PAT replaced this run's in the store before the old one went: this run revokes its own PAT and fails", async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    const handMade = w.service.seed('feed', { daysLeft: 30, ageDays: 100 });
    w.store().hold(old);
    // Just before this run revokes the old PAT, another run stores its own PAT over this run's and revokes the old one.
    let other: ReturnType<typeof w.service.seed> | undefined;
    beforeFirst(w, 'revoke', () => {
      other = w.service.seed('feed', { daysLeft: 30 });
      w.store().hold(other);
      w.service.byId(old.authorizationId)!.revoked = true;
    });
    const o = await rotate(w);
    assert.equal(o.action, 'failed');
    assert.equal(o.error?.code, 'ConcurrentRotation');
    assert.match(o.error?.message ?? '', /Another run rotated 'feed' at the same time.*This run's PAT was revoked/s);
    assert.equal(o.newToken, undefined, 'no value for later steps');
    assert.deepEqual(w.service.active('feed').map((p) => p.authorizationId).sort(), [other!.authorizationId, handMade.authorizationId].sort(), "the other run's stored PAT and the hand-made one stay; this run's is revoked");
    assert.equal(w.store().metadata.authorizationId, other!.authorizationId);
  });

  it('rule 7: an old PAT found gone when no other run made anything: no issue', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    beforeFirst(w, 'create', () => (w.service.byId(old.authorizationId)!.revoked = true));
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.deepEqual(o.issues, []);
  });

  it('revokeOld false keeps the old PAT', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    await rotate(w, { revokeOld: false });
    assert.equal(w.service.byId(old.authorizationId)?.revoked, false);
    assert.equal(w.service.active('feed').length, 2);
  });

  it('a create whose answer was lost: lists, revokes what it made, creates once more', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.service.faults.add({ op: 'create', when: 'after', error: new PatLifecycleError('network', 'OutcomeUnknown', 'no answer') });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    const active = w.service.active('feed');
    assert.equal(active.length, 1);
    assert.equal(w.store().metadata.authorizationId, active[0].authorizationId);
    assert.equal(w.service.pats.filter((p) => p.displayName === 'feed').length, 3, 'old, lost, new');
    assert.ok(o.warnings.some((x) => /value was lost/.test(x)));
  });

  it('a create whose answer was lost before it landed is simply tried again', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 3 }));
    w.service.faults.add({ op: 'create', when: 'before', error: new PatLifecycleError('network', 'OutcomeUnknown', 'no answer') });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.pats.length, 2);
  });

  it('another create failure fails the PAT and changes nothing', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.service.faults.add({ op: 'create', error: new PatLifecycleError('policy', 'patTokenError:disablePatCreationPolicyViolation', 'PAT creation is restricted') });
    const o = await rotate(w);
    assert.equal(o.error?.code, 'patTokenError:disablePatCreationPolicyViolation');
    assert.equal(w.store().metadata.authorizationId, old.authorizationId);
  });

  it('dry run: the plan only; nothing created, written or revoked, twins not even planned for revocation', async () => {
    const w = world();
    const stored = w.service.seed('feed', { daysLeft: 3 });
    const twin = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
    w.store().hold(stored);
    const before = JSON.stringify(w.service.pats);
    const o = await rotate(w, { dryRun: true });
    assert.equal(o.action, 'planned');
    assert.equal(o.rotated, false);
    assert.equal(JSON.stringify(w.service.pats), before);
    assert.equal(w.store().writes, 0);
    assert.ok(!o.plan.some((p) => p.startsWith('revoke') && p.includes(twin.authorizationId)));
    assert.ok(o.warnings.some((x) => x.includes(twin.authorizationId)));
    assert.ok(o.plan.some((p) => /^create PAT 'feed'/.test(p)));
    assert.ok(o.plan.some((p) => p.startsWith('revoke old PAT')));
  });

  it('replaces a PAT that has already expired, with a warning', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: -2 });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.ok(o.warnings.some((x) => /had already expired/.test(x)));
    assert.equal(w.service.active('feed').length, 1);
  });

  it('fails with a hint when no PAT of that name exists', async () => {
    const w = world();
    const o = await rotate(w);
    assert.equal(o.error?.code, 'PatNotFound');
    assert.match(o.error!.hint!, /create action/);
  });

  it('refuses to rotate a full-access PAT without allowFullAccess', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3, scope: 'app_token' });
    const o = await rotate(w);
    assert.equal(o.error?.code, 'FullAccessNotAllowed');
    assert.equal(w.service.pats.length, 1);
    assert.equal((await rotate(w, { allowFullAccess: true })).action, 'rotated');
  });

  it('outputOnly: no store, the new value only in the outcome', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3 });
    const o = await rotate(w, { destinations: [] });
    assert.equal(o.action, 'rotated');
    assert.equal(o.storedIn, undefined);
    assert.ok(o.newToken);
    assert.equal(w.stores.size, 0);
  });

  it('by authorizationId after the PAT was already replaced: the store names its successor', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    const config = { selector: { displayNames: [], authorizationId: old.authorizationId, takeNewest: false } };
    assert.equal((await rotate(w, config)).action, 'rotated');
    const again = await rotate(w, config);
    assert.equal(again.action, 'notDue');
  });
});
