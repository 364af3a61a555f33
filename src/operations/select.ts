/**
 * Rule 1 (which PAT) and rule 7 (what an interrupted earlier run left behind), decided from the active PATs and
 * the authorization ID the destination store names.
 */
import type { PatToken } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { sameScopes, splitScopeString } from '../config/scopes';
import { createdAt, newestFirst } from './pat-facts';
import { describePat } from './types';

export interface Selection {
  /** The PAT the action applies to; undefined when no active PAT matches. */
  current?: PatToken;
  /** Whether the store names `current`. */
  stored: boolean;
  /** Same name and scopes, newer than the stored PAT: created by a run that stopped before storing it. Its value is lost. */
  orphans: PatToken[];
  /** Same name and scopes, older than the stored PAT: replaced by a run that stopped before revoking it. */
  replaced: PatToken[];
  /** Same name but other scopes, or not decidable without a store: left alone. */
  untouched: PatToken[];
}

export interface SelectBy {
  displayName?: string;
  authorizationId?: string;
  takeNewest: boolean;
  /** The scopes the next PAT will have (the scopes input), which also mark a PAT as one of ours. */
  nextScopes?: string[];
}

export function select(active: readonly PatToken[], by: SelectBy, storedId: string | undefined): Selection {
  const byId = by.authorizationId ? active.find((t) => sameId(t.authorizationId, by.authorizationId!)) : undefined;
  const stored = storedId ? active.find((t) => sameId(t.authorizationId, storedId)) : undefined;
  let name = by.displayName ?? byId?.displayName;
  if (by.authorizationId && !byId) {
    // The PAT was replaced already (a finished or interrupted earlier run): the store names its successor.
    if (!stored) throw notFoundById(by.authorizationId);
    name = stored.displayName;
  }
  const family = active.filter((t) => t.displayName === name);
  if (stored && stored.displayName === name) {
    const selection = arbitrate(stored, family, by.nextScopes);
    if (byId && selection.orphans.includes(byId)) {
      throw new PatLifecycleError('input', 'NotTheStoredPat', `The PAT ${describePat(byId)} is newer than ${describePat(stored)}, which the destination holds: it looks like the leftover of an interrupted run`, {
        input: 'authorizationId',
        hint: 'select the PAT by displayName and let the task clean up, or revoke the leftover',
      });
    }
    return selection;
  }
  if (byId) return { current: byId, stored: false, orphans: [], replaced: [], untouched: family.filter((t) => t !== byId) };
  if (family.length === 0) return { stored: false, orphans: [], replaced: [], untouched: [] };
  if (family.length === 1) return { current: family[0], stored: false, orphans: [], replaced: [], untouched: [] };
  const [newest, ...rest] = newestFirst(family);
  if (by.takeNewest) return { current: newest, stored: false, orphans: [], replaced: [], untouched: rest };
  throw new PatLifecycleError('input', 'AmbiguousDisplayName', `${family.length} active PATs are named '${name}': ${newestFirst(family).map(describePat).join(', ')} (newest first)`, {
    input: 'displayName',
    hint: 'set authorizationId to the one meant, or takeNewest: true to take the newest; or revoke the extra ones',
  });
}

/** Rule 7: the store knows which PAT is in use; the other PATs of that name and scopes are leftovers. */
function arbitrate(stored: PatToken, family: readonly PatToken[], nextScopes: string[] | undefined): Selection {
  const ours = (t: PatToken) => {
    const scopes = splitScopeString(t.scope);
    return sameScopes(scopes, splitScopeString(stored.scope)) || (nextScopes !== undefined && sameScopes(scopes, nextScopes));
  };
  const selection: Selection = { current: stored, stored: true, orphans: [], replaced: [], untouched: [] };
  for (const t of family) {
    if (t === stored) continue;
    if (!ours(t)) selection.untouched.push(t);
    else if (createdAt(t) > createdAt(stored)) selection.orphans.push(t);
    else selection.replaced.push(t);
  }
  return selection;
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function notFoundById(id: string): PatLifecycleError {
  return new PatLifecycleError('notFound', 'PatNotFound', `No active PAT has the authorization ID ${id}`, {
    input: 'authorizationId',
    hint: 'it was revoked, has expired, or belongs to another user; run the list action to see the active PATs, or select by displayName',
  });
}
