/**
 * The sign-in flows end to end against the emulator, the CLI running as a child process: device code (the test
 * approves the code through the emulator) and the browser flow (the test plays the browser: it follows the authorize
 * URL to the CLI's loopback redirect). Also what the CLI says when the app registration is wrong, and `status`.
 */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator } from '../emulator/index';
import { existsSync } from 'node:fs';
import { assertNoSecrets, CLI_BUNDLE, emulatorEnv, playBrowser, runCli, startCli } from './helpers';

const AUTHORIZE_URL = /(https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+)/;
const USER_CODE = /enter the code ([A-Z0-9]+)/;
const DAY = 86_400_000;

describe('cli sign-in against the emulator', function () {
  this.timeout(90_000);
  let emu: Emulator;
  let tenantId: string;
  let user: { userId: string; upn: string };

  before(async () => {
    emu = await startEmulator();
    tenantId = emu.control.entra.defaultTenantId;
    user = emu.control.entra.addUser({ upn: 'alice@contoso.test', displayName: 'Alice' });
    emu.control.entra.setDeviceCodeInterval(1);
    emu.control.devops.addOrganization({ name: 'contoso' });
    emu.control.devops.addProject('contoso', { name: 'Web' });
  });
  after(async () => {
    await emu?.close();
  });

  const base = (clientId: string) => ['--tenant-id', tenantId, '--client-id', clientId, '--organization', 'contoso'];

  it('device code: prints Entra\'s instructions, the test approves, --print gives a working refresh token', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const run = startCli(['login', ...base(app.clientId), '--device-code', '--print'], emulatorEnv(emu));
    const [, userCode] = await run.waitFor(USER_CODE);
    emu.control.entra.approveDeviceCode(userCode!, user.userId);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const refreshToken = r.stdout.trim();
    const info = emu.control.entra.refreshTokenInfo(refreshToken);
    assert.ok(info, 'stdout is a refresh token the emulator issued');
    assert.equal(info.userId, user.userId);
    assert.equal(info.clientId, app.clientId);
    assert.equal(info.spa, false);
    assert.match(r.stderr, /Signed in as alice@contoso\.test/);
    assert.match(r.stderr, /warning: Printing the refresh token/);
    // Only stdout carries the token; stderr never does.
    assertNoSecrets(r.stderr, emu.secrets(), 'stderr');
  });

  it('browser: the test follows the authorize URL to the loopback redirect; PKCE and state check out', async () => {
    const app = emu.control.entra.addApp({ kind: 'public' });
    emu.control.entra.setBrowserUser(user.userId);
    const run = startCli(['login', ...base(app.clientId), '--no-open', '--print'], emulatorEnv(emu));
    const [, url] = await run.waitFor(AUTHORIZE_URL);
    const authorize = new URL(url!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/localhost:\d+$/);
    assert.match(authorize.searchParams.get('scope') ?? '', /499b84ac-1321-427f-aa17-267ca6975798\/\.default/);
    assert.match(authorize.searchParams.get('scope') ?? '', /offline_access/);
    const browser = await playBrowser(emu, url!);
    assert.equal(browser.authorize.status, 302);
    assert.equal(browser.final?.status, 200);
    assert.match(browser.final?.url ?? '', /\/done$/, 'the browser is moved off the address that carries the code');
    assert.match(browser.final?.body ?? '', /Signed in/);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const info = emu.control.entra.refreshTokenInfo(r.stdout.trim());
    assert.equal(info?.userId, user.userId);
    assert.equal(info?.clientId, app.clientId);
    assertNoSecrets(r.stderr, emu.secrets(), 'stderr');
    // The authorization code went through the loopback only; it is not printed either.
  });

  it('browser, confidential app: sends the secret read from the named environment variable, never prints it', async () => {
    const app = emu.control.entra.addApp({ kind: 'confidential', redirectUris: ['http://localhost'] });
    const run = startCli(['login', ...base(app.clientId), '--no-open', '--print', '--client-secret-env', 'MY_APP_SECRET', '--verbose'], emulatorEnv(emu, { MY_APP_SECRET: app.secret }));
    const [, url] = await run.waitFor(AUTHORIZE_URL);
    await playBrowser(emu, url!);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /confidential client/);
    assert.ok(emu.control.entra.refreshTokenInfo(r.stdout.trim()));
    assert.ok(!r.stderr.includes(app.secret!), 'the client secret is not printed, even with --verbose');
    assertNoSecrets(r.stderr, emu.secrets(), 'stderr');
  });

  it('device code nobody approves: stops at --timeout with exit 1', async () => {
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const r = await runCli(['login', ...base(app.clientId), '--device-code', '--print', '--timeout', '2'], emulatorEnv(emu));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not completed in time\. \[user_timeout_reached\]/);
    assert.equal(r.stdout, '');
  });

  describe('a wrong app registration: the CLI says what to change', () => {
    it('SPA redirect URI: AADSTS9002327, move it to "Mobile and desktop applications"', async () => {
      const app = emu.control.entra.addApp({ kind: 'spa' });
      const run = startCli(['login', ...base(app.clientId), '--no-open', '--print'], emulatorEnv(emu));
      const [, url] = await run.waitFor(AUTHORIZE_URL);
      const browser = await playBrowser(emu, url!);
      assert.match(browser.final?.body ?? '', /Sign-in failed/);
      const r = await run.done;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /AADSTS9002327/);
      assert.match(r.stderr, /Mobile and desktop applications/);
      assert.match(r.stderr, /Never register the redirect URI as "Single-page application"/);
      assert.equal(r.stdout, '', 'no token printed');
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());
    });

    it('device code without "Allow public client flows": AADSTS7000218 and where to switch it on', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: false });
      const run = startCli(['login', ...base(app.clientId), '--device-code', '--print'], emulatorEnv(emu));
      const m = await Promise.race([run.waitFor(USER_CODE).catch(() => undefined), run.done.then(() => undefined)]);
      if (m) emu.control.entra.approveDeviceCode(m[1]!, user.userId);
      const r = await run.done;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /AADSTS7000218/);
      assert.match(r.stderr, /Allow public client flows/);
    });

    it('no consent for Azure DevOps: the redirect carries the error; the CLI names the permission and admin consent', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', consentedScopes: false });
      const run = startCli(['login', ...base(app.clientId), '--no-open', '--print'], emulatorEnv(emu));
      const [, url] = await run.waitFor(AUTHORIZE_URL);
      await playBrowser(emu, url!);
      const r = await run.done;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /AADSTS65001/);
      assert.match(r.stderr, /Azure DevOps .*user_impersonation/);
      assert.match(r.stderr, /Grant admin consent/);
    });

    it('a public app given a secret: AADSTS700025, drop --client-secret-env', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const run = startCli(['login', ...base(app.clientId), '--no-open', '--print', '--client-secret-env', 'S'], emulatorEnv(emu, { S: 'not-a-real-secret-value' }));
      const [, url] = await run.waitFor(AUTHORIZE_URL);
      await playBrowser(emu, url!);
      const r = await run.done;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /AADSTS700025/);
      assert.match(r.stderr, /Drop --client-secret-env/);
      assert.ok(!r.stderr.includes('not-a-real-secret-value'));
    });

    it('a redirect URI the app does not have: Entra stops in the browser; on timeout the CLI names AADSTS50011 and the fix', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', redirectUris: ['https://example.test/callback'] });
      const run = startCli(['login', ...base(app.clientId), '--no-open', '--print', '--timeout', '2'], emulatorEnv(emu));
      const [, url] = await run.waitFor(AUTHORIZE_URL);
      const browser = await playBrowser(emu, url!);
      assert.equal(browser.authorize.status, 400, 'the emulator shows its error page instead of redirecting');
      const r = await run.done;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not completed in time/);
      assert.match(r.stderr, /AADSTS50011/);
      assert.match(r.stderr, /Mobile and desktop applications/);
    });
  });

  it('the bundled CLI (cli/dist/pat-lifecycle.js, the package bin) signs in the same way', async function () {
    if (!existsSync(CLI_BUNDLE)) this.skip(); // built by `npm run bundle` (part of `npm test`)
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const run = startCli(['login', ...base(app.clientId), '--device-code', '--print'], emulatorEnv(emu), 60_000, { bundle: true });
    const [, userCode] = await run.waitFor(USER_CODE);
    emu.control.entra.approveDeviceCode(userCode!, user.userId);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(emu.control.entra.refreshTokenInfo(r.stdout.trim())?.clientId, app.clientId);
    assertNoSecrets(r.stderr, emu.secrets(), 'stderr');
  });

  it('usage errors exit 2 and name the flag', async () => {
    const r = await runCli(['login', '--tenant-id', tenantId, '--organization', 'contoso', '--print'], emulatorEnv(emu));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--client-id is required/);
    const h = await runCli(['help', 'login'], emulatorEnv(emu));
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--variable-group NAME\|ID/);
  });

  describe('status (PATs only, no store)', () => {
    it('lists the user\'s active PATs with days left; exit 3 when one lapses within --pat-warn-days', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      const now = emu.clock.now();
      emu.control.pats.create('contoso', user.userId, { displayName: 'feed-reader', scope: 'vso.packaging', validTo: new Date(now + 20 * DAY) });
      const soon = emu.control.pats.create('contoso', user.userId, { displayName: 'deploy', scope: 'vso.code', validTo: new Date(now + 2 * DAY) });

      const run = startCli(['status', ...base(app.clientId), '--device-code'], emulatorEnv(emu));
      const [, userCode] = await run.waitFor(USER_CODE);
      emu.control.entra.approveDeviceCode(userCode!, user.userId);
      const r = await run.done;
      assert.equal(r.code, 3, r.stderr);
      // Whole days to the nearest, as the task tells them (src/clock.ts wholeDays): 2 days less a few seconds is 2.
      assert.match(r.stdout, /PAT\s+deploy \([0-9a-f-]+\)\s+-\s+-\s+\d{4}-\d\d-\d\d\s+2\s+ATTENTION: expires in 2 day/);
      assert.match(r.stdout, /PAT\s+feed-reader .* 20\s+ok/);
      assert.match(r.stdout, /Needs attention:/);
      assert.ok(r.stdout.indexOf('deploy') < r.stdout.indexOf('feed-reader'), 'soonest first');
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());

      // Revoke the one about to lapse: nothing needs a human; --json for scripts.
      emu.control.pats.revoke('contoso', soon.authorizationId);
      const run2 = startCli(['status', ...base(app.clientId), '--device-code', '--json'], emulatorEnv(emu));
      const [, code2] = await run2.waitFor(USER_CODE);
      emu.control.entra.approveDeviceCode(code2!, user.userId);
      const r2 = await run2.done;
      assert.equal(r2.code, 0, r2.stderr);
      const report = JSON.parse(r2.stdout) as { pats: { displayName: string; daysLeft: number }[]; attention: string[] };
      assert.deepEqual(report.pats.map((p) => p.displayName), ['feed-reader']);
      assert.deepEqual(report.attention, []);
    });
  });
});
