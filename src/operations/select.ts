/**
 * Which active PAT an explicit action (update, revoke) means: by authorization ID, or the one active PAT of an exact
 * name. Several of one name is an error unless takeNewest: the user names what is changed, the task never guesses.
 */
import type { PatToken } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { newestFirst } from './pat-facts';
import { describePat } from './types';

export interface SelectBy {
  displayName?: string;
  authorizationId?: string;
  takeNewest: boolean;
}

export function selectActive(active: readonly PatToken[], by: SelectBy): PatToken | undefined {
  if (by.authorizationId) return active.find((t) => t.authorizationId.toLowerCase() === by.authorizationId!.toLowerCase());
  const family = active.filter((t) => t.displayName === by.displayName);
  if (family.length <= 1) return family[0];
  const [newest] = newestFirst(family);
  if (by.takeNewest) return newest;
  throw new PatLifecycleError('input', 'AmbiguousDisplayName', `${family.length} active PATs are named '${by.displayName}': ${newestFirst(family).map(describePat).join(', ')} (newest first)`, {
    input: 'patName',
    hint: 'set authorizationId to the one meant, or takeNewest: true to take the newest; or revoke the extra ones',
  });
}
