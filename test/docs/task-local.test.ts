// `npm run task:local -- --action check`, as docs/development.md tells a person to run it: the bundled task against the
// playground, in one command, with the log printed as the pipeline shows it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/task-json';

const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'task-local.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

describe('npm run task:local', function () {
  this.timeout(90_000);

  it('is an npm script, and the docs show it with --action check', () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['task:local'] ?? '', /scripts\/task-local\.ts/);
    assert.match(readFileSync(join(REPO_ROOT, 'docs', 'development.md'), 'utf8'), /npm run task:local -- --action check/);
  });

  it('--action check: runs the bundled task against the playground and prints its log as the pipeline shows it', () => {
    const r = run(['--action', 'check']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /- task: PatLifecycle@1\n/);
    assert.match(r.stdout, /\[ok\] Sign-in: signed in as avery@contoso\.test/);
    assert.match(r.stdout, /\[ok\] Variable group 'pat-rotation' \(PAT destination\)/);
    assert.match(r.stdout, /─── Succeeded in \d+ ms/);
    assert.doesNotMatch(r.stdout, /##vso\[/, 'logging commands are consumed, as the agent does');
  });

  it('a failed step shows its error as the log view does (line breaks, not %0A), exit code 1', () => {
    const r = run(['--action', 'rotate', '--pat-name', 'build-agent-linux', '--target', 'variableGroup']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /##\[error\]The task's inputs need fixing:\n.*Input 'variableGroup'/);
    assert.doesNotMatch(r.stdout, /%0A/);
  });
});
