/** list: the active PATs (every page), filtered, soonest expiry first; the ones inside the rotation window are flagged. */
import { patternToRegExp } from '../config/selector';
import { daysLeft, day, wholeDays } from './pat-facts';
import { newOutcome, type OperationRun, type PatOutcome } from './types';

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
    const out = newOutcome(pat.displayName);
    const left = daysLeft(pat, now);
    out.action = 'listed';
    out.pat = pat;
    out.detail = `valid until ${day(pat.validTo)}`;
    if (window > 0 && left <= window) {
      out.issues.push(`PAT '${pat.displayName}' (${pat.authorizationId}) expires on ${day(pat.validTo)}, in ${Math.max(0, wholeDays(left))} days.`);
    }
    return out;
  });
}
