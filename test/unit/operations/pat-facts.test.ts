import { strict as assert } from 'node:assert';
import { createdAt, day, daysLeft, isDue, newestFirst, requestedValidTo, wasShortened } from '../../../src/operations/pat-facts';
import type { PatToken } from '../../../src/devops/types';

const NOW = new Date('2026-11-30T12:00:00Z');
const pat = (validFrom: string, validTo = '2026-12-30T12:00:00Z') => ({ validFrom, validTo, displayName: validFrom, scope: 'vso.code', targetAccounts: null, authorizationId: validFrom, token: null }) as PatToken;

describe('PAT time arithmetic (pat-facts)', () => {
  it('days left, fractional, negative once expired', () => {
    assert.equal(daysLeft({ validTo: '2026-12-07T12:00:00Z' }, NOW), 7);
    assert.equal(daysLeft({ validTo: '2026-11-30T00:00:00Z' }, NOW), -0.5);
  });

  it('due within the window, boundary included; a window of 0 rotates every time', () => {
    assert.equal(isDue({ validTo: '2026-12-07T12:00:00Z' }, NOW, 7), true);
    assert.equal(isDue({ validTo: '2026-12-07T12:00:01Z' }, NOW, 7), false);
    assert.equal(isDue({ validTo: '2027-12-07T12:00:00Z' }, NOW, 0), true);
  });

  it('asks for now + lifetimeDays, to the millisecond', () => {
    assert.equal(requestedValidTo(new Date('2026-11-30T12:00:00.123Z'), 30), '2026-12-30T12:00:00.123Z');
  });

  it('shortened means more than a minute earlier than asked; the service rounding is not', () => {
    const asked = '2026-12-30T12:00:00.000Z';
    assert.equal(wasShortened(asked, '2026-12-30T11:59:00.000Z'), false, 'exactly a minute is rounding');
    assert.equal(wasShortened(asked, '2026-12-30T11:58:59.999Z'), true);
    assert.equal(wasShortened(asked, '2026-12-30T12:00:00.003Z'), false);
    assert.equal(wasShortened(asked, '2026-12-20T12:00:00.000Z'), true);
  });

  it('newest first by creation time, without changing the list given; day() is the date part', () => {
    const list = [pat('2026-11-01T00:00:00Z'), pat('2026-11-03T00:00:00Z'), pat('2026-11-02T00:00:00Z')];
    assert.deepEqual(newestFirst(list).map((p) => p.validFrom), ['2026-11-03T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-01T00:00:00Z']);
    assert.equal(list[0].validFrom, '2026-11-01T00:00:00Z');
    assert.equal(createdAt(list[1]), Date.parse('2026-11-03T00:00:00Z'));
    assert.equal(day('2026-12-01T23:59:59Z'), '2026-12-01');
  });
});
