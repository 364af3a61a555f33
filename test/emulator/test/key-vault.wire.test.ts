/**
 * Key Vault over real HTTPS: the real @azure/keyvault-secrets SecretClient against an emulated vault at
 * https://{name}.vault.emulator.test:PORT, with real tokens from the emulator's Entra token endpoint.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { startEmulator, type Emulator } from '../index';
import { CHILD_PRELOAD } from '../index';
import { call, childEnv, runNode } from './helpers';

// The test process resolves *.emulator.test to 127.0.0.1 exactly as a child process does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(CHILD_PRELOAD);

describe('emulator Key Vault over HTTPS with @azure/keyvault-secrets', function () {
  let emu: Emulator;
  let tenant: string;
  let agent: Agent;
  let officerApp: { clientId: string; secret?: string; objectId: string };
  let readerApp: { clientId: string; secret?: string; objectId: string };
  let vaultUrl: string;
  const asked: Array<{ scopes: string[]; tenantId?: string }> = [];

  /** A TokenCredential that asks the emulator's token endpoint (client credentials) for whatever the SDK wants. */
  const credentialFor = (app: { clientId: string; secret?: string }): TokenCredential => ({
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const list = Array.isArray(scopes) ? scopes : [scopes];
      asked.push({ scopes: list, ...(options?.tenantId ? { tenantId: options.tenantId } : {}) });
      const res = await call(emu, {
        method: 'POST',
        path: `/${options?.tenantId ?? tenant}/oauth2/v2.0/token`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret!, scope: list.join(' ') }).toString(),
      });
      assert.equal(res.status, 200, res.body);
      const b = res.json();
      return { token: b.access_token, expiresOnTimestamp: Date.now() + b.expires_in * 1000 };
    },
  });

  /** The SDK's pipeline, with the emulator's CA trusted through a per-request agent. */
  const client = (app: { clientId: string; secret?: string }, name = 'wirevault') =>
    new SecretClient(`https://${name}.${emu.urls.vaultDnsSuffix}:${emu.urls.port}`, credentialFor(app), {
      additionalPolicies: [
        {
          position: 'perCall',
          policy: {
            name: 'emulatorAgent',
            sendRequest: (req, next) => {
              req.agent = agent;
              return next(req);
            },
          },
        },
      ],
      retryOptions: { maxRetries: 0 },
    });

  before(async () => {
    emu = await startEmulator();
    tenant = emu.control.entra.defaultTenantId;
    agent = new Agent({ ca: emu.caCertPem, keepAlive: false });
    officerApp = emu.control.entra.addApp({ kind: 'confidential' });
    readerApp = emu.control.entra.addApp({ kind: 'confidential' });
    vaultUrl = emu.control.keyVault.addVault({
      name: 'wirevault',
      tenantId: tenant,
      access: { [officerApp.objectId]: 'officer', [readerApp.objectId]: 'reader' },
    }).url;
  });
  after(async () => {
    agent.destroy();
    await emu.close();
  });

  it('answers the first, body-less request with the challenge the SDK follows (scope and tenant)', async () => {
    const raw = await call(emu, { method: 'PUT', path: '/secrets/probe?api-version=7.6', host: `wirevault.${emu.urls.vaultDnsSuffix}` });
    assert.equal(raw.status, 401);
    assert.equal(raw.headers['www-authenticate'], `Bearer authorization="${emu.urls.authorityHost}/${tenant}", resource="${emu.urls.keyVaultResource}"`);
    assert.equal(raw.body, '{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}');

    asked.length = 0;
    const c = client(officerApp);
    const set = await c.setSecret('first', 'first-value', { contentType: 'text/plain', tags: { authorizationId: 'a1' } });
    assert.equal(set.value, 'first-value');
    assert.deepEqual(asked, [{ scopes: [`${emu.urls.keyVaultResource}/.default`], tenantId: tenant }]);
    assert.equal(set.properties.vaultUrl, vaultUrl);
    assert.match(set.properties.version!, /^[0-9a-f]{32}$/);
    assert.equal(set.properties.contentType, 'text/plain');
    assert.deepEqual(set.properties.tags, { authorizationId: 'a1' });
    assert.equal(set.properties.recoveryLevel, 'Recoverable+Purgeable');
    assert.equal(set.properties.recoverableDays, 90);
    assert.ok(set.properties.createdOn instanceof Date);
    assert.ok(emu.secrets().includes('first-value'));
  });

  it('set makes a new version each time; get (latest, by version), versions pages through nextLink', async () => {
    const c = client(officerApp);
    const versions: string[] = [];
    for (let i = 0; i < 4; i++) versions.push((await c.setSecret('rotating', `value-${i}`)).properties.version!);
    assert.equal(new Set(versions).size, 4);
    assert.equal((await c.getSecret('rotating')).value, 'value-3');
    assert.equal((await c.getSecret('rotating', { version: versions[1] })).value, 'value-1');
    const listed: string[] = [];
    for await (const page of c.listPropertiesOfSecretVersions('rotating').byPage({ maxPageSize: 3 })) {
      assert.ok(page.length <= 3);
      for (const p of page) listed.push(p.version!);
    }
    assert.deepEqual([...listed].sort(), [...versions].sort());
    const names: string[] = [];
    for await (const p of c.listPropertiesOfSecrets()) names.push(p.name);
    assert.ok(names.includes('rotating') && names.includes('first'));
    const side = emu.control.keyVault.getSecret('wirevault', 'rotating');
    assert.deepEqual(side.versions.map((v: { value: string }) => v.value), ['value-0', 'value-1', 'value-2', 'value-3']);
  });

  it('updateSecretProperties changes tags and enabled; a disabled version is refused', async () => {
    const c = client(officerApp);
    const s = await c.setSecret('tagged', 'v');
    const upd = await c.updateSecretProperties('tagged', s.properties.version!, { tags: { k: 'v2' }, enabled: false });
    assert.deepEqual(upd.tags, { k: 'v2' });
    assert.equal(upd.enabled, false);
    await assert.rejects(c.getSecret('tagged'), (e: { statusCode?: number }) => e.statusCode === 403);
  });

  it('soft delete: poller completes, set of the name is 409 ObjectIsDeletedButRecoverable, recover and purge work', async () => {
    const c = client(officerApp);
    await c.setSecret('plop', 'v1');
    const poller = await c.beginDeleteSecret('plop', { intervalInMs: 10 });
    const deleted = await poller.pollUntilDone();
    assert.equal(deleted.name, 'plop');
    assert.ok(deleted.properties.recoveryId!.endsWith('/deletedsecrets/plop'));
    assert.equal(deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime(), 90 * 86_400_000);
    await assert.rejects(c.setSecret('plop', 'v2'), (e: { statusCode?: number; message: string; details?: { error?: { innererror?: { code?: string } } } }) => {
      assert.equal(e.statusCode, 409);
      assert.match(e.message, /currently in a deleted but recoverable state/);
      return true;
    });
    await assert.rejects(c.getSecret('plop'), (e: { statusCode?: number }) => e.statusCode === 404);
    const recover = await c.beginRecoverDeletedSecret('plop', { intervalInMs: 10 });
    await recover.pollUntilDone();
    assert.equal((await c.getSecret('plop')).value, 'v1');
    await (await c.beginDeleteSecret('plop', { intervalInMs: 10 })).pollUntilDone();
    await c.purgeDeletedSecret('plop');
    assert.equal((await c.setSecret('plop', 'fresh')).value, 'fresh');
  });

  it('RBAC: a reader lists but cannot read values or set (403 ForbiddenByRbac)', async () => {
    const c = client(readerApp);
    await assert.rejects(c.getSecret('first'), (e: { statusCode?: number; message: string }) => e.statusCode === 403 && /Caller is not authorized/.test(e.message));
    await assert.rejects(c.setSecret('x', 'y'), (e: { statusCode?: number }) => e.statusCode === 403);
    const names: string[] = [];
    for await (const p of c.listPropertiesOfSecrets()) names.push(p.name);
    assert.ok(names.includes('first'));
  });

  it('a wrong audience gets a 401 with the challenge; the request log never holds a secret value', async () => {
    const res = await call(emu, { method: 'POST', path: `/${tenant}/oauth2/v2.0/token`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: officerApp.clientId, client_secret: officerApp.secret!, scope: '499b84ac-1321-427f-aa17-267ca6975798/.default' }).toString() });
    const token = res.json().access_token as string;
    const r = await call(emu, { path: '/secrets/first/?api-version=7.6', host: `wirevault.${emu.urls.vaultDnsSuffix}`, headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
    assert.match(r.json().error.message, /^AKV10022: Invalid audience/);
    assert.ok(r.headers['www-authenticate']);
    const log = JSON.stringify(emu.log.entries());
    // Short test values such as 'v1' occur in any text; the issued tokens and longer values must not.
    const scanned = emu.secrets().filter((s) => s.length >= 8);
    assert.ok(scanned.includes('first-value'));
    for (const s of scanned) assert.ok(!log.includes(s), 'a secret value reached the request log');
  });

  it('a child process with ClientSecretCredential and SecretClient works unchanged through childEnv', async () => {
    const script = `
      const { ClientSecretCredential } = require('@azure/identity');
      const { SecretClient } = require('@azure/keyvault-secrets');
      const [tenant, clientId, secret, authorityHost, vaultUrl] = process.argv.slice(1);
      const cred = new ClientSecretCredential(tenant, clientId, secret, { authorityHost, disableInstanceDiscovery: true });
      const c = new SecretClient(vaultUrl, cred);
      (async () => {
        const s = await c.setSecret('from-child', 'child-value');
        const g = await c.getSecret('from-child', { version: s.properties.version });
        console.log(JSON.stringify({ ok: true, value: g.value, id: g.properties.id }));
      })().catch((e) => console.log(JSON.stringify({ ok: false, message: String(e && e.message), code: e && e.code })));
    `;
    const r = await runNode(['-e', script, tenant, officerApp.clientId, officerApp.secret!, emu.urls.authorityHost, vaultUrl], childEnv(emu));
    const out = r.result();
    assert.equal(out.ok, true, JSON.stringify(out));
    assert.equal(out.value, 'child-value');
    assert.ok(out.id.startsWith(`${vaultUrl}/secrets/from-child/`));
  });
});
