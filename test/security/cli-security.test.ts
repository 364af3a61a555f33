/**
 * The command-line tool's share of issue 14, run as a user runs it (a child process against the emulator): where
 * it may send a credential, what its command line may hold, and what the browser it starts inherits.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmulator, type Emulator } from '../emulator/index';
import { emulatorEnv, runCli, startCli } from '../cli/helpers';
import { startConnectProxy } from '../robustness/support/connect-proxy';
import { assertNoSecrets } from '../support/secret-scan';

describe('security: the command-line tool (black box)', function () {
  this.timeout(90_000);
  let emu: Emulator;
  let tenantId: string;

  before(async () => {
    emu = await startEmulator();
    tenantId = emu.control.entra.defaultTenantId;
    emu.control.entra.addUser({ upn: 'alice@contoso.test', displayName: 'Alice' });
    emu.control.devops.addOrganization({ name: 'contoso' });
  });
  after(async () => {
    await emu?.close();
  });
  beforeEach(() => emu.log.clear());

  const base = (clientId: string) => ['login', '--tenant-id', tenantId, '--client-id', clientId, '--organization', 'contoso', '--print', '--timeout', '5'];

  it('refuses a --proxy URL with a password (it would sit in the process list) before any request, pointing to HTTPS_PROXY', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const r = await runCli([...base(app.clientId), '--device-code', '--proxy', `http://agent:${password}@127.0.0.1:9`], emulatorEnv(emu));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--proxy must not carry a user name or password/);
    assert.match(r.stderr, /HTTPS_PROXY/);
    assert.ok(!r.stderr.includes(password) && !r.stdout.includes(password), 'the password is not repeated');
    assert.equal(emu.log.count(), 0);
  });

  for (const variable of ['PATLIFECYCLE_AUTHORITYHOST', 'PATLIFECYCLE_VSSPSURL', 'PATLIFECYCLE_DEVOPSURL']) {
    it(`refuses ${variable} naming a host that is neither Microsoft's nor loopback, before any request`, async () => {
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      const r = await runCli([...base(app.clientId), '--device-code'], emulatorEnv(emu, { [variable]: `https://collector.emulator.test:${emu.urls.port}` }));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${variable}.*collector\\.emulator\\.test.*loopback`));
      assert.equal(emu.log.count(), 0);
    });
  }

  describe('the packaged CLI with debug switches on', () => {
    /** run --action list, keeping the renewed refresh token in Key Vault: Entra, the PAT API, and the Azure SDK's path. */
    function listIntoKeyVault(extraEnv: Record<string, string>) {
      const user = emu.control.entra.addUser({ upn: `u${randomBytes(3).toString('hex')}@contoso.test`, displayName: 'U' });
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      const sp = emu.control.entra.addApp({ kind: 'confidential' });
      const vault = emu.control.keyVault.addVault({ name: `kv${randomBytes(4).toString('hex')}`, access: { [sp.objectId]: 'officer' } });
      const seeded = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId }).refreshToken;
      const args = [
        'run', '--action', 'list', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso', '--refresh-token-env', 'MY_RT',
        '--refresh-token-store', 'keyVault', '--key-vault', vault.url, '--key-vault-dns-suffix', 'vault.emulator.test', '--refresh-token-secret-name', 'rt',
      ];
      const env = emulatorEnv(emu, { MY_RT: seeded, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: sp.secret, ...extraEnv });
      return { run: startCli(args, env, 60_000, { bundle: true }).done, secrets: [seeded, sp.secret!] };
    }

    it('DEBUG=* with a credentialed HTTPS_PROXY: the proxy password and every token stay out of the output', async () => {
      const password = `pw-${randomBytes(10).toString('hex')}`;
      const proxy = await startConnectProxy({ username: 'dev', password });
      try {
        const url = new URL(proxy.url);
        url.username = 'dev';
        url.password = password;
        const { run, secrets } = listIntoKeyVault({ DEBUG: '*', HTTPS_PROXY: url.href });
        const r = await run;
        assert.equal(r.code, 0, r.stderr);
        assert.ok(proxy.log.some((e) => e.authorized), 'the traffic went through the proxy, with the password');
        assertNoSecrets([{ where: 'the CLI output', text: r.stdout + r.stderr }], [password, ...secrets, ...emu.secrets()]);
      } finally {
        await proxy.close();
      }
    });

    it('NODE_DEBUG=http (Node prints request headers): refused before any request, naming the variable', async () => {
      const { run } = listIntoKeyVault({ NODE_DEBUG: 'http' });
      const r = await run;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /NODE_DEBUG/);
      assert.equal(emu.log.count(), 0);
    });
  });

  it('starts the browser with an allowlisted environment: no credential-bearing variable (whatever its name), proxy credentials cut out', async () => {
    const app = emu.control.entra.addApp({ kind: 'confidential', redirectUris: ['http://localhost'] });
    const bin = mkdtempSync(join(tmpdir(), 'pat-browser-'));
    const dump = join(bin, 'browser-env.txt');
    try {
      // The platform's opener, replaced: it records the environment it was started with.
      writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nenv > "${dump}.tmp" && mv "${dump}.tmp" "${dump}"\n`);
      chmodSync(join(bin, 'xdg-open'), 0o755);
      const secrets = {
        MY_APP_SECRET: app.secret!,
        SOME_API_TOKEN: `tok-${randomBytes(10).toString('hex')}`,
        DB_PASSWORD: `pw-${randomBytes(10).toString('hex')}`,
        AZURE_CLIENT_SECRET: `cs-${randomBytes(10).toString('hex')}`,
        // Credentials whose names do not say so: only an allowlist keeps them from the browser.
        AZURE_DEVOPS_EXT_PAT: `pat-${randomBytes(10).toString('hex')}`,
        NPM_CONFIG__AUTH: `auth-${randomBytes(10).toString('hex')}`,
      };
      const proxyPassword = `proxy-${randomBytes(10).toString('hex')}`;
      const run = startCli(
        [...base(app.clientId), '--client-secret-env', 'MY_APP_SECRET'],
        emulatorEnv(emu, { ...secrets, PATH: `${bin}:${process.env.PATH}`, HTTP_PROXY: `http://agent:${proxyPassword}@127.0.0.1:9`, ALL_PROXY: `http://agent:${proxyPassword}@127.0.0.1:9` }),
      );
      const started = Date.now();
      while (!existsSync(dump) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
      run.child.kill();
      await run.done;
      assert.ok(existsSync(dump), `the browser was started\n${run.output()}`);
      const env = readFileSync(dump, 'utf8');
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(!env.includes(value), `${name}'s value reached the browser`);
        assert.ok(!new RegExp(`^${name}=`, 'm').test(env), `${name} reached the browser`);
      }
      assert.ok(!env.includes(proxyPassword), 'a proxy password reached the browser');
      assert.match(env, /^HTTP_PROXY=http:\/\/127\.0\.0\.1:9\/?$/m, 'the proxy itself is kept');
      assert.match(env, /^PATH=/m, 'the ordinary environment is kept');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
