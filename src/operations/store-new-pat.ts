/**
 * Rules 4 and 6: write the new value, read it back, and on failure undo what can be undone without ever revoking a
 * PAT that a store holds. When it cannot be known whether the write landed, both PATs are kept: the next run's rule 7
 * keeps the stored one and revokes the other.
 */
import type { PatToken } from '../devops/types';
import type { SecretStore } from '../stores/secret-store';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { describePat, type OperationRun, type PatOutcome } from './types';

export async function storeNewPat(run: OperationRun, store: SecretStore | undefined, created: PatToken & { token: string }, out: PatOutcome): Promise<void> {
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
    const receipt = await store.write(created.token, metadata);
    await store.verify(receipt, created.token);
    out.storedIn = store.label();
  } catch (err) {
    await recover(run, store, created, asPatLifecycleError(err), out);
  }
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
