/** list: the active PATs (every page), filtered, soonest expiry first; the ones inside the rotation window are flagged. */
import { patternToRegExp } from '../config/selector';
import { daysLeft, day, wholeDays } from './pat-facts';
import type { OperationRun, PatOutcome } from './types';

export async function listPats(run: OperationRun): Promise<PatOutcome[]> {
  const { selector, rotateWhenExpiresWithinDays: window } = run.config;
  const pattern = selector.displayNamePattern ? patternToRegExp(selector.displayNamePattern) : undefined;
  const filtered = selector.displayNames.length > 0 || pattern || selector.authorizationId;
  const now = run.now();
  const pats = (await run.directory.active())
    .filter(
      (t) =>
        !filtered ||
        selector.displayNames.includes(t.displayName) ||
        (pattern?.test(t.displayName) ?? false) ||
        t.authorizationId.toLowerCase() === selector.authorizationId?.toLowerCase(),
    )
    .sort((a, b) => Date.parse(a.validTo) - Date.parse(b.validTo));
  return pats.map((pat) => {
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
    };
  });
}

/**
 * A listed PAT has no plan, no warnings and mostly no issue: one frozen empty list stands for all of them. With ten
 * thousand PATs, three arrays each were a tenth of the run's peak memory (a push onto it would throw, not go unseen).
 */
const NOTHING = Object.freeze([]) as unknown as string[];
