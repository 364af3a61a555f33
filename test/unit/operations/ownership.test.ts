import { strict as assert } from 'node:assert';
import { formatIntent, INTENT_DEADLINE_MS, matchesIntent, parseIntent } from '../../../src/operations/ownership';
import type { PatToken } from '../../../src/devops/types';

const at = new Date('2026-12-05T10:00:00.000Z');
const requested = '2027-01-04T10:00:00.123Z';
const intent = parseIntent(formatIntent(at, requested, 'run1'))!;

function pat(o: Partial<PatToken>): PatToken {
  return { authorizationId: 'id', displayName: 'feed', scope: 'vso.packaging', validFrom: '2026-12-05T10:00:01.0033333Z', validTo: '2027-01-04T10:00:00.1233333Z', targetAccounts: ['org'], token: null, ...o };
}

describe('ownership intents: what proves a PAT was made by a run of ours', () => {
  it('round-trips through the record, and anything else is no intent', () => {
    assert.equal(intent.at.toISOString(), at.toISOString());
    assert.equal(intent.validTo, requested);
    assert.equal(intent.run, 'run1');
    for (const junk of ['', 'v1', 'v2 2026-12-05T10:00:00Z 2027-01-04T10:00:00Z r', 'v1 yesterday 2027-01-04T10:00:00Z r']) assert.equal(parseIntent(junk), undefined, junk);
  });

  it('matches the PAT of that name created in its window with the validTo it asked for (to the 1/300 s the service keeps)', () => {
    assert.equal(matchesIntent(intent, pat({}), 'feed'), true);
  });

  it('matches a PAT whose validTo a lifespan policy shortened, created in the window', () => {
    assert.equal(matchesIntent(intent, pat({ validTo: '2026-12-12T10:00:01Z' }), 'feed'), true);
  });

  it('never matches a hand-made twin: another validTo, another name, or made outside the window', () => {
    assert.equal(matchesIntent(intent, pat({ validTo: '2027-01-05T00:00:00Z' }), 'feed'), false, 'a later expiry than asked for');
    assert.equal(matchesIntent(intent, pat({ displayName: 'feed2' }), 'feed'), false);
    assert.equal(matchesIntent(intent, pat({ validFrom: '2026-12-01T10:00:00Z' }), 'feed'), false, 'made days before the intent');
    const late = new Date(at.getTime() + INTENT_DEADLINE_MS + 11 * 60_000).toISOString();
    assert.equal(matchesIntent(intent, pat({ validFrom: late }), 'feed'), false, 'made after the run must have stored or given up');
  });
});
