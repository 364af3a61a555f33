/**
 * The task's loader (dist/main.js, what task.json runs) and its V8 compile cache, black box: a copy of the task folder
 * (task.json, dist/main.js, dist/task.js) is run as the agent runs it, so each test owns its dist/.compile-cache.
 * What the loader did is read from its debug line (System.Debug is on in TaskFixture runs): `compile cache: used
 * <file>` is printed only when V8 accepted the cache (script.cachedDataRejected === false).
 */
import { strict as assert } from 'node:assert';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_NODE, taskNode, type TaskRun } from '../support/run-task';
import { copyTaskFolder } from '../support/task-folder';
import { TaskFixture } from './task-fixture';

const NODE = taskNode();
const CACHE_NAME = new RegExp(`^${NODE.version.replace(/\./g, '\\.')}-${NODE.arch}-[0-9a-f]{24}\\.bin$`);
const posixRoot = process.platform !== 'win32' && process.getuid?.() === 0;

/** A task folder as the agent lays it out, with its own (empty) cache. */
const copyTask = () => copyTaskFolder(mkdtempSync(join(tmpdir(), 'pat-task-folder-')));

const cacheLines = (run: TaskRun) => run.debug.filter((d) => d.startsWith('compile cache:'));
const cacheFiles = (cacheDir: string) => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);

/**
 * Everything the agent reads from the run, minus the loader's own debug lines, with what differs between two runs by
 * nature masked: the values registered as secrets (new refresh and access tokens each run), the run's temp folder,
 * the summary's random folder name and timestamps (the access token's expiry).
 */
function agentView(run: TaskRun) {
  const secrets = [...new Set(run.secretsRegistered)].sort((a, b) => b.length - a.length);
  const temp = run.env['AGENT_TEMPDIRECTORY'];
  const mask = (text: string | undefined) => {
    if (text === undefined) return undefined;
    let out = text;
    for (const s of secrets) out = out.split(s).join('<secret>');
    return out.split(temp).join('<temp>').replace(/pat-lifecycle-[0-9a-f]{12}/g, 'pat-lifecycle-<id>').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
  };
  return {
    exitCode: run.exitCode,
    result: run.result,
    message: mask(run.message),
    commands: run.commands
      .filter((c) => !(c.command === 'task.debug' && c.message.startsWith('compile cache:')))
      .map((c) => ({ command: c.command, properties: Object.fromEntries(Object.entries(c.properties).map(([k, v]) => [k, mask(v)])), message: mask(c.message) })),
    info: run.info.map(mask),
    stderr: mask(run.stderr),
  };
}

