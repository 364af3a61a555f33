/** The store one PAT is written to (undefined for outputOnly), and what it says is stored there now. */
import type { SecretStore } from '../stores/secret-store';
import { destinationFor } from '../config/name-template';
import type { OperationRun } from './types';

export interface OpenedDestination {
  store?: SecretStore;
  /** The authorization ID the store's metadata names, if any. */
  storedId?: string;
}

export async function openDestination(run: OperationRun, displayName: string): Promise<OpenedDestination> {
  const destination = destinationFor(run.config.destination, displayName);
  if (destination.kind === 'outputOnly') return {};
  const store = await run.openStore(destination);
  const info = await store.read({ recent: true });
  const storedId = info.exists ? info.metadata.authorizationId || undefined : undefined;
  return { store, ...(storedId ? { storedId } : {}) };
}
