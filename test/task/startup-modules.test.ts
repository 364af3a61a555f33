/**
 * What the bundled task loads, run as the agent runs it: node built-ins that only tools need stay unloaded through a
 * whole rotation, and zlib until an answer comes compressed (the emulator sends none; Azure DevOps compresses when
 * asked, so there it loads with the first such answer, after the first request). Each costs about a millisecond of
 * every start: the benchmark measures the start, this proves the deferral holds.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { TaskFixture } from './task-fixture';

const PRELOAD = resolve(__dirname, '../support/loaded-builtins-preload.cjs');

describe('PatLifecycle@1 start-up: what it loads', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  let dir: string;

  beforeEach(async () => {
    f = await TaskFixture.start();
    dir = mkdtempSync(join(tmpdir(), 'pat-builtins-'));
  });
  afterEach(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotates into a variable group without the Key Vault SDK file, child_process, dgram or node:module, nor zlib for plain answers', async () => {
    f.seedPat('feed-reader', { daysLeft: 3 });
    f.addGroup('Tokens');
    const out = join(dir, 'builtins.json');
    const run = await f.run(
      { action: 'rotate', displayName: 'feed-reader', target: 'variableGroup', variableGroup: 'Tokens', variableName: 'FeedPat' },
      { env: { NODE_OPTIONS: `${f.emu.childEnv().NODE_OPTIONS} --require ${JSON.stringify(PRELOAD)}`, LOADED_BUILTINS_OUT: out } },
    );
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as { atFirstConnect: string[]; atExit: string[]; files: string[] };
    // The proof that the list is the task's: what the first request needs is there by the first connect.
    for (const needed of ['https', 'tls', 'crypto']) assert.ok(loaded.atFirstConnect.includes(needed), `${needed} loaded by the first connect`);
    for (const deferred of ['child_process', 'dgram', 'zlib', 'module']) assert.ok(!loaded.atExit.includes(deferred), `${deferred} never loaded`);
    assert.ok(!loaded.atFirstConnect.includes('zlib'), 'zlib not loaded before the first request');
    // The Key Vault SDK is a file of its own, run only when a vault is used.
    const bundles = loaded.files.filter((file) => /[\\/]dist[\\/][^\\/]+\.js$/.test(file)).map((file) => basename(file));
    assert.deepEqual(bundles.sort(), ['main.js', 'task.js']);
  });
});
