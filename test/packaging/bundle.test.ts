// The task bundle (tasks/PatLifecycleV1/dist/main.js, what task.json runs) as scripts/bundle.mjs builds it: one file,
// one copy of each package, licences kept, and the task starts from a folder without node_modules the way the agent
// runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TASK_DIR } from '../support/task-json';

interface BundleReport {
  entry: string;
  outfile: string;
  bytes: number;
  minified: boolean;
  warnings: number;
  largest: Record<string, number>;
  dualPackages: string[];
}

const SOURCE_ENTRY = join(TASK_DIR, 'src', 'main.ts');
const BUNDLE = join(TASK_DIR, 'dist', 'main.js');
const reportPath = (name: string) => join(REPO_ROOT, 'dist', `bundle-report.${name}.json`);

function readReport(name: string, entry: string, file: string): BundleReport | undefined {
  if (!existsSync(reportPath(name)) || !existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(reportPath(name), 'utf8')) as BundleReport;
  // A report from another build (or an older bundle) does not describe this file.
  if (report.entry !== entry || report.bytes !== statSync(file).size) return undefined;
  return report;
}
const taskReport = () => readReport('task', 'tasks/PatLifecycleV1/src/main.ts', BUNDLE);
const cliReport = () => readReport('cli', 'cli/pat-lifecycle.ts', join(REPO_ROOT, 'cli', 'dist', 'pat-lifecycle.js'));

describe('packaging: the task bundle', function () {
  this.timeout(120_000);
  let report: BundleReport;
  let js: string;

  before(function () {
    if (!existsSync(SOURCE_ENTRY)) this.skip(); // the product entry does not exist yet
    let current = taskReport();
    if (!current || !cliReport()) {
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(run.status, 0, `bundle.mjs failed:\n${run.stdout}${run.stderr}`);
      current = taskReport();
    }
    assert.ok(current, 'bundle.mjs wrote no report for the task bundle');
    report = current;
    js = readFileSync(BUNDLE, 'utf8');
    console.log(`      dist/main.js ${(report.bytes / 1024).toFixed(1)} KiB; largest: ${Object.entries(report.largest).slice(0, 4).map(([p, n]) => `${p} ${(n / 1024).toFixed(0)} KiB`).join(', ')}`);
  });

  it('is minified and built without esbuild warnings', () => {
    assert.equal(report.minified, true);
    assert.equal(report.warnings, 0);
  });

  it('holds one copy of each package (no ESM and CommonJS builds side by side)', () => {
    assert.deepEqual(report.dualPackages, []);
  });

  it('keeps third-party licence comments', () => {
    assert.match(js, /\/\*![^]*?\*\/|@license|@preserve/);
  });

  it('starts without node_modules, finds its task.json, and fails cleanly on missing inputs', () => {
    // The agent's layout: <task>/task.json beside <task>/dist/main.js, run from an unrelated folder.
    const dir = mkdtempSync(join(tmpdir(), 'pat-lifecycle-bundle-'));
    try {
      mkdirSync(join(dir, 'task', 'dist'), { recursive: true });
      mkdirSync(join(dir, 'temp'));
      copyFileSync(BUNDLE, join(dir, 'task', 'dist', 'main.js'));
      copyFileSync(join(TASK_DIR, 'task.json'), join(dir, 'task', 'task.json'));
      const run = spawnSync(process.execPath, [join(dir, 'task', 'dist', 'main.js')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          AGENT_TEMPDIRECTORY: join(dir, 'temp'),
          SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/',
          INPUT_ACTION: 'list',
        },
      });
      const out = `${run.stdout}${run.stderr}`;
      assert.equal(run.signal, null, `killed (${run.signal}): a run without inputs must not reach the network\n${out}`);
      assert.doesNotMatch(out, /Cannot find module|MODULE_NOT_FOUND/, out);
      assert.doesNotMatch(out, /LIB_ResourceFile does not exist|Resource file haven't been set/, out);
      assert.match(out, /##vso\[task\.complete result=Failed/, out);
      assert.ok(!existsSync(join(dir, '.taskkey')), 'task-lib wrote .taskkey into the working folder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