describe('PatLifecycle@1 compile cache (loader, black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  let task: ReturnType<typeof copyTask>;

  beforeEach(async () => {
    f = await TaskFixture.start();
    task = copyTask();
    f.seedPat('cache-list', { daysLeft: 40 });
  });
  afterEach(async () => {
    await f.close();
    if (existsSync(task.dir)) chmodSync(join(task.dir, 'dist'), 0o755);
    rmSync(task.dir, { recursive: true, force: true });
  });

  const list = () => f.run({ action: 'list' }, { entry: task.entry });

  it('writes the cache after the first successful run and uses it on the next, with the same result and ##vso output', async () => {
    const first = await list();
    assert.equal(first.result, 'Succeeded', `${first.message}\n${first.stderr}`);
    const [name] = cacheFiles(task.cacheDir);
    assert.match(name ?? '(none)', CACHE_NAME);
    assert.deepEqual(cacheLines(first), ['compile cache: none yet', `compile cache: wrote ${name} (${statSync(join(task.cacheDir, name)).size - 41 - NODE.versions.v8.length} bytes)`]);
    if (process.platform !== 'win32') {
      assert.equal(statSync(task.cacheDir).mode & 0o777, 0o700, 'the cache folder is private');
      assert.equal(statSync(join(task.cacheDir, name)).mode & 0o777, 0o600, 'the cache file is private');
    }

    const second = await list();
    assert.deepEqual(cacheLines(second), [`compile cache: used ${name}`], 'V8 accepted the cache (cachedDataRejected === false)');
    assert.deepEqual(cacheFiles(task.cacheDir), [name], 'an accepted cache is not written again');
    assert.deepEqual(agentView(second), agentView(first));
    f.assertNoSecrets(first);
    f.assertNoSecrets(second);
  });

  it('writes no cache after a failed run (its cache would hold only the code of an early failure)', async () => {
    const run = await f.run({ action: 'list', tenantId: 'not a tenant!' }, { entry: task.entry });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(cacheFiles(task.cacheDir), []);
    assert.deepEqual(cacheLines(run), ['compile cache: none yet']);
  });

  for (const [damage, spoil] of [
    ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    ['with a flipped byte in the data (same size; V8 alone would accept it)', (b: Buffer) => Buffer.concat([b.subarray(0, b.length - 1000), Buffer.from([b[b.length - 1000] ^ 0xff]), b.subarray(b.length - 999)])],
    ['empty', () => Buffer.alloc(0)],
    ['from another V8 version', (b: Buffer) => Buffer.concat([b.subarray(0, 41), Buffer.from('0'.repeat(b[40]), 'latin1'), b.subarray(41 + b[40])])],
  ] as const) {
    it(`ignores a cache file that is ${damage}, runs normally and replaces it`, async () => {
      const warm = await list();
      assert.equal(warm.result, 'Succeeded', warm.message);
      const [name] = cacheFiles(task.cacheDir);
      const file = join(task.cacheDir, name);
      const good = readFileSync(file);
      writeFileSync(file, spoil(good));

      const run = await list();
      assert.deepEqual(agentView(run), agentView(warm));
      assert.equal(cacheLines(run)[0], `compile cache: ignored ${name}: damaged or from another V8; it is replaced`);
      assert.match(cacheLines(run)[1] ?? '', new RegExp(`^compile cache: wrote ${name.replace(/\./g, '\\.')} \\(\\d+ bytes\\)$`));
      const again = await list();
      assert.deepEqual(cacheLines(again), [`compile cache: used ${name}`]);
    });
  }

  it('runs without a cache, and does not fail, when the cache folder cannot be made', async () => {
    writeFileSync(task.cacheDir, 'a file where the folder would go');
    const run = await list();
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.deepEqual(cacheLines(run), ['compile cache: ignored: the cache folder is not a private folder of this user', 'compile cache: not written (the cache folder is not a private folder of this user)']);
    assert.equal(readFileSync(task.cacheDir, 'utf8'), 'a file where the folder would go');
  });

  it('runs without a cache, and does not fail, when the task folder is read-only', async function () {
    if (process.platform === 'win32' || posixRoot) this.skip(); // root writes anywhere; the case above covers it
    chmodSync(join(task.dir, 'dist'), 0o555);
    const run = await list();
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    assert.deepEqual(cacheLines(run), ['compile cache: none yet', 'compile cache: not written (EACCES)']);
    assert.deepEqual(cacheFiles(task.cacheDir), []);
  });

  it('neither reads nor writes a cache in a folder others can write', async function () {
    if (process.platform === 'win32') this.skip(); // the folder's ACL decides there
    const warm = await list();
    const [name] = cacheFiles(task.cacheDir);
    const before = readFileSync(join(task.cacheDir, name));
    chmodSync(task.cacheDir, 0o777);
    const run = await list();
    assert.deepEqual(agentView(run), agentView(warm));
    assert.deepEqual(cacheLines(run), ['compile cache: ignored: the cache folder is not a private folder of this user', 'compile cache: not written (the cache folder is not a private folder of this user)']);
    assert.deepEqual(readFileSync(join(task.cacheDir, name)), before);
  });

  it("ignores a cache file another user owns, and replaces it with the task user's own", async function () {
    if (!posixRoot) this.skip(); // only root can give a file away
    await list();
    const [name] = cacheFiles(task.cacheDir);
    chownSync(join(task.cacheDir, name), 65534, 65534);
    const run = await list();
    assert.deepEqual(cacheLines(run), [`compile cache: ignored ${name}: not a private file of this user`, cacheLines(run)[1]]);
    assert.match(cacheLines(run)[1], /^compile cache: wrote /);
    assert.equal(statSync(join(task.cacheDir, name)).uid, 0);
  });

  it('never reuses the cache of another bundle, and removes it when it writes the new one', async () => {
    await list();
    const [old] = cacheFiles(task.cacheDir);
    writeFileSync(task.bundle, `${readFileSync(task.bundle, 'utf8')}\n// changed\n`);
    const run = await list();
    assert.equal(run.result, 'Succeeded', run.message);
    const [now, ...more] = cacheFiles(task.cacheDir);
    assert.deepEqual(more, []);
    assert.notEqual(now, old);
    assert.match(now, CACHE_NAME);
    assert.deepEqual(cacheLines(run), ['compile cache: none yet', cacheLines(run)[1]]);
  });

  it('keeps secrets out of cache file names, its debug lines and the cache itself', async () => {
    const old = f.seedPat('cache-rotate', { daysLeft: 2 });
    const group = f.addGroup('Tokens');
    const rotate = () => f.run({ action: 'rotate', displayName: 'cache-rotate', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'CachePat' }, { entry: task.entry });
    const first = await rotate();
    assert.equal(first.result, 'Succeeded', `${first.message}\n${first.stderr}`);
    const second = await rotate();
    assert.deepEqual(cacheLines(second), [`compile cache: used ${cacheFiles(task.cacheDir)[0]}`]);
    const secrets = [f.refreshToken, old.token, f.group(group).variables['CachePat'].value, ...first.secretsRegistered, ...f.emu.secrets()].filter((s) => s.length >= 8);
    assert.ok(secrets.length >= 3);
    const names = cacheFiles(task.cacheDir).join('\n');
    const lines = [...cacheLines(first), ...cacheLines(second)].join('\n');
    const bytes = readFileSync(join(task.cacheDir, cacheFiles(task.cacheDir)[0]));
    for (const s of secrets) {
      assert.ok(!names.includes(s), 'a secret in a cache file name');
      assert.ok(!lines.includes(s), 'a secret in a compile cache debug line');
      for (const encoding of ['utf8', 'utf16le'] as const) assert.equal(bytes.indexOf(Buffer.from(s, encoding)), -1, `a secret in the cache file (${encoding})`);
    }
    f.assertNoSecrets(first);
    f.assertNoSecrets(second);
  });
});

