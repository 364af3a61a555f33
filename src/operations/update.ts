/** update: a new expiry (now + lifetimeDays), new scopes and/or a new name for a valid PAT; its value does not change. */
import { PatLifecycleError } from '../errors';
import { hasFullAccess, splitScopeString } from '../config/scopes';
import type { PatTokenUpdateRequest } from '../devops/types';
import { day, requestedValidTo, wasShortened } from './pat-facts';
import { destinationsHolding, keepInStep } from './keep-in-step';
import { sameId } from './ownership';
import { narrowGlobalPat } from './global-pat';
import { fullAccessRefused } from './rotate';
import { selectActive } from './select';
import { announcePlan, describePat, newOutcome, settle, type OperationRun, type PatOutcome } from './types';

export interface UpdateTarget {
  displayName?: string;
  authorizationId?: string;
}

export function updateOne(run: OperationRun, target: UpdateTarget): Promise<PatOutcome> {
  return settle(newOutcome(target.displayName ?? target.authorizationId ?? ''), (out) => update(run, target, out));
}

async function update(run: OperationRun, target: UpdateTarget, out: PatOutcome): Promise<PatOutcome> {
  const { config } = run;
  const pat = selectActive(await run.directory.active(), { ...target, takeNewest: config.selector.takeNewest });
  if (!pat) throw await notFound(run, target);
  out.name = pat.displayName;
  out.previous = pat;
  const scopes = config.scopes ?? splitScopeString(pat.scope);
  if (hasFullAccess(scopes) && !config.allowFullAccess) throw fullAccessRefused(pat);
  narrowGlobalPat(run, pat, out, 'the updated PAT');

  const request: PatTokenUpdateRequest = {
    authorizationId: pat.authorizationId,
    validTo: requestedValidTo(run.now(), config.lifetimeDays),
    allOrgs: false,
    ...(config.scopes ? { scope: config.scopes.join(' ') } : {}),
    ...(config.newDisplayName ? { displayName: config.newDisplayName } : {}),
  };
  const changes = [`valid until ${day(request.validTo!)}`, ...(request.scope ? [`scopes ${request.scope}`] : []), ...(request.displayName ? [`name '${request.displayName}'`] : [])];
  out.plan.push(`update PAT ${describePat(pat)}: ${changes.join(', ')}`);
  const { holding, others } = await destinationsHolding(run, pat);
  if (holding.length > 0) out.plan.push(`record the new expiry in ${holding.map((d) => d.store.label()).join('; ')}`);
  for (const d of others) out.warnings.push(`${d.store.describe()} does not record PAT ${describePat(pat)}${d.held ? ` (it records ${d.held})` : ''}; it is left as it is.`);
  announcePlan(run, out);
  if (config.dryRun) {
    out.action = 'planned';
    out.pat = pat;
    out.detail = `would update: ${changes.join(', ')}`;
    return out;
  }
  const updated = await run.pats.update(request);
  out.pat = updated;
  out.action = 'updated';
  out.detail = `updated: ${changes.join(', ')}`;
  await keepInStep(holding, updated, out);
  if (wasShortened(request.validTo!, updated.validTo)) {
    out.warnings.push(`Azure DevOps set PAT '${updated.displayName}' to expire on ${day(updated.validTo)}, not ${day(request.validTo!)}: the organization limits a PAT's lifespan from the day it was created, so updating cannot extend it further. Use rotate for a fresh lifetime.`);
  }
  return out;
}

/** No active PAT is what the step names: by its authorization ID or by its name, and whether it has expired. */
async function notFound(run: OperationRun, target: UpdateTarget): Promise<PatLifecycleError> {
  const id = target.authorizationId;
  const expired = (await run.directory.expired()).some((t) => (id ? sameId(t.authorizationId, id) : t.displayName === target.displayName));
  const what = id ? `No active PAT has the authorization ID ${id}` : `No active PAT is named '${target.displayName}'`;
  const why = expired ? ` (${id ? 'it' : 'one'} has expired, and an expired PAT cannot be extended)` : '';
  return new PatLifecycleError('notFound', 'PatNotFound', `${what}${why}`, {
    input: id ? 'authorizationId' : 'patName',
    hint: expired
      ? 'use the rotate action to replace the expired PAT'
      : id
        ? 'it was revoked or belongs to another user; the list action shows the active PATs'
        : 'check the name (it must match exactly; the list action shows them)',
  });
}
