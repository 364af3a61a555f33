/**
 * After `update`: the destinations that hold the PAT still record its old expiry (a Key Vault secret also carries it
 * as its `expires` attribute, and AzureKeyVault@2 skips expired secrets). Each destination whose record names the PAT
 * gets a record-only write of the new `validTo` (Key Vault: the current version's properties), read back as a
 * rotation's writes are. A destination that names another PAT, or none, is left as it is and said so.
 */
import type { PatToken } from '../devops/types';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { openDestinations } from './destination';
import { sameId, type Destination } from './ownership';
import { describePat, type OperationRun, type PatOutcome } from './types';

/** The destinations of the step that hold `pat` by their record, and those that do not (for the plan and warnings). */
export async function destinationsHolding(run: OperationRun, pat: PatToken): Promise<{ holding: Destination[]; others: Destination[] }> {
  const dests = await openDestinations(run, pat.displayName);
  return { holding: dests.filter((d) => sameId(d.held, pat.authorizationId)), others: dests.filter((d) => !sameId(d.held, pat.authorizationId)) };
}

export async function keepInStep(holding: Destination[], updated: PatToken, out: PatOutcome): Promise<void> {
  const failed: string[] = [];
  const done: string[] = [];
  for (const d of holding) {
    try {
      await d.store.mark({ validTo: updated.validTo }, { storedId: updated.authorizationId });
      const now = await d.store.read();
      if (now.metadata.validTo !== updated.validTo || !sameId(now.metadata.authorizationId, updated.authorizationId)) {
        throw new PatLifecycleError('verification', 'VerificationFailed', `read again, ${d.store.describe()} records validTo ${now.metadata.validTo ?? '(none)'}, not ${updated.validTo}`);
      }
      done.push(d.store.label());
    } catch (err) {
      const e = asPatLifecycleError(err);
      failed.push(`${d.store.describe()}: ${e.message} (${e.code})`);
    }
  }
  if (done.length > 0) out.storedIn = done.join('; ');
  if (failed.length > 0) {
    throw new PatLifecycleError('service', 'DestinationsBehind', `PAT ${describePat(updated)} was updated, but ${failed.length === 1 ? 'a destination' : 'destinations'} still record${failed.length === 1 ? 's' : ''} its old expiry: ${failed.join('; ')}. The PAT works; a consumer that trusts the recorded expiry may skip it.`, {
      hint: 'Run the update again (it only brings the records in step), or check the permission to write each destination.',
    });
  }
}
