/** Revoking as the last step of a rotation and as rule 7's clean-up: a failure here never undoes a stored PAT. */
import type { PatToken } from '../devops/types';
import { asPatLifecycleError } from '../errors';
import { day } from './pat-facts';
import type { Selection } from './select';
import { describePat, type OperationRun, type PatOutcome } from './types';

/** Rule 5: the old PAT goes only after the new one is stored; a failure is an issue, not a failure of the step. */
export async function revokeOld(run: OperationRun, old: PatToken, out: PatOutcome): Promise<void> {
  if (!run.config.revokeOld) {
    run.log.info(`Kept the old PAT ${describePat(old)} until it expires on ${day(old.validTo)} (revokeOld: false).`);
    return;
  }
  try {
    await run.pats.revoke(old.authorizationId);
    run.log.info(`Revoked the old PAT ${describePat(old)}.`);
  } catch (err) {
    const e = asPatLifecycleError(err);
    out.issues.push(`The old PAT ${describePat(old)} could not be revoked (${e.describe()}). It stays valid until ${day(old.validTo)}; the next run tries again, or revoke it under User settings > Personal access tokens.`);
  }
}

/** Rule 7: what an interrupted run left. Orphans always go (their value is lost); replaced PATs only when revokeOld. */
export async function cleanUpLeftovers(run: OperationRun, selection: Selection, out: PatOutcome): Promise<void> {
  const stored = selection.current;
  if (!stored) return;
  const doomed = [
    ...selection.orphans.map((pat) => ({ pat, why: `created by an earlier run that stopped before storing it; the store holds ${describePat(stored)}` })),
    ...(run.config.revokeOld ? selection.replaced.map((pat) => ({ pat, why: `replaced by ${describePat(stored)} in an earlier run that stopped before revoking it` })) : []),
  ];
  for (const { pat, why } of doomed) {
    if (run.config.dryRun) {
      out.plan.push(`revoke leftover PAT ${describePat(pat)}: ${why}`);
      continue;
    }
    try {
      await run.pats.revoke(pat.authorizationId);
      out.warnings.push(`Revoked leftover PAT ${describePat(pat)}: ${why}.`);
    } catch (err) {
      out.issues.push(`The leftover PAT ${describePat(pat)} (${why}) could not be revoked: ${asPatLifecycleError(err).describe()}`);
    }
  }
  for (const pat of selection.untouched) {
    out.warnings.push(`Another active PAT has the same name, ${describePat(pat)}, with other scopes or unknown to the store; it was left alone.`);
  }
}
