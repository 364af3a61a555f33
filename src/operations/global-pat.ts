/**
 * A global PAT (`targetAccounts` null) works in every organization of the user; a rotation or update makes one valid
 * in this organization only (the task never asks for global PATs, which Azure DevOps retired on 2026-12-01). Other
 * organizations using it would lose it, so the plan says so, and the step goes on only with allowNarrowingGlobalPat.
 */
import type { PatToken } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { announcePlan, describePat, type OperationRun, type PatOutcome } from './types';

export function isGlobal(pat: PatToken): boolean {
  return pat.targetAccounts === null;
}

export function narrowGlobalPat(run: OperationRun, pat: PatToken, out: PatOutcome, what: 'its replacement' | 'the updated PAT'): void {
  if (!isGlobal(pat)) return;
  const org = run.config.organization;
  out.plan.push(`PAT ${describePat(pat)} is global (valid in all organizations; Azure DevOps retired global PATs on 2026-12-01): ${what} is valid in organization '${org}' only`);
  if (run.config.allowNarrowingGlobalPat) return;
  announcePlan(run, out);
  throw new PatLifecycleError('input', 'GlobalPatNotNarrowed', `PAT ${describePat(pat)} is global (valid in all organizations); ${what} would be valid in organization '${org}' only, which other organizations using it would lose. Nothing was changed.`, {
    input: 'allowNarrowingGlobalPat',
    hint: `Set allowNarrowingGlobalPat: true to make it valid in '${org}' only (global PATs stopped working on 2026-12-01 anyway), or create a PAT per organization that needs one.`,
  });
}
