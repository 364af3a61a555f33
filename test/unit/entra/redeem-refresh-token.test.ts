import { strict as assert } from 'node:assert';
import { generate } from 'selfsigned';
import { redeemRefreshToken } from '../../../src/entra/redeem-refresh-token';
import { createHttpClient } from '../../../src/http/http-client';
import type { HttpClient } from '../../../src/http/types';
import type { EntraClientConfig } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import { createTls, type EmulatorTls } from '../../emulator/tls';
import { closedPort, json, startConnectProxy, startScriptedServer, text, type Handler, type ScriptedServer } from '../http/test-servers';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-aaaa-bbbb-cccc-222222222222';
const OLD_RT = '0.OLD-refresh-token-xxxxxxxxxxxxxxxx';
const NEW_RT = '0.NEW-refresh-token-yyyyyyyyyyyyyyyy';
const AT = 'eyJ.access-token-zzzzzzzzzzzzzzzzzz';

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const idToken = b64url({ alg: 'none', typ: 'JWT' }) + '.' + b64url({ aud: CLIENT, iss: `https://x/${TENANT}/v2.0`, oid: 'user-oid', tid: TENANT, sub: 's', preferred_username: 'ada@contoso.com', name: 'Ada', exp: 9999999999, iat: 1 }) + '.sig';

function tokenResponse(over: Record<string, unknown> = {}): Handler {
  return json(200, {
    token_type: 'Bearer',
    scope: '499b84ac-1321-427f-aa17-267ca6975798/user_impersonation',
    expires_in: 3600,
    ext_expires_in: 3600,
    access_token: AT,
    refresh_token: NEW_RT,
    id_token: idToken,
    client_info: b64url({ uid: 'user-oid', utid: TENANT }),
    ...over,
  });
}

