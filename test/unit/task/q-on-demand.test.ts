/**
 * The stand-in task-lib's tool runner gets for q in the task bundle: nothing loads q until the first use, and then
 * every use reaches the real q.
 */
import { strict as assert } from 'node:assert';

const Q_FILE = require.resolve('q');

describe("q on demand (task-lib's tool runner)", () => {
  it('loads q only on the first use, and then behaves as q (defer, call, all)', async () => {
    delete require.cache[Q_FILE];
    const q = require('../../../tasks/PatLifecycleV1/src/q-on-demand') as {
      (value: unknown): { then(f: (v: unknown) => unknown): Promise<unknown> };
      defer(): { promise: { then(f: (v: unknown) => unknown): unknown }; resolve(v: unknown): void };
      all(list: unknown[]): { then(f: (v: unknown) => unknown): unknown };
    };
    assert.equal(require.cache[Q_FILE], undefined, 'not loaded by the import');
    const d = q.defer();
    assert.ok(require.cache[Q_FILE], 'loaded by the first use');
    d.resolve(7);
    assert.equal(await new Promise((ok) => d.promise.then(ok)), 7);
    assert.equal(await new Promise((ok) => q(5).then(ok)), 5);
    assert.deepEqual(await new Promise((ok) => q.all([1, q(2)]).then(ok)), [1, 2]);
  });
});
