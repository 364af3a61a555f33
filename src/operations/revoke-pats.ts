/**
 * Revoking under rule (a) of ownership: a PAT a destination held, once its replacement is stored. Never one that
 * another destination the run can see still records (two steps rotating one PAT into two places).
 */
import type { PatToken } from '../devops/types';
import { asPatLifecycleError } from '../errors';
import { day } from './pat-facts';
import type { Destination } from './ownership';
import { describePat, type OperationRun, type PatOutcome } from './types';

/**
 * `gone`: the PAT was no longer there to revoke. Another run revoked it first (two rotations of one PAT at once),
 * someone did by hand, or an attempt of this run whose answer was lost did; the caller looks for what another run may
 * have left.
 */
export type RevokeResult = 'revoked' | 'kept' | 'gone';

/**
 * Rotation rule 7 (docs/design.md): the old PAT goes only after the new one is stored; a failure is an issue, not a
 * failure of the step. `search`: the search for other holders, when the caller started it earlier (heldElsewhere).
 */
export async function revokeReplaced(run: OperationRun, old: PatToken, dests: readonly Destination[], out: PatOutcome, why = 'replaced', search?: Promise<string[]>): Promise<RevokeResult> {
  if (!run.config.revokeOld) {
    run.log.info(`Kept the old PAT ${describePat(old)} until it expires on ${day(old.validTo)} (revokeOld: false).`);
    return 'kept';
  }
  const elsewhere = await (search ?? heldElsewhere(run, old, dests));
  if (elsewhere.length > 0) {
    out.warnings.push(
      `The old PAT ${describePat(old)} was not revoked: ${elsewhere.join(' and ')} also hold${elsewhere.length === 1 ? 's' : ''} it. ` +
        `Rotating one PAT from two steps gives each its own PAT; to keep one PAT in several places, list both in one step (target: variableGroup, keyVault).`,
    );
    return 'kept';
  }
  if (run.config.dryRun) {
    out.plan.push(`revoke PAT ${describePat(old)} (${why})`);
    return 'kept';
  }
  try {
    if ((await run.pats.revoke(old.authorizationId)) === 'notFound') {
      run.log.info(`The old PAT ${describePat(old)} was gone when this run revoked it: another run or someone by hand revoked it (or this run's own earlier attempt did, and its answer was lost).`);
      return 'gone';
    }
    run.log.info(`Revoked the old PAT ${describePat(old)} (${why}).`);
    return 'revoked';
  } catch (err) {
    const e = asPatLifecycleError(err);
    out.issues.push(`The old PAT ${describePat(old)} could not be revoked (${e.describe()}). It stays valid until ${day(old.validTo)}; the next run tries again, or revoke it under User settings > Personal access tokens.`);
    return 'kept';
  }
}

/** Other destinations whose records name the PAT. Never rejects: a search that failed names what it could not check. */
export async function heldElsewhere(run: OperationRun, pat: PatToken, dests: readonly Destination[]): Promise<string[]> {
  if (!run.findHolders) return [];
  try {
    return await run.findHolders(pat.authorizationId, dests.map((d) => d.store));
  } catch (err) {
    // Not knowing is not proof that nobody holds it: keep the PAT.
    return [`a destination the task could not check (${asPatLifecycleError(err).code})`];
  }
}
