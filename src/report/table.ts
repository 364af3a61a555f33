/** A plain-text table for the log (the list action), aligned in a monospaced console. */
import type { PatOutcome } from '../operations/types';
import { daysLeft, day, wholeDays } from '../operations/pat-facts';

export function patTable(outcomes: readonly PatOutcome[], now: Date): string[] {
  const rows = outcomes
    .filter((o) => o.pat)
    .map((o) => {
      const pat = o.pat!;
      return [pat.displayName, pat.scope, day(pat.validTo), String(Math.max(0, wholeDays(daysLeft(pat, now)))), pat.authorizationId];
    });
  const header = ['Name', 'Scopes', 'Expires', 'Days left', 'Authorization ID'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '…' : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
