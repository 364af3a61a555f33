import assert from 'node:assert/strict';
import { FakeCore } from './fake-core';
import { register as registerPats } from '../pats';
import { formatSqlTicks, generatePat, parseDateTime, toSqlTicks, formatDevOpsDate } from '../pat-format';
import type { Principal } from '../types';

const ADO = '499b84ac-1321-427f-aa17-267ca6975798';
const PAT_KEYS = ['displayName', 'validTo', 'scope', 'targetAccounts', 'validFrom', 'authorizationId', 'token'];
const VSS_KEYS = ['$id', 'innerException', 'message', 'typeName', 'typeKey', 'errorCode', 'eventId'];

function setup() {
  const core = new FakeCore();
  registerPats(core);
  const org = core.control.devops.addOrganization({ name: 'contoso' }) as { name: string; id: string };
  const alice = core.addUser('alice');
  const bob = core.addUser('bob');
  const api = (bearer: string, version: string | null = '7.1-preview.1') => {
    const q = (extra = '') => {
      const parts = [version === null ? '' : `api-version=${version}`, extra].filter(Boolean).join('&');
      return `/contoso/_apis/tokens/pats${parts ? `?${parts}` : ''}`;
    };
    return {
      create: (body: unknown) => core.dispatch('POST', q(), { headers: { Authorization: bearer }, body: body as object }),
      update: (body: unknown) => core.dispatch('PUT', q(), { headers: { Authorization: bearer }, body: body as object }),
      get: (id: string) => core.dispatch('GET', q(`authorizationId=${id}`), { headers: { Authorization: bearer } }),
      revoke: (id: string) => core.dispatch('DELETE', q(`authorizationId=${id}`), { headers: { Authorization: bearer } }),
      list: (extra = '') => core.dispatch('GET', q(extra), { headers: { Authorization: bearer } }),
    };
  };
  return { core, org, alice, bob, api, pats: core.control.pats, devops: core.control.devops };
}

const future = (core: FakeCore, days: number) => new Date(core.clock.now() + days * 86_400_000).toISOString();

