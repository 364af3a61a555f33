// What an adoption says happened: the warning tells whether the value stayed or this run replaced it, and the plan
// says why that PAT was chosen (by authorizationId, the only one of its name, or the newest with takeNewest).
import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

async function rotate(w: World, overrides: Partial<Config> = {}) {
  const { outcomes } = await executeOperation(w.context(testConfig(overrides)));
  assert.equal(outcomes.length, 1);
  return outcomes[0]!;
}

const adoption = (warnings: string[]) => warnings.filter((x) => /^Adopted/.test(x));

describe('adoption messages', () => {
  it('not due: the warning says the value was not changed', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 80 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w);
    assert.equal(o.action, 'adopted');
    assert.equal(adoption(o.warnings).length, 1);
    assert.match(adoption(o.warnings)[0]!, /the value was not changed/);
  });

  it('due: the warning says this run replaced the value, never that it was not changed', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 3 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w);
    assert.equal(o.action, 'rotated');
    assert.notEqual(w.store().value, 'pasted-by-hand');
    const [warning] = adoption(o.warnings);
    assert.ok(warning, o.warnings.join('\n'));
    assert.doesNotMatch(warning, /not changed/);
    assert.match(warning, /this run replaced the value with the new PAT/);
  });

  it('chosen by authorizationId among several of its name: the plan says so, not "the only active PAT of that name"', async () => {
    const w = world();
    const a = w.service.seed('feed', { daysLeft: 80 });
    w.service.seed('feed', { daysLeft: 40 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w, { selector: { displayNames: [], authorizationId: a.authorizationId, takeNewest: false }, dryRun: true });
    const line = o.plan.find((p) => /^adopt /.test(p));
    assert.ok(line, o.plan.join('\n'));
    assert.match(line, /authorizationId names it/);
    assert.doesNotMatch(line, /only active PAT/);
  });

  it('the newest of several with takeNewest: the plan names how many there were', async () => {
    const w = world();
    w.service.seed('feed', { daysLeft: 80 });
    w.service.seed('feed', { daysLeft: 40 });
    w.store().value = 'pasted-by-hand';
    const o = await rotate(w, { selector: { displayNames: ['feed'], takeNewest: true }, dryRun: true });
    assert.match(o.plan.find((p) => /^adopt /.test(p)) ?? o.plan.join('\n'), /the newest of 2 active PATs of that name \(takeNewest\)/);
  });
});
