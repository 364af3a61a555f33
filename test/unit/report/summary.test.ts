import { strict as assert } from 'node:assert';
import { MAX_SUMMARY_ROWS, renderSummary, cell } from '../../../src/report/summary';
import { countLine, resultMessage, statusOf } from '../../../src/report/status';
import { patTable } from '../../../src/report/table';
import { newOutcome, type PatOutcome } from '../../../src/operations/types';
import { PatLifecycleError } from '../../../src/errors';

const NOW = new Date('2026-11-30T12:00:00Z');
const pat = (displayName: string, daysLeft: number) => ({
  displayName,
  scope: 'vso.code vso.packaging',
  validFrom: '2026-11-01T00:00:00Z',
  validTo: new Date(NOW.getTime() + daysLeft * 86_400_000).toISOString(),
  targetAccounts: ['x'],
  authorizationId: '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32',
  token: null,
});

function outcome(o: Partial<PatOutcome> & { name: string }): PatOutcome {
  return { ...newOutcome(o.name), ...o };
}

describe('report', () => {
  it('renders one row per PAT with scopes, expiry, days left, store and action, and never the value', () => {
    const rotated = outcome({ name: 'feed', action: 'rotated', rotated: true, detail: 'rotated: new PAT valid until 2026-12-30', pat: pat('feed', 30), storedIn: "variable group 'Tokens', variable 'FeedPat'", newToken: 'the-secret-pat-value-1234567890' });
    const failed = outcome({ name: 'other', action: 'failed', detail: 'failed', error: new PatLifecycleError('notFound', 'PatNotFound', "No active PAT is named 'other'", { hint: 'check the name' }) });
    const md = renderSummary({ action: 'rotate', organization: 'contoso', dryRun: false, status: statusOf([rotated, failed], []), message: resultMessage('rotate', [rotated, failed], [], false), outcomes: [rotated, failed], notes: ['a note'], issues: [], now: NOW });
    assert.ok(!md.includes('the-secret-pat-value'), 'no value in the summary');
    assert.match(md, /\| feed \| vso\.code vso\.packaging \| 2026-12-30 \| 30 \| variable group 'Tokens', variable 'FeedPat' \| rotated: new PAT valid until 2026-12-30 \|/);
    assert.match(md, /❌ Failed: rotate: 1 rotated, 1 failed/);
    assert.match(md, /\*\*Failures\*\*\n\n- other: No active PAT is named 'other' \[PatNotFound\] Fix: check the name/);
    assert.match(md, /- a note/);
  });

  it('keeps a long list readable: failures and expiring PATs first, the rest counted past MAX_SUMMARY_ROWS', () => {
    const many = Array.from({ length: MAX_SUMMARY_ROWS + 50 }, (_, i) => outcome({ name: `pat-${i}`, action: 'listed', pat: pat(`pat-${i}`, 40) }));
    const expiring = outcome({ name: 'soon', action: 'listed', pat: pat('soon', 2), issues: ["PAT 'soon' expires in 2 days."] });
    const md = renderSummary({ action: 'list', organization: 'contoso', dryRun: false, status: 'SucceededWithIssues', message: 'list', outcomes: [...many, expiring], notes: [], issues: [], now: NOW });
    const rows = md.split('\n').filter((l) => /^\| (pat-\d+|soon) \|/.test(l));
    assert.equal(rows.length, MAX_SUMMARY_ROWS);
    assert.match(rows[0], /^\| soon \|/, 'the PAT needing attention comes first');
    assert.match(md, /…and 51 more PATs, listed in the step's log\./);
  });

  it('a rendered summary keeps hostile names, stores and messages inert: one cell each, no HTML', () => {
    const hostile = 'a|b <img src=x onerror=alert(1)>\nnext';
    const listed = outcome({ name: hostile, action: 'rotated', detail: `rotated ${hostile}`, pat: { ...pat(hostile, 5), scope: 'vso.code|x <b>' }, storedIn: `variable group '${hostile}'`, warnings: [`warned ${hostile}`] });
    const failed = outcome({ name: hostile, action: 'failed', error: new PatLifecycleError('notFound', 'PatNotFound', `No PAT ${hostile}`) });
    const md = renderSummary({ action: 'rotate', organization: hostile, dryRun: false, status: 'Failed', message: `rotate ${hostile}`, outcomes: [listed, failed], notes: [`note ${hostile}`], issues: [`issue ${hostile}`], now: NOW });
    const lines = md.split('\n');
    assert.deepEqual(lines.filter((l) => /<(?!\/?sub>)/.test(l)), [], 'no raw HTML but the closing <sub> line');
    assert.ok(!lines.some((l) => l.startsWith('next')), 'no line break from a name');
    const rows = lines.filter((l) => l.startsWith('| a'));
    assert.equal(rows.length, 2);
    for (const r of rows) assert.equal(r.split(/(?<!\\)\|/).length, 8, `six cells in ${r}`);
    assert.match(rows[0], /^\| a\\\|b &lt;img src=x onerror=alert\(1\)&gt; next \|/);
    assert.match(md, /in a\\\|b &lt;img/, 'the organization in the heading');
    for (const label of ['- a\\|b &lt;img', '- warned a\\|b &lt;img', '- issue a\\|b &lt;img', '- note a\\|b &lt;img', "variable group 'a\\|b &lt;img", 'rotated a\\|b &lt;img', '❌ Failed: rotate a\\|b &lt;img']) {
      assert.ok(md.includes(label), `${label} in the summary`);
    }
  });

  it('makes names inert in Markdown', () => {
    assert.equal(cell('a|b <script>\nx'), 'a\\|b &lt;script&gt; x');
  });

  it('computes the status: failure beats issues beats success', () => {
    const ok = outcome({ name: 'a', action: 'rotated' });
    const issue = outcome({ name: 'b', action: 'rotated', issues: ['x'] });
    const bad = outcome({ name: 'c', error: new PatLifecycleError('service', 'X', 'y') });
    assert.equal(statusOf([ok], []), 'Succeeded');
    assert.equal(statusOf([ok], ['rt']), 'SucceededWithIssues');
    assert.equal(statusOf([ok, issue], []), 'SucceededWithIssues');
    assert.equal(statusOf([ok, issue, bad], []), 'Failed');
    assert.equal(countLine('rotate', [ok, issue, bad], true), 'rotate (dry run): 2 rotated, 1 failed');
    assert.equal(resultMessage('rotate', [ok, issue], ['rt'], false), 'rotate: 2 rotated\nrt\nx');
  });

  it('prints an aligned table for the log', () => {
    const lines = [...patTable([outcome({ name: 'feed', action: 'listed', pat: pat('feed', 3) })], NOW)];
    assert.match(lines[0], /^Name\s+Scopes\s+Expires\s+Days left\s+Authorization ID$/);
    assert.match(lines[2], /^feed\s+vso\.code vso\.packaging\s+2026-12-03\s+3\s+3d3aca0c/);
  });
});
