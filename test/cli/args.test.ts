import { strict as assert } from 'node:assert';
import { loginCommand } from '../../src/operations/keep-refresh-token';
import { noProxyToRegexes, parseCommandLine, parseOrganization, UsageError, type LoginSettings, type StatusSettings } from '../../cli/args';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const base = ['--tenant-id', TENANT, '--client-id', CLIENT, '--organization', 'contoso'];

function login(args: string[], env: Record<string, string> = {}): LoginSettings {
  const parsed = parseCommandLine(['login', ...args], env);
  assert.equal(parsed.command, 'login');
  return (parsed as { settings: LoginSettings }).settings;
}

function usageProblems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    parseCommandLine(argv, env);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a usage error');
}

describe('cli args', () => {
  it("doctor is 'run --action check' with the same flags, and refuses an --action of its own", () => {
    assert.deepEqual(parseCommandLine(['doctor', '--pat-name', 'feed']), { command: 'run', argv: ['--action', 'check', '--pat-name', 'feed'] });
    assert.match(usageProblems(['doctor', '--action', 'rotate']).join('\n'), /doctor is 'run --action check': leave out --action/);
    assert.match(usageProblems(['doctr']).join('\n'), /Commands: login, status, run, doctor, help/);
  });

  it('parses a variable group login with defaults', () => {
    const s = login([...base, '--variable-group', 'Tokens', '--variable', 'RT', '--project', 'Web']);
    assert.deepEqual(s.store, { kind: 'variableGroup', project: 'Web', group: { name: 'Tokens' }, variableName: 'RT' });
    assert.equal(s.signIn.mode, 'browser');
    assert.equal(s.signIn.openBrowser, true);
    assert.equal(s.signIn.timeoutMs, undefined);
    assert.equal(s.urls.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(s.urls.vsspsUrl, 'https://vssps.dev.azure.com');
    assert.equal(s.urls.devopsUrl, 'https://dev.azure.com');
    assert.equal(s.print, false);
  });

  it('takes a numeric variable group as an id', () => {
    const s = login([...base, '--variable-group', '12', '--variable', 'RT', '--project', 'Web']);
    assert.deepEqual(s.store && s.store.kind === 'variableGroup' && s.store.group, { id: 12 });
  });

  it('builds a vault URL from a name and keeps a URL with its port', () => {
    const a = login([...base, '--key-vault', 'MyVault', '--secret', 'rt']);
    assert.equal(a.store?.kind === 'keyVault' && a.store.vaultUrl, 'https://myvault.vault.azure.net');
    assert.equal(a.store?.kind === 'keyVault' && a.store.credential, 'default');
    const b = login([...base, '--key-vault', 'https://kv1.vault.emulator.test:8443/', '--secret', 'rt', '--kv-credential', 'env'], { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 's' });
    assert.equal(b.store?.kind === 'keyVault' && b.store.vaultUrl, 'https://kv1.vault.emulator.test:8443');
    assert.equal(b.store?.kind === 'keyVault' && b.store.dnsSuffix, 'vault.emulator.test');
    const c = login([...base, '--key-vault', 'kv1', '--secret', 'rt', '--key-vault-dns-suffix', 'vault.usgovcloudapi.net']);
    assert.equal(c.store?.kind === 'keyVault' && c.store.vaultUrl, 'https://kv1.vault.usgovcloudapi.net');
  });

  it('reads the seams from flags, then from the environment', () => {
    const env = { PATLIFECYCLE_AUTHORITYHOST: 'https://127.0.0.1:9443', PATLIFECYCLE_VSSPSURL: 'https://127.0.0.1:9443/', PATLIFECYCLE_DEVOPSURL: 'https://127.0.0.1:9443' };
    const s = login([...base, '--print'], env);
    const { overrides, ...urls } = s.urls;
    assert.deepEqual(urls, { authorityHost: 'https://127.0.0.1:9443', vsspsUrl: 'https://127.0.0.1:9443', devopsUrl: 'https://127.0.0.1:9443' });
    assert.deepEqual(overrides?.map((o) => o.variable), ['PATLIFECYCLE_AUTHORITYHOST', 'PATLIFECYCLE_VSSPSURL', 'PATLIFECYCLE_DEVOPSURL'], 'each override is reported, by its source');
    const t = login([...base, '--print', '--authority-host', 'https://login.microsoftonline.us'], env);
    assert.equal(t.urls.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(t.urls.overrides?.[0]?.variable, '--authority-host');
  });

  it('reads the client secret from the named environment variable only', () => {
    const s = login([...base, '--print', '--client-secret-env', 'MY_SECRET'], { MY_SECRET: 's3cr3t-value' });
    assert.equal(s.signIn.clientSecret, 's3cr3t-value');
    const p = usageProblems(['login', ...base, '--print', '--client-secret-env', 'MY_SECRET'], {});
    assert.match(p.join('\n'), /MY_SECRET: that environment variable is not set/);
    const q = usageProblems(['login', ...base, '--print', '--client-secret-env', 'abc~def.ghi'], {});
    assert.match(q.join('\n'), /NAME of an environment variable/);
    // The would-be secret is not echoed back.
    assert.doesNotMatch(q.join('\n'), /abc~def/);
  });

  it('says plainly that an Azure DevOps Server collection URL is not supported', () => {
    for (const url of ['https://tfs.contoso.com/tfs/DefaultCollection', 'http://tfs:8080/tfs/DefaultCollection']) {
      const p = usageProblems(['login', '--tenant-id', TENANT, '--client-id', CLIENT, '--organization', url, '--print']);
      assert.match(p.join('\n'), /Azure DevOps Server \(on-premises\) is not supported/, url);
    }
  });

  it('reports every problem at once', () => {
    const p = usageProblems(['login', '--tenant-id', 'not a tenant', '--client-id', 'xyz', '--variable', 'RT']);
    const text = p.join('\n');
    assert.match(text, /--tenant-id 'not a tenant'/);
    assert.match(text, /--client-id 'xyz' is not a GUID/);
    assert.match(text, /--organization is required/);
    assert.match(text, /--variable-group NAME\|ID is required/);
    assert.match(text, /--project is required/);
  });

  it('requires a store or --print for login', () => {
    assert.match(usageProblems(['login', ...base]).join('\n'), /Say where the refresh token goes/);
  });

  it('refuses both stores, unknown flags, and device code with a secret', () => {
    assert.match(usageProblems(['login', ...base, '--variable-group', 'G', '--variable', 'V', '--project', 'P', '--key-vault', 'kv1', '--secret', 's']).join('\n'), /Choose one store/);
    assert.match(usageProblems(['login', ...base, '--print', '--refresh-token', 'x']).join('\n'), /Unknown option '--refresh-token'/);
    assert.match(usageProblems(['login', ...base, '--print', '--device-code', '--client-secret-env', 'S'], { S: 'secretvalue' }).join('\n'), /--device-code signs in as a public client/);
    assert.match(usageProblems(['login', ...base, '--print', '--device-code', '--no-open']).join('\n'), /--no-open is for the browser/);
    assert.match(usageProblems(['frobnicate']).join('\n'), /Unknown command 'frobnicate'/);
    assert.match(usageProblems(['login', ...base, '--print', '--authority-host', 'http://insecure']).join('\n'), /must be an https URL/);
    assert.match(usageProblems(['login', ...base, '--key-vault', 'kv1', '--secret', 's', '--kv-credential', 'env'], { AZURE_TENANT_ID: 't' }).join('\n'), /needs AZURE_CLIENT_ID, AZURE_CLIENT_SECRET/);
    assert.match(usageProblems(['login', ...base, '--key-vault', 'https://kv1.vault.azure.net/secrets/x', '--secret', 's']).join('\n'), /without a path/);
    assert.match(usageProblems(['login', ...base, '--key-vault', 'https://kv1.vault.azure.net', '--secret', 's', '--key-vault-dns-suffix', 'vault.azure.cn']).join('\n'), /is not under --key-vault-dns-suffix/);
    assert.match(usageProblems(['login', ...base, '--key-vault', 'kv1', '--secret', 'bad_name']).join('\n'), /is not a Key Vault secret name/);
  });

  it('parses status thresholds', () => {
    const parsed = parseCommandLine(['status', ...base, '--warn-days', '30', '--pat-warn-days', '5', '--json', '--device-code']);
    assert.equal(parsed.command, 'status');
    const s = (parsed as { settings: StatusSettings }).settings;
    assert.equal(s.warnDays, 30);
    assert.equal(s.patWarnDays, 5);
    assert.equal(s.json, true);
    assert.equal(s.signIn.mode, 'deviceCode');
    assert.equal(s.store, undefined);
    assert.match(usageProblems(['status', ...base, '--warn-days', '-1']).join('\n'), /--warn-days/);
  });

  it('answers help and version', () => {
    assert.deepEqual(parseCommandLine([]), { command: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['help', 'login']), { command: 'help', topic: 'login' });
    assert.deepEqual(parseCommandLine(['login', '--help']), { command: 'help', topic: 'login' });
    assert.deepEqual(parseCommandLine(['--version']), { command: 'version' });
  });

  it('parses organization names and URLs', () => {
    assert.deepEqual(parseOrganization('contoso'), { name: 'contoso' });
    assert.deepEqual(parseOrganization('https://dev.azure.com/contoso/'), { name: 'contoso', devopsOrigin: undefined });
    assert.deepEqual(parseOrganization('https://dev.azure.com/contoso/Project/_git/repo'), { name: 'contoso', devopsOrigin: undefined });
    assert.deepEqual(parseOrganization('https://contoso.visualstudio.com'), { name: 'contoso' });
    assert.deepEqual(parseOrganization('https://127.0.0.1:8443/fabrikam'), { name: 'fabrikam', devopsOrigin: 'https://127.0.0.1:8443' });
    assert.equal(parseOrganization('not an org!'), undefined);
    assert.equal(parseOrganization('https://dev.azure.com/'), undefined);
  });

  it('refuses an organization URL with a malformed percent escape as a usage error, not an uncaught URIError', () => {
    assert.equal(parseOrganization('https://dev.azure.com/%E0%A4%A'), undefined);
    assert.throws(
      () => parseCommandLine(['status', '--tenant-id', 'contoso.onmicrosoft.com', '--client-id', '00000000-0000-0000-0000-000000000001', '--organization', 'https://dev.azure.com/%E0%A4%A'], {}),
      (err: unknown) => err instanceof UsageError && err.problems.some((m) => m.includes("--organization 'https://dev.azure.com/%E0%A4%A'")),
    );
  });

  it('turns NO_PROXY into bypass regexes', () => {
    const [a, b] = noProxyToRegexes('localhost, .corp.example');
    assert.ok(new RegExp(a).test('https://localhost:8080/x'));
    assert.ok(new RegExp(b).test('https://vault.corp.example/x'));
    assert.ok(!new RegExp(b).test('https://corp.example.evil.com/'));
  });
});

describe('cli args: the command the task tells users to run', () => {
  /** Splits like a POSIX shell for the simple quoting loginCommand uses. */
  const shellSplit = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);

  it("names the pipeline's organization for a variable group store when the PATs are in another", () => {
    const entra = { tenantId: TENANT, clientId: CLIENT, refreshToken: 'x' };
    const refreshTokenStore = { kind: 'variableGroup', group: { project: 'Web', name: 'signin' }, variableName: 'RT', auth: 'user' };
    const line = loginCommand({ entra, organization: 'fabrikam', destinationOrganization: 'contoso', refreshTokenStore } as unknown as Parameters<typeof loginCommand>[0]);
    assert.equal(login(shellSplit(line).slice(2)).organization, 'contoso');
  });

  it('parses the login command the core prints for each store', () => {
    const entra = { tenantId: TENANT, clientId: CLIENT, refreshToken: 'x' };
    const group = { kind: 'variableGroup', group: { project: 'Web Apps', name: 'PAT lifecycle' }, variableName: 'RT', auth: 'user' };
    const vault = {
      kind: 'keyVault',
      vault: { vaultUrl: 'https://kv1.vault.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us', dnsSuffix: 'vault.usgovcloudapi.net', credential: { scheme: 'ManagedServiceIdentity' } },
      secretName: 'rt',
    };
    for (const refreshTokenStore of [group, vault]) {
      const line = loginCommand({ entra, organization: 'contoso', destinationOrganization: 'contoso', refreshTokenStore } as unknown as Parameters<typeof loginCommand>[0]);
      const argv = shellSplit(line);
      assert.deepEqual(argv.slice(0, 2), ['pat-lifecycle', 'login']);
      const s = login(argv.slice(2));
      assert.equal(s.signIn.tenantId, TENANT);
      assert.equal(s.organization, 'contoso');
      if (refreshTokenStore === group) assert.deepEqual(s.store, { kind: 'variableGroup', project: 'Web Apps', group: { name: 'PAT lifecycle' }, variableName: 'RT' });
      else {
        assert.equal(s.store?.kind === 'keyVault' && s.store.vaultUrl, 'https://kv1.vault.usgovcloudapi.net');
        assert.equal(s.store?.kind === 'keyVault' && s.store.dnsSuffix, 'vault.usgovcloudapi.net');
      }
    }
  });
});
