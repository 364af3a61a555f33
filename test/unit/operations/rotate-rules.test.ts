/**
 * rotateOne (operations/rotate.ts) driven directly, one rule at a time: which PAT a step rotates, what it revokes and
 * what it leaves alone (never a PAT that no record proves ours), what it says, and how it settles what an earlier or a
 * concurrent run left.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { rotateOne, type RotateTarget } from '../../../src/operations/rotate';
import type { OperationRun, PatOutcome } from '../../../src/operations/types';
import type { Config, StoreTarget } from '../../../src/config/types';
import type { SecretStore } from '../../../src/stores/secret-store';
import { runOf, world, type World } from './rotate-kit';

const group = (variableName: string): StoreTarget => ({ kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName, auth: 'user' });
const day = (iso: string) => iso.slice(0, 10);

function rotate(w: World, overrides: Partial<Config> = {}, target: RotateTarget = { displayName: 'feed' }, extra: Partial<OperationRun> = {}): Promise<PatOutcome> & { run?: ReturnType<typeof runOf> } {
  const run = Object.assign(runOf(w, overrides), extra);
  const p = rotateOne(run, target) as Promise<PatOutcome> & { run?: ReturnType<typeof runOf> };
  p.run = run;
  return p;
}

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

const revokes = (w: World) => w.service.calls.filter((c) => c.startsWith('revoke')).map((c) => c.slice('revoke '.length));

describe('rotate: which PAT', () => {
  it('an authorizationId no active PAT has: PatNotFound naming it, the outcome named by it', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3 });
    const id = '00000000-0000-4000-8000-000000000001';
    const o = await rotate(w, {}, { authorizationId: id });
    assert.equal(o.name, id);
    assert.equal(o.error?.code, 'PatNotFound');
    assert.equal(o.error?.message, `No active PAT has the authorization ID ${id}`);
    assert.equal(o.error?.input, 'authorizationId');
    assert.match(o.error?.hint ?? '', /revoked, has expired, or belongs to another user/);
  });

  it('an unknown authorizationId with per-name destinations opens none (their names are unknown)', async () => {
    const w = world();
    const o = await rotate(w, { destinations: [group('{name}-pat')] }, { authorizationId: '00000000-0000-4000-8000-000000000001' });
    assert.equal(o.error?.code, 'PatNotFound');
    assert.equal(w.stores.size, 0);
  });

  it('no active or expired PAT of the name: PatNotFound for the name', async () => {
    const w = world();
    w.service.seed('other', { daysLeft: -3 });
    const o = await rotate(w);
    assert.equal(o.error?.code, 'PatNotFound');
    assert.equal(o.error?.message, "No active or expired PAT is named 'feed'");
    assert.equal(o.error?.input, 'patName');
  });

  it('no active PAT: replaces the newest expired one of that name, and warns to run more often', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: -9, ageDays: 40 });
    const newest = w.service.seed('feed', { daysLeft: -2, ageDays: 35 });
    w.service.seed('other', { daysLeft: -1, ageDays: 1 });
    const o = await rotate(w, { destinations: [], lifetimeDays: 30, rotateWhenExpiresWithinDays: 5 });
    assert.equal(o.action, 'rotated');
    assert.equal(o.previous?.authorizationId, newest.authorizationId);
    assert.ok(o.plan[0].endsWith(`because it expired on ${day(newest.validTo)}`), o.plan[0]);
    assert.deepEqual(o.warnings, [`PAT 'feed' had already expired on ${day(newest.validTo)}; a replacement was created. Run the rotation more often than every 25 days.`]);
    assert.deepEqual(revokes(w), [], 'nothing active to revoke');
    assert.equal(o.plan.length, 1, o.plan.join('\n'));
  });

  it('an expired PAT is neither revoked nor planned for revocation, even with revokeUntracked', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: -2 });
    const o = await rotate(w, { revokeUntracked: true });
    assert.equal(o.action, 'rotated');
    assert.deepEqual(o.plan, [o.plan[0], "write it to fake store 'FeedPat' and check what was stored"]);
    assert.ok(o.plan[0].startsWith("create PAT 'feed'"), o.plan[0]);
    assert.deepEqual(revokes(w), []);
    assert.equal(w.service.byId(old.authorizationId)?.revoked, false);
  });

  it('a record naming a PAT of another name is ignored with a warning, and the step\'s own PAT is adopted by name', async () => {
    const w = world();
    const foreign = w.service.seed('admin', { daysLeft: 80 });
    const mine = w.service.seed('feed', { daysLeft: 80 });
    w.store().hold(foreign);
    const o = await rotate(w);
    assert.equal(o.action, 'adopted');
    assert.ok(o.warnings.some((x) => x.startsWith("Ignored record 'authorizationId' of fake store 'FeedPat': it names PAT 'admin'")), o.warnings.join('\n'));
    assert.equal(w.store().metadata.authorizationId, mine.authorizationId);
    assert.equal(w.service.byId(foreign.authorizationId)?.revoked, false);
  });

  it('refuses a global PAT unless allowNarrowingGlobalPat, creating nothing', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    old.targetAccounts = null;
    w.store().hold(old);
    const o = await rotate(w);
    assert.equal(o.error?.code, 'GlobalPatNotNarrowed');
    assert.ok(!w.service.calls.some((c) => c.startsWith('create')));
    assert.equal((await rotate(w, { allowNarrowingGlobalPat: true })).action, 'rotated');
  });

  it('a full-access PAT: refused with the input to set; given narrower scopes, rotated with those', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3, scope: 'app_token' });
    w.store().hold(old);
    const refused = await rotate(w);
    assert.equal(refused.error?.message, `PAT 'feed' (${old.authorizationId}) has full access (app_token)`);
    assert.equal(refused.error?.input, 'allowFullAccess');
    assert.match(refused.error?.hint ?? '', /narrower scopes/);
    const narrowed = await rotate(w, { scopes: ['vso.code'] });
    assert.equal(narrowed.action, 'rotated');
    assert.equal(narrowed.alerts, undefined, 'nothing leaked, nothing to alert');
    assert.deepEqual(narrowed.issues, []);
    assert.equal(w.service.active('feed')[0].scope, 'vso.code');
  });
});

describe('rotate: not due', () => {
  it('names the expiry, the whole days left and the window; storedIn names the destinations', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 20 });
    w.store().hold(old);
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.action, 'rotated', 'Copy does not hold it');
    w.store('Copy').hold(w.service.byId(w.store().metadata.authorizationId!)!);
    const again = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(again.action, 'notDue');
    const stored = w.service.byId(w.store().metadata.authorizationId!)!;
    assert.equal(again.detail, `not due: valid until ${day(stored.validTo)} (30 days), more than 7`);
    assert.equal(again.storedIn, "fake store 'FeedPat'; fake store 'Copy'");
    assert.equal(again.pat?.authorizationId, stored.authorizationId);
    assert.equal(again.previous?.authorizationId, stored.authorizationId);
  });

  it('without destinations: not due, and stored nowhere', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 20 });
    const o = await rotate(w, { destinations: [] });
    assert.equal(o.action, 'notDue');
    assert.equal(o.storedIn, undefined);
  });

  it('an older same-name PAT no record names is left alone silently while nothing changes; named once the step rotates', async () => {
    const w = world();
    const twin = w.service.seed('feed', { daysLeft: 25, ageDays: 30 });
    const stored = w.service.seed('feed', { daysLeft: 20, ageDays: 10 });
    w.store().hold(stored);
    const quiet = await rotate(w);
    assert.equal(quiet.action, 'notDue');
    assert.deepEqual(quiet.warnings, []);
    w.store('Copy');
    const changing = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(changing.action, 'rotated');
    assert.ok(changing.warnings.includes(`PAT 'feed' (${twin.authorizationId}) (created ${day(twin.validFrom)}, expires ${day(twin.validTo)}) has the same name but no destination records it: it was left alone.`), changing.warnings.join('\n'));
    assert.equal(w.service.byId(twin.authorizationId)?.revoked, false);
  });
});

describe('rotate: adoption', () => {
  it('a failure after adopting leaves the record and a warning that says only that it was adopted', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 3, scope: 'app_token' });
    w.store().value = 'pasted';
    const o = await rotate(w);
    assert.equal(o.error?.code, 'FullAccessNotAllowed');
    assert.deepEqual(o.warnings, [
      `Adopted 'feed' (${manual.authorizationId}) in fake store 'FeedPat': the destination held a value with no record, so the task now records it as holding this PAT (it is the only active PAT of that name).`,
    ]);
    assert.deepEqual(w.store().metadata, { authorizationId: manual.authorizationId, validTo: manual.validTo });
    assert.equal(w.store().value, 'pasted');
  });

  it('an adopted PAT that is due is replaced and then revoked: the record proves the value was it', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 3 });
    w.store().value = 'pasted';
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.ok(o.plan.includes(`revoke old PAT 'feed' (${manual.authorizationId}) (a destination held it)`), o.plan.join('\n'));
    assert.equal(w.service.byId(manual.authorizationId)?.revoked, true);
    assert.equal(w.store().metadata.replaced, manual.authorizationId);
  });

  it('dry run: plans the adoption and records nothing', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 80 });
    w.store().value = 'pasted';
    const o = await rotate(w, { dryRun: true });
    assert.equal(o.action, 'adopted');
    assert.ok(o.plan[0].startsWith(`adopt 'feed' (${manual.authorizationId}) in fake store 'FeedPat': it holds a value without a record, and it is the only active PAT of that name`), o.plan[0]);
    assert.deepEqual(w.store().metadata, {});
    assert.deepEqual(o.warnings, []);
  });
});

describe('rotate: what it revokes', () => {
  it('a PAT a record names, revoked outside the task: an alert, replaced at once, revoked again never', async () => {
    const w = world();
    const leaked = w.service.seed('feed', { daysLeft: 20, revoked: true });
    w.store().hold(leaked);
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.ok(o.plan[0].endsWith(`because it was revoked outside the task (found on ${day(w.clock.now().toISOString())})`), o.plan[0]);
    const fresh = w.service.active('feed')[0];
    assert.equal(o.detail, `replaced the revoked PAT: new PAT valid until ${day(fresh.validTo)}`);
    assert.equal(o.issues.length, 1, o.issues.join('\n'));
    assert.match(o.issues[0], /was revoked, not expired/);
    assert.ok(o.issues[0].includes(`It was replaced at once: 'feed' (${fresh.authorizationId})`), o.issues[0]);
    assert.deepEqual(o.alerts, o.issues);
    assert.equal(o.previous?.authorizationId, leaked.authorizationId);
    assert.deepEqual(revokes(w), []);
  });

  it('dry run of a leaked PAT: the alert says it has not been replaced yet', async () => {
    const w = world();
    w.store().hold(w.service.seed('feed', { daysLeft: 20, revoked: true }));
    const o = await rotate(w, { dryRun: true });
    assert.equal(o.action, 'planned');
    assert.equal(o.issues.length, 1);
    assert.match(o.issues[0], /It has not been replaced yet \(fake store 'FeedPat' still holds the revoked value\)/);
  });

  it('a record naming a PAT the user does not have: a warning, and the destination is filled', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 20 });
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    w.store().hold({ authorizationId: unknown, validTo: '2027-01-01T00:00:00Z' });
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.ok(o.warnings.some((x) => x.startsWith(`fake store 'FeedPat' records PAT ${unknown}, which the signed-in user's PATs do not include`)), o.warnings.join('\n'));
  });

  it('the old PAT is recorded as replaced only when this run will revoke it', async () => {
    const held = world();
    const old = held.service.seed('feed', { daysLeft: 3 });
    held.store().hold(old);
    await rotate(held, { revokeOld: false });
    assert.equal(held.store().metadata.replaced, undefined, 'revokeOld: false');
    const empty = world();
    empty.service.seed('feed', { daysLeft: 3 });
    await rotate(empty);
    assert.equal(empty.store().metadata.replaced, undefined, 'no record named it');
  });

  it('searches for other holders of the old PAT once, while the new one is made, and not at all with revokeOld false', async () => {
    for (const revokeOld of [true, false]) {
      const w = world();
      const old = w.service.seed('feed', { daysLeft: 3 });
      w.store().hold(old);
      const asked: string[] = [];
      const findHolders = async (id: string, own: readonly SecretStore[]) => {
        asked.push(`${id} ${own.length} ${w.service.calls.filter((c) => c.startsWith('create')).length}`);
        return [];
      };
      const o = await rotate(w, { revokeOld }, { displayName: 'feed' }, { findHolders });
      assert.equal(o.action, 'rotated');
      assert.deepEqual(asked, revokeOld ? [`${old.authorizationId} 1 0`] : []);
    }
  });

  it('the old PAT held by a destination of another step: kept, with a warning', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    const o = await rotate(w, {}, { displayName: 'feed' }, { findHolders: async () => ['Other'] });
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.byId(old.authorizationId)?.revoked, false);
    assert.ok(o.warnings.some((x) => /was not revoked: Other also holds it/.test(x)));
  });

  it('a replaced PAT an earlier run left is revoked once with a warning, even when two destinations record it', async () => {
    const w = world();
    const older = w.service.seed('feed', { daysLeft: 2, ageDays: 28 });
    const stored = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
    for (const n of ['FeedPat', 'Copy']) {
      w.store(n).hold(stored);
      w.store(n).metadata.replaced = older.authorizationId.toUpperCase();
    }
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.action, 'notDue');
    assert.deepEqual(revokes(w), [older.authorizationId]);
    assert.deepEqual(o.warnings, [
      `Revoked leftover PAT 'feed' (${older.authorizationId}): fake store 'FeedPat' records that an earlier run replaced it with 'feed' (${stored.authorizationId}) and stopped before revoking it.`,
    ]);
  });

  it('a replaced PAT another destination still holds is not settled as left over (rule 7 revokes it after the rotation)', async () => {
    const w = world();
    const older = w.service.seed('feed', { daysLeft: 20, ageDays: 28 });
    const stored = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
    w.store().hold(stored);
    w.store().metadata.replaced = older.authorizationId;
    w.store('Copy').hold(older);
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')], dryRun: true });
    assert.ok(!o.plan.some((p) => p.includes('left by an earlier run')), o.plan.join('\n'));
    assert.ok(o.plan.includes(`revoke old PAT 'feed' (${older.authorizationId}) (a destination held it)`), o.plan.join('\n'));
  });

  it('a replaced record in a destination that holds another PAT than the one rotated is not acted on', async () => {
    const w = world();
    const older = w.service.seed('feed', { daysLeft: 20, ageDays: 28 });
    const stored = w.service.seed('feed', { daysLeft: 30, ageDays: 1 });
    const newest = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
    w.store().hold(stored);
    w.store().metadata.replaced = older.authorizationId;
    w.store('Copy').hold(newest);
    await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(w.service.byId(older.authorizationId)?.revoked, false);
  });

  it('a replaced record naming the PAT the destination holds is not acted on', async () => {
    const w = world();
    const stored = w.service.seed('feed', { daysLeft: 30 });
    w.store().hold(stored);
    w.store().metadata.replaced = stored.authorizationId;
    const o = await rotate(w);
    assert.equal(o.action, 'notDue');
    assert.deepEqual(revokes(w), []);
  });

  it('a replaced PAT that is no longer active is left as it is', async () => {
    const w = world();
    const older = w.service.seed('feed', { daysLeft: 20, revoked: true });
    const stored = w.service.seed('feed', { daysLeft: 30 });
    w.store().hold(stored);
    w.store().metadata.replaced = older.authorizationId;
    const o = await rotate(w);
    assert.equal(o.action, 'notDue');
    assert.deepEqual(revokes(w), []);
    assert.deepEqual(o.warnings, []);
  });
});

describe('rotate: the old PAT found gone (another run rotated at the same time)', () => {
  it('without destinations nothing can have replaced the new PAT: it stays', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    beforeFirst(w, 'create', () => (w.service.byId(old.authorizationId)!.revoked = true));
    const o = await rotate(w, { destinations: [], revokeUntracked: true });
    assert.equal(o.action, 'rotated', o.error?.message);
    assert.equal(w.service.active('feed').length, 1);
    assert.equal(w.service.active('feed')[0].authorizationId, o.pat?.authorizationId);
  });

  it('when the PATs and destinations cannot be read again, keeps what it did and logs why', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    beforeFirst(w, 'revoke', () => {
      w.service.byId(old.authorizationId)!.revoked = true;
      w.service.faults.add({ op: 'list', error: new PatLifecycleError('network', 'ETIMEDOUT', 'no answer') });
    });
    const p = rotate(w);
    const o = await p;
    assert.equal(o.action, 'rotated');
    assert.deepEqual(p.run!.lines.debug, ['Could not read the PATs and destinations again after finding the old PAT gone (ETIMEDOUT).']);
    assert.equal(w.service.byId(o.pat!.authorizationId)?.revoked, false);
  });

  it("another run's PAT over this run's, but another destination holds this run's: nothing revoked, no failure", async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    beforeFirst(w, 'revoke', () => {
      w.store().hold(w.service.seed('feed', { daysLeft: 30 }));
      w.service.byId(old.authorizationId)!.revoked = true;
    });
    let created: string | undefined;
    const findHolders = async (id: string) => (created !== undefined && id === created ? ['Elsewhere'] : []);
    const run = runOf(w);
    run.findHolders = findHolders;
    const create = w.service.create.bind(w.service);
    w.service.create = async (req) => {
      const pat = await create(req);
      created = pat.authorizationId;
      return pat;
    };
    const o = await rotateOne(run, { displayName: 'feed' });
    assert.equal(o.action, 'rotated', o.error?.message);
    assert.equal(w.service.byId(created!)?.revoked, false);
  });

  it("this run's PAT replaced in two destinations and its revoke failing: says so, naming what they hold", async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    for (const n of ['FeedPat', 'Copy']) w.store(n).hold(old);
    beforeFirst(w, 'revoke', () => {
      for (const n of ['FeedPat', 'Copy']) {
        w.store(n).value = undefined;
        w.store(n).metadata = {};
      }
      w.service.byId(old.authorizationId)!.revoked = true;
      w.service.faults.add({ op: 'revoke', nth: 2, error: new PatLifecycleError('service', 'HTTP 500', 'failed') });
    });
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.error?.code, 'ConcurrentRotation');
    const created = w.service.active('feed')[0];
    assert.ok(
      o.error!.message.includes(`its write replaced this run's new PAT 'feed' (${created.authorizationId}) in fake store 'FeedPat' and fake store 'Copy', which now hold no PAT. This run's PAT could not be revoked; revoke 'feed' (${created.authorizationId}) under User settings`),
      o.error!.message,
    );
    assert.match(o.error!.hint ?? '', /lockBehavior: sequential/);
    assert.equal(o.error?.kind, 'service');
  });

  it('this run\'s PAT still recorded (in any case): no failure; what appeared meanwhile under another name or in a record is not named', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    w.store('Copy').hold(old);
    let recordedByOther: string | undefined;
    beforeFirst(w, 'revoke', () => {
      const stored = w.store().metadata.authorizationId!;
      w.store().metadata.authorizationId = stored.toUpperCase();
      const other = w.service.seed('feed', { daysLeft: 30 });
      recordedByOther = other.authorizationId;
      w.store('Copy').hold(other);
      w.service.seed('unrelated', { daysLeft: 30 });
      w.service.byId(old.authorizationId)!.revoked = true;
    });
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.action, 'rotated', o.error?.message);
    assert.deepEqual(o.issues, []);
    assert.equal(w.service.byId(o.pat!.authorizationId)?.revoked, false);
    assert.equal(w.service.byId(recordedByOther!)?.revoked, false);
  });
});

describe('rotate: what a record of a PAT out of service changes', () => {
  it('one destination holds the active PAT and another a revoked one: the reason is the one that does not hold it', async () => {
    const w = world();
    const current = w.service.seed('feed', { daysLeft: 20 });
    const leaked = w.service.seed('feed', { daysLeft: 20, revoked: true });
    w.store().hold(current);
    w.store('Copy').hold(leaked);
    const o = await rotate(w, { destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.action, 'rotated');
    assert.ok(o.plan[0].endsWith("because fake store 'Copy' does not hold it"), o.plan[0]);
    assert.match(o.detail, /^rotated: /);
    assert.equal(o.previous?.authorizationId, current.authorizationId);
    assert.equal(w.service.byId(current.authorizationId)?.revoked, true, 'the active PAT a destination held is revoked');
  });

  it('a leaked stored PAT and a same-name active PAT no record names: the other is left alone and named, never adopted', async () => {
    const w = world();
    const leaked = w.service.seed('feed', { daysLeft: 20, revoked: true, ageDays: 20 });
    const handMade = w.service.seed('feed', { daysLeft: 60, ageDays: 30 });
    w.store().hold(leaked);
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.equal(o.previous?.authorizationId, leaked.authorizationId);
    assert.equal(w.service.byId(handMade.authorizationId)?.revoked, false);
    assert.ok(o.warnings.some((x) => x.includes(handMade.authorizationId) && /no destination records it: it was left alone/.test(x)), o.warnings.join('\n'));
    assert.ok(!o.warnings.some((x) => x.startsWith('Adopted')));
  });

  it('only an expired PAT, and a value without a record: replaced, nothing adopted', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: -2 });
    w.store().value = 'pasted';
    const o = await rotate(w);
    assert.equal(o.action, 'rotated', o.error?.message);
    assert.ok(!o.warnings.some((x) => x.startsWith('Adopted')), o.warnings.join('\n'));
    assert.notEqual(w.store().value, 'pasted');
  });

  it('a PAT revoked as left by a crashed run is no longer counted: not named as a same-name PAT left alone', async () => {
    const w = world();
    const held = w.service.seed('feed', { daysLeft: 20 });
    w.store().hold(held);
    const validTo = new Date(w.clock.t + 30 * 86_400_000).toISOString();
    w.store().metadata.pending = `v1 ${w.clock.now().toISOString()} ${validTo} crashed`;
    const orphan = await w.service.create({ displayName: 'feed', scope: 'vso.packaging', validTo, allOrgs: false });
    w.clock.t += 20 * 60_000;
    const o = await rotate(w, { rotateWhenExpiresWithinDays: 0 });
    assert.equal(o.action, 'rotated');
    assert.equal(w.service.byId(orphan.authorizationId)?.revoked, true);
    assert.deepEqual(o.warnings.filter((x) => x.includes(orphan.authorizationId)).length, 1, o.warnings.join('\n'));
  });

  it('a replaced PAT kept (revokeOld false) is not called a same-name PAT no record names when the step rotates', async () => {
    const w = world();
    const older = w.service.seed('feed', { daysLeft: 20, ageDays: 28 });
    const stored = w.service.seed('feed', { daysLeft: 3, ageDays: 27 });
    w.store().hold(stored);
    w.store().metadata.replaced = older.authorizationId;
    // A second, empty destination: the step changes a destination, so every same-name PAT no record names is named.
    const o = await rotate(w, { revokeOld: false, destinations: [group('FeedPat'), group('Copy')] });
    assert.equal(o.action, 'rotated');
    assert.ok(!o.warnings.some((x) => x.includes(older.authorizationId)), o.warnings.join('\n'));
    assert.equal(w.service.byId(older.authorizationId)?.revoked, false);
  });
});

describe('rotate: what another run changed meanwhile', () => {
  it("a run's list older than a destination's record: lists again, and finds the PAT stored since (not a leak)", async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    const run = runOf(w);
    await run.directory.active();
    // Another run rotates after this run listed: stores its PAT and revokes the old one.
    const other = w.service.seed('feed', { daysLeft: 30, ageDays: 0 });
    w.store().hold(other);
    w.service.byId(old.authorizationId)!.revoked = true;
    const o = await rotateOne(run, { displayName: 'feed' });
    assert.equal(o.action, 'notDue', o.detail);
    assert.deepEqual(o.issues, []);
    assert.equal(o.pat?.authorizationId, other.authorizationId);
  });

  it('adoption is conditional: a record another run wrote since the destination was read is not overwritten', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 80 });
    const other = w.service.seed('feed', { daysLeft: 80, ageDays: 0 });
    const store = w.store();
    store.value = 'pasted';
    const read = store.read.bind(store);
    let reads = 0;
    store.read = async () => {
      const info = await read();
      if (++reads === 1) store.metadata = { authorizationId: other.authorizationId, validTo: other.validTo };
      return info;
    };
    const o = await rotate(w, {}, { authorizationId: manual.authorizationId });
    assert.equal(o.error?.code, 'StoreChanged');
    assert.equal(o.name, 'feed', 'selected by its ID, the outcome carries its name');
    assert.equal(store.metadata.authorizationId, other.authorizationId);
  });

  it('revokeUntracked with a stored PAT: revoked once, planned once', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3 });
    w.store().hold(old);
    const o = await rotate(w, { revokeUntracked: true });
    assert.equal(o.action, 'rotated');
    assert.deepEqual(revokes(w), [old.authorizationId]);
    assert.equal(o.plan.filter((p) => p.startsWith('revoke old PAT')).length, 1, o.plan.join('\n'));
  });
});
