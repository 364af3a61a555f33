/**
 * create: a new PAT under a name, stored like a rotation's. Repeating a run is safe: a PAT the destinations already
 * hold is left alone, one an interrupted run of ours made but never stored is revoked (its intent proves it), and a
 * same-name PAT that nothing records is somebody else's: never touched, only named.
 */
import { createPat, newPatRequest } from './create-pat';
import { announceIntent, listedSince, openDestinations, settleIntents } from './destination';
import { sameId, unrecorded } from './ownership';
import { day } from './pat-facts';
import { storeNewPat } from './store-new-pat';
import { REMOVE } from '../stores/secret-store';
import { announcePlan, describePat, newOutcome, settle, type OperationRun, type PatOutcome } from './types';

export function createOne(run: OperationRun, displayName: string): Promise<PatOutcome> {
  return settle(newOutcome(displayName), (out) => create(run, displayName, out));
}

async function create(run: OperationRun, displayName: string, out: PatOutcome): Promise<PatOutcome> {
  const { config } = run;
  const scopes = config.scopes!;
  const dests = await openDestinations(run, displayName);
  const listed = await listedSince(run, dests, await run.directory.active());
  const revoked = await settleIntents(run, dests, displayName, listed, out);
  const sameName = listed.filter((t) => t.displayName === displayName && !revoked.has(t.authorizationId.toLowerCase()));

  const stored = sameName.find((t) => dests.some((d) => sameId(d.held, t.authorizationId)));
  // A value without a record and exactly one PAT of the name: the value is taken to be that PAT (adoption).
  const adoptable = !stored && sameName.length === 1 && dests.length > 0 && dests.every(unrecorded) ? sameName[0] : undefined;
  const existing = stored ?? adoptable;
  if (existing) {
    if (adoptable && !config.dryRun) {
      for (const d of dests) await d.store.mark({ authorizationId: adoptable.authorizationId, validTo: adoptable.validTo, pending: REMOVE }, { storedId: d.recorded, pending: d.pending });
      out.warnings.push(`Adopted ${describePat(adoptable)} in ${dests.map((d) => d.store.label()).join(' and ')}: the destination held a value with no record, so the task now records it as holding this PAT (the value was not changed).`);
    }
    const missing = dests.filter((d) => !sameId(d.held, existing.authorizationId) && !adoptable);
    if (missing.length > 0) out.warnings.push(`${missing.map((d) => d.store.label()).join(' and ')} do${missing.length === 1 ? 'es' : ''} not hold ${describePat(existing)}; run rotate with rotateWhenExpiresWithinDays: 0 to put one PAT in every destination.`);
    out.action = adoptable ? 'adopted' : 'exists';
    out.pat = existing;
    out.storedIn = dests.map((d) => d.store.label()).join('; ');
    out.detail = `${adoptable ? 'adopted' : 'exists'}: ${dests.map((d) => d.store.label()).join(' and ')} already hold${dests.length === 1 ? 's' : ''} it (valid until ${day(existing.validTo)}); use rotate to replace it`;
    return out;
  }

  for (const t of sameName) {
    out.warnings.push(`Another active PAT is already named '${displayName}': ${describePat(t)} (created ${day(t.validFrom)}, expires ${day(t.validTo)}). No destination records it, so it was left alone; the new one has the same name.`);
  }
  const request = newPatRequest(run, displayName, scopes);
  out.plan.push(`create PAT '${displayName}' (${request.scope}) valid until ${day(request.validTo)}`);
  for (const d of dests) out.plan.push(`write it to ${d.store.describe()} and check what was stored`);
  announcePlan(run, out);
  if (config.dryRun) {
    out.action = 'planned';
    out.detail = 'would create';
    return out;
  }

  const intent = await announceIntent(run, dests, request.validTo);
  const created = await createPat(run, request, out);
  out.newToken = created.token;
  out.pat = { ...created, token: null };
  await storeNewPat(run, dests, created, out, { intent });
  out.action = 'created';
  out.detail = `created: valid until ${day(created.validTo)}`;
  return out;
}
