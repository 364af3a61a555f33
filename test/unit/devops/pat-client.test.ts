import { strict as assert } from 'node:assert';
import { PatClient } from '../../../src/devops/pat-client';
import { PAT_ERROR_TABLE } from '../../../src/devops/pat-errors';
import type { PatToken, PatTokenError } from '../../../src/devops/types';
import { PatLifecycleError } from '../../../src/errors';
import { FakeHttp, type Reply } from './fake-http';

const VSSPS = 'https://vssps.example.test';
const ORG = 'contoso';
const AT = 'access-token-value-123';

/** The 7.2 enum, in the spec's order. */
const ALL_PAT_TOKEN_ERRORS: PatTokenError[] = [
  'none', 'displayNameRequired', 'invalidDisplayName', 'invalidValidTo', 'invalidScope', 'userIdRequired', 'invalidUserId',
  'invalidUserType', 'accessDenied', 'failedToIssueAccessToken', 'invalidClient', 'invalidClientType', 'invalidClientId',
  'invalidTargetAccounts', 'hostAuthorizationNotFound', 'authorizationNotFound', 'failedToUpdateAccessToken', 'sourceNotSupported',
  'invalidSourceIP', 'invalidSource', 'duplicateHash', 'sshPolicyDisabled', 'invalidToken', 'tokenNotFound', 'invalidAuthorizationId',
  'failedToReadTenantPolicy', 'globalPatPolicyViolation', 'fullScopePatPolicyViolation', 'patLifespanPolicyViolation', 'invalidTokenType',
  'invalidAudience', 'invalidSubject', 'deploymentHostNotSupported', 'disablePatCreationPolicyViolation', 'failedToReadOrgPolicy',
  'globalPATCreationBlocked', 'expiredPatCannotBeExtended',
];

function pat(i: number, over: Partial<PatToken> = {}): PatToken {
  return {
    displayName: `pat-${i}`,
    validTo: '2026-12-01T23:46:23.32Z',
    scope: 'vso.code',
    targetAccounts: ['38aaa865-2c70-4bf7-a308-0c6539c38c1a'],
    validFrom: '2026-11-02T22:56:52.1033333Z',
    authorizationId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    token: null,
    ...over,
  };
}

function client(route: (url: URL, method: string, body?: string) => Reply, registered: string[] = []) {
  const http = new FakeHttp((req, url) => route(url, req.method, req.body));
  return { http, pats: new PatClient({ http, vsspsUrl: `${VSSPS}/`, organization: ORG, accessToken: AT, registerSecret: (v) => registered.push(v) }) };
}

