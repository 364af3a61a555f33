/**
 * `login` into each store, then `status` on it, against the emulator, the CLI running as a child process:
 * - a variable group, written with the very Entra token of the sign-in (device code and browser);
 * - a Key Vault secret, written with a developer credential (a service principal from AZURE_* variables, both
 *   through --kv-credential env and through DefaultAzureCredential's first link).
 * The stored refresh token must be one the emulator issued to that user and app, with the metadata the task reads,
 * and no output may contain any secret the emulator knows.
 */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator } from '../emulator/index';
import { assertNoSecrets, emulatorEnv, playBrowser, runCli, startCli, type CliResult } from './helpers';

const AUTHORIZE_URL = /(https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+)/;
const USER_CODE = /enter the code ([A-Z0-9]+)/;
const DAY = 86_400_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('cli login and status, per store, against the emulator', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let tenantId: string;
  let user: { userId: string; upn: string };
  let app: { clientId: string };

  before(async () => {
    emu = await startEmulator();
    tenantId = emu.control.entra.defaultTenantId;
    user = emu.control.entra.addUser({ upn: 'builder@contoso.test', displayName: 'Build Owner' });
    app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    emu.control.entra.setDeviceCodeInterval(1);
    emu.control.entra.setBrowserUser(user.userId);
    emu.control.devops.addOrganization({ name: 'contoso' });
    emu.control.devops.addProject('contoso', { name: 'Web' });
  });
  after(async () => {
    await emu?.close();
  });

  const identity = () => ['--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso'];

  /** Runs the CLI with a device code sign-in the test approves. */
  async function withDeviceCode(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliResult> {
    const run = startCli([...args, '--device-code'], emulatorEnv(emu, extraEnv));
    const [, code] = await run.waitFor(USER_CODE);
    emu.control.entra.approveDeviceCode(code!, user.userId);
    return run.done;
  }

  function assertIssuedToUser(refreshToken: string | null | undefined): void {
    assert.ok(refreshToken, 'a refresh token was stored');
    const info = emu.control.entra.refreshTokenInfo(refreshToken);
    assert.ok(info, 'the stored value is a refresh token the emulator issued');
    assert.equal(info.userId, user.userId);
    assert.equal(info.clientId, app.clientId);
    assert.equal(info.spa, false);
  }

  describe('variable group', () => {
    let groupId: number;
    before(() => {
      groupId = emu.control.variableGroups.add('contoso', 'Web', {
        name: 'PAT lifecycle',
        variables: { Other: 'plain-value', OtherSecret: { value: 'keep-this-secret-value', isSecret: true } },
        administrators: [user.userId],
      });
    });

    it('login --device-code writes the refresh token as a secret with issuedAt, clientId, tenantId; nothing is printed', async () => {
      const before = Date.now() + emu.clock.offsetMs();
      const r = await withDeviceCode(['login', ...identity(), '--project', 'Web', '--variable-group', 'PAT lifecycle', '--variable', 'PatLifecycle.RefreshToken']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '', 'nothing on stdout without --print');
      const g = emu.control.variableGroups.get('contoso', groupId);
      const v = g.variables['PatLifecycle.RefreshToken'];
      assert.equal(v.isSecret, true);
      assertIssuedToUser(v.value);
      assert.match(g.variables['PatLifecycle.RefreshToken.issuedAt'].value, ISO);
      const issuedAt = Date.parse(g.variables['PatLifecycle.RefreshToken.issuedAt'].value);
      assert.ok(Math.abs(issuedAt - before) < 60_000, 'issuedAt is now on the emulator clock');
      assert.equal(g.variables['PatLifecycle.RefreshToken.clientId'].value, app.clientId);
      assert.equal(g.variables['PatLifecycle.RefreshToken.tenantId'].value, tenantId);
      assert.equal(g.variables['PatLifecycle.RefreshToken.issuedAt'].isSecret, false);
      // The rest of the group is untouched, its secret included.
      assert.equal(g.variables.Other.value, 'plain-value');
      assert.equal(g.variables.OtherSecret.value, 'keep-this-secret-value');
      assert.match(r.stderr, /Stored and read back: variable group 'PAT lifecycle'/);
      assert.match(r.stderr, /refreshTokenStore: variableGroup/);
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());
    });

    it('login in the browser, by group id, replaces the stored token with a new one', async () => {
      const previous = emu.control.variableGroups.get('contoso', groupId).variables['PatLifecycle.RefreshToken'].value;
      const run = startCli(
        ['login', ...identity(), '--project', 'Web', '--variable-group', String(groupId), '--variable', 'PatLifecycle.RefreshToken', '--no-open'],
        emulatorEnv(emu),
      );
      const [, url] = await run.waitFor(AUTHORIZE_URL);
      const browser = await playBrowser(emu, url!);
      assert.match(browser.final?.body ?? '', /Signed in/);
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      const stored = emu.control.variableGroups.get('contoso', groupId).variables['PatLifecycle.RefreshToken'].value;
      assertIssuedToUser(stored);
      assert.notEqual(stored, previous);
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());
    });

    it('status: the token\'s age and days left; exit 3 once it nears its 90-day inactivity expiry', async () => {
      const now = emu.clock.now();
      emu.control.pats.create('contoso', user.userId, { displayName: 'feed', scope: 'vso.packaging', validTo: new Date(now + 25 * DAY) });
      const args = ['status', ...identity(), '--project', 'Web', '--variable-group', 'PAT lifecycle', '--variable', 'PatLifecycle.RefreshToken'];
      const fresh = await withDeviceCode(args);
      assert.equal(fresh.code, 0, fresh.stderr + fresh.stdout);
      assert.match(fresh.stdout, /refresh token\s+group Web\/PAT lifecycle:PatLifecycle\.RefreshToken\s+\d{4}-\d\d-\d\d\s+0\s+\d{4}-\d\d-\d\d\s+90\s+ok/);
      assert.match(fresh.stdout, /PAT\s+feed /);
      assert.match(fresh.stdout, /Nothing needs attention/);
      assertNoSecrets(fresh.stderr + fresh.stdout, emu.secrets());

      // 80 days later, nothing has redeemed it: 10 days left, under the default 14.
      emu.clock.advance(80 * DAY);
      const late = await withDeviceCode([...args, '--json', '--pat-warn-days', '0']);
      assert.equal(late.code, 3, late.stderr);
      const report = JSON.parse(late.stdout) as { refreshToken: { ageDays: number; daysLeft: number; state: string; clientId: string }; attention: string[] };
      assert.equal(report.refreshToken.ageDays, 80);
      assert.equal(report.refreshToken.daysLeft, 10, 'whole days, the same rule as the task: 80 and 10 add up to 90');
      assert.equal(report.refreshToken.state, 'attention');
      assert.equal(report.refreshToken.clientId, app.clientId);
      assert.match(report.attention.join('\n'), /expires in 10 day/);
      emu.clock.advance(-80 * DAY);
    });

    it('status on a variable that holds nothing yet: exit 3, "run pat-lifecycle login"', async () => {
      const r = await withDeviceCode(['status', ...identity(), '--project', 'Web', '--variable-group', 'PAT lifecycle', '--variable', 'NotThere']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /nothing is stored in group Web\/PAT lifecycle:NotThere; run pat-lifecycle login/);
    });

    it('a group the user may not manage: exit 1 with Azure DevOps\' reason, nothing written', async () => {
      const readOnly = emu.control.variableGroups.add('contoso', 'Web', { name: 'Locked', variables: { X: 'y' } });
      const r = await withDeviceCode(['login', ...identity(), '--project', 'Web', '--variable-group', 'Locked', '--variable', 'RT']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /error: .*(Administrator|permission|denied)/i);
      assert.equal(emu.control.variableGroups.get('contoso', readOnly).variables.RT, undefined);
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());
    });
  });

  describe('Key Vault', () => {
    let vaultUrl: string;
    let sp: { clientId: string; secret?: string; objectId: string };
    let spEnv: Record<string, string | undefined>;
    before(() => {
      sp = emu.control.entra.addApp({ kind: 'confidential', displayName: 'kv writer' });
      vaultUrl = emu.control.keyVault.addVault({ name: 'contoso-kv', access: { [sp.objectId]: 'officer' } }).url;
      spEnv = { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: sp.secret };
    });

    it('login --kv-credential env writes a new version: text/plain, metadata as tags, read back', async () => {
      const r = await withDeviceCode(['login', ...identity(), '--key-vault', vaultUrl, '--secret', 'pat-lifecycle-rt', '--kv-credential', 'env'], spEnv);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      const secret = emu.control.keyVault.getSecret('contoso-kv', 'pat-lifecycle-rt');
      const latest = secret.versions[secret.versions.length - 1];
      assertIssuedToUser(latest.value);
      assert.equal(latest.contentType, 'text/plain');
      assert.match(latest.tags.issuedAt, ISO);
      assert.equal(latest.tags.clientId, app.clientId);
      assert.equal(latest.tags.tenantId, tenantId);
      assert.match(r.stderr, /Stored and read back: Key Vault secret 'pat-lifecycle-rt'/);
      assert.match(r.stderr, /refreshTokenStore: keyVault/);
      assertNoSecrets(r.stderr + r.stdout, [...emu.secrets(), sp.secret!]);
    });

    it('login with DefaultAzureCredential (its environment link) adds another version; status reads the tags', async () => {
      const r = await withDeviceCode(['login', ...identity(), '--key-vault', vaultUrl, '--secret', 'pat-lifecycle-rt'], { ...spEnv, AZURE_AUTHORITY_HOST: emu.urls.authorityHost });
      assert.equal(r.code, 0, r.stderr);
      const secret = emu.control.keyVault.getSecret('contoso-kv', 'pat-lifecycle-rt');
      assert.equal(secret.versions.length, 2);
      assertIssuedToUser(secret.versions[1].value);

      const s = await withDeviceCode(['status', ...identity(), '--key-vault', vaultUrl, '--secret', 'pat-lifecycle-rt', '--kv-credential', 'env', '--json'], spEnv);
      assert.equal(s.code, 0, s.stderr + s.stdout);
      const report = JSON.parse(s.stdout) as { refreshToken: { store: string; exists: boolean; daysLeft: number; tenantId: string } };
      assert.equal(report.refreshToken.store, 'vault contoso-kv/pat-lifecycle-rt');
      assert.equal(report.refreshToken.exists, true);
      assert.equal(report.refreshToken.tenantId, tenantId);
      assert.ok(report.refreshToken.daysLeft > 89);
      assertNoSecrets(s.stderr + s.stdout, [...emu.secrets(), sp.secret!]);
    });

    it('an identity without rights on the vault: exit 1 before the sign-in, naming the identity', async () => {
      const other = emu.control.entra.addApp({ kind: 'confidential', displayName: 'no rights' });
      const r = await runCli(['login', ...identity(), '--key-vault', vaultUrl, '--secret', 'pat-lifecycle-rt', '--kv-credential', 'env', '--device-code'], emulatorEnv(emu, {
        AZURE_TENANT_ID: tenantId,
        AZURE_CLIENT_ID: other.clientId,
        AZURE_CLIENT_SECRET: other.secret,
      }));
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stderr, /enter the code/, 'the vault is checked before the user is asked to sign in');
      assert.match(r.stderr, /AZURE_TENANT_ID \/ AZURE_CLIENT_ID \/ AZURE_CLIENT_SECRET/);
      assertNoSecrets(r.stderr + r.stdout, [...emu.secrets(), other.secret!]);
    });

    it('--kv-credential env without the variables: a usage error (exit 2) naming them, before any sign-in', async () => {
      const r = await runCli(['login', ...identity(), '--key-vault', vaultUrl, '--secret', 'x', '--kv-credential', 'env', '--device-code'], emulatorEnv(emu));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--kv-credential env needs AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET/);
    });
  });

  describe('run (a local run of the task\'s operations through the core)', () => {
    it('run --action list redeems the stored token, lists the PATs and stores the rolled refresh token back', async () => {
      const groupId = emu.control.variableGroups.add('contoso', 'Web', { name: 'Run group', variables: {}, administrators: [user.userId] });
      const seeded = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId }).refreshToken;
      emu.control.pats.create('contoso', user.userId, { displayName: 'listed-pat', scope: 'vso.code', lifetimeDays: 20 });
      const r = await runCli(
        [
          'run', '--action', 'list', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso',
          '--refresh-token-env', 'MY_RT', '--refresh-token-store', 'variableGroup', '--refresh-token-variable-group', 'Run group',
          '--refresh-token-variable-name', 'RT', '--project', 'Web',
        ],
        emulatorEnv(emu, { MY_RT: seeded }),
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /listed-pat/);
      const stored = emu.control.variableGroups.get('contoso', groupId).variables.RT;
      assert.equal(stored.isSecret, true);
      assert.equal(emu.control.entra.refreshTokenInfo(seeded)?.rolledTo, stored.value, 'the rolled token was stored');
      assertNoSecrets(r.stderr + r.stdout, emu.secrets());
    });

    it('run with a Key Vault refresh token store: a service principal from AZURE_* stands in for the service connection', async () => {
      const sp = emu.control.entra.addApp({ kind: 'confidential', displayName: 'run kv writer' });
      const vault = emu.control.keyVault.addVault({ name: 'run-kv', access: { [sp.objectId]: 'officer' } });
      const seeded = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId }).refreshToken;
      const r = await runCli(
        [
          'run', '--action', 'list', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso',
          '--refresh-token-env', 'MY_RT', '--refresh-token-store', 'keyVault', '--key-vault', vault.url,
          '--key-vault-dns-suffix', 'vault.emulator.test', '--refresh-token-secret-name', 'rt',
        ],
        emulatorEnv(emu, { MY_RT: seeded, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: sp.secret }),
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const versions = emu.control.keyVault.getSecret('run-kv', 'rt').versions;
      assert.equal(versions.at(-1).value, emu.control.entra.refreshTokenInfo(seeded)?.rolledTo);
      assertNoSecrets(r.stderr + r.stdout, [...emu.secrets(), sp.secret!]);
    });

    it('run speaks CLI: a Key Vault refusal names the AZURE_* service principal, bad inputs name flags, never a service connection or an input', async () => {
      const sp = emu.control.entra.addApp({ kind: 'confidential', displayName: 'run kv reader only' });
      const locked = emu.control.keyVault.addVault({ name: 'run-kv-locked', access: {} }).url;
      const seeded = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId }).refreshToken;
      const base = ['run', '--action', 'list', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso', '--refresh-token-env', 'MY_RT'];
      const vault = ['--refresh-token-store', 'keyVault', '--key-vault', locked, '--key-vault-dns-suffix', 'vault.emulator.test', '--refresh-token-secret-name', 'rt'];
      const refused = await runCli([...base, ...vault], emulatorEnv(emu, { MY_RT: seeded, AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: sp.secret }));
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /the service principal in AZURE_TENANT_ID \/ AZURE_CLIENT_ID \/ AZURE_CLIENT_SECRET may not/);
      const noPrincipal = await runCli([...base, ...vault], emulatorEnv(emu, { MY_RT: seeded }));
      assert.equal(noPrincipal.code, 2, noPrincipal.stderr);
      assert.match(noPrincipal.stderr, /export AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET/);
      const badInputs = await runCli(['run', '--action', 'rotate', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso', '--refresh-token-env', 'MY_RT', '--refresh-token-store', 'variableGroup', '--lifetime-days', '5', '--rotate-when-expires-within-days', '9'], emulatorEnv(emu, { MY_RT: seeded }));
      assert.equal(badInputs.code, 2, badInputs.stderr);
      assert.match(badInputs.stderr, /--pat-name is required/);
      assert.match(badInputs.stderr, /--rotate-when-expires-within-days is 9, not less than --lifetime-days \(5\)/);
      assert.match(badInputs.stderr, /--refresh-token-variable-group is required/);
      for (const r of [refused, noPrincipal, badInputs]) {
        assert.doesNotMatch(r.stderr, /service connection|Input '|System\.TeamProject|azureSubscription/);
        assertNoSecrets(r.stderr + r.stdout, [...emu.secrets(), sp.secret!]);
      }
    });

    it('run refuses a secret as a flag value and reports bad inputs as usage errors', async () => {
      const a = await runCli(['run', '--action', 'list', '--refresh-token', 'abc'], emulatorEnv(emu));
      assert.equal(a.code, 2);
      assert.match(a.stderr, /--refresh-token would put a secret on the command line/);
      const b = await runCli(['run', '--action', 'frob', '--tenant-id', tenantId, '--client-id', app.clientId, '--organization', 'contoso', '--refresh-token-env', 'MY_RT'], emulatorEnv(emu, { MY_RT: 'x'.repeat(40) }));
      assert.equal(b.code, 2, b.stderr);
      assert.match(b.stderr, /action/);
      assert.ok(!b.stderr.includes('x'.repeat(40)));
    });
  });
});