function entraError(code: number, error = 'invalid_grant', extra: Record<string, unknown> = {}, status = 400): Handler {
  return json(status, {
    error,
    error_description: `AADSTS${code}: The refresh token ${OLD_RT} has expired.\r\nTrace ID: aaaaaaaa-0000-0000-0000-000000000001\r\nCorrelation ID: bbbbbbbb-0000-0000-0000-000000000002\r\nTimestamp: 2026-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: '2026-01-01 00:00:00Z',
    trace_id: 'aaaaaaaa-0000-0000-0000-000000000001',
    correlation_id: 'bbbbbbbb-0000-0000-0000-000000000002',
    ...extra,
  });
}

describe('redeemRefreshToken (real MSAL against a local token endpoint)', () => {
  let tls: EmulatorTls;
  let server: ScriptedServer;
  let http: HttpClient;
  let registered: string[];
  let logs: string[];
  const entra: EntraClientConfig = { tenantId: TENANT, clientId: CLIENT, refreshToken: OLD_RT };

  before(async () => {
    tls = await createTls();
    server = await startScriptedServer({ key: tls.keyPem, cert: tls.certPem });
    http = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem }, { delayFactor: 0 });
  });
  after(async () => {
    await http.close?.();
    await server.close();
    tls.dispose();
  });
  beforeEach(() => {
    registered = [];
    logs = [];
  });

  const redeem = (over: Partial<EntraClientConfig> = {}, client: HttpClient = http, authorityHost = server.url) =>
    redeemRefreshToken({ entra: { ...entra, ...over }, authorityHost, http: client, registerSecret: (v) => registered.push(v), log: (m) => logs.push(m) });

  async function failure(p: Promise<unknown>): Promise<PatLifecycleError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof PatLifecycleError, `expected PatLifecycleError, got ${String(e)}`);
      for (const s of [OLD_RT, NEW_RT, AT]) assert.ok(!e.describe().includes(s), 'no token in the error');
      return e;
    }
    assert.fail('expected a failure');
  }

  function assertNoSecretsLogged(): void {
    for (const line of logs) for (const s of [OLD_RT, NEW_RT, AT]) assert.ok(!line.includes(s), `secret in log line: ${line}`);
  }

  it('public client: one POST to the token endpoint, access token and rolled refresh token registered', async () => {
    server.script(tokenResponse());
    const session = await redeem();
    assert.equal(session.accessToken, AT);
    assert.equal(session.rolledRefreshToken, NEW_RT);
    assert.ok(session.expiresOn.getTime() > Date.now() + 3000_000);
    assert.deepEqual(session.account, { username: 'ada@contoso.com', objectId: 'user-oid', tenantId: TENANT });
    assert.deepEqual(registered, [AT, NEW_RT]);

    assert.equal(server.seen.length, 1, 'no discovery requests');
    const req = server.seen[0];
    assert.equal(req.method, 'POST');
    assert.match(req.url, new RegExp(`^/${TENANT}/oauth2/v2.0/token`));
    const form = new URLSearchParams(req.body);
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), OLD_RT);
    assert.equal(form.get('client_id'), CLIENT);
    assert.match(form.get('scope')!, /499b84ac-1321-427f-aa17-267ca6975798\/\.default/);
    assert.match(form.get('scope')!, /offline_access/);
    assert.equal(form.get('client_secret'), null);
    assertNoSecretsLogged();
  });

  it('confidential client with a secret sends client_secret', async () => {
    server.script(tokenResponse());
    await redeem({ clientSecret: 'app-secret-value-123' });
    const form = new URLSearchParams(server.seen[0].body);
    assert.equal(form.get('client_secret'), 'app-secret-value-123');
    assert.ok(!logs.some((l) => l.includes('app-secret-value-123')));
  });

  it('confidential client with a certificate sends a client assertion', async () => {
    const pems = await generate([{ name: 'commonName', value: 'pat-lifecycle-test' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    server.script(tokenResponse());
    await redeem({ clientCertificate: { certificatePem: pems.cert, privateKeyPem: pems.private, thumbprintSha256: 'ab'.repeat(32) } });
    const form = new URLSearchParams(server.seen[0].body);
    assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.ok((form.get('client_assertion') ?? '').split('.').length === 3);
  });

  it('works without id_token and client_info (forceCache still caches the refresh token)', async () => {
    server.script(tokenResponse({ id_token: undefined, client_info: undefined }));
    const session = await redeem();
    assert.equal(session.rolledRefreshToken, NEW_RT);
    assert.equal(session.account, undefined);
  });

  it('no refresh_token in the answer: rolledRefreshToken is undefined and the log says the old one stays', async () => {
    server.script(tokenResponse({ refresh_token: undefined }));
    const session = await redeem();
    assert.equal(session.rolledRefreshToken, undefined);
    assert.deepEqual(registered, [AT]);
    assert.ok(logs.some((l) => /did not return a new refresh token/.test(l)));
  });

  it('the same refresh token sent back counts as not rolled', async () => {
    server.script(tokenResponse({ refresh_token: OLD_RT }));
    const session = await redeem();
    assert.equal(session.rolledRefreshToken, undefined);
  });

  it('an answer without an access token is a clear auth error', async () => {
    server.script(tokenResponse({ access_token: undefined }));
    const err = await failure(redeem());
    assert.equal(err.kind, 'auth');
    assert.equal(err.code, 'NoAccessToken');
    assert.deepEqual(registered, [NEW_RT], 'the rolled token is still masked');
  });

  it('AADSTS70008 (invalid_grant) -> auth error with the code, trace id, and the login hint', async () => {
    server.script(entraError(70008));
    const err = await failure(redeem());
    assert.equal(err.kind, 'auth');
    assert.equal(err.code, 'AADSTS70008');
    assert.match(err.requestId ?? '', /aaaaaaaa-0000-0000-0000-000000000001/);
    assert.match(err.hint ?? '', /pat-lifecycle login/);
    assert.equal(server.seen.length, 1, 'a refusal is not retried');
    assertNoSecretsLogged();
  });

  it('AADSTS50076 with a suberror (InteractionRequiredAuthError in MSAL) -> policy error', async () => {
    server.script(entraError(50076, 'invalid_grant', { suberror: 'basic_action' }));
    const err = await failure(redeem());
    assert.equal(err.code, 'AADSTS50076');
    assert.equal(err.kind, 'policy');
  });

  it('AADSTS7000218 -> input error naming clientSecret', async () => {
    server.script(entraError(7000218, 'invalid_client', {}, 401));
    const err = await failure(redeem());
    assert.equal(err.code, 'AADSTS7000218');
    assert.equal(err.input, 'clientSecret');
  });

  it('a transient AADSTS in a 400 is retried through the HTTP layer', async () => {
    server.script(entraError(90033, 'temporarily_unavailable'), tokenResponse());
    const session = await redeem();
    assert.equal(session.accessToken, AT);
    assert.equal(server.seen.length, 2);
  });

  it('a 503 is retried, then the answer is used', async () => {
    server.script(text(503, ''), tokenResponse());
    const session = await redeem();
    assert.equal(session.accessToken, AT);
    assert.equal(server.seen.length, 2);
  });

  it('an HTML answer (proxy or captive portal) -> service error naming the authority host', async () => {
    server.script(text(200, '<html>Sign in to the hotel wifi</html>', { 'content-type': 'text/html' }));
    const err = await failure(redeem());
    assert.equal(err.kind, 'service');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${server.port}`));
    assert.doesNotMatch(err.message, /hotel/);
  });

  it('an unreachable authority -> network error naming the host (not a bare MSAL network_error)', async () => {
    const port = await closedPort();
    const err = await failure(redeem({}, http, `https://127.0.0.1:${port}`));
    assert.equal(err.kind, 'network');
    assert.equal(err.code, 'ECONNREFUSED');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  it('an untrusted TLS certificate -> network error with the CA hint', async () => {
    const untrusting = createHttpClient({ timeoutMs: 5000 }, { delayFactor: 0 });
    try {
      server.script(tokenResponse());
      const err = await failure(redeem({}, untrusting));
      assert.equal(err.kind, 'network');
      assert.match(err.hint ?? '', /CAInfo|NODE_EXTRA_CA_CERTS/);
    } finally {
      await untrusting.close?.();
    }
  });

  it('MSAL goes through the agent proxy (its network client is our HTTP client)', async () => {
    const proxy = await startConnectProxy({ username: 'u', password: 'p' });
    const proxied = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy: { url: proxy.url, username: 'u', password: 'p', bypass: [] } }, { delayFactor: 0 });
    try {
      server.script(tokenResponse());
      const session = await redeem({}, proxied);
      assert.equal(session.accessToken, AT);
      assert.deepEqual(proxy.connects.map((c) => c.target), [`127.0.0.1:${server.port}`]);
    } finally {
      await proxied.close?.();
      await proxy.close();
    }
  });

  it('the public cloud authority makes exactly one POST to login.microsoftonline.com (no discovery)', async () => {
    const urls: string[] = [];
    const rewriting: HttpClient = {
      request: (req) => {
        urls.push(`${req.method} ${req.url}`);
        return http.request({ ...req, url: req.url.replace('https://login.microsoftonline.com', server.url) });
      },
    };
    server.script(tokenResponse());
    const session = await redeem({}, rewriting, 'https://login.microsoftonline.com');
    assert.equal(session.accessToken, AT);
    assert.equal(urls.length, 1);
    assert.match(urls[0], new RegExp(`^POST https://login\\.microsoftonline\\.com/${TENANT}/oauth2/v2\\.0/token`));
  });
});
