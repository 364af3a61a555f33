/**
 * Rotation, the rules of docs/design.md ("Rotation rules" and "Ownership") in order:
 *  1 settle what an earlier run of ours left: a PAT its intent proves it made and never stored is revoked (rule b),
 *    a PAT a record says was replaced is revoked (rule a, completed)
 *  2 which PAT: the one the destinations record; else, when the one they record was revoked or has expired (looked up
 *    by its ID, recorded-pat.ts), that one, replaced at once; else (adoption) the one active PAT of the name, or authorizationId
 *  3 skip while it is valid for longer than rotateWhenExpiresWithinDays and every destination holds it
 *  4 intent in every destination, then create a new PAT with the old name and scopes, allOrgs false
 *  5 write it to every destination (while each still names what it named) and check what each service stored
 *  6 on failure in 4-5: put back what can be put back, revoke the new PAT unless a destination holds it
 *  7 revoke the PATs the destinations held (rule a), unless revokeOld is false or another destination still holds one;
 *    one found gone already means another run rotated at the same time: settleConcurrentRotation
 * Same-name PATs that no record proves ours are never revoked (unless revokeUntracked), only named in a warning.
 */
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { hasFullAccess, splitScopeString } from '../config/scopes';
import { destinationUsesName } from '../config/name-template';
import type { PatToken } from '../devops/types';
import { REMOVE } from '../stores/secret-store';
import { createPat, newPatRequest } from './create-pat';
import { announceIntent, listedSince, openDestinations, settleIntents } from './destination';
import { ambiguousName, CONCURRENT_ROTATION, dropForeignRecords, sameId, unrecorded, type Destination } from './ownership';
import { createdAt, day, daysLeft, isDue, newestFirst, wholeDays } from './pat-facts';
import { expiredReport, goneReport, recordedOutOfService, revokedReport, toReplace, type RecordedPat } from './recorded-pat';
import { heldElsewhere, revokeReplaced } from './revoke-pats';
import { storeNewPat } from './store-new-pat';
import { narrowGlobalPat } from './global-pat';
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
  let active = await run.directory.active();
  const byId = target.authorizationId ? active.find((t) => sameId(t.authorizationId, target.authorizationId)) : undefined;
  const known = target.displayName ?? byId?.displayName;
  const dests = known !== undefined || !destinationUsesName(config.destinations) ? await openDestinations(run, known ?? '') : [];
  active = await listedSince(run, dests, active);
  const heldActive = (list: readonly PatToken[]) => newestFirst(list.filter((t) => dests.some((d) => sameId(d.held, t.authorizationId))));
  // Selected by an id that was rotated away already: the destinations name its successor.
  const name = known ?? heldActive(active)[0]?.displayName;
  if (name === undefined) throw notFoundById(target.authorizationId ?? '');
  out.name = name;
  dropForeignRecords(dests, active, { name, ...(byId ? { authorizationId: byId.authorizationId } : {}) }, (w) => out.warnings.push(w));

  // Rule 1.
  const revoked = await settleIntents(run, dests, name, active, out);
  active = active.filter((t) => !revoked.has(t.authorizationId.toLowerCase()));
  const family = active.filter((t) => t.displayName === name);

  // Rule 2.
  const held = heldActive(active);
  // What a destination records and the list does not show: revoked or expired, found by its ID, never by its name.
  const outOfService = await recordedOutOfService(run, dests, active, name);
  for (const r of outOfService) if (r.state === 'gone') out.warnings.push(goneReport(r));
  const leaked = outOfService.filter((r) => r.state === 'revoked');
  reportLeaks(run, out, leaked);
  const lost = held.length === 0 ? toReplace(outOfService) : undefined;
  let current: PatToken | undefined = held[0];
  const adopt: Destination[] = [];
  if (!current && !lost) {
    const candidates = byId ? [byId] : family;
    if (candidates.length > 1 && !config.selector.takeNewest) throw ambiguousName(name, candidates);
    current = newestFirst(candidates)[0];
    if (current) adopt.push(...dests.filter(unrecorded));
  }
  const holdsCurrent = (d: Destination) => sameId(d.held, current?.authorizationId) || adopt.includes(d);
  const pending = dests.filter((d) => !holdsCurrent(d));
  await completeEarlierRotation(run, dests, active, current, out);
  const twins = family.filter((t) => t !== current && !dests.some((d) => sameId(d.held, t.authorizationId) || sameId(d.replaced, t.authorizationId)));
  nameTwins(twins, current, adopt.length > 0 || pending.length > 0, out);

  // Adoption: the destination is assumed to hold the PAT chosen above; only the record is written.
  const chosenBecause = byId ? 'authorizationId names it' : family.length > 1 ? `it is the newest of ${family.length} active PATs of that name (takeNewest)` : 'it is the only active PAT of that name';
  for (const d of adopt) {
    out.plan.push(`adopt ${describePat(current!)} in ${d.store.describe()}: it holds a value without a record, and ${chosenBecause}`);
  }
  announcePlan(run, out);
  // Where the adoption warnings are, to say at the end whether the value stayed or this run replaced it.
  const adoptionWarnings: Array<{ at: number; label: string }> = [];
  if (!config.dryRun) {
    for (const d of adopt) {
      await d.store.mark({ authorizationId: current!.authorizationId, validTo: current!.validTo, pending: REMOVE }, { storedId: d.recorded, pending: d.pending });
      // settleIntents left no intent in any destination (it stops at a young one), so `pending` is '' already.
      d.held = d.recorded = current!.authorizationId.toLowerCase();
      adoptionWarnings.push({ at: out.warnings.length, label: d.store.label() });
      out.warnings.push(adoptionWarning(current!, d.store.label(), chosenBecause));
    }
  }

  const old = current ?? lost?.pat ?? (await lastExpired(run, name));
  out.previous = old;
  // No active PAT to rotate from: an expired or revoked one is replaced, and there is nothing to revoke.
  const expired = current === undefined;

  // Rule 3.
  if (!expired && pending.length === 0 && !isDue(old, run.now(), config.rotateWhenExpiresWithinDays)) {
    for (const w of adoptionWarnings) out.warnings[w.at] = adoptionWarning(current!, w.label, chosenBecause, 'kept');
    out.action = adopt.length > 0 ? 'adopted' : 'notDue';
    out.pat = old;
    out.detail = `${adopt.length > 0 ? 'adopted; ' : ''}not due: valid until ${day(old.validTo)} (${wholeDays(daysLeft(old, run.now()))} days), more than ${config.rotateWhenExpiresWithinDays}`;
    if (dests.length > 0) out.storedIn = dests.map((d) => d.store.label()).join('; ');
    return out;
  }

  // Rule 4.
  const scopes = config.scopes ?? splitScopeString(old.scope);
  if (hasFullAccess(scopes) && !config.allowFullAccess) throw fullAccessRefused(old);
  narrowGlobalPat(run, old, out, 'its replacement');
  const request = newPatRequest(run, old.displayName, scopes);
  const why =
    lost?.state === 'revoked'
      ? `it was revoked outside the task (found on ${day(run.now().toISOString())})`
      : expired
        ? `it expired on ${day(old.validTo)}`
        : pending.length > 0
          ? `${pending.map((d) => d.store.label()).join(' and ')} ${pending.length === 1 ? 'does' : 'do'} not hold it`
          : `it expires on ${day(old.validTo)}`;
  out.plan.push(`create PAT '${request.displayName}' (${request.scope}) valid until ${day(request.validTo)}, because ${why}`);
  for (const d of dests) out.plan.push(`write it to ${d.store.describe()} and check what was stored`);
  const toRevoke = expired ? [] : revocable(run, held, old, adopt);
  for (const t of toRevoke) out.plan.push(config.revokeOld ? `revoke old PAT ${describePat(t)} (a destination held it)` : `keep old PAT ${describePat(t)} (revokeOld: false)`);
  if (!expired && !toRevoke.includes(old)) out.plan.push(`keep PAT ${describePat(old)}: no destination recorded it, so it may be used elsewhere (revokeUntracked: true would revoke it)`);
  announcePlan(run, out);
  if (config.dryRun) {
    out.action = 'planned';
    out.pat = old;
    out.detail = `would rotate: ${why}`;
    return out;
  }
  const intent = await announceIntent(run, dests, request.validTo);
  // Rule 7's search for other holders of the PATs to revoke reads only other destinations, so it goes out while the
  // new PAT is made and stored rather than after (docs/design.md, "The flow of one run").
  const searches = new Map(config.revokeOld ? toRevoke.map((t) => [t, heldElsewhere(run, t, dests)] as const) : []);
  const created = await createPat(run, request, out);
  out.newToken = created.token;
  out.pat = { ...created, token: null };

  // Rules 5 and 6.
  await storeNewPat(run, dests, created, out, { intent, ...(config.revokeOld && toRevoke.includes(old) ? { replaces: old } : {}) });
  out.rotated = true;
  for (const w of adoptionWarnings) out.warnings[w.at] = adoptionWarning(current!, w.label, chosenBecause, 'replaced');
  out.action = 'rotated';
  out.detail = lost?.state === 'revoked' ? `replaced the revoked PAT: new PAT valid until ${day(created.validTo)}` : `rotated: new PAT valid until ${day(created.validTo)}`;
  reportLeaks(run, out, leaked, created);

  // Rule 7.
  let revokedByOther = false;
  for (const t of toRevoke) if ((await revokeReplaced(run, t, dests, out, 'replaced', searches.get(t))) === 'gone') revokedByOther = true;
  if (revokedByOther) await settleConcurrentRotation(run, dests, name, active, created, out);
  if (!expired && !toRevoke.includes(old)) {
    out.warnings.push(`PAT ${describePat(old)} was left alone: no destination recorded it, so it may be in use elsewhere. It works until ${day(old.validTo)}; revoke it yourself when nothing uses it (or set revokeUntracked: true).`);
  }
  const every = config.lifetimeDays - config.rotateWhenExpiresWithinDays;
  if (lost?.state === 'expired') out.warnings.push(expiredReport(lost, every));
  else if (expired && !lost) out.warnings.push(`PAT '${old.displayName}' had already expired on ${day(old.validTo)}; a replacement was created. Run the rotation more often than every ${every} days.`);
  return out;
}

