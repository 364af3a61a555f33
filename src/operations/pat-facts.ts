/** Time arithmetic on PATs, all against the run's clock. */
import type { PatToken } from '../devops/types';
import { DAY_MS, daysBetween } from '../clock';

// The one rounding rule for days people read lives beside the clock; PAT code imports it from here.
export { wholeDays } from '../clock';

export function daysLeft(pat: Pick<PatToken, 'validTo'>, now: Date): number {
  return daysBetween(now, new Date(pat.validTo));
}

/** Rotation rule 3 (docs/design.md): due when it expires within the window; a window of 0 means every run rotates. */
export function isDue(pat: Pick<PatToken, 'validTo'>, now: Date, windowDays: number): boolean {
  return windowDays === 0 || daysLeft(pat, now) <= windowDays;
}

export function requestedValidTo(now: Date, lifetimeDays: number): string {
  return new Date(now.getTime() + lifetimeDays * DAY_MS).toISOString();
}

/** The service rounds validTo to 1/300 s; anything shorter than a minute off is rounding, not a policy. */
export function wasShortened(requested: string, returned: string): boolean {
  return Date.parse(returned) < Date.parse(requested) - 60_000;
}

export function createdAt(pat: Pick<PatToken, 'validFrom'>): number {
  return Date.parse(pat.validFrom);
}

export function newestFirst(pats: readonly PatToken[]): PatToken[] {
  return [...pats].sort((a, b) => createdAt(b) - createdAt(a));
}

/** `2026-12-01` for tables and messages. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}
