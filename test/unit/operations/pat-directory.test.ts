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

  it('revoked() lists the revoked PATs, once', async () => {
    const { pats, calls } = api();
    const dir = new PatDirectory(pats);
    assert.deepEqual((await dir.revoked()).map((p) => p.displayName), ['revoked-1']);
    assert.deepEqual((await dir.revoked()).map((p) => p.displayName), ['revoked-1']);
    assert.deepEqual(calls, ['revoked']);
  });

  it('fresh() passes over a prefetched listing nobody took yet: it began before the change', async () => {
    const { pats, calls } = api();
    const dir = new PatDirectory(pats);
    dir.prefetch();
    assert.deepEqual((await dir.fresh()).map((p) => p.displayName), ['active-2']);
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-2'], 'and the fresh listing is the one kept');
    assert.deepEqual(calls, ['active', 'active']);
  });

  it('a failed prefetch reaches only its first caller: the next one lists again', async () => {
    const { pats, calls, state } = api();
    const dir = new PatDirectory(pats);
    state.failing = true;
    dir.prefetch();
    await assert.rejects(dir.active(), /list failed/);
    state.failing = false;
    assert.deepEqual((await dir.active()).map((p) => p.displayName), ['active-2']);
    assert.deepEqual(calls, ['active', 'active']);
  });

  it('collects every item of a listing', async () => {
    const many = {
      async *listAll(): AsyncGenerator<PatToken> {
        for (const n of ['a', 'b', 'c']) {
          await new Promise((r) => setImmediate(r));
          yield { displayName: n } as PatToken;
        }
      },
    } as unknown as PatApi;
    assert.deepEqual((await new PatDirectory(many).active()).map((p) => p.displayName), ['a', 'b', 'c']);
  });
});