/**
 * A stored PAT revoked outside the task is an issue (the step ends SucceededWithIssues) and heads the run summary
 * (`alerts`); called again once the replacement is stored, so the report says what now holds which PAT.
 */
function reportLeaks(run: OperationRun, out: PatOutcome, leaked: readonly RecordedPat[], replacement?: PatToken): void {
  if (leaked.length === 0) return;
  const earlier = new Set(out.alerts ?? []);
  const texts = leaked.map((r) => revokedReport(r, run.now(), replacement));
  out.issues = [...out.issues.filter((i) => !earlier.has(i)), ...texts];
  out.alerts = texts;
}

/** The PATs this rotation may revoke once its PAT is stored: those a destination held (or adopted), or explicitly untracked ones. */
function revocable(run: OperationRun, held: readonly PatToken[], old: PatToken, adopted: readonly Destination[]): PatToken[] {
  const out = [...held];
  if (!out.includes(old) && (adopted.length > 0 || run.config.revokeUntracked)) out.push(old);
  return out;
}

/** A run that stored its PAT and stopped before revoking the one it replaced: the record's `replaced` finishes the job. */
async function completeEarlierRotation(run: OperationRun, dests: readonly Destination[], active: readonly PatToken[], current: PatToken | undefined, out: PatOutcome): Promise<void> {
  const seen = new Set<string>();
  for (const d of dests) {
    if (!d.replaced || seen.has(d.replaced) || sameId(d.replaced, current?.authorizationId) || !sameId(d.held, current?.authorizationId)) continue;
    seen.add(d.replaced);
    const pat = active.find((t) => sameId(t.authorizationId, d.replaced));
    if (!pat || dests.some((x) => sameId(x.held, pat.authorizationId))) continue;
    if ((await revokeReplaced(run, pat, dests, out, 'left by an earlier run')) === 'revoked') {
      out.warnings.push(`Revoked leftover PAT ${describePat(pat)}: ${d.store.label()} records that an earlier run replaced it with ${describePat(current!)} and stopped before revoking it.`);
    }
  }
}

