/**
 * What a pipeline variable, an environment switch or a service's answer can make the task do with its credentials,
 * black box: the bundled task run as the agent runs it, against the emulator. Each test stands for one way a
 * credential used to leave (issue 14): a host override, TLS verification switched off, a dependency's debug output,
 * the run summary, the job's token mapped into the step, the refreshToken output.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskFixture, ORG, useTaskFixture } from '../task/task-fixture';
import { startConnectProxy, type ConnectProxy } from '../robustness/support/connect-proxy';

const SEAMS = ['PatLifecycle.AuthorityHost', 'PatLifecycle.VsspsUrl', 'PatLifecycle.DevOpsUrl'] as const;

/**
 * Every character class that encodes differently in a URL's user info, a query, a form body and JSON. No '%': the
 * Azure SDK writes the password into a proxy URL, where the URL parser leaves '%' as it is, and https-proxy-agent
 * percent-decodes it again, so such a password cannot pass the Key Vault path at all (it fails, it does not leak).
 */
const AWKWARD_PASSWORD = `a&b$c+d,e;f=g@h:i/j?k#l[m]n "p\\q'r<s>t|u^v\`w{x}y~z-${randomBytes(6).toString('hex')}`;

/** The `aud` claim of a JWT, or undefined for anything else. */
function audienceOf(token: string): string | undefined {
  const [, payload] = token.split('.');
  try {
    return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')).aud;
  } catch {
    return undefined;
  }
}

