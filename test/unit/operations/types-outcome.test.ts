/**
 * The outcome of one PAT (src/operations/types.ts): a failure keeps what was said and planned before it, and hands no
 * new value to later steps; a plan is announced once per step, as a plan or as a dry run.
 */
import { strict as assert } from 'node:assert';
import { announcePlan, describePat, newOutcome, settle } from '../../../src/operations/types';
import { PatLifecycleError } from '../../../src/errors';
import { RecordingHost, testConfig } from './fakes';

describe('outcome of one PAT', () => {
  it('starts empty: nothing planned, said or rotated, and failed until the work says otherwise', () => {
    assert.deepEqual(newOutcome('feed'), { name: 'feed', action: 'failed', detail: '', rotated: false, plan: [], warnings: [], issues: [] });
  });

  it('work that succeeds keeps what it set', async () => {
    const out = await settle(newOutcome('feed'), async (o) => {
      o.action = 'rotated';
      o.rotated = true;
      o.newToken = 'new-value';
      o.detail = 'rotated';
    });
    assert.equal(out.action, 'rotated');
    assert.equal(out.rotated, true);
    assert.equal(out.newToken, 'new-value');
    assert.equal(out.error, undefined);
  });

  it('a failure: failed with the cause, no value handed on, not rotated, and the plan and warnings so far kept', async () => {
    const err = new PatLifecycleError('service', 'StoreChanged', 'the store changed', { hint: 'run one at a time' });
    const out = await settle(newOutcome('feed'), async (o) => {
      o.plan.push('create a new PAT');
      o.warnings.push('adopted');
      o.action = 'rotated';
      o.rotated = true;
      o.newToken = 'new-value';
      throw err;
    });
    assert.equal(out.action, 'failed');
    assert.equal(out.rotated, false);
    assert.equal('newToken' in out, false, 'a failed PAT hands no value to later steps');
    assert.equal(out.error, err);
    assert.equal(out.detail, `failed: ${err.describe()}`);
    assert.deepEqual(out.plan, ['create a new PAT']);
    assert.deepEqual(out.warnings, ['adopted']);
  });

  it('a failure that is no PatLifecycleError is described as one', async () => {
    const out = await settle(newOutcome('feed'), async () => {
      throw new Error('socket hang up');
    });
    assert.ok(out.error instanceof PatLifecycleError);
    assert.match(out.detail, /^failed: .*socket hang up/);
  });

  it('announces each step of the plan once, as a plan, or as what a dry run would do', () => {
    const host = new RecordingHost();
    const out = newOutcome('feed');
    out.plan.push('create a new PAT', 'store it');
    announcePlan({ log: host, config: testConfig() }, out);
    out.plan.push('revoke the old PAT');
    announcePlan({ log: host, config: testConfig() }, out);
    announcePlan({ log: host, config: testConfig() }, out);
    assert.deepEqual(host.infos, ["Plan: create a new PAT [PAT 'feed']", "Plan: store it [PAT 'feed']", "Plan: revoke the old PAT [PAT 'feed']"]);

    const dry = new RecordingHost();
    const other = newOutcome('deploy');
    other.plan.push('create a new PAT');
    announcePlan({ log: dry, config: testConfig({ dryRun: true }) }, other);
    assert.deepEqual(dry.infos, ["Dry run, would create a new PAT [PAT 'deploy']"]);
  });

  it('describes a PAT by name and authorization ID, never its value', () => {
    assert.equal(describePat({ displayName: 'feed', authorizationId: 'aaaa-1', token: 'secret' } as never), "'feed' (aaaa-1)");
  });
});
