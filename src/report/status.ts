/** The step's result from the PATs' outcomes: any failure fails the step, any issue makes it SucceededWithIssues. */
import type { Action } from '../config/types';
import type { OutcomeAction, PatOutcome } from '../operations/types';

export type RunStatus = 'Succeeded' | 'SucceededWithIssues' | 'Failed';

export function statusOf(outcomes: readonly PatOutcome[], runIssues: readonly string[]): RunStatus {
  if (outcomes.some((o) => o.error)) return 'Failed';
  if (runIssues.length > 0 || outcomes.some((o) => o.issues.length > 0)) return 'SucceededWithIssues';
  return 'Succeeded';
}

const WORDS: Record<OutcomeAction, string> = {
  created: 'created',
  rotated: 'rotated',
  notDue: 'not due',
  adopted: 'adopted',
  exists: 'already there',
  updated: 'updated',
  revoked: 'revoked',
  alreadyGone: 'already gone',
  listed: 'listed',
  planned: 'planned',
  failed: 'failed',
};

/** `rotate: 2 rotated, 1 not due, 1 failed` */
export function countLine(action: Action, outcomes: readonly PatOutcome[], dryRun: boolean): string {
  if (outcomes.length === 0) return `${action}${dryRun ? ' (dry run)' : ''}: no PATs`;
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(WORDS[o.error ? 'failed' : o.action], (counts.get(WORDS[o.error ? 'failed' : o.action]) ?? 0) + 1);
  const parts = [...counts.entries()].map(([word, n]) => `${n} ${word}`);
  return `${action}${dryRun ? ' (dry run)' : ''}: ${parts.join(', ')}`;
}

/** The task result's message: the counts, then every failure and issue, each on its own line. */
export function resultMessage(action: Action, outcomes: readonly PatOutcome[], runIssues: readonly string[], dryRun: boolean): string {
  const lines = [countLine(action, outcomes, dryRun)];
  for (const o of outcomes) if (o.error) lines.push(`PAT '${o.name}': ${o.error.describe()}`);
  const status = statusOf(outcomes, runIssues);
  if (status !== 'Succeeded') {
    for (const issue of runIssues) lines.push(issue);
    for (const o of outcomes) for (const issue of o.issues) lines.push(issue);
  }
  return lines.join('\n');
}
