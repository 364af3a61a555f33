/**
 * Rotation rules 5 and 6 (docs/design.md) over every destination of the step: write the new value, check what each service stored, and on a
 * failure undo what can be undone without ever revoking a PAT that a destination holds.
 *
 * Destinations that can put their previous value back (Key Vault keeps versions) are written first; one that cannot
 * (a variable group never returns a secret) last. So a failure in a later destination restores the earlier ones and
 * revokes the new PAT; only when an earlier destination cannot be restored are both PATs kept, each held somewhere,
 * and the next run brings every destination to one PAT.
 */
import type { PatToken } from '../devops/types';
import { REMOVE, STORE_CHANGED, type SecretMetadata, type SecretStore, type WriteReceipt } from '../stores/secret-store';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { CONCURRENT_ROTATION, INTENT_DEADLINE_MS, parseIntent, sameId, type Destination } from './ownership';
import { withdrawIntent } from './destination';
import { describePat, type OperationRun, type PatOutcome } from './types';

export interface StoreOptions {
  /** This run's intent, as announced in every destination. */
  intent: string;
  /** The PAT the new one replaces in the destinations that held it (recorded as `replaced` until it is revoked). */
  replaces?: PatToken;
}

export async function storeNewPat(run: OperationRun, dests: Destination[], created: PatToken & { token: string }, out: PatOutcome, options: StoreOptions): Promise<void> {
  if (dests.length === 0) return;
  const started = parseIntent(options.intent)?.at.getTime() ?? run.now().getTime();
  if (run.now().getTime() - started > INTENT_DEADLINE_MS) {
    // Past this, another run may take our intent for a crashed one and revoke the new PAT: storing it now could
    // leave a destination holding a revoked PAT.
    await revokeUnstored(run, created);
    await withdrawIntent(run, dests, options.intent);
    throw new PatLifecycleError('network', 'TooSlow', `Creating PAT ${describePat(created)} took longer than ${INTENT_DEADLINE_MS / 60_000} minutes, so it was revoked instead of stored; every destination still holds what it held.`, {
      hint: 'Run again; if Azure DevOps is that slow often, raise nothing: the next run will usually be fast.',
    });
  }
  const metadata: SecretMetadata = {
    authorizationId: created.authorizationId,
    validTo: created.validTo,
    replaced: options.replaces?.authorizationId ?? REMOVE,
    // A create that went unanswered may still land later: its intent stays, and a later run revokes what it made.
    pending: out.createUncertain ? options.intent : REMOVE,
    displayName: created.displayName.slice(0, 256),
    scopes: created.scope.slice(0, 256),
    rotatedAt: run.now().toISOString(),
  };
  const ordered = [...dests].sort((a, b) => Number(!a.store.restore) - Number(!b.store.restore));
  const done: Array<{ dest: Destination; receipt: WriteReceipt | undefined }> = [];
  for (const dest of ordered) {
    try {
      const receipt = await writeUnlessRotatedMeanwhile(run, dest, created, metadata, options.intent, done.length > 0);
      await dest.store.verify(receipt, created.token);
      done.push({ dest, receipt });
    } catch (err) {
      if (err instanceof PatLifecycleError && err.code === CONCURRENT_ROTATION) {
        // Backing off before any write: the new PAT, stored nowhere, was revoked already. After writes: those
        // destinations hold it, so they are put back first, and it is revoked only when none of them still holds it.
        if (done.length === 0) throw err;
        await rollBack(run, done, dests, created, options.intent, dest, err);
      }
      const landed = await recover(dest.store, created, asPatLifecycleError(err), out);
      if (landed) {
        done.push({ dest, receipt: undefined });
        continue;
      }
      await rollBack(run, done, dests, created, options.intent, dest, asPatLifecycleError(err));
    }
  }
  out.storedIn = ordered.map((d) => d.store.label()).join('; ');
}

/**
 * Compare-and-write: the store checks, on the read its write starts from, that it still names the PAT it named when the
 * run opened it and still carries this run's intent. When it does not, the slower check below decides whether to back off.
 */
async function writeUnlessRotatedMeanwhile(run: OperationRun, dest: Destination, created: PatToken & { token: string }, metadata: SecretMetadata, intent: string, storedBefore: boolean): Promise<WriteReceipt> {
  try {
    return await dest.store.write(created.token, metadata, { storedId: dest.recorded, pending: intent });
  } catch (err) {
    if (!(err instanceof PatLifecycleError && err.code === STORE_CHANGED)) throw err;
    await refuseIfRotatedMeanwhile(run, dest, created, storedBefore);
    // What the destination names now is not an active PAT and our PAT is still active: writing loses nothing.
    return dest.store.write(created.token, metadata);
  }
}

const ONE_AT_A_TIME =
  'Let one rotation of a PAT run at a time: `lockBehavior: sequential` with an Exclusive Lock check on a resource every rotation of it uses (see the README). Nothing needs repairing: run again if the destination should hold a newer PAT.';

