// The task bundle (tasks/PatLifecycleV1/dist/task.js) and its loader (dist/main.js, what task.json runs) as
// scripts/bundle.mjs builds them: one copy of each package, the Key Vault SDKs in a file of their own (dist/azure-sdk.js)
// that shares task.js's msal-node, jsonwebtoken
// only behind msal-node's certificate assertion, licences kept, a loader of node built-ins only, and the task starts
// from a folder without node_modules the way the agent runs it.
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
  lazy: Record<string, 'absent' | 'static' | 'require' | 'dynamic-import'>;
  onDemand: Record<string, 'absent' | 'on-demand' | 'eager'>;
  bundledShared: string[];
}

const SOURCE_ENTRY = join(TASK_DIR, 'src', 'main.ts');
const BUNDLE = join(TASK_DIR, 'dist', 'task.js');
const LOADER = join(TASK_DIR, 'dist', 'main.js');
const reportPath = (name: string) => join(REPO_ROOT, 'dist', `bundle-report.${name}.json`);

function readReport<T extends { entry: string; bytes: number }>(name: string, entry: string, file: string): T | undefined {
  if (!existsSync(reportPath(name)) || !existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(reportPath(name), 'utf8')) as T;
  // A report from another build (or an older bundle) does not describe this file.
  if (report.entry !== entry || report.bytes !== statSync(file).size) return undefined;
  return report;
}
const taskReport = () => readReport<BundleReport>('task', 'tasks/PatLifecycleV1/src/main.ts', BUNDLE);
const loaderReport = () => readReport<{ entry: string; bytes: number; builtinsOnly: boolean }>('loader', 'tasks/PatLifecycleV1/src/loader.ts', LOADER);
const AZURE_SDK = join(TASK_DIR, 'dist', 'azure-sdk.js');
const azureSdkReport = () => readReport<BundleReport>('azure-sdk', 'src/azure-sdk/sdk.ts', AZURE_SDK);
const cliReport = () => readReport<BundleReport>('cli', 'cli/pat-lifecycle.ts', join(REPO_ROOT, 'cli', 'dist', 'pat-lifecycle.js'));

describe('packaging: the task bundle', function () {
  this.timeout(120_000);
  let report: BundleReport;
  let js: string;

  before(function () {
    if (!existsSync(SOURCE_ENTRY)) this.skip(); // the product entry does not exist yet
    let current = taskReport();
    if (!current || !loaderReport() || !cliReport() || !azureSdkReport()) {
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(run.status, 0, `bundle.mjs failed:\n${run.stdout}${run.stderr}`);
      current = taskReport();
    }
    assert.ok(current, 'bundle.mjs wrote no report for the task bundle');
    report = current;
    js = readFileSync(BUNDLE, 'utf8');
    console.log(`      dist/task.js ${(report.bytes / 1024).toFixed(1)} KiB; largest: ${Object.entries(report.largest).slice(0, 4).map(([p, n]) => `${p} ${(n / 1024).toFixed(0)} KiB`).join(', ')}`);
  });

  it('is minified and built without esbuild warnings', () => {
    assert.equal(report.minified, true);
    assert.equal(report.warnings, 0);
  });

  it('holds one copy of each package (no ESM and CommonJS builds side by side)', () => {
    assert.deepEqual(report.dualPackages, []);
  });

  it('keeps the Key Vault SDKs out of task.js, in azure-sdk.js beside it, which uses task.js\'s msal-node', () => {
    // Runs without a vault never read them: task.js runs azure-sdk.js on the first use of a vault (azure-sdk-beside.ts).
    assert.deepEqual(report.lazy, { '@azure/identity': 'absent', '@azure/keyvault-secrets': 'absent' });
    const sdk = azureSdkReport();
    assert.ok(sdk, 'bundle.mjs wrote no report for dist/azure-sdk.js');
    assert.ok(sdk.largest['@azure/identity'] > 0 && sdk.largest['@azure/keyvault-secrets'] > 0, JSON.stringify(sdk.largest));
    assert.deepEqual(sdk.bundledShared, [], 'msal-node is not bundled twice');
    assert.deepEqual(sdk.dualPackages, []);
    // In the CLI (one file), they stay behind a require() inside the function that needs them.
    assert.deepEqual(cliReport()?.lazy, { '@azure/identity': 'require', '@azure/keyvault-secrets': 'require' });
  });

  it('evaluates jsonwebtoken only for a certificate assertion, in the task and in the CLI', () => {
    // msal-node imports it eagerly; scripts/bundle-options.mjs points that import at src/entra/jsonwebtoken-on-demand.ts.
    assert.equal(report.onDemand.jsonwebtoken, 'on-demand');
    assert.equal(cliReport()?.onDemand.jsonwebtoken, 'on-demand');
  });

  it("evaluates q (task-lib's tool runner's promises) only when a tool runs, which the task never does", () => {
    // task-lib loads its tool runner and with it q, whose load formats a stack trace; q-on-demand.ts defers it.
    assert.equal(report.onDemand.q, 'on-demand');
    assert.equal(cliReport()?.onDemand.q, 'absent', 'the CLI has no task-lib');
  });

  it("requires node's child_process only when task-lib first uses it (to run a tool, which the task never does)", () => {
    // task-lib requires it as it loads; child-process-on-demand.ts stands in for it, so no task-lib file requires it.
    assert.equal(report.onDemand.child_process, 'on-demand');
    assert.equal(cliReport()?.onDemand.child_process, 'absent', 'the CLI has no task-lib');
  });

  it('has a loader of node built-ins only, which runs task.js beside it', () => {
    assert.equal(loaderReport()?.builtinsOnly, true);
    const loader = readFileSync(LOADER, 'utf8');
    const required = [...loader.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual(required.filter((r) => !r.startsWith('node:')), []);
    assert.match(loader, /path\d*\.join\(__dirname, "task\.js"\)/);
    assert.match(loader, /path\.join\(path\.dirname\(file\), "\.compile-cache"\)/);
  });

  it('holds no dynamic import() (the loader runs it as a classic script)', () => {
    assert.doesNotMatch(js, /(^|[^\w$.])import\(/);
  });

  it('keeps third-party licence comments', () => {
    assert.match(js, /\/\*![^]*?\*\/|@license|@preserve/);
  });

  it('starts without node_modules, finds its task.json, and fails cleanly on missing inputs', () => {
    // The agent's layout: <task>/task.json beside <task>/dist/{main.js,task.js,azure-sdk.js}, run from an unrelated folder.
    const dir = mkdtempSync(join(tmpdir(), 'pat-lifecycle-bundle-'));
    try {
      mkdirSync(join(dir, 'task', 'dist'), { recursive: true });
      mkdirSync(join(dir, 'temp'));
      copyFileSync(LOADER, join(dir, 'task', 'dist', 'main.js'));
      copyFileSync(BUNDLE, join(dir, 'task', 'dist', 'task.js'));
      copyFileSync(AZURE_SDK, join(dir, 'task', 'dist', 'azure-sdk.js'));
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
