/**
 * create: a new PAT under a name, stored like a rotation's. Repeating a run is safe: a PAT the store already holds
 * is left alone, and one an interrupted run made but never stored (same name and scopes) is replaced.
 */
import { sameScopes, splitScopeString } from '../config/scopes';
import { createPat, newPatRequest } from './create-pat';
import { openDestination } from './destination';
import { day } from './pat-facts';
import { storeNewPat } from './store-new-pat';
import { announcePlan, describePat, newOutcome, settle, type OperationRun, type PatOutcome } from './types';

export function createOne(run: OperationRun, displayName: string): Promise<PatOutcome> {
  return settle(newOutcome(displayName), (out) => create(run, displayName, out));
}

async function create(run: OperationRun, displayName: string, out: PatOutcome): Promise<PatOutcome> {
  const { config } = run;
  const scopes = config.scopes!;
  const { store, storedId } = await openDestination(run, displayName);
  const sameName = (await run.directory.active()).filter((t) => t.displayName === displayName);
  const stored = storedId ? sameName.find((t) => t.authorizationId.toLowerCase() === storedId.toLowerCase()) : undefined;

  if (stored) {
    out.action = 'exists';
    out.pat = stored;
    out.storedIn = store!.label();
    out.detail = `exists: ${store!.describe()} already holds it (valid until ${day(stored.validTo)}); use rotate to replace it`;
    return out;
  }

  // Without a store nothing marks a PAT as ours, so none is touched; with one, an unstored twin is a lost create.
  const unstored = store ? sameName.filter((t) => sameScopes(splitScopeString(t.scope), scopes)) : [];
  for (const t of sameName.filter((t) => !unstored.includes(t))) {
    out.warnings.push(`Another active PAT is already named '${displayName}': ${describePat(t)}. It was left alone; the new one has the same name.`);
  }

  const request = newPatRequest(run, displayName, scopes);
  out.plan.push(`create PAT '${displayName}' (${request.scope}) valid until ${day(request.validTo)}`);
  if (store) out.plan.push(`write it to ${store.describe()} and check what was stored`);
  for (const t of unstored) out.plan.push(`revoke PAT ${describePat(t)}: same name and scopes, not in the store (an earlier run stopped before storing it)`);
  announcePlan(run, out);
  if (config.dryRun) {
    out.action = 'planned';
    out.detail = 'would create';
    return out;
  }

  const created = await createPat(run, request, out);
  out.newToken = created.token;
  out.pat = { ...created, token: null };
  await storeNewPat(run, store, created, out);
  out.action = 'created';
  out.detail = `created: valid until ${day(created.validTo)}`;

  for (const t of unstored) {
    try {
      await run.pats.revoke(t.authorizationId);
      out.warnings.push(`Revoked PAT ${describePat(t)}: same name and scopes but not in ${store!.describe()}, so an earlier run had stopped before storing it.`);
    } catch (err) {
      out.issues.push(`PAT ${describePat(t)} (same name and scopes, not stored) could not be revoked: ${(err as Error).message}`);
    }
  }
  return out;
}
