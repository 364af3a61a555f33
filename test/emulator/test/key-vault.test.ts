import assert from 'node:assert/strict';
import { keyVaultAuthenticationPolicy, parseKeyVaultIdentifier } from '@azure/keyvault-common';
import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AccessToken, GetTokenOptions } from '@azure/core-auth';
import { FakeCore } from './fake-core';
import { register as registerKeyVault } from '../key-vault';
import type { Principal } from '../types';

const KV = 'https://vault.emulator.test';
const TENANT = '11111111-2222-3333-4444-555555555555';
const HOST = 'myvault.vault.emulator.test';

function setup(opts: { softDelete?: boolean; tenantId?: string } = {}) {
  const core = new FakeCore();
  registerKeyVault(core);
  const kv = core.control.keyVault;
  const officer = core.addUser('officer', { audience: KV });
  const user = core.addUser('user', { audience: KV });
  const reader = core.addUser('reader', { audience: KV });
  const stranger = core.addUser('stranger', { audience: KV });
  const vault = kv.addVault({
    name: 'myvault',
    tenantId: opts.tenantId ?? TENANT,
    access: { [officer.user.userId]: 'officer', [user.user.userId]: 'user', [reader.user.userId]: 'reader' },
    ...(opts.softDelete === false ? { softDelete: false } : {}),
  });
  const base = `https://${HOST}:${core.port}`;
  const req = (method: string, path: string, auth?: string, body?: object | string, version = '7.6') =>
    core.dispatch(method, `${base}${path}${path.includes('?') ? '&' : '?'}api-version=${version}`, {
      headers: auth ? { Authorization: auth } : {},
      ...(body !== undefined ? { body } : {}),
    });
  const set = (name: string, value: string, auth = officer.bearer, extra: object = {}) => req('PUT', `/secrets/${name}`, auth, { value, ...extra });
  return { core, kv, vault, officer, user, reader, stranger, base, req, set };
}

