/** The black-box harness's own parts: the logging-command parser, the secret scan, and the task adapter's helpers. */
import { strict as assert } from 'node:assert';
import { parseTaskOutput } from '../support/run-task';
import { assertNoSecrets, findSecrets } from '../support/secret-scan';
import { inert, maskableParts } from '../../tasks/PatLifecycleV1/src/log-safety';

/** A PEM-shaped text around made-up lines (no key): the armour is built here so no key-shaped block sits in the repository. */
const fakePem = (body: string) => ['BEGIN', 'END'].map((edge) => `-----${edge} ${['PRIVATE', 'KEY'].join(' ')}-----`).join(`\n${body}\n`) + '\n';

describe('harness: parseTaskOutput', () => {
  it('reads results, outputs, variables, secrets, issues, progress and the summary path as the agent does', () => {
    const stdout = [
      '##vso[task.debug]loading inputs',
      '##vso[task.setsecret]s3cr3t-value',
      'plain line',
      '##vso[task.setvariable variable=token;isOutput=true;issecret=true;]abc%AZP25def',
      '##vso[task.setvariable variable=validTo;isOutput=true;issecret=false;]2026-12-01',
      '##vso[task.setvariable variable=Job.Var;isOutput=false;issecret=true;]jobsecret',
      '##vso[task.issue type=warning;source=TaskInternal;]first%0Asecond',
      '##vso[task.issue type=error;]bad',
      '##vso[task.setprogress value=50;]half',
      '##vso[task.uploadsummary]/tmp/x.md',
      '##vso[task.complete result=SucceededWithIssues;done=true;]done%3B really',
    ].join('\n');
    const run = parseTaskOutput(stdout, 'stderr text');
    assert.equal(run.result, 'SucceededWithIssues');
    assert.equal(run.message, 'done%3B really', 'message data only unescapes %, CR and LF');
    assert.deepEqual(run.outputs, { token: { value: 'abc%def', secret: true }, validTo: { value: '2026-12-01', secret: false } });
    assert.deepEqual(run.variables, { 'Job.Var': { value: 'jobsecret', secret: true } });
    assert.deepEqual(run.secretsRegistered, ['s3cr3t-value']);
    assert.deepEqual(run.warnings, ['first\nsecond']);
    assert.deepEqual(run.errors, ['bad']);
    assert.deepEqual(run.progress, [{ value: 50, message: 'half' }]);
    assert.equal(run.summaryPath, '/tmp/x.md');
    assert.deepEqual(run.info, ['plain line']);
    assert.deepEqual(run.debug, ['loading inputs']);
    assert.ok(!run.visibleLog.includes('s3cr3t-value') && !run.visibleLog.includes('jobsecret') && !run.visibleLog.includes('abc%AZP25def'));
    assert.ok(run.visibleLog.includes('2026-12-01') && run.visibleLog.includes('stderr text'));
  });
});

describe('harness: secret scan', () => {
  const secret = 'dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq';

  it('finds a secret as is, URL-encoded and base64 at any alignment, and says where without saying what', () => {
    const odd = 'a+b/c=d&e f~g%h';
    for (const [text, form] of [
      [`token=${secret}`, 'as is'],
      [`x=${encodeURIComponent(odd + 'xyz123')}`, 'URL-encoded'],
      [`Authorization: Basic ${Buffer.from(`:${secret}`).toString('base64')}`, 'base64-encoded'],
      [`{"a":"${Buffer.from(`ab${secret}`).toString('base64')}"}`, 'base64-encoded'],
      [Buffer.from(`xyz${secret}`).toString('base64url'), 'base64'],
    ] as const) {
      const s = text.includes('xyz123') ? odd + 'xyz123' : secret;
      const findings = findSecrets([{ where: 'the log', text: `line one\n${text}` }], [s], { planted: true });
      assert.equal(findings.length, 1, `found in ${text}`);
      assert.ok(findings[0].form.startsWith(form), `${findings[0].form} ~ ${form}`);
      assert.equal(findings[0].line, 2);
    }
    assert.throws(
      () => assertNoSecrets([{ where: 'the summary', text: secret }], [secret], { planted: true }),
      (e: Error) => /secret #1 \(52 chars\) appears as is in the summary, line 1/.test(e.message) && !e.message.includes(secret),
    );
  });

  it('ignores short secrets and clean text', () => {
    assert.doesNotThrow(() => assertNoSecrets(['true false 1234567'], ['true', secret]));
  });
});

describe('task adapter helpers', () => {
  it('registers a PEM line by line without its armour, and URL-encoded forms', () => {
    const parts = maskableParts(fakePem('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nab/+=='));
    for (const part of ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'ab/+==', encodeURIComponent('ab/+==')]) assert.ok(parts.includes(part), part);
    assert.ok(!parts.some((p) => p.includes('-----')), 'the armour lines are public');
  });

  it('keeps text from names we do not control from being taken for a logging command', () => {
    assert.ok(!inert("PAT '##vso[task.setvariable variable=x]y'").includes('##vso['));
    assert.ok(!inert('##[error]fake').includes('##['));
  });
});
