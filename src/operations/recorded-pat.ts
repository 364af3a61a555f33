/**
 * What became of the PAT a destination records (docs/design.md, "Revoked outside the task"). It is looked up by its
 * authorization ID, never guessed from other PATs of the same name: an older expired PAT or a hand-made twin says
 * nothing about the one a destination holds.
 *
 * The list of active PATs the run has already made answers "still active" for free; only a recorded PAT missing from
 * it costs a request to learn why. The PAT API's `PatToken` carries no revocation time (tokens 7.1/7.2), so a revoked
 * PAT is reported with the day the task found it so, never with an invented date.
 */
import { GUID } from '../config/fields';
import type { PatToken } from '../devops/types';
import { openDestinations } from './destination';
import { sameId, type Destination } from './ownership';
import { day, newestFirst } from './pat-facts';
import { describePat, type OperationRun } from './types';

export type RecordedState = 'active' | 'revoked' | 'expired' | 'gone';

export interface RecordedPat {
  state: RecordedState;
  /** The recorded authorization ID (lower case). */
  authorizationId: string;
  /** The PAT's facts, unless it is gone. */
  pat?: PatToken;
  /** The destinations of the step whose record names it. */
  holders: Destination[];
}

/**
 * Active: in the run's active list. Otherwise one Pats_Get by ID: the list's `active` means "not revoked and not
 * expired" (spec, displayFilterOption), so a PAT the get returns that is not active is expired when its validTo has
 * passed and revoked before it. Whether the get answers for a revoked PAT is not documented: when it answers "not
 * found", the `revoked` list (documented) is looked through before the PAT is called gone (another user's, or no
 * longer kept by the service).
 */
export async function lookUpRecorded(run: OperationRun, authorizationId: string, active: readonly PatToken[]): Promise<Omit<RecordedPat, 'holders'>> {
  const id = authorizationId.toLowerCase();
  const listed = active.find((t) => sameId(t.authorizationId, id));
  if (listed) return { state: 'active', authorizationId: id, pat: listed };
  // A record is a hint anyone who edits the destination can change: what is no authorization ID names no PAT.
  if (!GUID.test(id)) return { state: 'gone', authorizationId: id };
  const pat = await run.pats.get(id);
  if (pat) return { state: Date.parse(pat.validTo) <= run.now().getTime() ? 'expired' : 'revoked', authorizationId: id, pat };
  const revoked = (await run.directory.revoked()).find((t) => sameId(t.authorizationId, id));
  return revoked ? { state: 'revoked', authorizationId: id, pat: revoked } : { state: 'gone', authorizationId: id };
}

/**
 * Every PAT the step's destinations record that is not in the active list, looked up once each. A revoked or expired
 * PAT of another name is left out: a record is a hint checked against what the step names, and only a PAT of the
 * step's name is ever replaced by it.
 */
export async function recordedOutOfService(run: OperationRun, dests: readonly Destination[], active: readonly PatToken[], name: string): Promise<RecordedPat[]> {
  const ids = [...new Set(dests.flatMap((d) => (d.held && !active.some((t) => sameId(t.authorizationId, d.held)) ? [d.held] : [])))];
  const found = await Promise.all(ids.map((id) => lookUpRecorded(run, id, active)));
  return found
    .filter((r) => r.state === 'gone' || r.pat?.displayName === name)
    .map((r) => ({ ...r, holders: dests.filter((d) => sameId(d.held, r.authorizationId)) }));
}

/**
 * A name whose only active PAT was revoked outside the task (leaked) drops out of the active list, but a destination of
 * the step may still hold it: such names are rotated too (docs/design.md, "Revoked outside the task"). Only PATs
 * revoked before their expiry are looked at, and a name counts only when a destination records that very PAT.
 */
export async function revokedStoredNames(run: OperationRun, pattern: RegExp, activeNames: readonly string[]): Promise<string[]> {
  if (run.config.destinations.length === 0) return [];
  const now = run.now().getTime();
  const revoked = (await run.directory.revoked()).filter((t) => pattern.test(t.displayName) && !activeNames.includes(t.displayName) && Date.parse(t.validTo) > now);
  const names = [...new Set(revoked.map((t) => t.displayName))];
  const held = await Promise.all(
    names.map(async (name) => (await openDestinations(run, name)).some((d) => revoked.some((t) => t.displayName === name && sameId(t.authorizationId, d.held)))),
  );
  return names.filter((_, i) => held[i]);
}

/** The one to replace when no destination holds an active PAT: revoked before expired, the newest of each. */
export function toReplace(recorded: readonly RecordedPat[]): RecordedPat | undefined {
  for (const state of ['revoked', 'expired'] as const) {
    const pats = newestFirst(recorded.filter((r) => r.state === state).map((r) => r.pat!));
    if (pats.length > 0) return recorded.find((r) => r.pat === pats[0]);
  }
  return undefined;
}

function holderList(r: RecordedPat): string {
  return r.holders.map((d) => d.store.label()).join(' and ');
}

/**
 * The report of a stored PAT revoked outside the task: which PAT, that it was revoked (not expired) and as far as the
 * API tells when, each destination that held it, the likely causes, and what to do. `replacement`: the PAT now stored
 * in its place (none in a dry run, or when the run failed before storing one).
 */
export function revokedReport(r: RecordedPat, foundOn: Date, replacement?: PatToken): string {
  const pat = r.pat!;
  const held = holderList(r);
  const now = replacement
    ? `It was replaced at once: ${describePat(replacement)}, valid until ${day(replacement.validTo)}, is stored in ${held} now, and consumers get it at their next read.`
    : `It has not been replaced yet (${held} still ${r.holders.length === 1 ? 'holds' : 'hold'} the revoked value).`;
  return (
    `PAT ${describePat(pat)} stored in ${held} was revoked, not expired: this run found it revoked on ${day(foundOn.toISOString())} ` +
    `(the PAT API does not say when it was revoked; it had been valid until ${day(pat.validTo)}). ` +
    `Likely causes: Azure DevOps found it leaked (in a public repository, for example) and revoked it, emailing its owner; an administrator revoked it; or its owner did. ` +
    `${now} What to do: find where the old value leaked (the email from Azure DevOps names the place) and remove it there; ` +
    `if nobody revoked it on purpose, check the organization's audit log for its use. The task revoked nothing.`
  );
}

/** A recorded PAT that expired while a destination still held it: its own message, a schedule that runs too seldom. */
export function expiredReport(r: RecordedPat, rotationEveryDays: number): string {
  return `PAT ${describePat(r.pat!)} stored in ${holderList(r)} had already expired on ${day(r.pat!.validTo)}; a replacement was created. Run the rotation more often than every ${rotationEveryDays} days.`;
}

/** A recorded PAT the service does not know (another user's, or no longer kept): the record is all there is. */
export function goneReport(r: RecordedPat): string {
  return `${holderList(r)} ${r.holders.length === 1 ? 'records' : 'record'} PAT ${r.authorizationId}, which the signed-in user's PATs do not include (neither active, expired nor revoked): it belongs to another user, or the service no longer keeps it.`;
}
