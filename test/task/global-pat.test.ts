/**
 * A global PAT (targetAccounts null, valid in all organizations) met by rotate or update: the plan says it is global,
 * and it is narrowed to this organization only with allowNarrowingGlobalPat: true.
 */
import { strict as assert } from 'node:assert';
import { ORG, TaskFixture, useTaskFixture } from './task-fixture';

const DAY = 86_400_000;

describe('PatLifecycle@1 with a global PAT (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  function seedGlobal(daysLeft: number) {
    const validTo = new Date(f.emu.clock.now() + daysLeft * DAY).toISOString();
    return f.emu.control.pats.create(ORG, f.user.userId, { displayName: 'everywhere', scope: 'vso.packaging', validTo, allOrgs: true });
  }

  for (const action of ['rotate', 'update'] as const) {
    it(`${action} refuses to narrow a global PAT without allowNarrowingGlobalPat, naming the input; nothing changes`, async () => {
      const global = seedGlobal(3);
      const run = await f.run({ action, displayName: 'everywhere', target: 'outputOnly' });
      assert.equal(run.result, 'Failed', run.message);
      assert.match(run.message ?? '', /is global \(valid in all organizations\)/);
      assert.match(run.message ?? '', /allowNarrowingGlobalPat/);
      assert.match(run.visibleLog, /is global .*retired global PATs on 2026-12-01/, 'the plan says so');
      assert.equal(f.emu.log.count({ route: 'pats.create' }) + f.emu.log.count({ route: 'pats.update' }), 0);
      assert.equal(f.emu.control.pats.list(ORG).find((p: { authorizationId: string }) => p.authorizationId === global.authorizationId)?.allOrgs, true);
    });
  }

  it('rotate with allowNarrowingGlobalPat: true replaces it with a PAT of this organization only, saying so in the plan', async () => {
    seedGlobal(3);
    const run = await f.run({ action: 'rotate', displayName: 'everywhere', target: 'outputOnly', allowNarrowingGlobalPat: true });
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.match(run.visibleLog, /is global .*its replacement is valid in organization/);
    const fresh = f.emu.control.pats.list(ORG).filter((p: { displayName: string; allOrgs: boolean }) => p.displayName === 'everywhere' && !p.allOrgs);
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0]!.targetAccounts?.length, 1);
    f.assertNoSecrets(run);
  });
});
