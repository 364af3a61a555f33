import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

async function rotate(w: World, overrides: Partial<Config> = {}) {
  const { outcomes } = await executeOperation(w.context(testConfig(overrides)));
  assert.equal(outcomes.length, 1);
  return outcomes[0];
}
const day = (iso: string) => iso.slice(0, 10);

describe('rotate: the plan and what it says it did', () => {
  it('a due PAT: the plan names the reason, each write and the revocation; the detail the new expiry', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 3, scope: 'vso.code' });
    w.store().hold(old);
    const asked = new Date(w.clock.t + 30 * DAY_MS).toISOString();
    const dry = await rotate(w, { dryRun: true });
    assert.deepEqual(dry.plan, [
      `create PAT 'feed' (vso.code) valid until ${day(asked)}, because it expires on ${day(old.validTo)}`,
      "write it to fake store 'FeedPat' and check what was stored",
      `revoke old PAT 'feed' (${old.authorizationId}) (a destination held it)`,
    ]);
    assert.equal(dry.detail, `would rotate: it expires on ${day(old.validTo)}`);
    assert.equal(dry.pat?.authorizationId, old.authorizationId);
    assert.equal(dry.rotated, false);
    const kept = await rotate(w, { dryRun: true, revokeOld: false });
    assert.equal(kept.plan[2], `keep old PAT 'feed' (${old.authorizationId}) (revokeOld: false)`);
    const o = await rotate(w);
    assert.equal(o.detail, `rotated: new PAT valid until ${day(w.service.active('feed')[0].validTo)}`);
    assert.deepEqual(o.warnings, []);
  });

  it('an empty destination: the reason is that it does not hold the PAT; one destination or two', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 20 });
    assert.match((await rotate(w, { dryRun: true })).detail, /^would rotate: fake store 'FeedPat' does not hold it$/);
    const two = { destinations: [testConfig().destinations[0], { kind: 'variableGroup' as const, group: { project: 'p', name: 'g' }, variableName: 'Copy', auth: 'user' as const }] };
    assert.equal((await rotate(w, { dryRun: true, ...two })).detail, "would rotate: fake store 'FeedPat' and fake store 'Copy' do not hold it");
  });

  it('not due: the detail names the expiry, the days and the window; adopting says so first', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: 20 });
    w.store().hold(old);
    const o = await rotate(w);
    assert.match(o.detail, new RegExp(`^not due: valid until ${day(old.validTo)} \\(\\d+ days\\), more than 7$`));
    assert.equal(o.storedIn, "fake store 'FeedPat'");
    const fresh = world();
    const manual = fresh.service.seed('feed', { daysLeft: 20 });
    fresh.store().value = 'pasted';
    const adopted = await rotate(fresh);
    assert.equal(adopted.action, 'adopted');
    assert.match(adopted.detail, /^adopted; not due: valid until /);
    assert.equal(fresh.store().metadata.authorizationId, manual.authorizationId);
  });

  it('a PAT no destination records is kept, planned and reported as such', async () => {
    const w = world();
    const untracked = w.service.seed('feed', { daysLeft: 3 });
    // No destination (the output variable only): nothing records the PAT.
    const o = await rotate(w, { destinations: [] });
    assert.equal(o.action, 'rotated');
    assert.ok(o.plan.includes(`keep PAT 'feed' (${untracked.authorizationId}): no destination recorded it, so it may be used elsewhere (revokeUntracked: true would revoke it)`), o.plan.join('\n'));
    assert.deepEqual(o.warnings, [
      `PAT 'feed' (${untracked.authorizationId}) was left alone: no destination recorded it, so it may be in use elsewhere. It works until ${day(untracked.validTo)}; revoke it yourself when nothing uses it (or set revokeUntracked: true).`,
    ]);
    assert.equal(w.service.byId(untracked.authorizationId)?.revoked, false);
  });

  it('an expired PAT: replaced, with advice on the schedule from lifetime and window', async () => {
    const w = world();
    const old = w.service.seed('feed', { daysLeft: -2 });
    w.store().hold(old);
    const o = await rotate(w, { lifetimeDays: 30, rotateWhenExpiresWithinDays: 5 });
    assert.equal(o.action, 'rotated');
    assert.ok(o.warnings.includes(`PAT 'feed' (${old.authorizationId}) stored in fake store 'FeedPat' had already expired on ${day(old.validTo)}; a replacement was created. Run the rotation more often than every 25 days.`), o.warnings.join('\n'));
  });
});
