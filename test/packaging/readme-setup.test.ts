// README's "Set up in your organization", done as a first-time user would, from a clean copy of the repository,
// with the emulator standing in for Azure: the packaging commands of step 1 (the Marketplace steps cannot run here,
// so the test checks that they publish and install the very file and identity that packaging produced), and the
// CLI of step 4 as an npm package installed into an empty folder without a registry.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator';
import { emulatorEnv } from '../cli/helpers';
import { REPO_ROOT, loadTaskJson } from '../support/task-json';
import { expectedTaskId } from '../support/task-guid';
import { readZip } from '../support/zip';
import { watchConformance } from '../conformance/hook';

const PUBLISHER = 'contoso-tools';
const ORG = 'contoso';
const PROJECT = 'Web';

/** The shell commands of the README's set-up section, one per entry, continuation lines joined. */
export function setupCommands(readme: string): string[] {
  const start = readme.indexOf('## Set up in your organization\n');
  const end = readme.indexOf('\n## ', start + 1);
  assert.ok(start >= 0, 'README has no "Set up in your organization" section');
  const section = readme.slice(start, end);
  const commands: string[] = [];
  for (const block of section.matchAll(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```/gm)) {
    const joined = block[1]!.replace(/\\\n\s*/g, '');
    for (const line of joined.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command) commands.push(command);
    }
  }
  return commands;
}

/** Splits a command line into words: enough for the README's commands (double quotes, no escapes). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** One file of the VSIX, as text. */
function zipEntry(file: string, name: string): string {
  const entry = readZip(readFileSync(file)).find((e) => e.name === name);
  if (!entry) throw new Error(`${name} is not in ${file}`);
  return entry.data.toString('utf8');
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

describe('README set-up, from a clean folder, with the emulator standing in for Azure', function () {
  this.timeout(300_000);
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const commands = setupCommands(readme);
  const fill = (command: string, values: Record<string, string>) =>
    command.replace(/<([a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
  let clone = '';
  let scratch = '';

  before(function () {
    scratch = mkdtempSync(join(tmpdir(), 'pat-lifecycle-setup-'));
    clone = join(scratch, 'clone');
    // The files a clone has (tracked, plus new ones not ignored), as they are in the working tree. node_modules is
    // linked rather than installed again: `npm ci` from the lockfile is what CI itself runs before the tests.
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
    for (const file of listed.split('\0').filter(Boolean)) {
      if (!existsSync(join(REPO_ROOT, file))) continue; // deleted in the working tree
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(REPO_ROOT, file), join(clone, file));
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  describe('step 1: package under your publisher, publish privately, share and install', () => {
    let vsix = '';

    it('packages with the given publisher, a task GUID of its own and the Azure DevOps Services target', () => {
      const pkg = commands.find((c) => c.startsWith('npm run package'));
      assert.ok(pkg, `no \`npm run package\` command in the set-up:\n${commands.join('\n')}`);
      assert.ok(commands.indexOf('npm ci') >= 0 && commands.indexOf('npm ci') < commands.indexOf(pkg), 'npm ci comes first');
      const [cmd, ...args] = words(fill(pkg, { 'your-publisher': PUBLISHER }));
      const output = run(cmd!, args, clone);
      vsix = /^VSIX: (.+)$/m.exec(output)?.[1] ?? '';
      assert.ok(existsSync(vsix), output);

      const xml = zipEntry(vsix, 'extension.vsixmanifest');
      assert.match(xml, new RegExp(`<Identity\\b[^>]*\\bPublisher="${PUBLISHER}"`));
      assert.match(xml, /<Identity\b[^>]*\bId="pat-lifecycle"/);
      assert.deepEqual([...xml.matchAll(/<InstallationTarget\b[^>]*\bId="([^"]+)"/g)].map((m) => m[1]), ['Microsoft.VisualStudio.Services.Cloud']);

      const source = loadTaskJson();
      const task = JSON.parse(zipEntry(vsix, 'tasks/PatLifecycleV1/task.json')) as { id: string; name: string; version: unknown };
      assert.notEqual(task.id, source.id, 'a copy under another publisher must not reuse the task GUID');
      assert.equal(task.id, expectedTaskId(PUBLISHER, 'pat-lifecycle', source.name));
      assert.deepEqual(task.version, source.version);
    });

    it('publishes and installs exactly the file and identity that packaging produced, with an Entra token', () => {
      assert.ok(vsix, 'packaging ran');
      const values = { 'your-publisher': PUBLISHER, 'your-organization': ORG };
      const publish = commands.find((c) => c.startsWith('npx tfx extension publish'));
      const install = commands.find((c) => c.startsWith('npx tfx extension install'));
      const token = commands.find((c) => c.startsWith('TOKEN=$(az account get-access-token'));
      assert.ok(publish && install && token, commands.join('\n'));
      assert.ok(commands.includes('az login') && commands.indexOf('az login') < commands.indexOf(token));
      // The Azure DevOps resource: the Marketplace accepts an Entra token for it where it used to need a global PAT.
      assert.match(token, /--resource 499b84ac-1321-427f-aa17-267ca6975798\b/);

      const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];
      const p = words(fill(publish, values));
      assert.equal(join(clone, flag(p, '--vsix')!), vsix);
      assert.equal(flag(p, '--share-with'), ORG);
      assert.equal(flag(p, '--auth-type'), 'pat');
      assert.equal(flag(p, '--token'), '$TOKEN');
      assert.equal(flag(p, '--service-url'), 'https://marketplace.visualstudio.com');

      const i = words(fill(install, values));
      assert.equal(flag(i, '--publisher'), PUBLISHER);
      assert.equal(flag(i, '--extension-id'), 'pat-lifecycle');
      assert.equal(flag(i, '--service-url'), `https://dev.azure.com/${ORG}`);
    });
  });

  describe('step 4: the CLI as an npm package', () => {
    let emu: Emulator;
    let empty = '';
    let tarball = '';

    before(async () => {
      emu = await startEmulator();
      empty = join(scratch, 'empty');
      mkdirSync(empty);
    });
    after(async () => {
      await emu?.close();
    });

    it('packs into a tarball whose bin is one bundled file, with no dependencies', () => {
      const out = run('npm', ['run', 'pack:cli'], clone);
      tarball = join(clone, 'dist', readdirSync(join(clone, 'dist')).find((f) => /^pat-lifecycle-cli-.*\.tgz$/.test(f)) ?? '');
      assert.ok(existsSync(tarball), out);
      const listing = run('tar', ['-tzf', tarball], clone).split('\n').filter(Boolean).sort();
      assert.deepEqual(listing, ['package/README.md', 'package/dist/pat-lifecycle.js', 'package/package.json']);
      const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], clone)) as Record<string, unknown>;
      assert.equal(manifest['name'], 'pat-lifecycle-cli');
      assert.deepEqual(manifest['bin'], { 'pat-lifecycle': 'dist/pat-lifecycle.js' });
      assert.equal(manifest['dependencies'], undefined);
      assert.equal(manifest['version'], JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version, 'the CLI reports the root version');
      // The README builds and installs this very tarball, today's path while the package is not on the registry.
      assert.ok(commands.includes('npm run pack:cli'), commands.join('\n'));
      assert.ok(commands.includes(`npm install --global dist/${tarball.split('/').pop()}`), `the README installs another tarball than ${tarball}:\n${commands.join('\n')}`);
    });

    it('installs into an empty folder with --omit=dev and no registry, and answers --help and login --help', () => {
      assert.ok(tarball, 'packed');
      writeFileSync(join(empty, 'package.json'), '{ "private": true }\n');
      run('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', tarball], empty);
      assert.deepEqual(readdirSync(join(empty, 'node_modules')).filter((f) => !f.startsWith('.')), ['pat-lifecycle-cli']);
      const help = run('npx', ['--offline', 'pat-lifecycle-cli', '--help'], empty);
      assert.match(help, /^pat-lifecycle: /m);
      assert.match(help, /pat-lifecycle login/);
      const loginHelp = run('npx', ['--offline', 'pat-lifecycle-cli', 'login', '--help'], empty);
      assert.match(loginHelp, /--device-code/);
    });

    it("runs the README's sign-in with --device-code against the emulator and stores the refresh token", async () => {
      const login = commands.find((c) => c.startsWith('pat-lifecycle login'));
      assert.ok(login, commands.join('\n'));
      const tenantId = emu.control.entra.defaultTenantId as string;
      const user = emu.control.entra.addUser({ upn: 'first-timer@contoso.test' });
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      emu.control.entra.setDeviceCodeInterval(1);
      emu.control.devops.addOrganization({ name: ORG });
      emu.control.devops.addProject(ORG, { name: PROJECT });
      const groupId = emu.control.variableGroups.add(ORG, PROJECT, {
        name: 'pat-lifecycle-signin',
        variables: { 'PatLifecycle.TenantId': tenantId, 'PatLifecycle.ClientId': app.clientId },
        administrators: [user.userId],
      }) as number;

      const argv = words(fill(login, { 'tenant-id': tenantId, 'client-id': app.clientId, 'your-organization': ORG, project: PROJECT }));
      assert.deepEqual(argv.filter((a) => /^<.*>$/.test(a)), [], 'every placeholder is filled');
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, ...emulatorEnv(emu) })) if (v !== undefined) env[k] = v;
      const checkConformance = watchConformance(env);
      // The README installs the tarball globally and runs `pat-lifecycle`; here it is installed into `empty`, whose
      // local bin npx runs by the same name.
      const child = spawn('npx', ['--offline', ...argv, '--device-code'], { cwd: empty, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const approved = new Promise<void>((resolve) => {
        const watch = (d: Buffer) => {
          output += d.toString('utf8');
          const code = /enter the code ([A-Z0-9]+)/.exec(output)?.[1];
          if (code) {
            child.stderr.off('data', watch);
            emu.control.entra.approveDeviceCode(code, user.userId);
            resolve();
          }
        };
        child.stderr.on('data', watch);
      });
      child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      await approved;
      assert.equal(code, 0, output);
      checkConformance();
      const stored = emu.control.variableGroups.get(ORG, groupId).variables['PatLifecycle.RefreshToken'];
      assert.equal(stored?.isSecret, true);
      assert.equal(emu.control.entra.refreshTokenInfo(stored.value)?.userId, user.userId);
      assert.ok(!output.includes(stored.value), 'the refresh token is never shown');
    });
  });
});