describe('security: where credentials may go and what may print them (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;

  useTaskFixture((fixture) => (f = fixture), { shared: true });
  beforeEach(() => {
    f.emu.log.clear();
    f.emu.faults.clear();
  });

  for (const seam of SEAMS) {
    it(`${seam} naming a host that is neither Microsoft's nor loopback fails before any request, naming the variable and the allowed hosts`, async () => {
      // The name resolves to the emulator, so a request sent there would show in its log.
      const hostile = `https://collector.emulator.test:${f.emu.urls.port}`;
      // A variable group store makes the run call the Azure DevOps host too, so each seam would be used.
      const store = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
      const run = await f.run({ action: 'list', ...store }, { variables: { [seam]: hostile } });
      assert.equal(run.result, 'Failed', run.message);
      assert.match(run.message ?? '', new RegExp(`${seam.replace('.', '\\.')}.*collector\\.emulator\\.test`));
      assert.match(run.message ?? '', seam === 'PatLifecycle.AuthorityHost' ? /login\.microsoftonline\.com/ : /dev\.azure\.com/);
      assert.match(run.message ?? '', /loopback/);
      assert.equal(f.emu.log.count(), 0, `requests: ${f.emu.log.entries().map((e) => `${e.host} ${e.route}`).join(', ')}`);
      assert.equal(f.emu.control.entra.refreshTokenInfo(f.refreshToken)?.attempts ?? 0, 0, 'the refresh token was never presented');
    });
  }

  it('System.CollectionUri naming a host that is not Azure DevOps (a planted pipeline variable) fails before any request, naming the variable', async () => {
    const hostile = `https://collector.emulator.test:${f.emu.urls.port}/${ORG}/`;
    const group = `tokens-${randomBytes(3).toString('hex')}`;
    f.addGroup(group);
    const inputs = { action: 'create', displayName: `cu-${randomBytes(3).toString('hex')}`, scopes: 'vso.packaging', target: 'variableGroup', variableGroup: group, variableName: 'FeedPat' };
    // Without PatLifecycle.DevOpsUrl the variable groups' host is derived from System.CollectionUri.
    const run = await f.run(inputs, { variables: { 'PatLifecycle.DevOpsUrl': undefined as unknown as string }, system: { collectionUri: hostile } });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /System\.CollectionUri.*collector\.emulator\.test/);
    assert.equal(f.emu.log.count(), 0, `requests: ${f.emu.log.entries().map((e) => `${e.host} ${e.route}`).join(', ')}`);
  });

  it('the log says, host only, where each credential goes: the refresh token, the access token, the Key Vault credential and bearer', async () => {
    const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
    f.extraSecrets.push(sp.secret!);
    const vault = f.emu.control.keyVault.addVault({ name: `kv${randomBytes(4).toString('hex')}`, access: { [sp.objectId]: 'officer' } });
    const group = `tokens-${randomBytes(3).toString('hex')}`;
    f.addGroup(group);
    const name = `hosts-${randomBytes(3).toString('hex')}`;
    const inputs = { action: 'create', displayName: name, scopes: 'vso.packaging', target: 'variableGroup, keyVault', variableGroup: group, variableName: 'FeedPat', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat' };
    const run = await f.run(inputs, { endpoints: { arm: f.servicePrincipalEndpoint(sp) } });
    assert.equal(run.result, 'Succeeded', run.message);
    const host = `127.0.0.1:${f.emu.urls.port}`;
    const says = (re: RegExp) => assert.ok(run.info.some((l) => re.test(l)), `${re}; info lines:\n${run.info.join('\n')}`);
    says(new RegExp(`refresh token.* goes to ${host.replace(/\./g, '\\.')}`));
    says(/access token goes to .*\(PATs\).*\(variable groups, service connections\)/);
    says(new RegExp(`Key Vault credential goes to .*; its token to ${new URL(vault.url).host.replace(/\./g, '\\.')}`));
  });

  it('an allowed override (loopback, the emulator) is announced in a visible line naming the host, not in a debug line', async () => {
    const run = await f.run({ action: 'list' });
    assert.equal(run.result, 'Succeeded', run.message);
    const host = `127.0.0.1:${f.emu.urls.port}`;
    for (const seam of SEAMS) {
      assert.ok(
        run.info.some((l) => l.includes(seam) && l.includes(host)),
        `${seam} announced in a plain log line; info lines:\n${run.info.join('\n')}`,
      );
    }
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 with a server the agent does not trust: refuses to run, naming the variable, and sends nothing', async () => {
    // Without NODE_EXTRA_CA_CERTS the emulator's certificate is untrusted, as an impostor's would be.
    const run = await f.run({ action: 'list' }, { env: { NODE_EXTRA_CA_CERTS: undefined, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /NODE_TLS_REJECT_UNAUTHORIZED/);
    assert.equal(f.emu.log.count(), 0, `requests: ${f.emu.log.entries().map((e) => e.route).join(', ')}`);
  });

  for (const value of ['http', 'fs,HTTPS', '*']) {
    it(`NODE_DEBUG=${value} (Node prints request headers, tokens included): refuses to run, naming the variable, and sends nothing`, async () => {
      const run = await f.run({ action: 'list' }, { env: { NODE_DEBUG: value } });
      assert.equal(run.result, 'Failed', run.message);
      assert.match(run.message ?? '', /NODE_DEBUG/);
      assert.equal(f.emu.log.count(), 0, `requests: ${f.emu.log.entries().map((e) => e.route).join(', ')}`);
    });
  }

  it('NODE_OPTIONS with a quoted "--tls-keylog=…" is refused as the bare flag is: nothing sent, no key written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keylog-'));
    try {
      const keys = join(dir, 'keys.txt');
      const run = await f.run({ action: 'list' }, { env: { NODE_OPTIONS: `${f.emu.childEnv()['NODE_OPTIONS']} "--tls-keylog=${keys}"` } });
      assert.equal(run.result, 'Failed', run.message);
      assert.match(run.message ?? '', /NODE_OPTIONS.*--tls-keylog/);
      assert.equal(f.emu.log.count(), 0);
      assert.ok(!existsSync(keys) || readFileSync(keys, 'utf8') === '', 'no TLS session key was written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('DEBUG=* with a credentialed proxy on the Key Vault path', () => {
    let proxy: ConnectProxy;
    before(async () => {
      proxy = await startConnectProxy({ username: 'build-agent', password: AWKWARD_PASSWORD });
    });
    after(async () => {
      await proxy?.close();
    });

    /** A create into a fresh vault through a service principal connection: the Azure SDK's path. */
    function createIntoKeyVault(label: string) {
      const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
      f.extraSecrets.push(sp.secret!);
      const vault = f.emu.control.keyVault.addVault({ name: `kv${randomBytes(4).toString('hex')}`, access: { [sp.objectId]: 'officer' } });
      const inputs = { action: 'create', displayName: `${label}-${randomBytes(3).toString('hex')}`, scopes: 'vso.packaging', target: 'keyVault', azureSubscription: 'arm', keyVault: vault.url, secretName: 'FeedPat' };
      return { inputs, endpoints: { arm: f.servicePrincipalEndpoint(sp) } };
    }

    it('prints the proxy password in no form, whatever characters it holds', async () => {
      const { inputs, endpoints } = createIntoKeyVault('debug-proxy');
      f.extraSecrets.push(AWKWARD_PASSWORD);
      const run = await f.run(inputs, {
        endpoints,
        variables: { 'Agent.ProxyUrl': proxy.url, 'Agent.ProxyUsername': 'build-agent', 'System.Debug': 'true' },
        secretVariables: { 'PatLifecycle.RefreshToken': f.refreshToken, 'Agent.ProxyPassword': AWKWARD_PASSWORD },
        env: { DEBUG: '*' },
      });
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr.slice(0, 2000)}`);
      assert.ok(proxy.log.some((e) => e.authorized && e.target.includes('.vault.')), 'Key Vault was reached through the proxy, with the password');
      const proxyHost = new URL(proxy.url).host.replace(/\./g, '\\.');
      assert.ok(
        run.info.some((l) => new RegExp(`Requests go through the proxy ${proxyHost} \\(Agent\\.ProxyUrl\\), which is sent the proxy credentials of user build-agent`).test(l)),
        'the log names the proxy and whose credentials it is sent',
      );
      // runTask scanned the log and files already; the proxy password in every encoding is checked here as well.
      f.assertNoSecrets(run, [AWKWARD_PASSWORD]);
    });

    it("every Key Vault bearer token @azure/identity obtains is registered as a secret before anything could print it", async () => {
      const { inputs, endpoints } = createIntoKeyVault('bearer');
      const before = new Set(f.emu.secrets());
      const run = await f.run(inputs, { endpoints });
      assert.equal(run.result, 'Succeeded', run.message);
      const vaultTokens = f.emu.secrets().filter((s) => !before.has(s) && /vault/.test(audienceOf(s) ?? ''));
      assert.ok(vaultTokens.length > 0, 'the emulator issued a Key Vault token');
      for (const t of vaultTokens) assert.ok(run.secretsRegistered.includes(t), 'the Key Vault bearer was registered with the agent');
    });

    it("HTTPS_PROXY planted in the environment does not route Key Vault or the service connection's sign-in: only the agent's proxy is used", async () => {
      const { inputs, endpoints } = createIntoKeyVault('env-proxy');
      proxy.log.length = 0;
      const planted = new URL(proxy.url);
      planted.username = 'build-agent';
      planted.password = AWKWARD_PASSWORD;
      const run = await f.run(inputs, { endpoints, env: { HTTPS_PROXY: planted.href, https_proxy: planted.href } });
      assert.equal(run.result, 'Succeeded', run.message);
      assert.deepEqual(proxy.log.map((e) => e.target), [], 'nothing went through the planted proxy');
    });
  });

  it("a service error that quotes the refresh token reaches neither the run summary nor the log", async () => {
    f.emu.faults.add({
      route: 'pats.list',
      status: 400,
      body: { $id: '1', message: `TF400813: token ${f.refreshToken} is not authorized`, typeKey: 'InvalidOperationException', typeName: 'x', errorCode: 0, eventId: 3000 },
    });
    const run = await f.run({ action: 'list' });
    assert.equal(run.result, 'Failed', run.message);
    assert.ok(run.summaryMarkdown, 'a summary was written');
    assert.match(run.summaryMarkdown!, /TF400813/, "the service's words are still there");
    assert.ok(!run.summaryMarkdown!.includes(f.refreshToken), 'the refresh token is not in the summary');
    f.assertNoSecrets(run);
  });

  it('a service message cut to its length limit leaves no part of a secret it quotes: it is cut at a word, then masked', async () => {
    // The refresh token starts 40 characters before the 400-character limit, so a plain cut keeps its first 40.
    const filler = `${'lorem ipsum '.repeat(30)}`.slice(0, 359);
    f.emu.faults.add({
      route: 'pats.list',
      status: 400,
      body: { $id: '1', message: `TF400813: ${filler} ${f.refreshToken} is not authorized`, typeKey: 'InvalidOperationException', typeName: 'x', errorCode: 0, eventId: 3000 },
    });
    const run = await f.run({ action: 'list' });
    assert.equal(run.result, 'Failed', run.message);
    assert.match(run.message ?? '', /TF400813: lorem/, "the service's words are still there");
    const prefix = f.refreshToken.slice(0, 16);
    for (const [where, text] of [['log', run.visibleLog], ['summary', run.summaryMarkdown ?? ''], ['result', run.message ?? '']]) {
      assert.ok(!text.includes(prefix), `no prefix of the refresh token in the ${where}`);
    }
  });

  it('System.AccessToken mapped into the step through env: never printed, even with System.Debug', async () => {
    const job = f.emu.control.entra.issueJobToken({ org: ORG, projectId: f.project.id });
    const run = await f.run({ action: 'list' }, { env: { SYSTEM_ACCESSTOKEN: job.token }, variables: { 'System.Debug': 'true' } });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.ok(run.secretsRegistered.includes(job.token), 'the task took the token and registered it');
    assert.ok(!run.visibleLog.includes(job.token), 'the job token is not in the log');
    f.assertNoSecrets(run, [job.token]);
  });

  it('publishes the renewed refresh token as an output only when outputRefreshToken is true', async () => {
    const groupName = `signin-${randomBytes(3).toString('hex')}`;
    const group = f.addGroup(groupName, { 'PatLifecycle.RefreshToken': { value: f.refreshToken, isSecret: true } });
    const store = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: groupName, refreshTokenVariableName: 'PatLifecycle.RefreshToken' };

    const quiet = await f.run({ action: 'list', ...store });
    assert.equal(quiet.result, 'Succeeded', quiet.message);
    assert.equal(quiet.outputs['refreshToken'], undefined, 'no output by default');
    const saved = f.group(group).variables['PatLifecycle.RefreshToken'].value;
    assert.notEqual(saved, f.refreshToken, 'the renewed token was saved to the store');

    const asked = await f.run({ action: 'list', ...store, refreshToken: saved, outputRefreshToken: true });
    assert.equal(asked.result, 'Succeeded', asked.message);
    assert.equal(asked.outputs['refreshToken']?.secret, true);
    assert.equal(asked.outputs['refreshToken']?.value, f.group(group).variables['PatLifecycle.RefreshToken'].value);
  });
});
