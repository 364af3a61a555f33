/**
 * A plain-text table for the log (the list action), aligned in a monospaced console. Lines are made one at a time as
 * they are printed: with ten thousand PATs, holding every row and every formatted line at once would add megabytes to
 * the run's peak memory for nothing.
 */
import type { PatOutcome } from '../operations/types';
import type { PatToken } from '../devops/types';
import { daysLeft, day, wholeDays } from '../operations/pat-facts';

const HEADER = ['Name', 'Scopes', 'Expires', 'Days left', 'Authorization ID'];
const MAX_WIDTH = 60;

export function* patTable(outcomes: readonly PatOutcome[], now: Date): Generator<string> {
  // A State column only when a destination records a PAT that is no longer active (list with destinations).
  const marked = outcomes.some((o) => o.recordedState);
  const header = marked ? [...HEADER, 'State'] : HEADER;
  const cells = (o: PatOutcome, pat: PatToken) => [
    pat.displayName,
    pat.scope,
    day(pat.validTo),
    String(Math.max(0, wholeDays(daysLeft(pat, now)))),
    pat.authorizationId,
    ...(marked ? [o.recordedState ? `${o.recordedState.toUpperCase()}, stored` : 'active'] : []),
  ];
  const widths = header.map((h) => h.length);
  for (const o of outcomes) {
    if (!o.pat) continue;
    cells(o, o.pat).forEach((c, i) => (widths[i] = Math.min(MAX_WIDTH, Math.max(widths[i], c.length))));
  }
  const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '…' : c.padEnd(widths[i]))).join('  ').trimEnd();
  yield fmt(header);
  yield fmt(widths.map((w) => '-'.repeat(w)));
  for (const o of outcomes) if (o.pat) yield fmt(cells(o, o.pat));
}