/**
 * The old PAT was revoked already when this run came to revoke it: most likely another run rotated the same PAT at the
 * same time. Variable groups have no version to write against, so one run's write can carry an older view of the group
 * over the other's (docs/design.md, "Two runs at once"). What the destinations hold now, read afresh, decides:
 *  - this run's new PAT held by none of them (and by no other destination the run can see): the other run's write
 *    replaced it. This run made and stored it, so it is revoked (rule a, the replacement being the other run's), and
 *    the step fails: the PAT it would hand to later steps is gone.
 *  - a same-name PAT that appeared during the run and that nothing records: the other run's, written over by this
 *    one. Nothing proves it ours: it is left alone (docs/design.md, "Ownership") and named, with what to do.
 */
async function settleConcurrentRotation(run: OperationRun, dests: readonly Destination[], name: string, before: readonly PatToken[], created: PatToken, out: PatOutcome): Promise<void> {
  let now: PatToken[];
  const holders = new Set<string>();
  try {
    const [listed, records] = await Promise.all([run.directory.fresh('active'), Promise.all(dests.map((d) => d.store.read()))]);
    now = listed;
    for (const r of records) if (r.metadata.authorizationId) holders.add(r.metadata.authorizationId.toLowerCase());
  } catch (err) {
    run.log.debug(`Could not read the PATs and destinations again after finding the old PAT gone (${asPatLifecycleError(err).code}).`);
    return;
  }
  const held = (id: string) => holders.has(id.toLowerCase());
  const appeared = now.filter((t) => t.displayName === name && !sameId(t.authorizationId, created.authorizationId) && !before.some((b) => sameId(b.authorizationId, t.authorizationId)) && !held(t.authorizationId));
  for (const t of appeared) {
    out.issues.push(
      `PAT ${describePat(t)} (created ${day(t.validFrom)}) appeared while this run rotated '${name}', and no destination records it: another rotation of the same PAT most likely ran at the same time, and its record was written over. ` +
        `It was left alone, as the task revokes only PATs it can prove it made or stored; revoke it under User settings > Personal access tokens if nothing uses it, and let one rotation of a PAT run at a time (README: exclusive lock).`,
    );
  }
  if (dests.length === 0 || held(created.authorizationId)) return;
  if ((await heldElsewhere(run, created, dests)).length > 0) return;
  const holding = [...holders].join(', ') || 'no PAT';
  const revoked = await run.pats.revoke(created.authorizationId).then(
    () => true,
    () => false,
  );
  throw new PatLifecycleError(
    'service',
    CONCURRENT_ROTATION,
    `Another run rotated '${name}' at the same time, and its write replaced this run's new PAT ${describePat(created)} in ${dests.map((d) => d.store.label()).join(' and ')}, which now ${dests.length === 1 ? 'holds' : 'hold'} ${holding}. ` +
      (revoked ? "This run's PAT was revoked, as nothing holds it; the destinations keep the other run's PAT." : `This run's PAT could not be revoked; revoke ${describePat(created)} under User settings > Personal access tokens.`) +
      ' This step hands no PAT to later steps.',
    { hint: 'Let one rotation of a PAT run at a time: lockBehavior: sequential with an Exclusive Lock check (see the README).' },
  );
}

