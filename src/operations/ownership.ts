/**
 * Which PATs are ours (docs/design.md, "Ownership"). A display name proves nothing: people make PATs by hand with the
 * same names and scopes. What proves a PAT is ours is the record each destination keeps beside its value:
 *  - `authorizationId`: the PAT whose value the destination holds (stored or adopted by the task);
 *  - `replaced`: the PAT that value replaced, while it may still be active (a run stopped before revoking it);
 *  - `pending`: the intent of a run that is creating a PAT for this destination, written before the create and removed
 *    by the very write that stores the value. A PAT that matches an intent and that no destination holds was created
 *    by a run of ours that stopped before storing it: its value is lost, so it is revoked.
 * Anything else of the same name is somebody else's and is left alone.
 */
import type { PatToken } from '../devops/types';
import { PatLifecycleError } from '../errors';
import type { SecretStore, StoredSecretInfo } from '../stores/secret-store';
import { createdAt, day } from './pat-facts';
import { describePat } from './types';

/** The error code of a run that backs off because another run rotated the same PAT meanwhile. */
export const CONCURRENT_ROTATION = 'ConcurrentRotation';

/** An intent younger than this may belong to a run that is still working: nobody else touches its PAT. */
export const INTENT_STALE_MS = 15 * 60_000;
/** A run that has not started storing its new PAT this long after its intent gives up (revokes it) instead. */
export const INTENT_DEADLINE_MS = 5 * 60_000;
/** validFrom comes from the service's clock, the intent's time from the agent's: allow for the two disagreeing. */
const CLOCK_SKEW_MS = 10 * 60_000;
/** The service keeps validTo to 1/300 s; a PAT whose validTo is this close to an intent's is the one it asked for. */
const VALID_TO_MATCH_MS = 1000;

export interface Intent {
  /** When the run wrote it (the run's clock). */
  at: Date;
  /** The validTo the run requested, to the millisecond: the fingerprint of its create. */
  validTo: string;
  run: string;
  /** As stored, for compare-and-write. */
  raw: string;
}

export function formatIntent(at: Date, validTo: string, run: string): string {
  return `v1 ${at.toISOString()} ${validTo} ${run}`;
}

export function parseIntent(raw: string | undefined): Intent | undefined {
  const m = /^v1 (\S+) (\S+) (\S+)$/.exec(raw ?? '');
  if (!m || Number.isNaN(Date.parse(m[1])) || Number.isNaN(Date.parse(m[2]))) return undefined;
  return { at: new Date(m[1]), validTo: m[2], run: m[3], raw: raw! };
}

/**
 * Whether `pat` is what the intent's run created: its name, created within the run's window, and the validTo it asked
 * for (to the service's rounding) — or, when the organization's lifespan policy shortened it, created in the window.
 */
export function matchesIntent(intent: Intent, pat: PatToken, name: string): boolean {
  if (pat.displayName !== name) return false;
  const from = createdAt(pat);
  const at = intent.at.getTime();
  if (from < at - CLOCK_SKEW_MS || from > at + INTENT_DEADLINE_MS + CLOCK_SKEW_MS) return false;
  const asked = Date.parse(intent.validTo);
  const got = Date.parse(pat.validTo);
  return Math.abs(got - asked) <= VALID_TO_MATCH_MS || got < asked - VALID_TO_MATCH_MS;
}

/** One destination of the step for one PAT, with what its record said when the run opened it. */
export interface Destination {
  store: SecretStore;
  info: StoredSecretInfo;
  /** The PAT the record names (lower case), when the destination holds a value and the record fits the step. */
  held?: string;
  /** The record's PAT as stored ('' = none), whether or not the step heeds it: what compare-and-write checks. */
  recorded: string;
  replaced?: string;
  intent?: Intent;
  /** The stored `pending`, verbatim ('' = none), for compare-and-write. */
  pending: string;
}