describe('the task loader runs task.js as node runs a main module', function () {
  this.timeout(60_000);
  let task: ReturnType<typeof copyTask>;
  beforeEach(() => {
    task = copyTask();
  });
  afterEach(() => rmSync(task.dir, { recursive: true, force: true }));

  async function runBundle(source: string, o: { env?: Record<string, string>; uid?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    writeFileSync(task.bundle, source);
    const { spawn } = await import('node:child_process');
    const ids = o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {};
    const child = spawn(TASK_NODE, [task.entry], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((ok) => child.once('close', (c) => ok(c)));
    return { code, stdout, stderr };
  }

  it('gives it module, require, exports, __filename and __dirname of its own, as the main module', async () => {
    const r = await runBundle(
      '"use strict";\nconsole.log(JSON.stringify({ main: require.main === module, mainModule: process.mainModule === module, id: module.id, filename: __filename, dirname: __dirname, moduleFilename: module.filename, thisIsExports: this === exports, strict: (function () { return this === undefined; })(), cached: require.cache[__filename] === module, builtin: typeof require("node:path").join }));\n',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { main: true, mainModule: true, id: '.', filename: task.bundle, dirname: join(task.dir, 'dist'), moduleFilename: task.bundle, thisIsExports: true, strict: true, cached: true, builtin: 'function' });
  });

  it("reports errors at task.js's own lines and columns, and exits as node does", async () => {
    const r = await runBundle('const a = 1;\n  function fail() { throw new Error("from the bundle"); }\nfail();\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: from the bundle/);
    const escaped = task.bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`at fail \\(${escaped}:2:27\\)`), r.stderr);
    assert.match(r.stderr, new RegExp(`${escaped}:3:1`), r.stderr);
  });

  it('runs without a cache, and does not fail, when the task folder cannot be written', async function () {
    if (process.platform === 'win32') this.skip();
    // As root, run as nobody (root writes anywhere); otherwise as this user, with the folder read-only.
    const uid = posixRoot ? 65534 : undefined;
    chmodSync(task.dir, 0o755);
    chmodSync(join(task.dir, 'dist'), 0o555);
    try {
      const r = await runBundle('console.log("ran");\n', { env: { SYSTEM_DEBUG: 'true' }, uid });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.deepEqual(r.stdout.split('\n'), ['##vso[task.debug]compile cache: none yet', 'ran', '##vso[task.debug]compile cache: not written (EACCES)', '']);
      assert.equal(existsSync(task.cacheDir), false);
    } finally {
      chmodSync(join(task.dir, 'dist'), 0o755);
    }
  });

  it('does not use the cache of a task folder moved elsewhere (its stack traces would name the old path)', async () => {
    const source = 'if (process.env.FAIL) { function fail() { throw new Error("moved"); }\n  fail(); }\n';
    const first = await runBundle(source, { env: { SYSTEM_DEBUG: 'true' } });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /compile cache: wrote /);
    const moved = mkdtempSync(join(tmpdir(), 'pat-task-moved-'));
    try {
      cpSync(task.dir, moved, { recursive: true });
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(TASK_NODE, [join(moved, 'dist', 'main.js')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', SYSTEM_DEBUG: 'true', FAIL: '1' } });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /^##vso\[task\.debug\]compile cache: none yet$/m);
      const escaped = join(moved, 'dist', 'task.js').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(r.stderr, new RegExp(`at fail \\(${escaped}:1:49\\)`), r.stderr);
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it('keeps the exit code and unhandled rejections of the bundle', async () => {
    const r = await runBundle('process.exitCode = 3;\n');
    assert.equal(r.code, 3);
    const rejected = await runBundle('Promise.reject(new Error("nobody catches this"));\n');
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /nobody catches this/);
  });
});
