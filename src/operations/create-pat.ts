/**
 * Rotation rule 4's create call (docs/design.md), made safe to repeat: a create whose answer was lost may still have made a PAT, whose value
 * is then gone for good. So before trying again, list, and revoke what that attempt made.
 */
import type { PatToken, PatTokenCreateRequest } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { createdAt, day, requestedValidTo, wasShortened } from './pat-facts';
import { daysBetween } from '../clock';
import { describePat, type OperationRun, type PatOutcome } from './types';

/** validFrom comes from the service's clock; allow for it running behind ours. */
const CLOCK_SKEW_MS = 10 * 60_000;

export function newPatRequest(run: OperationRun, displayName: string, scopes: string[]): PatTokenCreateRequest {
  return { displayName, scope: scopes.join(' '), validTo: requestedValidTo(run.now(), run.config.lifetimeDays), allOrgs: false };
}

export async function createPat(run: OperationRun, request: PatTokenCreateRequest, out: PatOutcome): Promise<PatToken & { token: string }> {
  const known = new Set((await run.directory.active()).map((t) => t.authorizationId.toLowerCase()));
  let created: PatToken & { token: string };
  try {
    created = await run.pats.create(request);
  } catch (err) {
    if (!mayHaveCreated(err)) throw err;
    run.log.warn(`Creating PAT '${request.displayName}' may have reached Azure DevOps without an answer (${err.code}); checking the PAT list before trying again.`);
    out.createUncertain = true;
    await revokeLostCreates(run, request.displayName, known, out);
    created = await run.pats.create(request);
  }
  run.registerSecret(created.token);
  warnIfShortened(run, request, created, out);
  return created;
}

/**
 * Whether a failed create may still have made a PAT, whose value is then lost: so look, revoke, and try once more.
 *  - OutcomeUnknown: no answer (timeout, reset) or a 500/502/504 after the request went out.
 *  - HTTP 503: the HTTP layer does not resend a POST on 503 (only on 429, which is refused unprocessed) and
 *    pat-client reports it as a plain refusal; a gateway may answer 503 after forwarding, so it is unknown too.
 *    Failing the rotation on it (the earlier behaviour) turned a transient fault into a failed run.
 *  - A 2xx (not the 203 sign-in page) whose body cannot be read: the service did create the PAT and only the
 *    answer was lost. Failing here (the earlier behaviour) left that PAT valid with nobody knowing its value.
 */
function mayHaveCreated(err: unknown): err is PatLifecycleError {
  if (!(err instanceof PatLifecycleError)) return false;
  if (err.code === 'OutcomeUnknown') return true;
  if (err.status === 503) return true;
  return err.code === 'UnexpectedResponse' && err.status !== undefined && err.status >= 200 && err.status < 300 && err.status !== 203;
}

async function revokeLostCreates(run: OperationRun, displayName: string, known: Set<string>, out: PatOutcome): Promise<void> {
  const since = run.runStartedAt.getTime() - CLOCK_SKEW_MS;
  const lost = (await run.directory.fresh('active')).filter(
    (t) => t.displayName === displayName && !known.has(t.authorizationId.toLowerCase()) && createdAt(t) >= since,
  );
  for (const pat of lost) {
    // Its value was in the lost answer: nobody can ever use it, so it only widens the attack surface.
    await run.pats.revoke(pat.authorizationId);
    out.warnings.push(`The unanswered create had made PAT ${describePat(pat)}; its value was lost, so it was revoked and a new PAT created.`);
  }
}

/** The organization's maximum lifespan policy shortens validTo silently (since 2024): say so, and what it means. */
function warnIfShortened(run: OperationRun, request: PatTokenCreateRequest, created: PatToken, out: PatOutcome): void {
  if (!wasShortened(request.validTo, created.validTo)) return;
  // The policy grants whole days from creation; the time the answer took must not cost one.
  const days = Math.round(daysBetween(new Date(created.validFrom), new Date(created.validTo)));
  const { lifetimeDays, rotateWhenExpiresWithinDays, action } = run.config;
  let message = `Azure DevOps shortened PAT '${created.displayName}' to expire on ${day(created.validTo)} (${days} days instead of the ${lifetimeDays} requested): the organization limits PAT lifespans. Set lifetimeDays to ${days} or less to match.`;
  if (action === 'rotate' && rotateWhenExpiresWithinDays > 0 && days <= rotateWhenExpiresWithinDays) {
    message += ` With rotateWhenExpiresWithinDays ${rotateWhenExpiresWithinDays}, the new PAT is due at once and every run will rotate it: lower rotateWhenExpiresWithinDays below ${days}.`;
  }
  out.warnings.push(message);
}
