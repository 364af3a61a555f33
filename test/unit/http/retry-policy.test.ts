import { strict as assert } from 'node:assert';
import {
  backoffDelayMs,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRateLimitResetMs,
  parseRetryAfterMs,
  serverRequestedDelayMs,
} from '../../../src/http/retry-policy';

describe('retry policy', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('parses Retry-After seconds and HTTP dates', () => {
    assert.equal(parseRetryAfterMs('5', now), 5000);
    assert.equal(parseRetryAfterMs('0.5', now), 500);
    assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 00:00:30 GMT', now), 0, 'a past date means now');
    assert.equal(parseRetryAfterMs('soon', now), undefined);
    assert.equal(parseRetryAfterMs(undefined, now), undefined);
    assert.equal(parseRetryAfterMs(' ', now), undefined);
  });

  it('parses X-RateLimit-Reset epoch seconds', () => {
    assert.equal(parseRateLimitResetMs(String(now / 1000 + 42), now), 42_000);
    assert.equal(parseRateLimitResetMs(String(now / 1000 - 42), now), 0);
    assert.equal(parseRateLimitResetMs('x', now), undefined);
  });

  it('prefers Retry-After; uses X-RateLimit-Reset only for 429', () => {
    const headers = { 'retry-after': '3', 'x-ratelimit-reset': String(now / 1000 + 40) };
    assert.equal(serverRequestedDelayMs(429, headers, now), 3000);
    assert.equal(serverRequestedDelayMs(429, { 'x-ratelimit-reset': String(now / 1000 + 40) }, now), 40_000);
    assert.equal(serverRequestedDelayMs(503, { 'x-ratelimit-reset': String(now / 1000 + 40) }, now), undefined);
  });

  it('knows which statuses are transient', () => {
    assert.deepEqual([429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true]);
    assert.deepEqual([200, 400, 401, 403, 404, 409, 501, 505].map(isRetryableStatus), Array(8).fill(false));
  });

  it('full jitter stays under an exponential ceiling capped by maxDelayMs', () => {
    const p = DEFAULT_RETRY_POLICY;
    assert.equal(backoffDelayMs(1, p, () => 0.999999), 999);
    assert.equal(backoffDelayMs(3, p, () => 0.999999), 3999);
    assert.equal(backoffDelayMs(10, p, () => 0.999999), p.maxDelayMs - 1);
    assert.equal(backoffDelayMs(2, p, () => 0), 0);
  });

  it('stops after maxRetries, at the total cap, and on a single over-cap request', () => {
    const p = DEFAULT_RETRY_POLICY;
    assert.deepEqual(decideRetry({ retryNumber: 5, waitedMs: 0, policy: p }), { action: 'stop', reason: 'exhausted' });
    assert.deepEqual(decideRetry({ retryNumber: 2, waitedMs: 50_000, serverDelayMs: 20_000, policy: p }), { action: 'stop', reason: 'exhausted' });
    assert.deepEqual(decideRetry({ retryNumber: 1, waitedMs: 0, serverDelayMs: 61_000, policy: p }), { action: 'stop', reason: 'overCap', requestedMs: 61_000 });
    assert.deepEqual(decideRetry({ retryNumber: 1, waitedMs: 0, serverDelayMs: 2_000, policy: p }), { action: 'retry', delayMs: 2_000 });
  });
});