/**
 * Another run changed the destination while this one worked. When it holds another active PAT now, or this run's new
 * PAT is no longer active (another run took it for a crashed run's), this run backs off: its new PAT, stored nowhere,
 * is revoked. When destinations written before this one hold it (`storedBefore`), it is not revoked here: the caller
 * puts them back first (rule 6), as a PAT a destination holds is never revoked. A destination naming a PAT that is no
 * longer active is written over: whatever it holds does not work.
 */
async function refuseIfRotatedMeanwhile(run: OperationRun, dest: Destination, created: PatToken, storedBefore: boolean): Promise<void> {
  const now = await dest.store.read();
  const nowId = (now.exists ? now.metadata.authorizationId : undefined) || undefined;
  const active = await run.directory.fresh('active');
  const ours = active.some((t) => sameId(t.authorizationId, created.authorizationId));
  const other = nowId && !sameId(nowId, dest.held) ? active.find((t) => sameId(t.authorizationId, nowId)) : undefined;
  if (ours && !other) return;
  const what = other ? `${dest.store.describe()} now holds ${describePat(other)}` : `this run's new PAT was revoked by another run`;
  if (storedBefore) {
    throw new PatLifecycleError('service', CONCURRENT_ROTATION, `Another run rotated PAT '${created.displayName}' while this one ran: ${what}`, { hint: ONE_AT_A_TIME });
  }
  await revokeUnstored(run, created);
  throw new PatLifecycleError('service', CONCURRENT_ROTATION, `Another run rotated PAT '${created.displayName}' while this one ran: ${what}. This run's new PAT ${describePat(created)} was not stored and was revoked; nothing else was changed.`, {
    hint: ONE_AT_A_TIME,
  });
}

async function revokeUnstored(run: OperationRun, pat: PatToken): Promise<void> {
  try {
    await run.pats.revoke(pat.authorizationId);
  } catch (err) {
    run.log.warn(`PAT ${describePat(pat)} is stored nowhere and could not be revoked (${asPatLifecycleError(err).code}); the next run revokes it, or revoke it under User settings > Personal access tokens.`);
  }
}

/** Whether a write that reported a failure landed all the same (true), did not (false); throws when it cannot be known. */
async function recover(store: SecretStore, created: PatToken, cause: PatLifecycleError, out: PatOutcome): Promise<boolean> {
  let holdsNew: boolean | undefined;
  try {
    holdsNew = sameId((await store.read()).metadata.authorizationId, created.authorizationId);
  } catch {
    holdsNew = undefined;
  }
  if (holdsNew === true && cause.kind !== 'verification') {
    out.warnings.push(`Writing to ${store.describe()} reported ${cause.code}, but the store now names the new PAT ${describePat(created)}: the write went through.`);
    return true;
  }
  if (holdsNew === false) return false;
  const doubt = holdsNew === undefined ? 'it could not be read back either' : 'it names the new PAT, but its value did not read back as written';
  throw new PatLifecycleError(cause.kind, cause.code, `Storing the new PAT ${describePat(created)} in ${store.describe()} could not be confirmed (${cause.message}); ${doubt}. Both PATs were kept; the next run keeps the one each destination names and revokes the other.`, {
    hint: cause.hint ?? `check ${store.describe()}, then run again`,
    requestId: cause.requestId,
    status: cause.status,
    cause,
  });
}

/** Rotation rule 6 (docs/design.md) across destinations: put back what was written, revoke the new PAT when nothing holds it any more. */
async function rollBack(
  run: OperationRun,
  done: Array<{ dest: Destination; receipt: WriteReceipt | undefined }>,
  dests: Destination[],
  created: PatToken,
  intent: string,
  failed: Destination,
  cause: PatLifecycleError,
): Promise<never> {
  const kept: string[] = [];
  for (const { dest, receipt } of done.reverse()) {
    let restored = false;
    try {
      restored = receipt !== undefined && dest.store.restore !== undefined && (await dest.store.restore(receipt));
    } catch (err) {
      run.log.warn(`Putting back the previous value of ${dest.store.describe()} failed (${asPatLifecycleError(err).code}).`);
    }
    if (!restored) kept.push(dest.store.label());
  }
  const where = failed.store.describe();
  let undo: string;
  if (kept.length === 0) {
    try {
      await run.pats.revoke(created.authorizationId);
      undo = done.length > 0 ? 'The destinations written before it were put back and the new PAT was revoked; the old PAT works as before.' : 'The new PAT was revoked; the old PAT and the destinations are as they were.';
    } catch (revokeErr) {
      undo = `Revoking the new PAT ${describePat(created)} failed too (${asPatLifecycleError(revokeErr).code}); the next run revokes it. The old PAT and the destinations are as they were.`;
    }
    await withdrawIntent(run, dests, intent);
  } else {
    undo = `${kept.join(' and ')} already hold${kept.length === 1 ? 's' : ''} the new PAT ${describePat(created)} and cannot be put back, so both PATs were kept: each destination holds a working PAT. The next run brings them all to one PAT.`;
  }
  throw new PatLifecycleError(cause.kind, cause.code, `Storing the new PAT in ${where} failed: ${cause.message}. ${undo}`, {
    hint: cause.hint,
    requestId: cause.requestId,
    status: cause.status,
    cause,
  });
}
