import { strict as assert } from 'node:assert';
import { selectActive } from '../../../src/operations/select';
import { forEachPat } from '../../../src/operations/bulk';
import { newOutcome } from '../../../src/operations/types';
import { PatLifecycleError } from '../../../src/errors';
import type { PatToken } from '../../../src/devops/types';

const pat = (displayName: string, authorizationId: string, validFrom: string) => ({ displayName, authorizationId, validFrom, validTo: '2027-01-01T00:00:00Z', scope: 'vso.code', targetAccounts: null, token: null }) as PatToken;

describe('selectActive: the one PAT an explicit action means', () => {
  const older = pat('feed', 'aaaa-0001', '2026-10-01T00:00:00Z');
  const newer = pat('feed', 'aaaa-0002', '2026-11-01T00:00:00Z');
  const other = pat('other', 'bbbb-0001', '2026-09-01T00:00:00Z');

  it('by authorization ID in any case, else the one PAT of the exact name, else none', () => {
    assert.equal(selectActive([older, newer, other], { authorizationId: 'AAAA-0002', takeNewest: false }), newer);
    assert.equal(selectActive([older, other], { authorizationId: 'cccc', takeNewest: false }), undefined);
    assert.equal(selectActive([older, other], { displayName: 'other', takeNewest: false }), other);
    assert.equal(selectActive([older, other], { displayName: 'Other', takeNewest: false }), undefined, 'names are exact');
  });

  it('several of one name: the newest with takeNewest, otherwise an error listing them newest first', () => {
    assert.equal(selectActive([older, newer, other], { displayName: 'feed', takeNewest: true }), newer);
    assert.throws(
      () => selectActive([older, newer, other], { displayName: 'feed', takeNewest: false }),
      (e: PatLifecycleError) =>
        e.code === 'AmbiguousDisplayName' &&
        e.kind === 'input' &&
        e.input === 'patName' &&
        e.message === "2 active PATs are named 'feed': 'feed' (aaaa-0002), 'feed' (aaaa-0001) (newest first)" &&
        /takeNewest: true/.test(e.hint ?? ''),
    );
  });
});

describe('forEachPat: several PATs, a bounded number at a time', () => {
  it('keeps the order of the items, never runs more than the concurrency at once, counts each done, and turns a throw into that PAT\'s failure', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const items = ['a', 'b', 'c', 'd', 'e'];
    const results = await forEachPat(
      items,
      2,
      (i) => `pat ${i}`,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, i === 'a' ? 15 : 2));
        inFlight--;
        if (i === 'c') throw new PatLifecycleError('service', 'Boom', 'it broke');
        return { ...newOutcome(i), detail: `did ${i}` };
      },
      (_, n) => done.push(n),
    );
    assert.equal(most, 2);
    assert.deepEqual(done, [1, 2, 3, 4, 5]);
    assert.deepEqual(results.map((r) => r.name), ['a', 'b', 'pat c', 'd', 'e']);
    assert.equal(results[2].error?.code, 'Boom');
    assert.equal(results[2].detail, 'failed: it broke [Boom]');
    assert.equal(results[3].detail, 'did d');
  });

  it('a concurrency of 0 still works one at a time; no items, no work', async () => {
    let most = 0;
    let inFlight = 0;
    const results = await forEachPat([1, 2, 3], 0, String, async (i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return newOutcome(String(i));
    }, () => undefined);
    assert.equal(most, 1);
    assert.equal(results.length, 3);
    assert.deepEqual(await forEachPat([], 4, String, async () => assert.fail('no work'), () => assert.fail('nothing done')), []);
  });
});
