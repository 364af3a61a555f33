import { strict as assert } from 'node:assert';
import { parseRecord, RECORD_PREFIX, withRecord } from '../../../src/stores/service-connection-store';

describe('service connection record on the description', () => {
  it('is added as the last line, below what people wrote', () => {
    const d = withRecord('Feed for the build', { authorizationId: 'a1', validTo: '2027-01-01T00:00:00Z' });
    assert.equal(d, `Feed for the build\n${RECORD_PREFIX}authorizationId=a1; validTo=2027-01-01T00:00:00Z`);
    assert.deepEqual(parseRecord(d), { authorizationId: 'a1', validTo: '2027-01-01T00:00:00Z' });
  });

  it('is replaced in place, the lines people wrote around it kept byte for byte', () => {
    const before = `Owned by platform.\n\n${RECORD_PREFIX}authorizationId=a1\nAsk #feeds before editing.  `;
    const after = withRecord(before, { authorizationId: 'b2', pending: 'v1 2026-12-05T19:00:00.000Z 2027-01-04T19:00:00.000Z r1' });
    assert.equal(after, `Owned by platform.\n\n${RECORD_PREFIX}authorizationId=b2; pending=v1 2026-12-05T19:00:00.000Z 2027-01-04T19:00:00.000Z r1\nAsk #feeds before editing.  `);
    assert.equal(parseRecord(after).pending, 'v1 2026-12-05T19:00:00.000Z 2027-01-04T19:00:00.000Z r1');
  });

  it('goes away with its line when every key is removed, giving back the description as people left it', () => {
    const d = withRecord('Feed for the build', { authorizationId: 'a1' });
    assert.equal(withRecord(d, { authorizationId: '' }), 'Feed for the build');
    assert.equal(withRecord(null, {}), '');
  });

  it('reads as no record from a description without the line, or with the prefix only inside a sentence', () => {
    assert.deepEqual(parseRecord(null), {});
    assert.deepEqual(parseRecord(`See ${RECORD_PREFIX}authorizationId=x`), {});
  });
});
