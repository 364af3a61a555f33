/**
 * When to send a request again and how long to wait first. Pure functions: the HTTP client owns the loop.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff ceiling of the first retry; doubles per retry (full jitter picks uniformly below it). */
  baseDelayMs: number;
  /** Ceiling of a single backoff wait the policy picks itself. */
  maxDelayMs: number;
  /**
   * Total time one request may spend waiting between attempts. A server asking for a longer single wait
   * than this makes the request fail as throttled instead of stalling the pipeline.
   */
  totalWaitCapMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 20_000,
  totalWaitCapMs: 60_000,
};

/** 429: throttled; 5xx that mean "not now" rather than "never". 501/505 are permanent and left out. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Azure DevOps' `X-RateLimit-Reset`: Unix epoch seconds when the caller's usage is back to zero. */
export function parseRateLimitResetMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Math.max(0, Math.round(Number(value) * 1000 - nowMs));
}

/** The wait the server asked for: Retry-After first; X-RateLimit-Reset only on a 429, where it is the only hint. */
export function serverRequestedDelayMs(status: number | undefined, headers: Record<string, string>, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfterMs(headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  if (status === 429) return parseRateLimitResetMs(headers['x-ratelimit-reset'], nowMs);
  return undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(retry-1))]. */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  /** 'exhausted': out of retries or of total wait. 'overCap': the server asked for one wait longer than the cap. */
  | { action: 'stop'; reason: 'exhausted' | 'overCap'; requestedMs?: number };

export function decideRetry(input: {
  /** The retry about to happen: 1 for the first. */
  retryNumber: number;
  waitedMs: number;
  serverDelayMs?: number;
  policy: RetryPolicy;
  random?: () => number;
}): RetryDecision {
  const { retryNumber, waitedMs, serverDelayMs, policy } = input;
  if (serverDelayMs !== undefined && serverDelayMs > policy.totalWaitCapMs) {
    return { action: 'stop', reason: 'overCap', requestedMs: serverDelayMs };
  }
  if (retryNumber > policy.maxRetries) return { action: 'stop', reason: 'exhausted' };
  // A server-given wait is a floor: retrying earlier would only be throttled again.
  const delayMs = serverDelayMs ?? backoffDelayMs(retryNumber, policy, input.random);
  if (waitedMs + delayMs > policy.totalWaitCapMs) return { action: 'stop', reason: 'exhausted' };
  return { action: 'retry', delayMs };
}
