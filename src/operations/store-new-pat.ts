/**
 * Rules 4 and 6: write the new value, check what the service stored, and on failure undo what can be undone without ever revoking a
 * PAT that a store holds. When it cannot be known whether the write landed, both PATs are kept: the next run's rule 7
 * keeps the stored one and revokes the other.
 */
import type { PatToken } from '../devops/types';
import { STORE_CHANGED, type SecretMetadata, type SecretStore, type WriteReceipt } from '../stores/secret-store';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { describePat, type OperationRun, type PatOutcome } from './types';

/** What the store named when the run opened it: the write goes ahead only while it still names that. */
export interface StoreExpectation {
  /** The authorization ID the store's metadata named (undefined: none). */
  storedId?: string;
}

export async function storeNewPat(
  run: OperationRun,
  store: SecretStore | undefined,
  created: PatToken & { token: string },
  out: PatOutcome,
  expected?: StoreExpectation,
): Promise<void> {
  if (!store) return;
  // Key Vault keeps all of it as tags (values of at most 256 characters); a variable group only the companions
  // authorizationId and validTo, which is what a later run needs to recognise its own PAT.
  const metadata = {
    authorizationId: created.authorizationId,
    validTo: created.validTo,
    displayName: created.displayName.slice(0, 256),
    scopes: created.scope.slice(0, 256),
    rotatedAt: run.now().toISOString(),
  };
  try {
    const receipt = await writeUnlessRotatedMeanwhile(run, store, created, metadata, expected);
    await store.verify(receipt, created.token);
    out.storedIn = store.label();
  } catch (err) {
    if (err instanceof PatLifecycleError && err.code === CONCURRENT_ROTATION) throw err;
    await recover(run, store, created, asPatLifecycleError(err), out);
  }
}

/**
 * Compare-and-write: the store checks, on the very read its write starts from, that it still names the PAT it named
 * when the run opened it. When it does not, the slower check below decides whether to back off.
 */
async function writeUnlessRotatedMeanwhile(
  run: OperationRun,
  store: SecretStore,
  created: PatToken & { token: string },
  metadata: SecretMetadata,
  expected: StoreExpectation | undefined,
): Promise<WriteReceipt> {
  if (!expected) return store.write(created.token, metadata);
  try {
    return await store.write(created.token, metadata, { storedId: expected.storedId ?? '' });
  } catch (err) {
    if (!(err instanceof PatLifecycleError && err.code === STORE_CHANGED)) throw err;
    await refuseIfRotatedMeanwhile(run, store, created, expected);
    // What the store names now is not an active PAT: nothing works with it, so writing over it loses nothing.
    return store.write(created.token, metadata);
  }
}

export const CONCURRENT_ROTATION = 'ConcurrentRotation';
const ONE_AT_A_TIME =
  'Let one rotation of a PAT run at a time: `lockBehavior: sequential` with an Exclusive Lock check on a resource every rotation of it uses (see the README). Nothing needs repairing: run again if the store should hold a newer PAT.';

/**
 * Compare before write. Another run that rotated the same PAT while this one ran has put its own PAT in the store;
 * writing over it would orphan that PAT, or (when that run's clean-up revoked this run's new PAT as a leftover) put a
 * revoked PAT in the store: a lockout. So when the store names a different PAT than at the start and that PAT is
 * active, this run backs off: its new PAT, never written anywhere, is revoked. A store that names a PAT that is no
 * longer active is written over: whatever it holds does not work anyway.
 */
async function refuseIfRotatedMeanwhile(run: OperationRun, store: SecretStore, created: PatToken, expected: StoreExpectation): Promise<void> {
  const now = await store.read();
  const nowId = (now.exists ? now.metadata.authorizationId : undefined) || undefined;
  if (sameId(nowId, expected.storedId)) return;
  const other = nowId ? (await run.directory.fresh('active')).find((t) => sameId(t.authorizationId, nowId)) : undefined;
  if (!other) return;
  await revokeQuietly(run, created);
  throw new PatLifecycleError(
    'service',
    CONCURRENT_ROTATION,
    `Another run rotated PAT '${created.displayName}' while this one ran: ${store.describe()} now holds ${describePat(other)}. This run's new PAT ${describePat(created)} was not stored and was revoked; nothing else was changed.`,
    { hint: ONE_AT_A_TIME },
  );
}


async function revokeQuietly(run: OperationRun, pat: PatToken): Promise<void> {
  try {
    await run.pats.revoke(pat.authorizationId);
  } catch (err) {
    run.log.warn(`PAT ${describePat(pat)} is stored nowhere and could not be revoked (${asPatLifecycleError(err).code}); the next run revokes it, or revoke it under User settings > Personal access tokens.`);
  }
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

async function recover(run: OperationRun, store: SecretStore, created: PatToken, cause: PatLifecycleError, out: PatOutcome): Promise<void> {
  const where = store.describe();
  let holdsNew: boolean | undefined;
  try {
    holdsNew = (await store.read()).metadata.authorizationId?.toLowerCase() === created.authorizationId.toLowerCase();
  } catch {
    holdsNew = undefined;
  }

  if (holdsNew === true && cause.kind !== 'verification') {
    out.warnings.push(`Writing to ${where} reported ${cause.code}, but the store now names the new PAT ${describePat(created)}: the write went through.`);
    out.storedIn = store.label();
    return;
  }

  if (holdsNew === false) {
    let undo = 'The new PAT was revoked; the old PAT and the store are as they were.';
    try {
      await run.pats.revoke(created.authorizationId);
    } catch (revokeErr) {
      const e = asPatLifecycleError(revokeErr);
      undo = `Revoking the new PAT ${describePat(created)} failed too (${e.code}); the next run revokes it. The old PAT and the store are as they were.`;
    }
    throw new PatLifecycleError(cause.kind, cause.code, `Storing the new PAT in ${where} failed: ${cause.message}. ${undo}`, {
      hint: cause.hint,
      requestId: cause.requestId,
      status: cause.status,
      cause,
    });
  }

  const doubt = holdsNew === undefined ? 'it could not be read back either' : 'it names the new PAT, but its value did not read back as written';
  throw new PatLifecycleError(cause.kind, cause.code, `Storing the new PAT ${describePat(created)} in ${where} could not be confirmed (${cause.message}); ${doubt}. Both PATs were kept; the next run keeps the one the store names and revokes the other.`, {
    hint: cause.hint ?? `check ${where}, then run again`,
    requestId: cause.requestId,
    status: cause.status,
    cause,
  });
}
