/** revoke: by authorization ID or exact name. A PAT that is already gone is what the user wanted: success, with a note. */
import { selectActive } from './select';
import { day } from './pat-facts';
import { announcePlan, describePat, newOutcome, settle, type OperationRun, type PatOutcome } from './types';

export interface RevokeTarget {
  displayName?: string;
  authorizationId?: string;
}

export function revokeOne(run: OperationRun, target: RevokeTarget): Promise<PatOutcome> {
  return settle(newOutcome(target.displayName ?? target.authorizationId ?? ''), (out) => revoke(run, target, out));
}

async function revoke(run: OperationRun, target: RevokeTarget, out: PatOutcome): Promise<PatOutcome> {
  const active = await run.directory.active();
  const pat = selectActive(active, { ...target, takeNewest: run.config.selector.takeNewest });
  if (pat) out.name = pat.displayName;
  const authorizationId = pat?.authorizationId ?? target.authorizationId;
  if (!authorizationId) return alreadyGone(out, `no active PAT is named '${target.displayName}'`);

  out.plan.push(`revoke PAT ${pat ? describePat(pat) : authorizationId}`);
  announcePlan(run, out);
  if (run.config.dryRun) {
    out.action = 'planned';
    if (pat) out.pat = pat;
    out.detail = pat ? `would revoke (valid until ${day(pat.validTo)})` : 'would revoke (not among the active PATs)';
    return out;
  }
  const result = await run.pats.revoke(authorizationId);
  if (result === 'notFound') return alreadyGone(out, `no PAT has the authorization ID ${authorizationId}`);
  out.action = 'revoked';
  if (pat) out.previous = pat;
  out.detail = 'revoked';
  return out;
}

function alreadyGone(out: PatOutcome, why: string): PatOutcome {
  out.action = 'alreadyGone';
  out.detail = `nothing to revoke: ${why} (already revoked or expired)`;
  return out;
}
