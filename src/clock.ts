/** The one place the product reads the time, so a run's decisions (due, expiry, days left) agree with each other. */
export function now(): Date {
  return new Date();
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function daysBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / DAY_MS;
}

/**
 * Days as people read them, the one rule of every log line, table, summary and `status` (the CLI) alike: rounded to
 * the nearest whole day, so a PAT created for 30 days a second ago has 30 days left, not 29. Decisions (due, stale,
 * attention) compare the exact days, never this.
 */
export function wholeDays(days: number): number {
  // `|| 0` turns the -0 of Math.round(-0.2) into 0, which prints as "0" either way but compares cleaner in JSON.
  return Math.round(days) || 0;
}

/** Entra refresh tokens (non-SPA) expire after 90 days without use; each redemption starts a new window. */
export const REFRESH_TOKEN_LIFETIME_DAYS = 90;

export interface RefreshTokenAge {
  /** Whole days since it was issued (wholeDays). */
  ageDays: number;
  /** Whole days left of its 90, never below 0: 90 minus ageDays, so the two always add up to 90. */
  daysLeft: number;
  /** issuedAt + 90 days: when it stops working if nothing redeems it before. */
  expiresAt: Date;
}

/** The age of a saved refresh token from the issuedAt its store records, as every message and `status` tell it. */
export function refreshTokenAge(issuedAt: Date, at: Date): RefreshTokenAge {
  const ageDays = wholeDays(daysBetween(issuedAt, at));
  return {
    ageDays,
    daysLeft: Math.max(0, REFRESH_TOKEN_LIFETIME_DAYS - ageDays),
    expiresAt: new Date(issuedAt.getTime() + REFRESH_TOKEN_LIFETIME_DAYS * DAY_MS),
  };
}
