import { strict as assert } from 'node:assert';
import { PatDirectory } from '../../../src/operations/pat-directory';
import type { PatApi } from '../../../src/operations/types';
import type { PatDisplayFilter, PatToken } from '../../../src/devops/types';

/** A PAT API whose listings are counted, and fail while `failing` is set. */
function api() {
  const calls: PatDisplayFilter[] = [];
  const state = { failing: false, n: 0 };
  const pats = {
    async *listAll(filter: PatDisplayFilter = 'active'): AsyncGenerator<PatToken> {
      calls.push(filter);
      const n = ++state.n;
      if (state.failing) throw new Error('list failed');
      yield { displayName: `${filter}-${n}` } as PatToken;
    },
  } as unknown as PatApi;
  return { pats, calls, state };
}

describe('PatDirectory: one listing per filter per run', () => {
  it('lists each filter once and shares it; fresh() lists again', async () => {
    const { pats, calls } = api();
    const dir = new PatDirectory(pats);
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-1']);
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-1']);
    assert.deepEqual((await dir.expired()).map((p) => p.displayName), ['expired-2']);
    assert.deepEqual((await dir.fresh()).map((p) => p.displayName), ['active-3']);
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-3']);
    assert.deepEqual((await dir.fresh('expired')).map((p) => p.displayName), ['expired-4']);
    assert.deepEqual(calls, ['active', 'expired', 'active', 'expired']);
  });

  it('a prefetched listing is what the first caller gets, once; a second prefetch adds nothing', async () => {
    const { pats, calls } = api();
    const dir = new PatDirectory(pats);
    dir.prefetch();
    dir.prefetch();
    assert.deepEqual(calls, ['active']);
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-1']);
    dir.prefetch();
    assert.deepEqual(calls, ['active'], 'already listed');
    dir.prefetch('revoked');
    assert.deepEqual(calls, ['active', 'revoked']);
    assert.deepEqual((await dir.fresh()).map((p) => p.displayName), ['active-3'], 'fresh() never hands out the prefetched listing again');
  });

  it('a failed listing is not kept: the next caller lists again; a failed prefetch reaches its caller', async () => {
    const { pats, calls, state } = api();
    const dir = new PatDirectory(pats);
    state.failing = true;
    await assert.rejects(dir.active(), /list failed/);
    dir.prefetch('expired');
    await assert.rejects(dir.expired(), /list failed/);
    state.failing = false;
    assert.equal((await dir.active()).length, 1);
    assert.deepEqual(calls, ['active', 'expired', 'active']);
  });
});
