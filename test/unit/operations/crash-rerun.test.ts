import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { testConfig, world, type Fault, type World } from './fakes';
import type { Config } from '../../../src/config/types';
import { INTENT_STALE_MS } from '../../../src/operations/ownership';

/** Starts a run and returns once it finished or "crashed" (a call that never returns, as when the process is killed). */
async function runUntilCrash(w: World, config: Config): Promise<'finished' | 'crashed'> {
  const crashed = new Promise<'crashed'>((resolve) => (w.service.faults.onCrash = () => resolve('crashed')));
  const finished = executeOperation(w.context(config)).then(() => 'finished' as const);
  return Promise.race([crashed, finished]);
}

function assertConverged(w: World, name: string) {
  const active = w.service.active(name);
  assert.equal(active.length, 1, `exactly one active PAT named ${name}, got ${active.length}`);
  const store = w.store();
  assert.equal(store.metadata.authorizationId, active[0].authorizationId, 'the store names the active PAT');
  assert.equal(store.value, active[0].value, 'the store holds its value');
}

const CRASH_POINTS: Array<Pick<Fault, 'op' | 'when' | 'nth'>> = [
  { op: 'read', when: 'before' },
  { op: 'list', when: 'before' },
  { op: 'create', when: 'before' },
  { op: 'create', when: 'after' },
  { op: 'write', when: 'before' },
  { op: 'write', when: 'after' },
  { op: 'verify', when: 'before' },
  { op: 'verify', when: 'after' },
  { op: 'revoke', when: 'before' },
  { op: 'revoke', when: 'after' },
];

describe('a re-run after a crash at any step converges to one valid, stored PAT', () => {
  for (const point of CRASH_POINTS) {
    it(`crash at ${point.op} (${point.when})`, async () => {
      const w = world();
      w.store().hold(w.service.seed('feed', { daysLeft: 3 }));
      w.service.faults.add({ ...point, error: 'crash' });
      const config = testConfig();
      assert.equal(await runUntilCrash(w, config), 'crashed');
      w.service.faults.crashed = false;
      // The next scheduled run: the crashed run's intent is stale by then (a younger one may belong to a live run).
      w.clock.t += INTENT_STALE_MS + 60_000;
      assert.equal(await runUntilCrash(w, config), 'finished');
      assertConverged(w, 'feed');
      // And it stays put: a third run changes nothing.
      const before = JSON.stringify(w.service.pats);
      await executeOperation(w.context(config));
      assert.equal(JSON.stringify(w.service.pats), before);
    });
  }

  it('crash right after a create for an empty destination: the intent in it proves the orphan; the hand-made PAT is kept', async () => {
    const w = world();
    const manual = w.service.seed('feed', { daysLeft: 25 });
    w.service.faults.add({ op: 'create', when: 'after', error: 'crash' });
    assert.equal(await runUntilCrash(w, testConfig()), 'crashed');
    w.service.faults.crashed = false;
    const orphan = w.service.active('feed').find((p) => p.authorizationId !== manual.authorizationId)!;
    w.clock.t += INTENT_STALE_MS + 60_000;
    const rerun = await executeOperation(w.context(testConfig()));
    assert.equal(rerun.outcomes[0].action, 'rotated', JSON.stringify(rerun.outcomes[0].error?.message));
    assert.equal(w.service.byId(orphan.authorizationId)?.revoked, true);
    assert.equal(w.service.byId(manual.authorizationId)?.revoked, false, 'never recorded anywhere: left alone');
    const stored = w.service.byId(w.store().metadata.authorizationId!)!;
    assert.equal(stored.revoked, false);
    assert.equal(w.store().value, stored.value);
  });
});