describe('emulator Key Vault secrets (unit)', () => {
  describe('challenge and authentication', () => {
    it('answers an anonymous request with the 401 challenge and the AKV10000 body', async () => {
      const { core, req } = setup();
      const res = await req('PUT', '/secrets/s1');
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], `Bearer authorization="${core.urls().authorityHost}/${TENANT}", resource="${KV}"`);
      assert.equal(res.text, '{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}');
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      for (const h of ['x-ms-request-id', 'x-ms-keyvault-region', 'x-ms-keyvault-service-version', 'x-ms-keyvault-network-info']) assert.ok(res.headers[h], h);
    });

    it('the SDK challenge policy (@azure/keyvault-common) accepts it: scope, tenant, resend with the body', async () => {
      const { core, officer, base, kv } = setup();
      const asked: Array<{ scopes: string[]; tenantId?: string }> = [];
      const credential = {
        async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
          const list = Array.isArray(scopes) ? scopes : [scopes];
          asked.push({ scopes: list, ...(options?.tenantId ? { tenantId: options.tenantId } : {}) });
          const audience = list[0]!.replace(/\/\.default$/, '');
          return { token: core.issueAccessToken(officer.principal, audience), expiresOnTimestamp: core.clock.now() + 3_600_000 };
        },
      };
      const policy = keyVaultAuthenticationPolicy(credential);
      const sent: Array<{ auth: boolean; body: boolean }> = [];
      const next = async (r: PipelineRequest): Promise<PipelineResponse> => {
        const headers: Record<string, string> = {};
        for (const [k, v] of r.headers) headers[k.toLowerCase()] = v;
        sent.push({ auth: !!headers['authorization'], body: typeof r.body === 'string' });
        const res = await core.dispatch(r.method, r.url, { headers, ...(typeof r.body === 'string' ? { body: r.body } : {}) });
        return { status: res.status, headers: createHttpHeaders(res.headers), bodyAsText: res.text, request: r };
      };
      const request = createPipelineRequest({ url: `${base}/secrets/s1?api-version=7.6`, method: 'PUT', body: JSON.stringify({ value: 'via-policy' }) });
      request.headers.set('Content-Type', 'application/json');
      const res = await policy.sendRequest(request, next);
      assert.equal(res.status, 200);
      assert.deepEqual(sent, [{ auth: false, body: false }, { auth: true, body: true }]);
      assert.deepEqual(asked, [{ scopes: [`${KV}/.default`], tenantId: TENANT }]);
      assert.equal(kv.getSecret('myvault', 's1').versions[0].value, 'via-policy');
      const id = parseKeyVaultIdentifier('secrets', JSON.parse(res.bodyAsText!).id);
      assert.equal(id.vaultUrl, base);
      assert.equal(id.name, 's1');
    });

    it('wrong audience: 401 AKV10022 with the challenge; other tenant: 401 AKV10032; Basic: AKV10000', async () => {
      const { core, officer, req } = setup();
      const wrong = await req('GET', '/secrets', core.bearerFor(officer.principal, '499b84ac-1321-427f-aa17-267ca6975798'));
      assert.equal(wrong.status, 401);
      assert.equal(wrong.json.error.code, 'Unauthorized');
      assert.match(wrong.json.error.message, /^AKV10022: Invalid audience/);
      assert.ok(wrong.headers['www-authenticate']);
      const other = core.addUser('other', { audience: KV, tenantId: '99999999-0000-0000-0000-000000000000' });
      const o = await req('GET', '/secrets', other.bearer);
      assert.equal(o.status, 401);
      assert.match(o.json.error.message, /^AKV10032/);
      const basic = await req('GET', '/secrets', 'Basic Zm9vOmJhcg==');
      assert.equal(basic.json.error.message, 'AKV10000: Request is missing a Bearer or PoP token.');
      const expired = await req('GET', '/secrets', core.bearerFor(officer.principal, KV, -5));
      assert.equal(expired.status, 401);
    });

    it('accepts exactly api-versions 7.4, 7.5, 7.6, 2025-06-01, 2025-07-01', async () => {
      const { officer, req } = setup();
      for (const v of ['7.4', '7.5', '7.6', '2025-06-01', '2025-07-01']) assert.equal((await req('GET', '/secrets', officer.bearer, undefined, v)).status, 200, v);
      for (const v of ['7.3', '7.6-preview.1', '2016-10-01']) {
        const res = await req('GET', '/secrets', officer.bearer, undefined, v);
        assert.equal(res.status, 400, v);
        assert.equal(res.json.error.code, 'BadParameter');
      }
    });
  });

  describe('set and get', () => {
    it('PUT creates a version: 32 hex, id with the port, Unix-second attributes, recovery fields', async () => {
      const { core, set, base } = setup();
      const res = await set('s1', 'value-1', undefined, { contentType: 'text/plain', tags: { authorizationId: 'abc' }, attributes: { exp: 1900000000 } });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json), ['value', 'contentType', 'id', 'attributes', 'tags']);
      assert.equal(res.json.value, 'value-1');
      assert.match(res.json.id, new RegExp(`^${base.replace(/\./g, '\\.')}/secrets/s1/[0-9a-f]{32}$`));
      const now = Math.floor(core.clock.now() / 1000);
      assert.deepEqual(res.json.attributes, { enabled: true, exp: 1900000000, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 });
      assert.deepEqual(res.json.tags, { authorizationId: 'abc' });
      assert.ok(core.secrets.includes('value-1'));
    });

    it('every PUT is a new version; GET /secrets/{name}/ is the latest, /{version} that one', async () => {
      const { set, req, officer } = setup();
      const v1 = (await set('s1', 'one')).json.id.split('/').pop();
      const v2 = (await set('s1', 'two')).json.id.split('/').pop();
      assert.notEqual(v1, v2);
      const latest = await req('GET', '/secrets/s1/', officer.bearer);
      assert.equal(latest.json.value, 'two');
      assert.equal((await req('GET', '/secrets/S1', officer.bearer)).json.value, 'two', 'names are case-insensitive');
      assert.equal((await req('GET', `/secrets/s1/${v1}`, officer.bearer)).json.value, 'one');
      const missing = await req('GET', '/secrets/s1/0123456789abcdef0123456789abcdef', officer.bearer);
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error.code, 'SecretNotFound');
    });

    it('404 SecretNotFound with the service message', async () => {
      const { req, officer } = setup();
      const res = await req('GET', '/secrets/nothere/', officer.bearer);
      assert.equal(res.status, 404);
      assert.match(res.json.error.message, /^A secret with \(name\/id\) nothere was not found in this key vault\. If you recently deleted this secret you may be able to recover it/);
    });

    it('versions and list page with nextLink (items without values)', async () => {
      const { set, req, officer, base } = setup();
      for (let i = 0; i < 5; i++) await set('s1', `v${i}`);
      await set('s2', 'x');
      const p1 = await req('GET', '/secrets/s1/versions?maxresults=2', officer.bearer);
      assert.equal(p1.json.value.length, 2);
      assert.ok(p1.json.value.every((i: { value?: string; id: string }) => i.value === undefined && /\/secrets\/s1\/[0-9a-f]{32}$/.test(i.id)));
      assert.ok(p1.json.nextLink.startsWith(`${base}/secrets/s1/versions?api-version=7.6&$skiptoken=`));
      const ids = p1.json.value.map((i: { id: string }) => i.id);
      let next: string | null = p1.json.nextLink;
      while (next) {
        const u = new URL(next);
        const r = await req('GET', `${u.pathname}?${u.searchParams.toString().replace(/&?api-version=[^&]*/, '')}`, officer.bearer);
        ids.push(...r.json.value.map((i: { id: string }) => i.id));
        next = r.json.nextLink;
      }
      assert.equal(new Set(ids).size, 5);
      const list = await req('GET', '/secrets', officer.bearer);
      assert.deepEqual(list.json.value.map((i: { id: string }) => i.id), [`${base}/secrets/s1`, `${base}/secrets/s2`]);
      assert.equal(list.json.nextLink, null);
      assert.equal((await req('GET', '/secrets?maxresults=26', officer.bearer)).status, 400);
    });

    it('enforces the name pattern, 127 characters, 25 KB values and 255-character content types', async () => {
      const { set } = setup();
      assert.equal((await set('a'.repeat(127), 'x')).status, 200);
      for (const bad of ['a'.repeat(128), 'bad_name', 'bad.name']) {
        const res = await set(bad, 'x');
        assert.equal(res.status, 400, bad);
        assert.equal(res.json.error.code, 'BadParameter');
      }
      assert.equal((await set('big', 'x'.repeat(25 * 1024))).status, 200);
      assert.equal((await set('big', 'x'.repeat(25 * 1024 + 1))).status, 400);
      assert.equal((await set('big', 'é'.repeat(12 * 1024 + 1 + 512))).status, 400, 'size counts UTF-8 bytes');
      assert.equal((await set('ct', 'x', undefined, { contentType: 'c'.repeat(255) })).status, 200);
      assert.equal((await set('ct', 'x', undefined, { contentType: 'c'.repeat(256) })).status, 400);
    });

    it('PATCH updates attributes and tags only; a disabled version cannot be read', async () => {
      const { set, req, officer } = setup();
      const v = (await set('s1', 'one')).json.id.split('/').pop();
      const res = await req('PATCH', `/secrets/s1/${v}`, officer.bearer, { tags: { k: 'v' }, attributes: { enabled: false } });
      assert.equal(res.status, 200);
      assert.equal(res.json.value, undefined);
      assert.deepEqual(res.json.tags, { k: 'v' });
      const get = await req('GET', `/secrets/s1/${v}`, officer.bearer);
      assert.equal(get.status, 403);
      assert.equal(get.json.error.innererror.code, 'SecretDisabled');
    });
  });

  describe('RBAC', () => {
    it('set needs officer, get needs user or officer; otherwise 403 ForbiddenByRbac', async () => {
      const { set, req, user, reader, stranger, kv } = setup();
      await set('s1', 'v');
      const userSet = await set('s1', 'w', user.bearer);
      assert.equal(userSet.status, 403);
      assert.equal(userSet.json.error.code, 'Forbidden');
      assert.match(userSet.json.error.message, /^Caller is not authorized to perform action on resource\./);
      assert.match(userSet.json.error.message, /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action'/);
      assert.deepEqual(userSet.json.error.innererror, { code: 'ForbiddenByRbac' });
      assert.equal((await req('GET', '/secrets/s1/', user.bearer)).json.value, 'v');
      assert.equal((await req('GET', '/secrets/s1/', reader.bearer)).status, 403);
      assert.equal((await req('GET', '/secrets/s1/versions', reader.bearer)).status, 200);
      assert.equal((await req('GET', '/secrets/s1/', stranger.bearer)).status, 403);
      kv.grant('myvault', stranger.user.userId, 'officer');
      assert.equal((await set('s1', 'z', stranger.bearer)).status, 200);
    });

    it('a managed identity or service principal (app token) is checked the same way', async () => {
      const { core, kv, req } = setup();
      const app: Principal = { kind: 'app', objectId: 'aaaaaaaa-0000-0000-0000-000000000001', appId: 'app-1', tenantId: TENANT, audience: KV };
      const bearer = core.bearerFor(app, KV);
      assert.equal((await req('PUT', '/secrets/s1', bearer, { value: 'v' })).status, 403);
      kv.grant('myvault', app.objectId, 'officer');
      assert.equal((await req('PUT', '/secrets/s1', bearer, { value: 'v' })).status, 200);
    });
  });

  describe('soft delete', () => {
    it('DELETE answers a DeletedSecretBundle; PUT of the name then 409 ObjectIsDeletedButRecoverable', async () => {
      const { core, set, req, officer, base } = setup();
      await set('plop', 'v');
      const del = await req('DELETE', '/secrets/plop', officer.bearer);
      assert.equal(del.status, 200);
      assert.deepEqual(Object.keys(del.json), ['recoveryId', 'deletedDate', 'scheduledPurgeDate', 'id', 'attributes']);
      assert.equal(del.json.recoveryId, `${base}/deletedsecrets/plop`);
      assert.equal(del.json.deletedDate, Math.floor(core.clock.now() / 1000));
      assert.equal(del.json.scheduledPurgeDate - del.json.deletedDate, 7_776_000);
      assert.equal(del.json.value, undefined);
      const again = await set('plop', 'w');
      assert.equal(again.status, 409);
      assert.equal(
        again.text,
        '{"error":{"code":"Conflict","message":"Secret plop is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}',
      );
      assert.equal((await req('GET', '/secrets/plop/', officer.bearer)).status, 404);
      assert.equal((await req('GET', '/deletedsecrets/plop', officer.bearer)).status, 200);
      assert.equal((await req('GET', '/deletedsecrets', officer.bearer)).json.value.length, 1);
    });

    it('recover brings the secret back; purge frees the name; unknown deleted: "Deleted Secret not found"', async () => {
      const { set, req, officer } = setup();
      await set('s1', 'keep');
      await req('DELETE', '/secrets/s1', officer.bearer);
      const rec = await req('POST', '/deletedsecrets/s1/recover', officer.bearer);
      assert.equal(rec.status, 200);
      assert.equal((await req('GET', '/secrets/s1/', officer.bearer)).json.value, 'keep');
      await req('DELETE', '/secrets/s1', officer.bearer);
      assert.equal((await req('DELETE', '/deletedsecrets/s1', officer.bearer)).status, 204);
      assert.equal((await set('s1', 'fresh')).status, 200);
      const none = await req('GET', '/deletedsecrets/never', officer.bearer);
      assert.equal(none.status, 404);
      assert.equal(none.json.error.message, 'Deleted Secret not found: never');
    });

    it('a deleted secret is purged on its scheduled date (emulator clock)', async () => {
      const { core, set, req, officer, kv } = setup();
      await set('s1', 'v');
      await req('DELETE', '/secrets/s1', officer.bearer);
      core.clock.advance(91 * 86_400_000);
      assert.equal((await req('GET', '/deletedsecrets/s1', officer.bearer)).status, 404);
      assert.equal(kv.getSecret('myvault', 's1'), undefined);
    });
  });

  describe('side door', () => {
    it('getSecret shows every version with values; setSecret, deleteSecret, listVaults', async () => {
      const { set, kv, base } = setup();
      await set('s1', 'one');
      const seeded = kv.setSecret('myvault', 's1', 'two', { tags: { a: 'b' } });
      assert.match(seeded.version, /^[0-9a-f]{32}$/);
      const s = kv.getSecret('myvault', 's1');
      assert.deepEqual(s.versions.map((v: { value: string }) => v.value), ['one', 'two']);
      assert.equal(s.deleted, false);
      assert.equal(kv.deleteSecret('myvault', 's1'), true);
      assert.equal(kv.getSecret('myvault', 's1').deleted, true);
      const vaults = kv.listVaults();
      assert.equal(vaults.length, 1);
      assert.equal(vaults[0].url, base);
      assert.throws(() => kv.addVault({ name: 'myvault' }));
    });
  });
});
