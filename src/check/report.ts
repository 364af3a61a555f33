/** action check's result: the step fails when any prerequisite is missing; `not checked` alone does not fail it. */
import type { RunStatus } from '../report/status';
import type { CheckLine, CheckState } from './types';

export const STATE_WORDS: Record<CheckState, string> = { ok: 'ok', missing: 'missing', notChecked: 'not checked' };

export function checkStatus(lines: readonly CheckLine[]): RunStatus {
  return lines.some((l) => l.state === 'missing') ? 'Failed' : 'Succeeded';
}

/** `check: 6 ok, 1 missing, 2 not checked`, then each missing prerequisite with its fix, one per line. */
export function checkMessage(lines: readonly CheckLine[]): string {
  const count = (state: CheckState) => lines.filter((l) => l.state === state).length;
  const head = `check: ${count('ok')} ok, ${count('missing')} missing, ${count('notChecked')} not checked`;
  return [head, ...lines.filter((l) => l.state === 'missing').map(lineText)].join('\n');
}

/** One log line per prerequisite: `[missing] Sign-in: … Fix: …`. */
export function logLine(line: CheckLine): string {
  return `[${STATE_WORDS[line.state]}] ${lineText(line)}`;
}

function lineText(line: CheckLine): string {
  const fix = line.fix ? ` ${line.state === 'missing' ? 'Fix' : 'Note'}: ${line.fix}` : '';
  return `${line.prerequisite}: ${line.detail}${fix}`;
}