/** Same-name PATs no record proves ours: left alone. New ones (or any, when this run changes a destination) are a warning. */
function nameTwins(twins: readonly PatToken[], current: PatToken | undefined, changing: boolean, out: PatOutcome): void {
  for (const t of twins) {
    const fresh = !current || createdAt(t) > createdAt(current);
    const text = `PAT ${describePat(t)} (created ${day(t.validFrom)}, expires ${day(t.validTo)}) has the same name but no destination records it: it was left alone.`;
    if (fresh || changing) out.warnings.push(text);
  }
}

/** No active PAT: an expired one of that name can still be replaced (its name and scopes are known). */
async function lastExpired(run: OperationRun, name: string): Promise<PatToken> {
  const expired = newestFirst((await run.directory.expired()).filter((t) => t.displayName === name));
  if (expired.length > 0) return expired[0];
  throw new PatLifecycleError('notFound', 'PatNotFound', `No active or expired PAT is named '${name}'`, {
    input: 'patName',
    hint: 'check the name (it must match exactly, case included; the list action shows them), or use the create action for a new PAT',
  });
}

function notFoundById(id: string): PatLifecycleError {
  return new PatLifecycleError('notFound', 'PatNotFound', `No active PAT has the authorization ID ${id}`, {
    input: 'authorizationId',
    hint: 'it was revoked, has expired, or belongs to another user; run the list action to see the active PATs, or select by displayName',
  });
}

export function fullAccessRefused(pat: PatToken): PatLifecycleError {
  return new PatLifecycleError('input', 'FullAccessNotAllowed', `PAT ${describePat(pat)} has full access (app_token)`, {
    input: 'allowFullAccess',
    hint: 'give narrower scopes in the scopes input, or set allowFullAccess: true to keep full access',
  });
}

/**
 * The warning of an adoption, as far as the run got: recorded (a failure came next), recorded and left as it was (not
 * due), or recorded and then replaced by this run's new PAT.
 */
function adoptionWarning(pat: PatToken, label: string, because: string, then?: 'kept' | 'replaced'): string {
  const adopted = `Adopted ${describePat(pat)} in ${label}: the destination held a value with no record, so the task now records it as holding this PAT (${because})`;
  if (then === 'kept') return `${adopted}; the value was not changed.`;
  if (then === 'replaced') return `${adopted}; it was due, so this run replaced the value with the new PAT.`;
  return `${adopted}.`;
}
