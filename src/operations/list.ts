/**
 * list: the active PATs (every page), filtered, soonest expiry first; the ones inside the rotation window are flagged.
 * Given the destinations of a rotation (variableName, secretName or serviceConnection), it also reads what each records
 * and marks a recorded PAT that was revoked or has expired: a pipeline that only lists still surfaces a leak.
 */
import { patternToRegExp } from '../config/selector';
import type { PatToken } from '../devops/types';
import { openDestinations } from './destination';
import { daysLeft, day, wholeDays } from './pat-facts';
import { recordedOutOfService, revokedReport, revokedStoredNames, type RecordedPat } from './recorded-pat';
import { describePat, type OperationRun, type PatOutcome } from './types';

export async function listPats(run: OperationRun): Promise<PatOutcome[]> {
  const { selector, rotateWhenExpiresWithinDays: window } = run.config;
  const pattern = selector.displayNamePattern ? patternToRegExp(selector.displayNamePattern) : undefined;
  const filtered = selector.displayNames.length > 0 || pattern || selector.authorizationId;
  const now = run.now();
  const active = await run.directory.active();
  const pats = active
    .filter(
      (t) =>
        !filtered ||
        selector.displayNames.includes(t.displayName) ||
        (pattern?.test(t.displayName) ?? false) ||
        t.authorizationId.toLowerCase() === selector.authorizationId?.toLowerCase(),
    )
    .sort((a, b) => Date.parse(a.validTo) - Date.parse(b.validTo));
  const marked = run.config.destinations.length > 0 ? await outOfServiceRecords(run, active, pattern) : [];
  return [...marked, ...pats.map((pat) => {
    const left = daysLeft(pat, now);
    const expiring = window > 0 && left <= window;
    return {
      name: pat.displayName,
      action: 'listed',
      detail: `valid until ${day(pat.validTo)}`,
      rotated: false,
      pat,
      plan: NOTHING,
      warnings: NOTHING,
      issues: expiring ? [`PAT '${pat.displayName}' (${pat.authorizationId}) expires on ${day(pat.validTo)}, in ${Math.max(0, wholeDays(left))} days.`] : NOTHING,
    } satisfies PatOutcome;
  })];
}

/**
 * The recorded PATs of the selected names that are no longer active, one row each: the names given, or those a
 * pattern matches among the active PATs and among PATs revoked before their expiry that a destination still holds.
 */
async function outOfServiceRecords(run: OperationRun, active: readonly PatToken[], pattern: RegExp | undefined): Promise<PatOutcome[]> {
  const { selector } = run.config;
  const names = pattern
    ? [...new Set(active.map((t) => t.displayName).filter((n) => pattern.test(n)))]
    : [...selector.displayNames];
  if (pattern) names.push(...(await revokedStoredNames(run, pattern, names)));
  const found = await Promise.all(names.map(async (name) => recordedOutOfService(run, await openDestinations(run, name), active, name)));
  return found.flat().flatMap((r) => (r.state === 'revoked' || r.state === 'expired' ? [markRecorded(run, r)] : []));
}

function markRecorded(run: OperationRun, r: RecordedPat): PatOutcome {
  const pat = r.pat!;
  const held = r.holders.map((d) => d.store.label()).join(' and ');
  const revoked = r.state === 'revoked';
  const text = revoked
    ? `${revokedReport(r, run.now())} A rotate step with these destinations replaces it at once.`
    : `PAT ${describePat(pat)} stored in ${held} expired on ${day(pat.validTo)}; consumers of it fail until a rotate step replaces it. Run the rotation more often.`;
  return {
    name: pat.displayName,
    action: 'listed',
    detail: revoked ? `REVOKED (found on ${day(run.now().toISOString())}), still stored in ${held}` : `EXPIRED on ${day(pat.validTo)}, still stored in ${held}`,
    rotated: false,
    pat,
    recordedState: r.state as 'revoked' | 'expired',
    storedIn: held,
    plan: NOTHING,
    warnings: NOTHING,
    issues: [text],
    ...(revoked ? { alerts: [text] } : {}),
  };
}

/**
 * A listed PAT has no plan, no warnings and mostly no issue: one frozen empty list stands for all of them. With ten
 * thousand PATs, three arrays each were a tenth of the run's peak memory (a push onto it would throw, not go unseen).
 */
const NOTHING = Object.freeze([]) as unknown as string[];