export function destinationOf(store: SecretStore, info: StoredSecretInfo): Destination {
  const held = info.exists ? info.metadata.authorizationId?.toLowerCase() || undefined : undefined;
  const replaced = info.metadata.replaced?.toLowerCase() || undefined;
  const pending = info.metadata.pending ?? '';
  const intent = parseIntent(pending);
  return { store, info, recorded: held ?? '', ...(held ? { held } : {}), ...(replaced ? { replaced } : {}), ...(intent ? { intent } : {}), pending };
}

/** A value is there, but no record of which PAT it is: put there by hand, or by another tool. */
export function unrecorded(d: Destination): boolean {
  return d.info.exists && d.held === undefined;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/** Young intents mean another run is between its create and its store write right now: leave this PAT to it. */
export function busyError(d: Destination, now: Date): PatLifecycleError {
  const intent = d.intent!;
  const minutes = Math.max(0, Math.round((now.getTime() - intent.at.getTime()) / 60_000));
  const after = new Date(intent.at.getTime() + INTENT_STALE_MS);
  return new PatLifecycleError(
    'service',
    'RotationInProgress',
    `Another run is creating a PAT for ${d.store.describe()}: it started ${minutes} minute(s) ago (${intent.at.toISOString()}) and has not stored it yet. This run changed nothing.`,
    {
      hint: `Let one rotation of a PAT run at a time (an exclusive lock and lockBehavior: sequential). If no other run is going on, that run stopped midway: run again after ${after.toISOString()} and the task revokes what it left behind.`,
    },
  );
}

/**
 * Records are hints, not authority (docs/design.md, "Ownership"): they are plain text that whoever edits the
 * destination can write. A record may lead the step to a PAT (to settle, rotate or revoke it) only when that PAT is
 * the step's own: its display name is the step's PAT name, or the step selected it by authorization ID.
 */
export function recordFitsStep(pat: Pick<PatToken, 'displayName' | 'authorizationId'>, step: { name: string; authorizationId?: string }): boolean {
  return pat.displayName === step.name || (step.authorizationId !== undefined && sameId(pat.authorizationId, step.authorizationId));
}

/** Where a record key is kept, for messages: `variable 'FeedPat.authorizationId' of variable group 'Tokens'`. */
export function recordPlace(d: Destination, key: string): string {
  return d.store.recordName?.(key) ?? `record '${key}' of ${d.store.label()}`;
}

/**
 * Forgets every record of the step's destinations that names a PAT of the list other than the step's own (recordFitsStep),
 * with a warning naming where the record is and the PAT. A destination whose `authorizationId` is dropped counts as
 * holding a value with no record, as if the record had been deleted: the step's own PAT is adopted by its name.
 */
export function dropForeignRecords(dests: readonly Destination[], pats: readonly PatToken[], step: { name: string; authorizationId?: string }, warn: (text: string) => void): void {
  const foreign = (id: string | undefined) => (id === undefined ? undefined : pats.find((t) => sameId(t.authorizationId, id) && !recordFitsStep(t, step)));
  for (const d of dests) {
    for (const key of ['authorizationId', 'replaced'] as const) {
      const pat = foreign(key === 'authorizationId' ? d.held : d.replaced);
      if (!pat) continue;
      if (key === 'authorizationId') delete d.held;
      else delete d.replaced;
      warn(
        `Ignored ${recordPlace(d, key)}: it names PAT ${describePat(pat)}, which is not this step's PAT '${step.name}'. ` +
          'Records are plain values anyone who edits the destination can change, so the task acts only on PATs of the name the step gives; check who changed it.',
      );
    }
  }
}

export function ambiguousName(name: string, pats: readonly PatToken[]): PatLifecycleError {
  const list = [...pats].sort((a, b) => createdAt(b) - createdAt(a)).map((t) => `${describePat(t)} created ${day(t.validFrom)}, expires ${day(t.validTo)}`);
  return new PatLifecycleError('input', 'AmbiguousDisplayName', `${pats.length} active PATs are named '${name}' and no destination records which one it holds: ${list.join('; ')}`, {
    input: 'authorizationId',
    hint: 'set authorizationId to the one the destination holds (the task then records it), or takeNewest: true to take the newest; nothing was changed',
  });
}
