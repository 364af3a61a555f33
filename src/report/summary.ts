/**
 * The Markdown attached to the run's summary page: one row per PAT and a status line. Built from names, dates and
 * store descriptions only; a PAT's value never reaches it.
 */
import type { Action } from '../config/types';
import type { PatOutcome } from '../operations/types';
import { daysLeft, day, wholeDays } from '../operations/pat-facts';
import { splitScopeString } from '../config/scopes';
import type { RunStatus } from './status';
import type { CheckLine } from '../check/types';
import { STATE_WORDS } from '../check/report';

export interface SummaryInput {
  action: Action;
  organization: string;
  dryRun: boolean;
  status: RunStatus;
  /** The counts line and failures, as in the task result. */
  message: string;
  outcomes: readonly PatOutcome[];
  /** Run-level findings: the refresh token's age, its store, ... */
  notes: readonly string[];
  issues: readonly string[];
  now: Date;
}

/** A summary page is read by a person: beyond this many rows (or warnings) the rest is counted, and the log has all. */
export const MAX_SUMMARY_ROWS = 100;

const STATUS_TEXT: Record<RunStatus, string> = {
  Succeeded: '✅ Succeeded',
  SucceededWithIssues: '⚠️ Succeeded with issues',
  Failed: '❌ Failed',
};

export function renderSummary(s: SummaryInput): string {
  const lines: string[] = [];
  lines.push(`### PAT Lifecycle: ${s.action}${s.dryRun ? ' (dry run: nothing was changed)' : ''} in ${cell(s.organization)}`);
  lines.push('');
  lines.push(`**Status:** ${STATUS_TEXT[s.status]}: ${cell(s.message.split('\n')[0] ?? '')}`);
  lines.push('');
  // A stored PAT revoked outside the task (leaked, most likely) comes before everything else on the page.
  const alerts = s.outcomes.flatMap((o) => o.alerts ?? []);
  if (alerts.length > 0) {
    lines.push('**🚨 Revoked outside the task**', '');
    for (const a of alerts.slice(0, MAX_SUMMARY_ROWS)) lines.push(`- ${cell(a)}`);
    if (alerts.length > MAX_SUMMARY_ROWS) lines.push(`- …and ${alerts.length - MAX_SUMMARY_ROWS} more, in the step's log.`);
    lines.push('');
  }
  if (s.outcomes.length > 0) {
    lines.push('| PAT | Scopes | Expires | Days left | Stored in | Action taken |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    // Failures and PATs needing attention first, so a cut never hides them.
    const ranked = [...s.outcomes.filter((o) => o.error || o.issues.length > 0), ...s.outcomes.filter((o) => !o.error && o.issues.length === 0)];
    for (const o of ranked.slice(0, MAX_SUMMARY_ROWS)) lines.push(row(o, s.now));
    lines.push('');
    if (ranked.length > MAX_SUMMARY_ROWS) lines.push(`…and ${ranked.length - MAX_SUMMARY_ROWS} more PATs, listed in the step's log.`, '');
  }
  const failures = s.outcomes.filter((o) => o.error);
  if (failures.length > 0) {
    lines.push('**Failures**', '');
    for (const o of failures) lines.push(`- ${cell(o.name)}: ${cell(o.error!.describe())}`);
    lines.push('');
  }
  const shown = new Set(alerts);
  const warnings = [...s.issues, ...s.outcomes.flatMap((o) => [...o.issues, ...o.warnings])].filter((w) => !shown.has(w));
  if (warnings.length > 0) {
    lines.push('**Warnings**', '');
    for (const w of warnings.slice(0, MAX_SUMMARY_ROWS)) lines.push(`- ${cell(w)}`);
    if (warnings.length > MAX_SUMMARY_ROWS) lines.push(`- …and ${warnings.length - MAX_SUMMARY_ROWS} more, in the step's log.`);
    lines.push('');
  }
  if (s.notes.length > 0) {
    lines.push('**Notes**', '');
    for (const n of s.notes) lines.push(`- ${cell(n)}`);
    lines.push('');
  }
  lines.push(`<sub>Generated ${s.now.toISOString().replace(/\.\d+Z$/, 'Z')}</sub>`);
  return lines.join('\n') + '\n';
}

export interface CheckSummaryInput {
  organization: string;
  status: RunStatus;
  message: string;
  checks: readonly CheckLine[];
  now: Date;
}

const STATE_MARKS: Record<CheckLine['state'], string> = { ok: '✅', missing: '❌', notChecked: '➖' };

/** action check: every prerequisite on its own row, missing ones first, each with its fix. */
export function renderCheckSummary(s: CheckSummaryInput): string {
  const lines: string[] = [];
  lines.push(`### PAT Lifecycle: check in ${cell(s.organization)}`, '');
  lines.push(`**Status:** ${STATUS_TEXT[s.status]}: ${cell(s.message.split('\n')[0] ?? '')}`, '');
  lines.push('| Prerequisite | State | Found | Fix |', '| --- | --- | --- | --- |');
  const order: CheckLine['state'][] = ['missing', 'notChecked', 'ok'];
  const ranked = [...s.checks].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
  for (const c of ranked) lines.push(`| ${cell(c.prerequisite)} | ${STATE_MARKS[c.state]} ${STATE_WORDS[c.state]} | ${cell(c.detail)} | ${cell(c.fix ?? '')} |`);
  lines.push('', 'Check only reads: it changes no PAT, variable group, Key Vault secret or service connection (the PAT creation probe, when asked for, revokes its own PAT at once), and it neither saves nor renews the refresh token.', '');
  lines.push(`<sub>Generated ${s.now.toISOString().replace(/\.\d+Z$/, 'Z')}</sub>`);
  return lines.join('\n') + '\n';
}

function row(o: PatOutcome, now: Date): string {
  const pat = o.pat ?? o.previous;
  const scopes = pat ? splitScopeString(pat.scope).join(' ') : '';
  const expires = pat ? day(pat.validTo) : '';
  const left = pat ? String(Math.max(0, wholeDays(daysLeft(pat, now)))) : '';
  const action = o.error ? `failed: ${o.error.message}` : o.detail;
  return `| ${cell(o.name)} | ${cell(scopes)} | ${expires} | ${left} | ${cell(o.storedIn ?? (o.action === 'created' || o.action === 'rotated' ? 'output variable token' : ''))} | ${cell(action)} |`;
}

/** Text from names and messages, made inert: no table breaks, no HTML, no line breaks. */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}