describe('emulator PAT Lifecycle API (unit)', () => {
  describe('formats', () => {
    it('rounds to 1/300 s and serialises like the spec examples', () => {
      assert.equal(formatDevOpsDate(Date.parse('2020-12-01T23:46:23.319Z')), '2020-12-01T23:46:23.32Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-11-02T22:56:52.103Z')), '2020-11-02T22:56:52.1033333Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-11-23T04:04:38.523Z')), '2020-11-23T04:04:38.5233333Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-10-24T03:04:57.520Z')), '2020-10-24T03:04:57.52Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-10-24T03:04:57.000Z')), '2020-10-24T03:04:57Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-10-24T03:04:57.005Z')), '2020-10-24T03:04:57.0066667Z');
      assert.equal(formatDevOpsDate(Date.parse('2020-10-24T03:04:57.999Z')), '2020-10-24T03:04:58Z');
      assert.equal(formatSqlTicks(toSqlTicks(0)), '1970-01-01T00:00:00Z');
    });

    it('parses ISO dates with offsets and 7 fraction digits', () => {
      assert.equal(parseDateTime('2020-12-01T23:46:23.3190000Z'), Date.parse('2020-12-01T23:46:23.319Z'));
      assert.equal(parseDateTime('2020-12-02T01:46:23+02:00'), Date.parse('2020-12-01T23:46:23Z'));
      assert.equal(parseDateTime('2020-02-30T00:00:00Z'), null);
      assert.equal(parseDateTime('tomorrow'), null);
    });

    it('generates opaque 84-character PATs with the AZDO signature', () => {
      const a = generatePat();
      assert.equal(a.length, 84);
      assert.match(a, /^[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}$/);
      assert.notEqual(a, generatePat());
    });
  });

  describe('create', () => {
    it('answers PatTokenResult in the example property order, token only here', async () => {
      const { core, org, alice, api } = setup();
      core.clock.set(Date.parse('2020-11-02T22:56:52.103Z'));
      const res = await api(alice.bearer).create({ displayName: 'new_token', scope: 'app_token', validTo: '2020-12-01T23:46:23.319Z', allOrgs: false });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json), ['patToken', 'patTokenError']);
      const t = res.json.patToken;
      assert.deepEqual(Object.keys(t), PAT_KEYS);
      assert.equal(t.displayName, 'new_token');
      assert.equal(t.validTo, '2020-12-01T23:46:23.32Z');
      assert.equal(t.validFrom, '2020-11-02T22:56:52.1033333Z');
      assert.equal(t.scope, 'app_token');
      assert.deepEqual(t.targetAccounts, [org.id]);
      assert.match(t.authorizationId, /^[0-9a-f-]{36}$/);
      assert.equal(t.token.length, 84);
      assert.equal(res.json.patTokenError, 'none');
      assert.ok(core.secrets.includes(t.token), 'token recorded with recordSecret');
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8; api-version=7.1-preview.1');
      for (const h of ['x-vss-e2eid', 'activityid', 'x-tfs-session']) assert.ok(res.headers[h], h);

      const got = await api(alice.bearer).get(t.authorizationId);
      assert.deepEqual(Object.keys(got.json), ['patToken', 'patTokenError']);
      assert.equal(got.json.patToken.token, null);
      assert.equal(got.json.patToken.validTo, '2020-12-01T23:46:23.32Z');
      const list = await api(alice.bearer).list();
      assert.equal(list.json.patTokens[0].token, null);
    });

    it('gives targetAccounts null for allOrgs, space-separated scopes normalised', async () => {
      const { core, alice, api } = setup();
      const res = await api(alice.bearer).create({ displayName: 'g', scope: 'vso.code  vso.build', validTo: future(core, 5), allOrgs: true });
      assert.equal(res.json.patToken.targetAccounts, null);
      assert.equal(res.json.patToken.scope, 'vso.code vso.build');
    });

    it('reports validation errors in a 200 body with patToken null', async () => {
      const { core, alice, api } = setup();
      const c = api(alice.bearer);
      const cases: Array<[object, string]> = [
        [{ scope: 'vso.code', validTo: future(core, 5) }, 'displayNameRequired'],
        [{ displayName: '  ', scope: 'vso.code', validTo: future(core, 5) }, 'displayNameRequired'],
        [{ displayName: 'x', scope: 'vso.nope', validTo: future(core, 5) }, 'invalidScope'],
        [{ displayName: 'x', scope: 'vso.code,vso.build', validTo: future(core, 5) }, 'invalidScope'],
        [{ displayName: 'x', validTo: future(core, 5) }, 'invalidScope'],
        [{ displayName: 'x', scope: 'vso.code', validTo: future(core, -1) }, 'invalidValidTo'],
      ];
      for (const [body, err] of cases) {
        const res = await c.create(body);
        assert.equal(res.status, 200, err);
        assert.deepEqual(res.json, { patToken: null, patTokenError: err });
      }
    });

    it('rejects malformed JSON with 400 JsonReaderException (eventId 0)', async () => {
      const { core, alice } = setup();
      const res = await core.dispatch('POST', '/contoso/_apis/tokens/pats?api-version=7.1-preview.1', {
        headers: { Authorization: alice.bearer, 'Content-Type': 'application/json' },
        body: '{"displayName": "x",',
      });
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(res.json), VSS_KEYS);
      assert.equal(res.json.typeKey, 'JsonReaderException');
      assert.equal(res.json.eventId, 0);
      assert.match(res.json.message, /^TF400898: An Internal Error Occurred\. Activity Id: [0-9a-f-]{36}\.$/);
    });

    it('binds body properties case-insensitively', async () => {
      const { core, alice, api } = setup();
      const res = await api(alice.bearer).create({ DisplayName: 'Cased', Scope: 'vso.code', ValidTo: future(core, 3) });
      assert.equal(res.json.patTokenError, 'none');
      assert.equal(res.json.patToken.displayName, 'Cased');
    });
  });

  describe('policies', () => {
    it('silently clamps validTo to now + max lifespan (not an error)', async () => {
      const { core, devops, alice, api } = setup();
      devops.setPolicy('contoso', { maxLifespanDays: 7 });
      const res = await api(alice.bearer).create({ displayName: 'x', scope: 'vso.code', validTo: future(core, 90) });
      assert.equal(res.json.patTokenError, 'none');
      assert.equal(res.json.patToken.validTo, formatDevOpsDate(core.clock.now() + 7 * 86_400_000));
    });

    it('full-scope restriction: fullScopePatPolicyViolation; message only at 7.2', async () => {
      const { core, devops, alice, api } = setup();
      devops.setPolicy('contoso', { blockFullScope: true });
      const body = { displayName: 'x', scope: 'app_token', validTo: future(core, 5) };
      const r71 = await api(alice.bearer, '7.1-preview.1').create(body);
      assert.deepEqual(r71.json, { patToken: null, patTokenError: 'fullScopePatPolicyViolation' });
      const r72 = await api(alice.bearer, '7.2-preview.1').create(body);
      assert.deepEqual(Object.keys(r72.json), ['patToken', 'patTokenError', 'patTokenErrorMessage']);
      assert.equal(r72.json.patTokenError, 'fullScopePatPolicyViolation');
      assert.equal(typeof r72.json.patTokenErrorMessage, 'string');
      const ok = await api(alice.bearer, '7.2-preview.1').create({ ...body, scope: 'vso.code' });
      assert.equal(ok.json.patTokenError, 'none');
      assert.equal(ok.json.patTokenErrorMessage, null);
    });

    it('global restriction and the 2026-12-01 retirement of global PATs', async () => {
      const { core, devops, alice, api } = setup();
      const body = () => ({ displayName: 'g', scope: 'vso.code', validTo: future(core, 5), allOrgs: true });
      devops.setPolicy('contoso', { blockGlobal: true });
      assert.equal((await api(alice.bearer, '7.1-preview.1').create(body())).json.patTokenError, 'globalPatPolicyViolation');
      assert.equal((await api(alice.bearer, '7.2-preview.1').create(body())).json.patTokenError, 'globalPatPolicyViolation');
      devops.setPolicy('contoso', { blockGlobal: false });
      core.clock.set(Date.UTC(2026, 11, 1, 0, 0, 1));
      assert.equal((await api(alice.bearer, '7.1-preview.1').create(body())).json.patTokenError, 'globalPatPolicyViolation');
      const r72 = await api(alice.bearer, '7.2-preview.1').create(body());
      assert.equal(r72.json.patTokenError, 'globalPATCreationBlocked');
      assert.equal(r72.json.patToken, null);
      assert.equal((await api(alice.bearer).create({ ...body(), allOrgs: false })).json.patTokenError, 'none');
    });

    it('restrict creation: disablePatCreationPolicyViolation at 7.2, accessDenied below; allow-list exempts', async () => {
      const { core, devops, alice, bob, api } = setup();
      devops.setPolicy('contoso', { restrictCreation: true, allowList: [bob.user.userId] });
      const body = { displayName: 'x', scope: 'vso.code', validTo: future(core, 5) };
      assert.equal((await api(alice.bearer, '7.2-preview.1').create(body)).json.patTokenError, 'disablePatCreationPolicyViolation');
      assert.equal((await api(alice.bearer, '7.1-preview.1').create(body)).json.patTokenError, 'accessDenied');
      assert.equal((await api(bob.bearer, '7.2-preview.1').create(body)).json.patTokenError, 'none');
    });
  });

  describe('get, update, revoke', () => {
    it('get of an unknown id: 404 SessionTokenNotFoundException', async () => {
      const { alice, api } = setup();
      const res = await api(alice.bearer).get('0b3c2c7e-6b1a-4f57-9d0e-111111111111');
      assert.equal(res.status, 404);
      assert.deepEqual(Object.keys(res.json), VSS_KEYS);
      assert.equal(res.json.typeKey, 'SessionTokenNotFoundException');
    });

    it('update changes metadata, keeps the token value, answers token null', async () => {
      const { core, alice, api, pats } = setup();
      const created = (await api(alice.bearer).create({ displayName: 'a', scope: 'vso.code', validTo: future(core, 5) })).json.patToken;
      const res = await api(alice.bearer).update({ authorizationId: created.authorizationId, displayName: 'b', scope: 'vso.build', validTo: future(core, 20) });
      assert.equal(res.json.patTokenError, 'none');
      assert.deepEqual(Object.keys(res.json.patToken), PAT_KEYS);
      assert.equal(res.json.patToken.token, null);
      assert.equal(res.json.patToken.displayName, 'b');
      assert.equal(res.json.patToken.scope, 'vso.build');
      assert.equal(res.json.patToken.validTo, formatDevOpsDate(Date.parse(future(core, 20))));
      assert.equal(res.json.patToken.validFrom, created.validFrom);
      assert.equal(pats.findByToken(created.token).displayName, 'b');
    });

    it('update clamps validTo to creation + max lifespan', async () => {
      const { core, devops, alice, api } = setup();
      const created = (await api(alice.bearer).create({ displayName: 'a', scope: 'vso.code', validTo: future(core, 5) })).json.patToken;
      const createdAt = core.clock.now();
      devops.setPolicy('contoso', { maxLifespanDays: 10 });
      core.clock.advance(4 * 86_400_000);
      const res = await api(alice.bearer).update({ authorizationId: created.authorizationId, validTo: future(core, 30) });
      assert.equal(res.json.patTokenError, 'none');
      assert.equal(res.json.patToken.validTo, formatDevOpsDate(createdAt + 10 * 86_400_000));
    });

    it('update of an expired PAT: expiredPatCannotBeExtended at 7.2, authorizationNotFound below; revoked: authorizationNotFound', async () => {
      const { core, alice, api } = setup();
      const a = (await api(alice.bearer).create({ displayName: 'a', scope: 'vso.code', validTo: future(core, 1) })).json.patToken;
      const b = (await api(alice.bearer).create({ displayName: 'b', scope: 'vso.code', validTo: future(core, 30) })).json.patToken;
      assert.equal((await api(alice.bearer).revoke(b.authorizationId)).status, 204);
      core.clock.advance(2 * 86_400_000);
      const body = { authorizationId: a.authorizationId, validTo: future(core, 10) };
      assert.equal((await api(alice.bearer, '7.2-preview.1').update(body)).json.patTokenError, 'expiredPatCannotBeExtended');
      assert.equal((await api(alice.bearer, '7.1-preview.1').update(body)).json.patTokenError, 'authorizationNotFound');
      assert.equal((await api(alice.bearer).update({ authorizationId: b.authorizationId, validTo: future(core, 10) })).json.patTokenError, 'authorizationNotFound');
      assert.equal((await api(alice.bearer).update({ authorizationId: '7a1d2c3e-0000-4000-8000-000000000000' })).status, 404);
    });

    it('revoke answers 204; a second revoke or an unknown id 404', async () => {
      const { core, alice, api, pats } = setup();
      const t = (await api(alice.bearer).create({ displayName: 'a', scope: 'vso.code', validTo: future(core, 5) })).json.patToken;
      const res = await api(alice.bearer).revoke(t.authorizationId);
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assert.equal(pats.findByToken(t.token).state, 'revoked');
      assert.equal((await api(alice.bearer).revoke(t.authorizationId)).json.typeKey, 'SessionTokenNotFoundException');
      assert.equal((await api(alice.bearer).revoke('5f7b0a3c-1111-4222-8333-444455556666')).status, 404);
      const got = await api(alice.bearer).get(t.authorizationId);
      assert.equal(got.status, 200);
    });

    it('each user sees and touches only their own PATs', async () => {
      const { core, alice, bob, api } = setup();
      const t = (await api(alice.bearer).create({ displayName: 'mine', scope: 'vso.code', validTo: future(core, 5) })).json.patToken;
      assert.equal((await api(bob.bearer).get(t.authorizationId)).status, 404);
      assert.equal((await api(bob.bearer).revoke(t.authorizationId)).status, 404);
      assert.deepEqual((await api(bob.bearer).list()).json.patTokens, []);
      assert.equal((await api(alice.bearer).list()).json.patTokens.length, 1);
    });
  });

  describe('list', () => {
    it('pages 250 PATs by 100 with an opaque token; "" on the last page', async () => {
      const { alice, api, pats } = setup();
      for (let i = 0; i < 250; i++) pats.create('contoso', alice.user.userId, { displayName: `pat-${String(i).padStart(3, '0')}`, scope: 'vso.code', lifetimeDays: 10 + (i % 7) });
      const seen: string[] = [];
      let token = '';
      const sizes: number[] = [];
      do {
        const res = await api(alice.bearer).list(`displayFilterOption=active&sortByOption=displayName&isSortAscending=true&$top=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
        assert.equal(res.status, 200);
        assert.deepEqual(Object.keys(res.json), ['continuationToken', 'patTokens']);
        sizes.push(res.json.patTokens.length);
        for (const p of res.json.patTokens) {
          assert.deepEqual(Object.keys(p), PAT_KEYS);
          seen.push(p.displayName);
        }
        token = res.json.continuationToken;
        assert.equal(typeof token, 'string');
      } while (token);
      assert.deepEqual(sizes, [100, 100, 50]);
      assert.equal(new Set(seen).size, 250);
      assert.deepEqual(seen, [...seen].sort());
    });

    it('refuses a continuation token reused with other filter options; caps $top at 100', async () => {
      const { alice, api, pats } = setup();
      for (let i = 0; i < 130; i++) pats.create('contoso', alice.user.userId, { displayName: `p${i}`, scope: 'vso.code' });
      const first = await api(alice.bearer).list('$top=500');
      assert.equal(first.json.patTokens.length, 100);
      const tok = first.json.continuationToken;
      assert.ok(tok);
      const wrong = await api(alice.bearer).list(`sortByOption=displayDate&continuationToken=${encodeURIComponent(tok)}`);
      assert.equal(wrong.status, 400);
      assert.deepEqual(Object.keys(wrong.json), VSS_KEYS);
      const wrong2 = await api(alice.bearer).list(`isSortAscending=false&continuationToken=${encodeURIComponent(tok)}`);
      assert.equal(wrong2.status, 400);
      const garbage = await api(alice.bearer).list('continuationToken=nonsense');
      assert.equal(garbage.status, 400);
      const right = await api(alice.bearer).list(`$top=100&continuationToken=${encodeURIComponent(tok)}`);
      assert.equal(right.json.patTokens.length, 30);
      assert.equal(right.json.continuationToken, '');
    });

    it('filters by state and sorts by date and status', async () => {
      const { core, alice, api, pats } = setup();
      const a = pats.create('contoso', alice.user.userId, { displayName: 'active-long', scope: 'vso.code', lifetimeDays: 30 });
      pats.create('contoso', alice.user.userId, { displayName: 'active-short', scope: 'vso.code', lifetimeDays: 10 });
      pats.create('contoso', alice.user.userId, { displayName: 'expiring', scope: 'vso.code', lifetimeDays: 1 });
      const r = pats.create('contoso', alice.user.userId, { displayName: 'revoked', scope: 'vso.code', lifetimeDays: 30 });
      pats.revoke('contoso', r.authorizationId);
      core.clock.advance(2 * 86_400_000);
      const names = async (q: string) => (await api(alice.bearer).list(q)).json.patTokens.map((p: { displayName: string }) => p.displayName);
      assert.deepEqual(await names(''), ['active-long', 'active-short']);
      assert.deepEqual(await names('displayFilterOption=revoked'), ['revoked']);
      assert.deepEqual(await names('displayFilterOption=expired'), ['expiring']);
      assert.deepEqual(await names('displayFilterOption=all&sortByOption=status'), ['active-long', 'active-short', 'expiring', 'revoked']);
      assert.deepEqual(await names('sortByOption=displayDate&isSortAscending=false'), ['active-long', 'active-short']);
      assert.deepEqual(await names('displayFilterOption=All&sortByOption=DisplayDate&isSortAscending=True').then((n) => n.slice(0, 1)), ['expiring']);
      assert.equal((await api(alice.bearer).list('displayFilterOption=bogus')).status, 400);
      assert.equal(pats.findByToken(a.token).state, 'active');
    });
  });

  describe('api-version and path', () => {
    it('accepts 6.1-preview, 6.1-preview.1, 7.0-preview.1, 7.2-preview.1 and the Accept header', async () => {
      const { core, alice, api } = setup();
      for (const v of ['6.1-preview', '6.1-preview.1', '7.0-preview.1', '7.1-preview', '7.2-preview.1']) {
        const res = await api(alice.bearer, v).list();
        assert.equal(res.status, 200, v);
        assert.match(res.headers['content-type']!, new RegExp(`api-version=${v.replace(/-preview$/, '-preview.1').replace(/\./g, '\\.')}$`));
      }
      const viaAccept = await core.dispatch('GET', '/contoso/_apis/tokens/pats', { headers: { Authorization: alice.bearer, Accept: 'application/json;api-version=7.1-preview.1' } });
      assert.equal(viaAccept.status, 200);
    });

    it('refuses missing, non-preview, out-of-range and unknown resource versions with 400', async () => {
      const { alice, api } = setup();
      const cases: Array<[string | null, string]> = [
        [null, 'VssVersionNotSpecifiedException'],
        ['7.1', 'VssInvalidPreviewVersionException'],
        ['7.1-preview.2', 'VssInvalidPreviewVersionException'],
        ['5.0-preview.1', 'VssVersionOutOfRangeException'],
        ['7.3-preview.1', 'VssVersionOutOfRangeException'],
        ['banana', 'VssInvalidApiVersionException'],
      ];
      for (const [v, key] of cases) {
        const res = await api(alice.bearer, v).list();
        assert.equal(res.status, 400, String(v));
        assert.deepEqual(Object.keys(res.json), VSS_KEYS);
        assert.equal(res.json.typeKey, key, String(v));
      }
    });

    it('matches the path case-insensitively (/_apis/Tokens/Pats); unknown org 404', async () => {
      const { core, alice } = setup();
      const res = await core.dispatch('GET', '/Contoso/_apis/Tokens/Pats?api-version=6.1-preview', { headers: { Authorization: alice.bearer } });
      assert.equal(res.status, 200);
      assert.equal(res.route, 'pats.list');
      const none = await core.dispatch('GET', '/nope/_apis/tokens/pats?api-version=7.1-preview.1', { headers: { Authorization: alice.bearer } });
      assert.equal(none.status, 404);
    });
  });

  describe('authentication', () => {
    it('anonymous, expired or foreign-audience bearer: 203 sign-in page; Suppress: 401', async () => {
      const { core, alice, api } = setup();
      const anon = await core.dispatch('GET', '/contoso/_apis/tokens/pats?api-version=7.1-preview.1');
      assert.equal(anon.status, 203);
      assert.match(anon.headers['content-type']!, /^text\/html/);
      assert.match(anon.text, /Sign In/);
      const expired = core.bearerFor(alice.principal, ADO, -10);
      assert.equal((await api(expired).list()).status, 203);
      const wrongAud = core.bearerFor(alice.principal, 'https://vault.emulator.test');
      assert.equal((await api(wrongAud).list()).status, 203);
      const suppressed = await core.dispatch('GET', '/contoso/_apis/tokens/pats?api-version=7.1-preview.1', { headers: { 'X-TFS-FedAuthRedirect': 'Suppress' } });
      assert.equal(suppressed.status, 401);
      assert.match(suppressed.headers['www-authenticate']!, /Basic realm=/);
    });

    it('service principal: 403 "Service principals are not allowed to perform this action."', async () => {
      const { core, api } = setup();
      const sp: Principal = { kind: 'app', objectId: core.newGuid(), appId: core.newGuid(), tenantId: core.newGuid(), audience: ADO };
      const res = await api(core.bearerFor(sp, ADO)).list();
      assert.equal(res.status, 403);
      assert.deepEqual(res.json, {
        $id: '1',
        innerException: null,
        message: 'Service principals are not allowed to perform this action.',
        typeName: 'Microsoft.TeamFoundation.Framework.Server.InvalidAccessException, Microsoft.TeamFoundation.Framework.Server',
        typeKey: 'InvalidAccessException',
        errorCode: 0,
        eventId: 3000,
      });
    });

    it('a PAT (Basic) or a job token: 401 InvalidAccessException "The requested operation is not allowed."', async () => {
      const { core, alice, api, pats, devops } = setup();
      const seeded = pats.create('contoso', alice.user.userId, { displayName: 'p', scope: 'app_token' });
      const basic = 'Basic ' + Buffer.from(`:${seeded.token}`).toString('base64');
      const r1 = await api(basic).list();
      assert.equal(r1.status, 401);
      assert.equal(r1.json.message, 'The requested operation is not allowed.');
      assert.equal(r1.json.typeKey, 'InvalidAccessException');
      devops.addProject('contoso', { name: 'Alpha' });
      const job = core.bearerFor(devops.buildServicePrincipal('contoso', 'Alpha'), ADO);
      const r2 = await api(job).list();
      assert.equal(r2.status, 401);
      assert.equal(r2.json.message, 'The requested operation is not allowed.');
    });
  });

  describe('rate limiting', () => {
    it('delayed: 200 with Retry-After and X-RateLimit-*; blocked: 429 TF400733', async () => {
      const { alice, api, pats } = setup();
      pats.throttle({ delayed: true });
      const d = await api(alice.bearer).list();
      assert.equal(d.status, 200);
      assert.equal(d.headers['retry-after'], '10');
      assert.equal(d.headers['x-ratelimit-remaining'], '0');
      for (const h of ['x-ratelimit-resource', 'x-ratelimit-delay', 'x-ratelimit-limit', 'x-ratelimit-reset']) assert.ok(d.headers[h], h);
      pats.throttle({ blocked: true, retryAfterSeconds: 3 });
      const b = await api(alice.bearer).list();
      assert.equal(b.status, 429);
      assert.equal(b.headers['retry-after'], '3');
      assert.match(b.json.message, /^TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource/);
      pats.throttle({});
      const n = await api(alice.bearer).list();
      assert.equal(n.status, 200);
      assert.equal(n.headers['retry-after'], undefined);
    });
  });

  describe('PATs as credentials', () => {
    it('authenticate with Basic until they expire or are revoked (connectionData)', async () => {
      const { core, org, alice, api, pats } = setup();
      const t = (await api(alice.bearer).create({ displayName: 'cred', scope: 'vso.profile', validTo: future(core, 2) })).json.patToken;
      const cd = (user: string) =>
        core.dispatch('GET', '/contoso/_apis/connectionData', { headers: { Authorization: 'Basic ' + Buffer.from(`${user}:${t.token}`).toString('base64') } });
      const ok = await cd('');
      assert.equal(ok.status, 200);
      assert.equal(ok.json.authenticatedUser.id, alice.user.userId);
      assert.equal(ok.json.instanceId, org.id);
      assert.equal((await cd('anyone')).status, 200);
      assert.equal(pats.isValid('contoso', t.token), true);
      core.clock.advance(3 * 86_400_000);
      const dead = await cd('');
      assert.equal(dead.status, 401);
      assert.match(dead.json.message, /expired/);
      assert.equal(pats.isValid('contoso', t.token), false);
      assert.equal(pats.findByToken(t.token).state, 'expired');
    });

    it('a revoked PAT or one for another organization is refused; anonymous gets the sign-in page', async () => {
      const { core, alice, pats, devops } = setup();
      devops.addOrganization({ name: 'fabrikam' });
      const t = pats.create('contoso', alice.user.userId, { displayName: 'x', scope: 'vso.code' });
      const basic = { Authorization: 'Basic ' + Buffer.from(`:${t.token}`).toString('base64') };
      assert.equal((await core.dispatch('GET', '/fabrikam/_apis/connectionData', { headers: basic })).status, 401);
      const g = pats.create('contoso', alice.user.userId, { displayName: 'g', scope: 'vso.code', allOrgs: true });
      assert.equal((await core.dispatch('GET', '/fabrikam/_apis/connectionData', { headers: { Authorization: 'Basic ' + Buffer.from(`:${g.token}`).toString('base64') } })).status, 200);
      assert.equal(pats.revoke('contoso', t.authorizationId), true);
      assert.equal((await core.dispatch('GET', '/contoso/_apis/connectionData', { headers: basic })).status, 401);
      assert.equal((await core.dispatch('GET', '/contoso/_apis/connectionData')).status, 203);
    });
  });

  describe('side door', () => {
    it('lists PATs with token values and state, per user', async () => {
      const { core, alice, bob, pats } = setup();
      const a = pats.create('contoso', alice.user.userId, { displayName: 'a', scope: 'vso.code', validTo: future(core, 3) });
      pats.create('contoso', bob.user.userId, { displayName: 'b', scope: 'vso.code' });
      const mine = pats.list('contoso', alice.user.userId);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].token, a.token);
      assert.equal(mine[0].state, 'active');
      assert.equal(pats.list('contoso').length, 2);
      assert.throws(() => pats.create('contoso', alice.user.userId, { displayName: 'z', scope: 'vso.bogus' }));
    });
  });
});
