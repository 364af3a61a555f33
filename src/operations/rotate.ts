/**
 * Rotation, the rules of design.md in order:
 *  1 select the PAT (authorizationId, or the exact name among active PATs; several -> error unless takeNewest)
 *  7 the store names the PAT in use: leftovers of an interrupted run are revoked (never the stored one)
 *  2 skip while it is valid for longer than rotateWhenExpiresWithinDays (0 = always rotate)
 *  3 create a new PAT with the old name and scopes, allOrgs false, validTo now + lifetimeDays; warn when shortened
 *  4 write it to the store (if it still names the PAT this run started from) and check what the service stored
 *  6 on failure in 3-4: revoke the new PAT (unless the store holds it), leave the old one, fail with the cause
 *  5 revoke the old PAT unless revokeOld is false; a failure there is an issue, not a failure
 */
import { PatLifecycleError } from '../errors';
import { hasFullAccess, splitScopeString } from '../config/scopes';
import { destinationUsesName } from '../config/name-template';
import type { PatToken } from '../devops/types';
import { createPat, newPatRequest } from './create-pat';
import { openDestination } from './destination';
import { day, daysLeft, isDue, newestFirst, wholeDays } from './pat-facts';
import { cleanUpLeftovers, revokeOld } from './revoke-pats';
import { select } from './select';
import { storeNewPat } from './store-new-pat';
import { announcePlan, describePat, newOutcome, settle, type OperationRun, type PatOutcome } from './types';

export interface RotateTarget {
  displayName?: string;
  authorizationId?: string;
}

export function rotateOne(run: OperationRun, target: RotateTarget): Promise<PatOutcome> {
  return settle(newOutcome(target.displayName ?? target.authorizationId ?? ''), (out) => rotate(run, target, out));
}

async function rotate(run: OperationRun, target: RotateTarget, out: PatOutcome): Promise<PatOutcome> {
  const { config } = run;
  const active = await run.directory.active();
  const named = target.displayName ?? active.find((t) => t.authorizationId.toLowerCase() === target.authorizationId?.toLowerCase())?.displayName;
  const { store, storedId } = named !== undefined || !destinationUsesName(config.destination) ? await openDestination(run, named ?? '') : {};

  // Rules 1 and 7.
  const selection = select(active, { ...target, takeNewest: config.selector.takeNewest, nextScopes: config.scopes }, storedId);
  await cleanUpLeftovers(run, selection, out);
  announcePlan(run, out);
  const old = selection.current ?? (await lastExpired(run, named, target));
  out.name = old.displayName;
  out.previous = old;
  const expired = selection.current === undefined;

  // Rule 2. A store that does not hold the current PAT yet is filled by rotating now.
  const holdsCurrent = store === undefined || selection.stored;
  if (!expired && holdsCurrent && !isDue(old, run.now(), config.rotateWhenExpiresWithinDays)) {
    out.action = 'notDue';
    out.pat = old;
    out.detail = `not due: valid until ${day(old.validTo)} (${wholeDays(daysLeft(old, run.now()))} days), more than ${config.rotateWhenExpiresWithinDays}`;
    if (store) out.storedIn = store.label();
    return out;
  }

  // Rule 3.
  const scopes = config.scopes ?? splitScopeString(old.scope);
  if (hasFullAccess(scopes) && !config.allowFullAccess) throw fullAccessRefused(old);
  const request = newPatRequest(run, old.displayName, scopes);
  const why = expired ? `it expired on ${day(old.validTo)}` : !holdsCurrent ? 'its destination does not hold it yet' : `it expires on ${day(old.validTo)}`;
  out.plan.push(`create PAT '${request.displayName}' (${request.scope}) valid until ${day(request.validTo)}, because ${why}`);
  if (store) out.plan.push(`write it to ${store.describe()} and check what was stored`);
  if (!expired) out.plan.push(config.revokeOld ? `revoke old PAT ${describePat(old)}` : `keep old PAT ${describePat(old)} (revokeOld: false)`);
  announcePlan(run, out);
  if (config.dryRun) {
    out.action = 'planned';
    out.pat = old;
    out.detail = `would rotate: ${why}`;
    return out;
  }
  const created = await createPat(run, request, out);
  out.newToken = created.token;
  out.pat = { ...created, token: null };

  // Rules 4 and 6; never over, nor under, another run rotating the same PAT at the same time.
  await storeNewPat(run, store, created, out, { storedId });
  out.rotated = true;
  out.action = 'rotated';
  out.detail = `rotated: new PAT valid until ${day(created.validTo)}`;

  // Rule 5.
  if (!expired) await revokeOld(run, old, out);
  if (expired) out.warnings.push(`PAT '${old.displayName}' had already expired on ${day(old.validTo)}; a replacement was created. Run the rotation more often than every ${config.lifetimeDays - config.rotateWhenExpiresWithinDays} days.`);
  return out;
}

/** No active PAT: an expired one of that name can still be replaced (its name and scopes are known). */
async function lastExpired(run: OperationRun, name: string | undefined, target: RotateTarget): Promise<PatToken> {
  const expired = name !== undefined ? newestFirst((await run.directory.expired()).filter((t) => t.displayName === name)) : [];
  if (expired.length > 0) return expired[0];
  throw new PatLifecycleError('notFound', 'PatNotFound', `No active or expired PAT is named '${target.displayName ?? name ?? target.authorizationId}'`, {
    input: 'displayName',
    hint: 'check the name (it must match exactly, case included; the list action shows them), or use the create action for a new PAT',
  });
}

export function fullAccessRefused(pat: PatToken): PatLifecycleError {
  return new PatLifecycleError('input', 'FullAccessNotAllowed', `PAT ${describePat(pat)} has full access (app_token)`, {
    input: 'allowFullAccess',
    hint: 'give narrower scopes in the scopes input, or set allowFullAccess: true to keep full access',
  });
}
