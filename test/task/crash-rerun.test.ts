/**
 * The task killed mid-rotation (SIGKILL, as when an agent dies) and run again: the second run must leave exactly one
 * valid PAT of the name, and the store must hold it. Shows how to stop the task at an exact request: hold that request
 * with an emulator delay fault and kill once the fault has been taken.
 */
import { strict as assert } from 'node:assert';
import { TaskFixture, useTaskFixture } from './task-fixture';

describe('PatLifecycle@1 killed mid-rotation, then run again (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  const inputs = { action: 'rotate', displayName: 'feed-reader', variableGroup: 'Tokens', variableName: 'FeedPat', rotateWhenExpiresWithinDays: 0 };

  for (const route of ['pats.create', 'variableGroups.update', 'pats.revoke']) {
    it(`killed while ${route} is in flight`, async () => {
      const old = f.seedPat('feed-reader', { daysLeft: 20 });
      const group = f.addGroup('Tokens', { FeedPat: { value: old.token, isSecret: true }, 'FeedPat.authorizationId': old.authorizationId });
      const first = await f.run(inputs);
      assert.equal(first.result, 'Succeeded', first.message);

      // The request reaches the emulator, which holds it; the task dies; the emulator then carries the request out.
      const fault = f.emu.faults.add({ route, kind: 'delay', ms: 1500 });
      const killed = await f.run(inputs, { killWhen: () => !f.emu.faults.list().some((x) => x.id === fault) });
      assert.equal(killed.crashed, true);
      assert.equal(killed.result, undefined, 'the task never completed');
      await new Promise((r) => setTimeout(r, 1700));

      // The next scheduled run: the dead run's intent is stale by then (docs/design.md, "Ownership").
      f.emu.clock.advance(16 * 60_000);
      const rerun = await f.run(inputs);
      assert.equal(rerun.result, 'Succeeded', rerun.message);
      const active = f.activePats('feed-reader');
      assert.equal(active.length, 1, `one active PAT, got ${active.length}`);
      const vars = f.group(group).variables;
      assert.equal(vars['FeedPat'].value, active[0].token);
      assert.equal(vars['FeedPat.authorizationId'].value, active[0].authorizationId);
      f.assertNoSecrets(killed);
      f.assertNoSecrets(rerun);
    });
  }
});
