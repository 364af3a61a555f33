// `npm run emulator` as a person uses it: start the playground, copy the exports and the four commands it prints into
// a shell, run them, and approve each device code sign-in the way it says (its prompt, then its endpoint).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/task-json';

const CLI_BUNDLE = join(REPO_ROOT, 'cli', 'dist', 'pat-lifecycle.js');

interface Printed {
  exports: string[];
  commands: string[];
  curl: string;
}

/** The exports, the commands and the approval command, exactly as printed (indented lines of the three steps). */
function parsePlayground(stdout: string): Printed {
  const lines = stdout.split('\n');
  const exports = lines.filter((l) => /^ {2}export \w+=/.test(l)).map((l) => l.trim());
  const tryAt = lines.findIndex((l) => /^2\. Try:/.test(l));
  const commands: string[] = [];
  for (let i = tryAt + 1; i < lines.length && lines[i]!.startsWith('  '); i++) commands.push(lines[i]!.trim());
  const curl = lines.find((l) => /^ {2}curl /.test(l))?.trim() ?? '';
  return { exports, commands, curl };
}

/** Runs one printed command in a shell that ran the printed exports; the device code goes to `approve`. */
function runInShell(exports: string[], command: string, approve: (userCode: string) => void): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-c', `${exports.join('\n')}\n${command}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let approved = false;
  const read = (d: Buffer) => {
    output += d.toString('utf8');
    const userCode = /enter the code ([A-Z0-9]+)/.exec(output)?.[1];
    if (userCode && !approved) {
      approved = true;
      approve(userCode);
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('the playground (`npm run emulator`)', function () {
  this.timeout(180_000);
  let playground: ChildProcessWithoutNullStreams;
  let stdout = '';
  let printed: Printed;

  before(async function () {
    if (!existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing: run \`npm run build\` first (the printed commands use it)`);
    playground = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'emulator', 'cli.ts')], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    playground.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    playground.stderr.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const deadline = Date.now() + 30_000;
    while (!/Ctrl-C stops the playground/.test(stdout)) {
      if (Date.now() > deadline || playground.exitCode !== null) throw new Error(`the playground did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    printed = parsePlayground(stdout);
  });
  after(() => {
    playground?.kill('SIGINT');
  });

  it('prints the environment to export (the Key Vault service principal too) and four commands to try: login --device-code, status, run --action list, and with Key Vault', () => {
    const names = printed.exports.map((e) => /^export (\w+)=/.exec(e)![1]);
    for (const name of ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'PATLIFECYCLE_AUTHORITYHOST', 'PATLIFECYCLE_VSSPSURL', 'PATLIFECYCLE_DEVOPSURL', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) {
      assert.ok(names.includes(name), `${name} is not exported:\n${stdout}`);
    }
    assert.equal(printed.commands.length, 4, stdout);
    assert.match(printed.commands[3]!, /^npx pat-lifecycle run --action list .*--refresh-token-store keyVault --key-vault https:\/\/contoso-secrets\./);
    assert.match(printed.commands[0]!, /^npx pat-lifecycle login --device-code /);
    assert.match(printed.commands[1]!, /^npx pat-lifecycle status /);
    assert.match(printed.commands[2]!, /^npx pat-lifecycle run --action list /);
    assert.match(stdout, /Avery's laptop \(git\)/, 'the hand-made PAT is listed among the seeded ones');
  });

  it('login: signs in with a device code approved at the playground prompt, and stores the refresh token', async () => {
    const r = await runInShell(printed.exports, printed.commands[0]!, (code) => playground.stdin.write(`${code}\n`));
    assert.equal(r.code, 0, r.output);
    assert.match(stdout, /approved [A-Z]+ as avery@contoso\.test/);
    assert.match(r.output, /pat-lifecycle-signin/);
  });

  it('status: a device code approved through the documented endpoint; the stored token is fresh and no PAT needs a human', async () => {
    let approval = '';
    const r = await runInShell(printed.exports, printed.commands[1]!, (code) => {
      const curl = printed.curl.replace('user_code=CODE', `user_code=${code}`);
      const c = spawnSync('bash', ['-c', `${curl} --silent --show-error`], { encoding: 'utf8' });
      approval = `${c.stdout}${c.stderr}`;
    });
    assert.match(approval, /"approved"/, approval);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /build-agent-linux/);
  });

  it('run --action list: lists the seeded PATs, the hand-made one too, and warns about the one expiring within 7 days', async () => {
    const r = await runInShell(printed.exports, printed.commands[2]!, () => assert.fail('run asks for no sign-in'));
    assert.equal(r.code, 3, `succeeded with issues (one PAT expires soon):\n${r.output}`);
    for (const name of ['build-agent-linux', 'feed-reader', "Avery's laptop (git)"]) assert.ok(r.output.includes(name), `${name} not listed:\n${r.output}`);
    assert.match(r.output, /warning: PAT 'build-agent-linux' \([0-9a-f-]+\) expires on [0-9-]+, in 5 days\./);
  });

  it('run with Key Vault: the service principal it exported reaches the vault, and the renewed refresh token is saved there', async () => {
    const r = await runInShell(printed.exports, printed.commands[3]!, () => assert.fail('run asks for no sign-in'));
    assert.equal(r.code, 3, `succeeded with issues (one PAT expires soon):\n${r.output}`);
    assert.match(r.output, /Saved the renewed refresh token to Key Vault secret 'pat-lifecycle-refresh-token'/);
    assert.doesNotMatch(r.output, /could not be opened|may not/);
  });
});
