/**
 * Reads every variable group a run will write before anything is written anywhere: a group linked to Key Vault holds
 * secret names, never values, and finding that out by writing would come after a PAT was created and the renewed
 * refresh token saved. run.ts checks the groups the job's token reads before signing in, the others right after.
 */
import type { Config } from '../config/types';
import { asPatLifecycleError } from '../errors';
import type { SecretStore } from './secret-store';
import type { StoreDestination } from './open-store';
import { LINKED_GROUP } from './variable-group-store';
import { hasNamePlaceholder } from '../config/name-template';

type GroupDestination = Extract<StoreDestination, { kind: 'variableGroup' }>;

export interface GroupCheck {
  destination: GroupDestination;
  purpose: 'pat' | 'refreshToken';
}

/** The variable groups this run may write, read with the identity given by variableGroupAuth. */
export function groupsToCheck(config: Config, auth: 'user' | 'job'): GroupCheck[] {
  const checks: GroupCheck[] = [];
  if (config.refreshTokenStore.kind === 'variableGroup' && config.refreshTokenStore.auth === auth) checks.push({ destination: config.refreshTokenStore, purpose: 'refreshToken' });
  for (const d of config.destinations) if (d.kind === 'variableGroup' && d.auth === auth) checks.push({ destination: d, purpose: 'pat' });
  return checks;
}

/**
 * The service connections this run writes, read with the user's token: a type or scheme that holds no PAT stops the
 * run before a PAT exists. A `{name}` template is checked per PAT, when its store is first read.
 */
export function connectionsToCheck(config: Config): Array<Extract<StoreDestination, { kind: 'serviceConnection' }>> {
  if (config.action !== 'create' && config.action !== 'rotate') return [];
  return config.destinations.flatMap((d) => (d.kind === 'serviceConnection' && !hasNamePlaceholder(d.connection.nameOrId) ? [d] : []));
}

/**
 * Throws for a group that cannot take a write. A PAT group that cannot be read fails the run here too, as it would
 * later; a refresh token store that cannot be read for another reason is left to keepRefreshToken, which makes that a
 * warning and lets the rotation go on.
 */
export async function checkGroups(checks: readonly GroupCheck[], open: (check: GroupCheck) => Promise<SecretStore>): Promise<void> {
  for (const check of checks) {
    try {
      const store = await open(check);
      await store.prepare?.();
    } catch (err) {
      if (check.purpose === 'refreshToken' && asPatLifecycleError(err).code !== LINKED_GROUP) continue;
      throw err;
    }
  }
}
