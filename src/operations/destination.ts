/**
 * The destinations of one PAT (none for outputOnly) and their ownership records: opening them, settling what an
 * earlier run of ours left in them, and announcing this run's own intent before it creates a PAT.
 */
import type { PatToken } from '../devops/types';
import { destinationFor } from '../config/name-template';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { REMOVE, STORE_CHANGED } from '../stores/secret-store';
import { busyError, CONCURRENT_ROTATION, destinationOf, formatIntent, INTENT_STALE_MS, matchesIntent, sameId, type Destination } from './ownership';
import { describePat, type OperationRun, type PatOutcome } from './types';

export async function openDestinations(run: OperationRun, displayName: string): Promise<Destination[]> {
  return Promise.all(
    run.config.destinations.map(async (d) => {
      const store = await run.openStore(destinationFor(d, displayName));
      return destinationOf(store, await store.read({ recent: true }));
    }),
  );
}

/**
 * The PAT list, listed again when a destination records a PAT it does not show: the list of the run (shared by bulk)
 * may be older than another run's rotation that the destination already records.
 */
export async function listedSince(run: OperationRun, dests: readonly Destination[], active: PatToken[]): Promise<PatToken[]> {
  const unknown = dests.some((d) => d.held !== undefined && !active.some((t) => sameId(t.authorizationId, d.held)));
  return unknown ? run.directory.fresh('active') : active;
}

/**
 * Rule (b): an intent older than INTENT_STALE_MS whose run never stored its PAT. The PATs it made that no destination
 * of the step holds have lost values: they are revoked (unless dry run), then the intent is removed. A younger intent
 * belongs to a run that may still be working: this run stops here, having changed nothing.
 * Returns the PATs revoked, so the caller no longer counts them as active.
 */
export async function settleIntents(run: OperationRun, dests: Destination[], name: string, active: readonly PatToken[], out: PatOutcome): Promise<Set<string>> {
  const revoked = new Set<string>();
  const now = run.now();
  for (const d of dests) {
    if (!d.pending) continue;
    if (d.intent && now.getTime() - d.intent.at.getTime() < INTENT_STALE_MS) throw busyError(d, now);
    const intent = d.intent;
    const orphans = intent ? active.filter((t) => matchesIntent(intent, t, name) && !dests.some((x) => sameId(x.held, t.authorizationId))) : [];
    for (const pat of orphans) {
      if (revoked.has(pat.authorizationId.toLowerCase())) continue;
      const why = `created by a run of this task at ${intent!.at.toISOString()} that stopped before storing it in ${d.store.label()}; its value is lost`;
      if (run.config.dryRun) {
        out.plan.push(`revoke PAT ${describePat(pat)}: ${why}`);
        continue;
      }
      try {
        await run.pats.revoke(pat.authorizationId);
      } catch (err) {
        // Keep the intent: it is the only proof, and the next run needs it to try again.
        throw new PatLifecycleError('service', asPatLifecycleError(err).code, `PAT ${describePat(pat)} (${why}) could not be revoked: ${asPatLifecycleError(err).message}. Nothing else was changed.`, {
          hint: 'Run again; or revoke it under User settings > Personal access tokens.',
          cause: err,
        });
      }
      revoked.add(pat.authorizationId.toLowerCase());
      out.warnings.push(`Revoked leftover PAT ${describePat(pat)}: ${why}.`);
    }
    if (!run.config.dryRun) {
      await d.store.mark({ pending: REMOVE }, { storedId: d.recorded, pending: d.pending });
      d.pending = '';
      delete d.intent;
    }
  }
  return revoked;
}

/** This run's intent, in every destination, before it creates the PAT: what lets a later run clean up after a crash. */
export async function announceIntent(run: OperationRun, dests: Destination[], validTo: string): Promise<string> {
  const intent = formatIntent(run.now(), validTo, run.runId);
  const written: Destination[] = [];
  for (const d of dests) {
    try {
      await d.store.mark({ pending: intent }, { storedId: d.recorded, pending: d.pending });
    } catch (err) {
      await withdrawIntent(run, written, intent);
      if (!(err instanceof PatLifecycleError && err.code === STORE_CHANGED)) {
        const e = asPatLifecycleError(err);
        throw new PatLifecycleError(e.kind, e.code, `Could not record this run's intent in ${d.store.describe()}, which comes before creating the PAT: ${e.message} Nothing was created.`, {
          ...(e.hint ? { hint: e.hint } : {}),
          ...(e.input ? { input: e.input } : {}),
          ...(e.status ? { status: e.status } : {}),
          ...(e.requestId ? { requestId: e.requestId } : {}),
          cause: err,
        });
      }
      throw new PatLifecycleError('service', CONCURRENT_ROTATION, `Another run changed ${d.store.describe()} while this one prepared to rotate it (${err.message}). This run created nothing and changed nothing.`, {
        hint: 'Let one rotation of a PAT run at a time: lockBehavior: sequential with an Exclusive Lock check (see the README). Run again if the destination should hold a newer PAT.',
      });
    }
    d.pending = intent;
    written.push(d);
  }
  return intent;
}

/** After a rollback: the intent goes, so no later run looks for a PAT that was revoked already. Best effort. */
export async function withdrawIntent(run: OperationRun, dests: Destination[], intent: string): Promise<void> {
  for (const d of dests) {
    try {
      await d.store.mark({ pending: REMOVE }, { storedId: d.recorded, pending: intent });
      d.pending = '';
    } catch (err) {
      run.log.debug(`The intent in ${d.store.describe()} could not be removed (${asPatLifecycleError(err).code}); the next run removes it.`);
    }
  }
}