async function failure(p: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PatLifecycleError, `expected PatLifecycleError, got ${String(e)}`);
    assert.ok(!e.describe().includes(AT), 'no access token in errors');
    return e;
  }
  assert.fail('expected a failure');
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('PatClient', () => {
  describe('listAll', () => {
    const all = Array.from({ length: 250 }, (_, i) => pat(i));

    function pagedRoute(lastToken: '' | null | 'absent') {
      return (url: URL): Reply => {
        const top = Number(url.searchParams.get('$top'));
        const start = Number(url.searchParams.get('continuationToken') ?? '0');
        const slice = all.slice(start, start + top);
        const next = start + top < all.length ? String(start + top) : lastToken;
        const body: Record<string, unknown> = { patTokens: slice };
        if (next !== 'absent') body.continuationToken = next;
        return { status: 200, body };
      };
    }

    for (const last of ['', null, 'absent'] as const) {
      it(`follows continuation tokens over many pages (last page token ${JSON.stringify(last)})`, async () => {
        const { http, pats } = client(pagedRoute(last));
        const got = await collect(pats.listAll('all', 7));
        assert.equal(got.length, 250);
        assert.deepEqual(got.map((p) => p.authorizationId), all.map((p) => p.authorizationId));
        assert.equal(http.requests.length, Math.ceil(250 / 7));
        for (const [i, req] of http.requests.entries()) {
          const url = new URL(req.url);
          assert.equal(url.pathname, `/${ORG}/_apis/tokens/pats`);
          assert.equal(url.searchParams.get('displayFilterOption'), 'all', 'same filter on every page');
          assert.equal(url.searchParams.get('$top'), '7');
          assert.equal(url.searchParams.get('api-version'), '7.2-preview.1');
          assert.equal(url.searchParams.get('continuationToken'), i === 0 ? null : String(i * 7));
          assert.ok(req.url.includes('$top=7'), 'literal $top');
          assert.equal(req.headers?.authorization, `Bearer ${AT}`);
          assert.equal(req.method, 'GET');
        }
      });
    }

    it('defaults to active PATs and pages of 100', async () => {
      const { http, pats } = client(pagedRoute(''));
      await collect(pats.listAll());
      const url = new URL(http.requests[0].url);
      assert.equal(url.searchParams.get('displayFilterOption'), 'active');
      assert.equal(url.searchParams.get('$top'), '100');
      assert.equal(http.requests.length, 3);
    });

    it('streams: stopping after the first PAT fetches one page only', async () => {
      const { http, pats } = client(pagedRoute(''));
      for await (const p of pats.listAll('active', 10)) {
        assert.equal(p.displayName, 'pat-0');
        break;
      }
      assert.equal(http.requests.length, 1);
    });

    it('a continuation token handed out twice is a service error, not an endless loop', async () => {
      const { pats } = client(() => ({ status: 200, body: { patTokens: [pat(1)], continuationToken: 'same' } }));
      const err = await failure(collect(pats.listAll()));
      assert.equal(err.kind, 'service');
      assert.equal(err.code, 'UnexpectedResponse');
    });

    it('a PAT without authorizationId is a service error', async () => {
      const { pats } = client(() => ({ status: 200, body: { patTokens: [{ displayName: 'x' }], continuationToken: '' } }));
      const err = await failure(collect(pats.listAll()));
      assert.equal(err.kind, 'service');
    });
  });

  describe('create', () => {
    it('POSTs once (not idempotent), registers the value at once and returns what the service says', async () => {
      const registered: string[] = [];
      const { http, pats } = client(() => ({ status: 200, body: { patToken: pat(1, { token: 'new-pat-value', validTo: '2026-12-15T00:00:00Z' }), patTokenError: 'none' } }), registered);
      const created = await pats.create({ displayName: 'pat-1', scope: 'vso.code', validTo: '2027-06-01T00:00:00Z', allOrgs: false });
      assert.equal(created.token, 'new-pat-value');
      assert.equal(created.validTo, '2026-12-15T00:00:00Z', 'a shortened validTo is returned as the service said');
      assert.deepEqual(registered, ['new-pat-value']);
      const req = http.requests[0];
      assert.equal(req.method, 'POST');
      assert.equal(req.idempotent, false);
      assert.equal(req.headers?.['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body!), { displayName: 'pat-1', scope: 'vso.code', validTo: '2027-06-01T00:00:00Z', allOrgs: false });
    });

    it('a create answer without the value is a service error', async () => {
      const { pats } = client(() => ({ status: 200, body: { patToken: pat(1), patTokenError: 'none' } }));
      assert.equal((await failure(pats.create({ displayName: 'x', scope: 'vso.code', validTo: 'x', allOrgs: false }))).kind, 'service');
    });

    for (const status of [500, 502, 504]) {
      it(`HTTP ${status} on create -> OutcomeUnknown (look before trying again)`, async () => {
        const { pats } = client(() => ({ status, body: { message: 'boom', typeKey: 'X' } }));
        const err = await failure(pats.create({ displayName: 'x', scope: 'vso.code', validTo: 'x', allOrgs: false }));
        assert.equal(err.code, 'OutcomeUnknown');
        assert.equal(err.retryable, true);
      });
    }

    it('an OutcomeUnknown from the HTTP layer bubbles up unchanged', async () => {
      const unknown = new PatLifecycleError('network', 'OutcomeUnknown', 'x', { retryable: true });
      const http = new FakeHttp(() => {
        throw unknown;
      });
      const pats = new PatClient({ http, vsspsUrl: VSSPS, organization: ORG, accessToken: AT });
      await assert.rejects(pats.create({ displayName: 'x', scope: 'vso.code', validTo: 'x', allOrgs: false }), (e) => e === unknown);
    });
  });

  describe('patTokenError in a 200', () => {
    it('every enum value but none has an entry', () => {
      assert.deepEqual(Object.keys(PAT_ERROR_TABLE).sort(), ALL_PAT_TOKEN_ERRORS.filter((e) => e !== 'none').sort());
    });

    for (const value of ALL_PAT_TOKEN_ERRORS.filter((e) => e !== 'none')) {
      it(`${value} -> a typed error with code patTokenError:${value}`, async () => {
        const { pats } = client(() => ({ status: 200, body: { patToken: null, patTokenError: value, patTokenErrorMessage: `Explained: ${value}.` }, headers: { 'x-vss-e2eid': 'rid-1' } }));
        const err = await failure(pats.create({ displayName: 'x', scope: 'vso.code', validTo: '2027-01-01T00:00:00Z', allOrgs: false }));
        assert.equal(err.code, `patTokenError:${value}`);
        assert.ok(['policy', 'input', 'notFound', 'auth', 'permission', 'service'].includes(err.kind));
        assert.ok((err.hint ?? '').length > 10, 'has a hint');
        assert.match(err.message, new RegExp(`Explained: ${value}`));
        assert.equal(err.requestId, 'rid-1');
      });
    }

    it('the policy refusals say what to do', async () => {
      const hintOf = async (value: string) => {
        const { pats } = client(() => ({ status: 200, body: { patToken: null, patTokenError: value } }));
        return (await failure(pats.create({ displayName: 'x', scope: 'app_token', validTo: 'x', allOrgs: false })));
      };
      const fullScope = await hintOf('fullScopePatPolicyViolation');
      assert.equal(fullScope.kind, 'policy');
      assert.match(fullScope.message, /blocks full-access PATs/);
      assert.match(fullScope.hint!, /explicit scopes/);
      assert.match((await hintOf('globalPatPolicyViolation')).hint!, /retired/);
      assert.match((await hintOf('globalPATCreationBlocked')).hint!, /retired/);
      assert.match((await hintOf('disablePatCreationPolicyViolation')).hint!, /allow list/);
      assert.match((await hintOf('expiredPatCannotBeExtended')).hint!, /[Cc]reate a new PAT/);
      assert.equal((await hintOf('authorizationNotFound')).kind, 'notFound');
      assert.equal((await hintOf('invalidScope')).input, 'scopes');
    });

    it('an unknown value is still a typed error keeping the value', async () => {
      const { pats } = client(() => ({ status: 200, body: { patToken: null, patTokenError: 'somethingNew' } }));
      const err = await failure(pats.update({ authorizationId: 'a', allOrgs: false }));
      assert.equal(err.code, 'patTokenError:somethingNew');
    });
  });

  describe('response errors', () => {
    it('HTTP 203 with an HTML sign-in page -> auth error explaining the token', async () => {
      const { pats } = client(() => ({ status: 203, body: '<html><body>Sign in</body></html>', headers: { 'content-type': 'text/html' } }));
      const err = await failure(collect(pats.listAll()));
      assert.equal(err.kind, 'auth');
      assert.match(err.message, /sign-in page/);
      assert.match(err.message, /not a user token Azure DevOps accepts/);
    });

    it('an HTML body under 200 is the sign-in page too', async () => {
      const { pats } = client(() => ({ status: 200, body: '<!DOCTYPE html><html></html>' }));
      assert.equal((await failure(pats.get('a'))).kind, 'auth');
    });

    it('a redirect to _signin is the sign-in page', async () => {
      const { pats } = client(() => ({ status: 302, headers: { location: 'https://spsprod.example/_signin?realm=vssps' } }));
      assert.match((await failure(pats.get('a'))).message, /sign-in page/);
    });

    it('InvalidAccessException "Service principals are not allowed" -> auth, a user account is required', async () => {
      const { pats } = client(() => ({
        status: 403,
        body: { $id: '1', innerException: null, message: 'Service principals are not allowed to perform this action.', typeName: 'Microsoft.TeamFoundation.Framework.Server.InvalidAccessException, Microsoft.TeamFoundation.Framework.Server', typeKey: 'InvalidAccessException', errorCode: 0, eventId: 3000 },
      }));
      const err = await failure(collect(pats.listAll()));
      assert.equal(err.kind, 'auth');
      assert.equal(err.code, 'InvalidAccessException');
      assert.match(err.message, /Service principals are not allowed/);
      assert.match(err.hint!, /user account/);
    });

    it('401 -> auth, 403 -> permission, with the VSS message and request id', async () => {
      const vss = (message: string, typeKey: string) => ({ message, typeKey, typeName: typeKey });
      let answer: Reply = { status: 401, body: vss('TF400813: The user is not authorized to access this resource.', 'UnauthorizedRequestException'), headers: { 'x-vss-e2eid': 'rid-401' } };
      const { pats } = client(() => answer);
      const e401 = await failure(pats.get('a'));
      assert.equal(e401.kind, 'auth');
      assert.equal(e401.status, 401);
      assert.equal(e401.requestId, 'rid-401');
      assert.match(e401.message, /TF400813/);
      answer = { status: 403, body: vss('Access denied.', 'AccessCheckException') };
      const e403 = await failure(pats.update({ authorizationId: 'a', allOrgs: false }));
      assert.equal(e403.kind, 'permission');
      assert.equal(e403.code, 'AccessCheckException');
    });

    it('uses X-TFS-ServiceError when the body has no message', async () => {
      const { pats } = client(() => ({ status: 400, headers: { 'x-tfs-serviceerror': encodeURIComponent('TF400898: An Internal Error Occurred.') } }));
      const err = await failure(pats.update({ authorizationId: 'a', allOrgs: false }));
      assert.match(err.message, /TF400898: An Internal Error Occurred\./);
      assert.equal(err.code, 'HTTP 400');
    });

    it('a 200 that is not JSON is a service error', async () => {
      const { pats } = client(() => ({ status: 200, body: 'not json', headers: { 'content-type': 'text/plain' } }));
      assert.equal((await failure(pats.get('a'))).kind, 'service');
    });
  });

  describe('get, update, revoke', () => {
    it('get returns the PAT, or undefined when it does not exist', async () => {
      let answer: Reply = { status: 200, body: { patToken: pat(3), patTokenError: 'none' } };
      const { http, pats } = client(() => answer);
      assert.equal((await pats.get(pat(3).authorizationId))?.displayName, 'pat-3');
      assert.equal(new URL(http.requests[0].url).searchParams.get('authorizationId'), pat(3).authorizationId);
      answer = { status: 200, body: { patToken: null, patTokenError: 'authorizationNotFound' } };
      assert.equal(await pats.get('x'), undefined);
      answer = { status: 404, body: { message: 'NoValidSessionTokenFound(x)', typeKey: 'SessionTokenNotFoundException' } };
      assert.equal(await pats.get('x'), undefined);
    });

    it('update PUTs the request and returns the PAT', async () => {
      const { http, pats } = client(() => ({ status: 200, body: { patToken: pat(4, { validTo: '2027-01-01T00:00:00Z' }), patTokenError: 'none' } }));
      const updated = await pats.update({ authorizationId: pat(4).authorizationId, validTo: '2027-02-01T00:00:00Z', allOrgs: false });
      assert.equal(updated.validTo, '2027-01-01T00:00:00Z');
      assert.equal(http.requests[0].method, 'PUT');
      assert.equal(JSON.parse(http.requests[0].body!).authorizationId, pat(4).authorizationId);
    });

    for (const [label, reply, expected] of [
      ['200 empty', { status: 200 }, 'revoked'],
      ['200 {}', { status: 200, body: {} }, 'revoked'],
      ['204', { status: 204 }, 'revoked'],
      ['404', { status: 404 }, 'notFound'],
      ['404 SessionTokenNotFoundException', { status: 404, body: { message: 'NoValidSessionTokenFound', typeKey: 'SessionTokenNotFoundException' } }, 'notFound'],
      ['400 SessionTokenNotFoundException', { status: 400, body: { message: 'NoValidSessionTokenFound', typeKey: 'SessionTokenNotFoundException' } }, 'notFound'],
      ['200 authorizationNotFound', { status: 200, body: { patToken: null, patTokenError: 'authorizationNotFound' } }, 'notFound'],
    ] as [string, Reply, string][]) {
      it(`revoke: ${label} -> ${expected}`, async () => {
        const { http, pats } = client(() => reply);
        assert.equal(await pats.revoke('id-1'), expected);
        assert.equal(http.requests[0].method, 'DELETE');
        assert.equal(new URL(http.requests[0].url).searchParams.get('authorizationId'), 'id-1');
      });
    }

    it('revoke: a 404 about the organization is an error, not notFound', async () => {
      const { pats } = client(() => ({ status: 404, body: { message: 'TF400813 host not found', typeKey: 'HostNotFoundException' } }));
      assert.equal((await failure(pats.revoke('id-1'))).kind, 'notFound');
    });
  });
});
