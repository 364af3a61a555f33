import { strict as assert } from 'node:assert';
import { MAX_SUMMARY_ROWS, renderCheckSummary, renderSummary, cell } from '../../../src/report/summary';
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
    assert.match(md, /\*\*Failures\*\*\n\n- other: No active PAT is named 'other' \\\[PatNotFound\\\] Fix: check the name/);
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

  it('a dry run says so in the heading; an expired PAT shows 0 days left; a failed row shows the failure; a new value without a store went to the output variable', () => {
    const expired = outcome({ name: 'old', action: 'listed', detail: 'valid until then', pat: pat('old', -3) });
    const previousOnly = outcome({ name: 'prev', action: 'notDue', detail: 'not due', previous: pat('prev', 12) });
    const created = outcome({ name: 'made', action: 'created', detail: 'created', pat: pat('made', 30) });
    const rotated = outcome({ name: 'turned', action: 'rotated', detail: 'rotated', pat: pat('turned', 30) });
    const listed = outcome({ name: 'seen', action: 'listed', detail: 'listed', pat: pat('seen', 30) });
    const failed = outcome({ name: 'broke', action: 'failed', detail: 'ignored', error: new PatLifecycleError('service', 'Boom', 'it broke') });
    const md = renderSummary({ action: 'rotate', organization: 'contoso', dryRun: true, status: 'Failed', message: 'first line\nsecond line', outcomes: [expired, previousOnly, created, rotated, listed, failed], notes: [], issues: [], now: new Date('2026-11-30T12:00:00.123Z') });
    const lines = md.split('\n');
    assert.equal(lines[0], '### PAT Lifecycle: rotate (dry run: nothing was changed) in contoso');
    assert.equal(lines[2], '**Status:** ❌ Failed: first line', 'only the first line of the message');
    assert.ok(!md.includes('second line'));
    assert.ok(lines.includes('| old | vso.code vso.packaging | 2026-11-27 | 0 |  | valid until then |'), md);
    assert.ok(lines.includes('| prev | vso.code vso.packaging | 2026-12-12 | 12 |  | not due |'), 'the previous PAT when there is no new one');
    assert.ok(lines.includes('| made | vso.code vso.packaging | 2026-12-30 | 30 | output variable token | created |'));
    assert.ok(lines.includes('| turned | vso.code vso.packaging | 2026-12-30 | 30 | output variable token | rotated |'));
    assert.ok(lines.includes('| seen | vso.code vso.packaging | 2026-12-30 | 30 |  | listed |'));
    assert.ok(lines.includes('| broke |  |  |  |  | failed: it broke |'), 'a failed PAT without facts');
    assert.equal(lines.indexOf('| broke |  |  |  |  | failed: it broke |'), 6, 'failures first, right under the header');
    assert.ok(!md.includes('**Notes**') && !md.includes('**Warnings**'), 'no empty sections');
    assert.equal(lines.at(-2), '<sub>Generated 2026-11-30T12:00:00Z</sub>');
    assert.equal(md.at(-1), '\n');
  });

  it('a summary without PATs has no table; warnings past MAX_SUMMARY_ROWS are counted, not listed', () => {
    const issues = Array.from({ length: MAX_SUMMARY_ROWS + 2 }, (_, i) => `issue ${i}`);
    const md = renderSummary({ action: 'list', organization: 'contoso', dryRun: false, status: 'SucceededWithIssues', message: 'list: no PATs', outcomes: [], notes: ['n1'], issues, now: NOW });
    assert.ok(!md.includes('| PAT |'));
    assert.match(md, /^### PAT Lifecycle: list in contoso\n\n\*\*Status:\*\* ⚠️ Succeeded with issues: list: no PATs\n\n\*\*Warnings\*\*\n\n- issue 0\n/);
    assert.ok(md.includes(`- issue ${MAX_SUMMARY_ROWS - 1}\n- …and 2 more, in the step's log.\n\n**Notes**\n\n- n1\n\n<sub>`));
    assert.ok(!md.includes(`- issue ${MAX_SUMMARY_ROWS}\n`));
    const exactly = renderSummary({ action: 'list', organization: 'c', dryRun: false, status: 'Succeeded', message: 'm', outcomes: [], notes: [], issues: issues.slice(0, MAX_SUMMARY_ROWS), now: NOW });
    assert.ok(!exactly.includes('more, in the step'), 'nothing counted when all fit');
    assert.match(exactly, /✅ Succeeded: m/);
    const rows = Array.from({ length: MAX_SUMMARY_ROWS }, (_, i) => outcome({ name: `p${i}`, action: 'listed', pat: pat(`p${i}`, 40) }));
    assert.ok(!renderSummary({ action: 'list', organization: 'c', dryRun: false, status: 'Succeeded', message: 'm', outcomes: rows, notes: [], issues: [], now: NOW }).includes('more PATs'));
  });

  it('the check summary lists missing prerequisites first, then not checked, then ok, each with its mark and fix', () => {
    const md = renderCheckSummary({
      organization: 'contoso|x',
      status: 'Failed',
      message: 'check: 1 missing\nmore',
      checks: [
        { prerequisite: 'Sign-in', state: 'ok', detail: 'ada' },
        { prerequisite: 'Probe', state: 'notChecked', detail: 'skipped', fix: 'set checkPatCreation' },
        { prerequisite: 'Group <Tokens>', state: 'missing', detail: 'not found', fix: 'create it' },
      ],
      now: new Date('2026-11-30T12:00:00.5Z'),
    });
    const lines = md.split('\n');
    assert.equal(lines[0], '### PAT Lifecycle: check in contoso\\|x');
    assert.equal(lines[2], '**Status:** ❌ Failed: check: 1 missing');
    assert.deepEqual(lines.slice(4, 9), [
      '| Prerequisite | State | Found | Fix |',
      '| --- | --- | --- | --- |',
      '| Group &lt;Tokens&gt; | ❌ missing | not found | create it |',
      '| Probe | ➖ not checked | skipped | set checkPatCreation |',
      '| Sign-in | ✅ ok | ada |  |',
    ]);
    assert.match(md, /Check only reads/);
    assert.equal(lines.at(-2), '<sub>Generated 2026-11-30T12:00:00Z</sub>');
  });

  it('counts outcomes by what happened (a failure counts as failed whatever its action), and lists issues only when the step did not simply succeed', () => {
    const ok = outcome({ name: 'a', action: 'notDue' });
    const ok2 = outcome({ name: 'b', action: 'notDue' });
    const gone = outcome({ name: 'c', action: 'alreadyGone' });
    const bad = outcome({ name: 'd', action: 'rotated', error: new PatLifecycleError('service', 'X', 'it broke', { hint: 'retry' }) });
    assert.equal(countLine('revoke', [], false), 'revoke: no PATs');
    assert.equal(countLine('revoke', [], true), 'revoke (dry run): no PATs');
    assert.equal(countLine('rotate', [ok, ok2, gone, bad], false), 'rotate: 2 not due, 1 already gone, 1 failed');
    assert.equal(resultMessage('rotate', [ok, bad], ['run issue'], false), "rotate: 1 not due, 1 failed\nPAT 'd': it broke [X] Fix: retry\nrun issue");
    assert.equal(resultMessage('rotate', [ok], [], false), 'rotate: 1 not due');
    assert.equal(resultMessage('rotate', [outcome({ name: 'e', action: 'rotated', issues: ['pat issue'] })], [], true), 'rotate (dry run): 1 rotated\npat issue');
  });

  it('lays the summary out exactly: heading, status, table, failures, warnings, notes, each followed by a blank line, then the time', () => {
    const many = Array.from({ length: MAX_SUMMARY_ROWS + 1 }, (_, i) => outcome({ name: `p${i}`, action: 'listed', detail: 'd', pat: pat(`p${i}`, 40) }));
    const failed = outcome({ name: 'f', action: 'failed', error: new PatLifecycleError('service', 'X', 'bad') });
    const md = renderSummary({ action: 'list', organization: 'o', dryRun: false, status: 'Failed', message: 'm', outcomes: [failed, ...many], notes: ['n'], issues: ['i'], now: NOW });
    const rows = many.slice(0, MAX_SUMMARY_ROWS - 1).map((o) => `| ${o.name} | vso.code vso.packaging | 2027-01-09 | 40 |  | d |`);
    assert.equal(
      md,
      [
        '### PAT Lifecycle: list in o',
        '',
        '**Status:** ❌ Failed: m',
        '',
        '| PAT | Scopes | Expires | Days left | Stored in | Action taken |',
        '| --- | --- | --- | --- | --- | --- |',
        '| f |  |  |  |  | failed: bad |',
        ...rows,
        '',
        "…and 2 more PATs, listed in the step's log.",
        '',
        '**Failures**',
        '',
        // The error code's brackets are escaped like every cell, so they never start a Markdown link.
        '- f: bad \\[X\\]',
        '',
        '**Warnings**',
        '',
        '- i',
        '',
        '**Notes**',
        '',
        '- n',
        '',
        '<sub>Generated 2026-11-30T12:00:00Z</sub>',
        '',
      ].join('\n'),
    );
    const check = renderCheckSummary({ organization: 'o', status: 'Succeeded', message: 'ok', checks: [{ prerequisite: 'p', state: 'ok', detail: 'd' }], now: NOW });
    assert.equal(
      check,
      [
        '### PAT Lifecycle: check in o',
        '',
        '**Status:** ✅ Succeeded: ok',
        '',
        '| Prerequisite | State | Found | Fix |',
        '| --- | --- | --- | --- |',
        '| p | ✅ ok | d |  |',
        '',
        'Check only reads: it changes no PAT, variable group, Key Vault secret or service connection (the PAT creation probe, when asked for, revokes its own PAT at once), and it neither saves nor renews the refresh token.',
        '',
        '<sub>Generated 2026-11-30T12:00:00Z</sub>',
        '',
      ].join('\n'),
    );
  });

  it('makes names inert in Markdown', () => {
    assert.equal(cell('a|b <script>\nx'), 'a\\|b &lt;script&gt; x');
    assert.equal(cell('a&lt;b\r\n\nc||d'), 'a&amp;lt;b c\\|\\|d', 'ampersands first, a run of line breaks is one space, every bar escaped');
  });

  it('turns links, images and autolinks in text written by others into plain text', () => {
    assert.equal(cell('![i](https://evil.example/p.png) [c](http://x) www.evil.example'), '!\\[i\\](https\\://evil.example/p.png) \\[c\\](http\\://x) www\\.evil.example');
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

  it('the log table: columns as wide as their widest cell up to 60 characters, longer cells cut with an ellipsis, PAT-less outcomes skipped, expired at 0 days', () => {
    const long = 'n'.repeat(70);
    const lines = [...patTable([outcome({ name: 'x', action: 'failed' }), outcome({ name: long, action: 'listed', pat: { ...pat(long, -2), scope: 'vso.code' } }), outcome({ name: 'ab', action: 'listed', pat: { ...pat('ab', 3), scope: 'vso.code' } })], NOW)];
    assert.equal(lines.length, 4);
    const id = '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32';
    assert.equal(lines[0], `${'Name'.padEnd(60)}  Scopes    Expires     Days left  Authorization ID`);
    assert.equal(lines[1], `${'-'.repeat(60)}  ${'-'.repeat(8)}  ${'-'.repeat(10)}  ${'-'.repeat(9)}  ${'-'.repeat(36)}`);
    assert.equal(lines[2], `${'n'.repeat(59)}…  vso.code  2026-11-28  0          ${id}`);
    assert.equal(lines[3], `${'ab'.padEnd(60)}  vso.code  2026-12-03  3          ${id}`);
  });
});
