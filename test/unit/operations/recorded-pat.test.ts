/**
 * What became of a recorded PAT (src/operations/recorded-pat.ts), on a PAT API whose get does or does not answer for a
 * revoked PAT: the live service's answer there is undocumented, so both must end at the same state.
 */
import { strict as assert } from 'node:assert';
import type { PatToken } from '../../../src/devops/types';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { lookUpRecorded } from '../../../src/operations/recorded-pat';
import type { OperationRun, PatApi } from '../../../src/operations/types';

const NOW = new Date('2026-12-07T12:00:00Z');
const pat = (id: string, validTo: string): PatToken => ({ authorizationId: id, displayName: 'feed', scope: 'vso.packaging', validTo, validFrom: '2026-11-01T00:00:00Z', targetAccounts: null, token: null });
const ACTIVE = pat('aaaaaaaa-0000-0000-0000-000000000001', '2027-01-01T00:00:00Z');
const REVOKED = pat('aaaaaaaa-0000-0000-0000-000000000002', '2027-01-02T00:00:00Z');
const EXPIRED = pat('aaaaaaaa-0000-0000-0000-000000000003', '2026-12-01T00:00:00Z');

function runOn(getAnswersRevoked: boolean): { run: OperationRun; calls: string[] } {
  const calls: string[] = [];
  const lists: Record<string, PatToken[]> = { active: [ACTIVE], revoked: [REVOKED], expired: [EXPIRED] };
  const pats: PatApi = {
    async *listAll(filter = 'active') {
      calls.push(`list ${filter}`);
      yield* lists[filter] ?? [];
    },
    async get(id) {
      calls.push('get');
      return [ACTIVE, EXPIRED, ...(getAnswersRevoked ? [REVOKED] : [])].find((t) => t.authorizationId === id);
    },
    create: () => Promise.reject(new Error('no create')),
    update: () => Promise.reject(new Error('no update')),
    revoke: () => Promise.reject(new Error('no revoke')),
  };
  return { run: { pats, directory: new PatDirectory(pats), now: () => NOW } as unknown as OperationRun, calls };
}

describe('lookUpRecorded: a recorded PAT by its authorization ID', () => {
  for (const getAnswersRevoked of [true, false]) {
    const how = getAnswersRevoked ? 'get answers for a revoked PAT' : 'get answers "not found" for a revoked PAT';
    it(`${how}: active from the list alone, then revoked, expired and gone`, async () => {
      const { run, calls } = runOn(getAnswersRevoked);
      assert.equal((await lookUpRecorded(run, ACTIVE.authorizationId.toUpperCase(), [ACTIVE])).state, 'active');
      assert.deepEqual(calls, [], 'an active PAT costs no request');
      const revoked = await lookUpRecorded(run, REVOKED.authorizationId, [ACTIVE]);
      assert.equal(revoked.state, 'revoked');
      assert.equal(revoked.pat?.validTo, REVOKED.validTo);
      assert.equal((await lookUpRecorded(run, EXPIRED.authorizationId, [ACTIVE])).state, 'expired');
      assert.equal((await lookUpRecorded(run, 'aaaaaaaa-0000-0000-0000-00000000dead', [ACTIVE])).state, 'gone');
      const asked = calls.length;
      assert.equal((await lookUpRecorded(run, 'not-an-id; edited by hand', [ACTIVE])).state, 'gone');
      assert.equal(calls.length, asked, 'a record that is no authorization ID costs no request');
    });
  }
});
