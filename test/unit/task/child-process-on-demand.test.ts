/**
 * The stand-in task-lib gets for child_process in the task bundle: nothing loads node's child_process until the first
 * use, and then every use reaches the real module.
 */
import { strict as assert } from 'node:assert';
import * as real from 'node:child_process';

describe("child_process on demand (task-lib's tool runner)", () => {
  it('reaches the real module on use: the same functions, a process that runs, the keys of the real module', () => {
    const cp = require('../../../tasks/PatLifecycleV1/src/child-process-on-demand') as typeof real;
    assert.equal(cp.spawnSync, real.spawnSync);
    assert.equal(cp.execFileSync, real.execFileSync);
    const r = cp.spawnSync(process.execPath, ['-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    assert.equal(r.stdout, 'ran');
    assert.ok('spawn' in cp);
    assert.deepEqual(Object.keys(cp).sort(), Object.keys(require('node:child_process') as object).sort());
  });
});
