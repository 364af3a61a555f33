import assert from 'node:assert/strict';
import { createPublicKey, createHash, randomBytes } from 'node:crypto';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator, type EmulatorUser } from '../index';
import { decodeJwt, verifyJwtSignature } from '../tokens';
import { AADSTS } from '../entra-errors';
import { call, childEnv, runClient } from './helpers';

const ADO_SCOPE = `${AZURE_DEVOPS_RESOURCE}/.default`;
const DAY = 24 * 3600 * 1000;

describe('emulated Entra', function () {
  let emu: Emulator;
  let tenant: string;
  let alice: EmulatorUser;
  let authority: string;
  let known: string[];

  type Case = { clientId: string; refreshToken: string; secret?: string; scopes?: string[]; origin?: string; twice?: boolean; authority?: string; authorityMetadata?: boolean };
  const redeem = async (c: Case | Case[]) => {
    const toInput = (x: Case) => ({ authority: x.authority ?? authority, knownAuthorities: known, scopes: [ADO_SCOPE], ...x });
    const r = await runClient('msal-refresh.ts', childEnv(emu, { CLIENT_INPUT: JSON.stringify(Array.isArray(c) ? c.map(toInput) : toInput(c)) }));
    return r.result();
  };
  const tokenPost = (form: Record<string, string>, headers: Record<string, string> = {}, t = tenant) =>
    call(emu, {
      method: 'POST',
      path: `/${t}/oauth2/v2.0/token?client-request-id=${emu.core.newGuid()}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });

  before(async () => {
    emu = await startEmulator();
    tenant = emu.control.entra.defaultTenantId;
    alice = emu.control.entra.addUser({ upn: 'alice@contoso.onmicrosoft.com', displayName: 'Alice' });
    authority = `${emu.urls.authorityHost}/${tenant}`;
    known = [`127.0.0.1:${emu.urls.port}`];
  });
  after(() => emu.close());
  afterEach(() => emu.clock.set(Date.now()));

  describe('discovery', () => {
    it('serves the v2 OpenID configuration with an issuer MSAL accepts', async () => {
      const r = await call(emu, { path: `/${tenant}/v2.0/.well-known/openid-configuration` });
      assert.equal(r.status, 200);
      const doc = r.json();
      assert.equal(doc.issuer, `${emu.urls.authorityHost}/${tenant}/v2.0`);
      assert.equal(doc.token_endpoint, `${authority}/oauth2/v2.0/token`);
      assert.equal(doc.authorization_endpoint, `${authority}/oauth2/v2.0/authorize`);
      assert.equal(doc.device_authorization_endpoint, `${authority}/oauth2/v2.0/devicecode`);
      assert.equal(doc.end_session_endpoint, `${authority}/oauth2/v2.0/logout`);
      assert.equal(doc.jwks_uri, `${authority}/discovery/v2.0/keys`);
      const common = (await call(emu, { path: '/organizations/v2.0/.well-known/openid-configuration' })).json();
      assert.equal(common.issuer, `${emu.urls.authorityHost}/{tenantid}/v2.0`);
      const domain = (await call(emu, { path: `/${emu.control.entra.defaultTenantDomain}/v2.0/.well-known/openid-configuration` })).json();
      assert.equal(domain.issuer, `${emu.urls.authorityHost}/${tenant}/v2.0`);
      const unknown = await call(emu, { path: '/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.json().error_codes, [90002]);
    });

    it('serves instance discovery with the emulator host as its only alias', async () => {
      const ae = encodeURIComponent(`${authority}/oauth2/v2.0/authorize`);
      const r = (await call(emu, { path: `/common/discovery/instance?api-version=1.1&authorization_endpoint=${ae}` })).json();
      const host = `127.0.0.1:${emu.urls.port}`;
      assert.equal(r.tenant_discovery_endpoint, `${authority}/v2.0/.well-known/openid-configuration`);
      assert.deepEqual(r.metadata, [{ preferred_network: host, preferred_cache: host, aliases: [host] }]);
    });

    it('publishes the signing key as a JWKS that verifies issued access tokens', async () => {
      const { keys } = (await call(emu, { path: `/${tenant}/discovery/v2.0/keys` })).json();
      const token = emu.core.issueAccessToken({ kind: 'app', objectId: 'o', appId: 'a', tenantId: tenant, audience: AZURE_DEVOPS_RESOURCE }, AZURE_DEVOPS_RESOURCE);
      const jwt = decodeJwt(token)!;
      const key = keys.find((k: { kid: string }) => k.kid === jwt.header.kid);
      assert.ok(key);
      assert.ok(verifyJwtSignature(jwt, createPublicKey({ key, format: 'jwk' })));
      assert.equal(jwt.payload.iss, `https://sts.windows.net/${tenant}/`);
    });
  });

  describe('refresh token redemption with real msal-node', () => {
    it('PublicClientApplication redeems, and the rolled refresh token comes out of the serialized cache', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const r = await redeem({ clientId: app.clientId, refreshToken });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.refreshTokens.length, 1);
      const rolled = r.refreshTokens[0];
      assert.notEqual(rolled, refreshToken);
      const info = emu.control.entra.refreshTokenInfo(refreshToken)!;
      assert.equal(info.redemptions, 1);
      assert.equal(info.rolledTo, rolled);
      assert.equal(emu.control.entra.refreshTokenInfo(rolled)!.rolledFrom, refreshToken);
      // The access token is for Azure DevOps, delegated, and verifies as the user.
      const check = emu.core.verifyBearer({ headers: { authorization: `Bearer ${r.accessToken}` } } as never, AZURE_DEVOPS_RESOURCE);
      assert.ok(check.ok);
      assert.equal(check.principal.kind, 'user');
      if (check.principal.kind === 'user') {
        assert.equal(check.principal.userId, alice.userId);
        assert.equal(check.principal.upn, alice.upn);
        assert.equal(check.principal.clientId, app.clientId);
        assert.deepEqual(check.principal.scopes, ['user_impersonation']);
      }
      const claims = decodeJwt(r.accessToken)!.payload;
      assert.equal(claims.idtyp, 'user');
      assert.equal(claims.scp, 'user_impersonation');
      assert.equal(claims.aud, AZURE_DEVOPS_RESOURCE);
      assert.equal(r.account.username, alice.upn);
      assert.equal(r.account.tenantId, tenant);
      assert.equal(r.idTokenClaims.aud, app.clientId);
      assert.equal(r.idTokenClaims.oid, alice.userId);
    });

    it('the old refresh token stays valid (as in Entra) and every redemption is counted', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const r = await redeem([
        { clientId: app.clientId, refreshToken, twice: true },
        { clientId: app.clientId, refreshToken },
      ]);
      assert.ok(r[0].ok && r[1].ok);
      assert.notEqual(r[0].second.refreshTokens[0], r[0].refreshTokens[0]);
      assert.equal(emu.control.entra.refreshTokenInfo(refreshToken)!.redemptions, 2);
      assert.equal(emu.control.entra.refreshTokenInfo(r[0].refreshTokens[0])!.redemptions, 1);
      const chain = emu.control.entra.refreshTokens({ clientId: app.clientId });
      assert.equal(chain.length, 4);
      assert.equal(chain.filter((c) => c.redemptions > 1).length, 1);
    });

    it('ConfidentialClientApplication redeems with its secret; a wrong secret gives 7000215', async () => {
      const app = emu.control.entra.addApp({ kind: 'confidential' });
      assert.ok(app.secret);
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const [good, bad, none] = await redeem([
        { clientId: app.clientId, refreshToken, secret: app.secret },
        { clientId: app.clientId, refreshToken, secret: 'not-the-secret' },
        { clientId: app.clientId, refreshToken },
      ]);
      assert.equal(good.ok, true, JSON.stringify(good.error));
      assert.equal(good.refreshTokens.length, 1);
      assert.equal(bad.error.errorNo, 7000215);
      assert.equal(bad.error.errorCode, 'invalid_client');
      assert.equal(none.error.errorNo, 7000218, 'a confidential RT redeemed without a credential');
    });

    it('a public client sending a secret gets 700025', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const r = await redeem({ clientId: app.clientId, refreshToken, secret: 'anything' });
      assert.equal(r.error.errorNo, 700025);
    });

    it('SPA refresh tokens: 9002327 without an Origin header, accepted with one, dead after 24 h (700084)', async () => {
      const app = emu.control.entra.addApp({ kind: 'spa' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const [noOrigin, withOrigin] = await redeem([
        { clientId: app.clientId, refreshToken },
        { clientId: app.clientId, refreshToken, origin: 'http://localhost:3000' },
      ]);
      assert.equal(noOrigin.error.errorNo, 9002327);
      assert.equal(withOrigin.ok, true, JSON.stringify(withOrigin.error));
      // Rotation does not extend an SPA token's life.
      const rolled = withOrigin.refreshTokens[0];
      assert.equal(emu.control.entra.refreshTokenInfo(rolled)!.expiresAt, emu.control.entra.refreshTokenInfo(refreshToken)!.expiresAt);
      emu.clock.advance(DAY + 60_000);
      const late = await redeem({ clientId: app.clientId, refreshToken: rolled, origin: 'http://localhost:3000' });
      assert.equal(late.error.errorNo, 700084);
    });

    it('unknown client 700016, unknown tenant 90002, garbage token 9002313, token of another app 70000, no consent 65001', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const other = emu.control.entra.addApp({ kind: 'public' });
      const noConsent = emu.control.entra.addApp({ kind: 'public', consentedScopes: false });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const rt2 = emu.control.entra.signIn({ userId: alice.userId, clientId: noConsent.clientId }).refreshToken;
      const results = await redeem([
        { clientId: emu.core.newGuid(), refreshToken },
        { clientId: app.clientId, refreshToken, authority: `${emu.urls.authorityHost}/${emu.core.newGuid()}`, authorityMetadata: true },
        { clientId: app.clientId, refreshToken: 'garbage' },
        { clientId: other.clientId, refreshToken },
        { clientId: noConsent.clientId, refreshToken: rt2 },
      ]);
      assert.deepEqual(
        results.map((r: { error: { errorNo: number } }) => r.error.errorNo),
        [700016, 90002, 9002313, 70000, 65001],
      );
      assert.equal(results[0].error.errorCode, 'unauthorized_client');
      assert.equal(results[1].error.errorCode, 'invalid_request');
      assert.equal(results[4].error.name, 'InteractionRequiredAuthError');
      assert.equal(results[4].error.subError, 'consent_required');
    });

    it('every injectable AADSTS code reaches MSAL with its errorNo, error and suberror', async () => {
      const codes = [70008, 700082, 50173, 50076, 50079, 65001, 53003, 70043, 700016, 7000215, 7000218, 700025, 90002, 9002327, 90006];
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      for (const code of codes) emu.control.entra.failNextRedemption({ code });
      // A fresh app per case: MSAL remembers a 503 with Retry-After and would throttle the next identical call.
      const results = await redeem(codes.map(() => ({ clientId: app.clientId, refreshToken })));
      codes.forEach((code, i) => {
        const e = results[i].error;
        assert.ok(e, `AADSTS${code} did not fail`);
        assert.equal(Number(e.errorNo), code, `errorNo for ${code}`);
        assert.equal(e.errorCode, AADSTS[code]!.error, `error for ${code}`);
        assert.equal(e.subError || undefined, AADSTS[code]!.suberror, `suberror for ${code}`);
        assert.match(e.message, new RegExp(`AADSTS${code}:`));
      });
      const byName = Object.fromEntries(codes.map((c, i) => [c, results[i].error.name]));
      assert.equal(byName[70008], 'ServerError');
      assert.equal(byName[50076], 'InteractionRequiredAuthError');
      assert.equal(byName[53003], 'InteractionRequiredAuthError');
      // Injected failures consume nothing: the token still works afterwards, and each attempt was counted.
      const after = await redeem({ clientId: app.clientId, refreshToken });
      assert.equal(after.ok, true);
      const info = emu.control.entra.refreshTokenInfo(refreshToken)!;
      assert.equal(info.redemptions, 1);
      assert.equal(info.attempts, codes.length + 1);
    });

    it('error bodies have the documented shape, with Trace ID, Correlation ID and Timestamp in the description', async () => {
      emu.control.entra.failNextRedemption({ code: 70008 });
      const corr = emu.core.newGuid();
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: 'x', refresh_token: 'y' }, { 'client-request-id': corr });
      assert.equal(r.status, 400);
      const b = r.json();
      assert.equal(b.error, 'invalid_grant');
      assert.deepEqual(b.error_codes, [70008]);
      assert.match(b.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      assert.match(b.trace_id, /^[0-9a-f-]{36}$/);
      assert.equal(b.correlation_id, corr);
      assert.equal(b.error_uri, `${emu.urls.authorityHost}/error?code=70008`);
      assert.equal(
        b.error_description,
        `AADSTS70008: ${AADSTS[70008]!.text}\r\nTrace ID: ${b.trace_id}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${b.timestamp}`,
      );
      assert.equal(b.suberror, undefined);
      const unauth = await tokenPost({ grant_type: 'refresh_token', client_id: emu.control.entra.addApp({ kind: 'public' }).clientId, refresh_token: 'y', client_secret: 'z' });
      assert.equal(unauth.status, 401);
      assert.equal(unauth.json().error, 'invalid_client');
    });

    it('429 and 503 injections carry Retry-After and reach MSAL as errors', async () => {
      emu.log.clear();
      emu.control.entra.failNextRedemption({ status: 429, retryAfterSeconds: 3 });
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: 'x', refresh_token: 'y' });
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '3');
      assert.equal(r.json().error, 'temporarily_unavailable');
      emu.control.entra.failNextRedemption({ status: 503, retryAfterSeconds: 0, times: 2 });
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const [a, b, c] = await redeem([
        { clientId: app.clientId, refreshToken },
        { clientId: app.clientId, refreshToken },
        { clientId: app.clientId, refreshToken },
      ]);
      assert.equal(Number(a.error.errorNo), 90006);
      assert.equal(Number(b.error.errorNo), 90006);
      assert.equal(c.ok, true);
      assert.equal(emu.log.count({ route: 'entra.token', status: 503 }), 2);
    });

    it('90 days of inactivity on the emulator clock gives 700082; a redemption within them rolls the window', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const first = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId }).refreshToken;
      const second = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId }).refreshToken;
      emu.clock.advance(89 * DAY);
      const ok = await redeem({ clientId: app.clientId, refreshToken: second });
      assert.equal(ok.ok, true, JSON.stringify(ok.error));
      emu.clock.advance(2 * DAY);
      // childEnv() is read after the clock moved, so the child agrees with the emulator about "now".
      const [dead, alive] = await redeem([
        { clientId: app.clientId, refreshToken: first },
        { clientId: app.clientId, refreshToken: ok.refreshTokens[0] },
      ]);
      assert.equal(dead.error.errorNo, 700082);
      assert.equal(dead.error.errorCode, 'invalid_grant');
      assert.match(dead.error.message, /was inactive for 91\.00:/);
      assert.equal(alive.ok, true, JSON.stringify(alive.error));
    });

    it('revokeSessions makes earlier refresh tokens fail with 50173; later sign-ins work', async () => {
      const bob = emu.control.entra.addUser({ upn: 'bob@contoso.onmicrosoft.com' });
      const app = emu.control.entra.addApp({ kind: 'public' });
      const old = emu.control.entra.signIn({ userId: bob.userId, clientId: app.clientId }).refreshToken;
      emu.control.entra.revokeSessions(bob.userId);
      const fresh = emu.control.entra.signIn({ userId: bob.userId, clientId: app.clientId }).refreshToken;
      const [a, b] = await redeem([
        { clientId: app.clientId, refreshToken: old },
        { clientId: app.clientId, refreshToken: fresh },
      ]);
      assert.equal(a.error.errorNo, 50173);
      assert.equal(b.ok, true);
    });

    it('asks for Key Vault: the same refresh token gives a vault-audience token', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const r = await redeem({ clientId: app.clientId, refreshToken, scopes: [`${emu.urls.keyVaultResource}/.default`] });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(decodeJwt(r.accessToken)!.payload.aud, emu.urls.keyVaultResource);
      const unknown = await tokenPost({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: r.refreshTokens[0], scope: 'https://nowhere.example/.default offline_access' });
      assert.deepEqual(unknown.json().error_codes, [500011]);
    });

    it('issues a refresh token only when offline_access is asked for', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken, scope: ADO_SCOPE, unknown_field: 'ignored' });
      assert.equal(r.status, 200);
      const b = r.json();
      assert.equal(b.token_type, 'Bearer');
      assert.equal(b.expires_in, 3600);
      assert.equal(b.ext_expires_in, 3600);
      assert.equal(b.refresh_token, undefined);
      assert.equal(b.id_token, undefined);
      const r2 = (await tokenPost({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken, scope: `${ADO_SCOPE} openid offline_access`, client_info: '1' })).json();
      assert.ok(r2.refresh_token);
      assert.ok(r2.id_token);
      assert.deepEqual(JSON.parse(Buffer.from(r2.client_info, 'base64url').toString()), { uid: alice.userId, utid: tenant });
    });
  });

  describe('device code flow', () => {
    it('runs end to end with msal-node: pending until the test approves the user code', async () => {
      emu.control.entra.setDeviceCodeInterval(1);
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      let approved = false;
      const r = await runClient('device-code.ts', childEnv(emu, { CLIENT_INPUT: JSON.stringify({ authority, knownAuthorities: known, clientId: app.clientId, scopes: [ADO_SCOPE] }) }), {
        onLine: (line) => {
          if (approved || !line.includes('userCode')) return;
          const { userCode } = JSON.parse(line);
          // Let one poll see authorization_pending first.
          setTimeout(() => emu.control.entra.approveDeviceCode(userCode, alice.userId), 300);
          approved = true;
        },
      });
      const res = r.result();
      assert.equal(res.ok, true, JSON.stringify(res.error));
      assert.equal(res.username, alice.upn);
      assert.equal(res.refreshTokens.length, 1);
      assert.ok(emu.log.count({ route: 'entra.token', status: 400 }) >= 1, 'at least one authorization_pending poll');
      assert.ok(emu.log.count({ route: 'entra.devicecode', status: 200 }) >= 1);
    });

    it('authorization_pending, then expired_token once the code expires on the emulator clock', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
      const dc = (
        await call(emu, {
          method: 'POST',
          path: `/${tenant}/oauth2/v2.0/devicecode`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: app.clientId, scope: `${ADO_SCOPE} offline_access` }).toString(),
        })
      ).json();
      assert.match(dc.user_code, /^[A-Z]{9}$/);
      assert.equal(dc.expires_in, 900);
      assert.ok(dc.verification_uri);
      assert.match(dc.message, new RegExp(dc.user_code));
      const poll = () => tokenPost({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: app.clientId, device_code: dc.device_code });
      const pending = (await poll()).json();
      assert.equal(pending.error, 'authorization_pending');
      assert.deepEqual(pending.error_codes, [70016]);
      emu.clock.advance(901 * 1000);
      const expired = (await poll()).json();
      assert.equal(expired.error, 'expired_token');
    });

    it('needs "allow public client flows" (7000218 otherwise)', async () => {
      const app = emu.control.entra.addApp({ kind: 'public' });
      const dc = (
        await call(emu, {
          method: 'POST',
          path: `/${tenant}/oauth2/v2.0/devicecode`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: app.clientId, scope: ADO_SCOPE }).toString(),
        })
      ).json();
      emu.control.entra.approveDeviceCode(dc.user_code, alice.userId);
      const r = (await tokenPost({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: app.clientId, device_code: dc.device_code })).json();
      assert.deepEqual(r.error_codes, [7000218]);
    });
  });

  describe('authorization code + PKCE', () => {
    const runAuthCode = (clientId: string, extra: object = {}) =>
      runClient('auth-code.ts', childEnv(emu, { CLIENT_INPUT: JSON.stringify({ authority, knownAuthorities: known, clientId, scopes: [ADO_SCOPE], ...extra }) }));

    it('runs end to end with msal-node and a loopback redirect on any port', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', redirectUris: ['http://localhost/callback'] });
      emu.control.entra.setBrowserUser(alice.userId);
      const r = (await runAuthCode(app.clientId)).result();
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.stateMatches, true);
      assert.equal(r.username, alice.upn);
      assert.equal(r.refreshTokens.length, 1);
      assert.equal(emu.control.entra.refreshTokenInfo(r.refreshTokens[0])!.clientId, app.clientId);
      // The code rode in a redirect: the log must not show it.
      assert.equal(emu.log.count({ route: 'entra.authorize', status: 302 }), 1);
    });

    it('a wrong code_verifier fails with 501481', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', redirectUris: ['http://localhost/callback'] });
      emu.control.entra.setBrowserUser(alice.userId);
      const r = (await runAuthCode(app.clientId, { wrongVerifier: true })).result();
      assert.equal(r.ok, false);
      assert.equal(Number(r.error.errorNo), 501481);
    });

    it('errors: unregistered redirect URI is a page (no redirect); no consent redirects with consent_required; codes are single-use', async () => {
      const app = emu.control.entra.addApp({ kind: 'public', redirectUris: ['http://localhost/callback'] });
      const authz = (clientId: string, redirect: string, challenge?: string) =>
        call(emu, {
          path: `/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
            client_id: clientId,
            redirect_uri: redirect,
            response_type: 'code',
            scope: `${ADO_SCOPE} offline_access openid`,
            state: 's1',
            ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
          })}`,
        });
      const bad = await authz(app.clientId, 'https://evil.example/callback');
      assert.equal(bad.status, 400);
      assert.match(bad.body, /AADSTS50011/);
      const noConsent = emu.control.entra.addApp({ kind: 'public', consentedScopes: false });
      const c = await authz(noConsent.clientId, 'http://localhost:5555');
      assert.equal(c.status, 302);
      const loc = new URL(String(c.headers['location']));
      assert.equal(loc.searchParams.get('error'), 'consent_required');
      assert.equal(loc.searchParams.get('state'), 's1');
      assert.match(loc.searchParams.get('error_description')!, /^AADSTS65001/);

      emu.control.entra.setBrowserUser(alice.userId);
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const ok = await authz(app.clientId, 'http://127.0.0.1:4321/callback'.replace('127.0.0.1', 'localhost'), challenge);
      const code = new URL(String(ok.headers['location'])).searchParams.get('code')!;
      const redeemCode = (redirect: string) =>
        tokenPost({ grant_type: 'authorization_code', client_id: app.clientId, code, redirect_uri: redirect, code_verifier: verifier, scope: ADO_SCOPE });
      assert.deepEqual((await redeemCode('http://localhost:9999/callback')).json().error_codes, [50011]);
      assert.equal((await redeemCode('http://localhost:4321/callback')).status, 200);
      assert.deepEqual((await redeemCode('http://localhost:4321/callback')).json().error_codes, [54005]);
    });
  });

  describe('client credentials', () => {
    it('with a secret (raw form post) gives an app token; scope must end in /.default', async () => {
      const app = emu.control.entra.addApp({ kind: 'confidential' });
      const r = await tokenPost({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret!, scope: `${emu.urls.keyVaultResource}/.default` });
      assert.equal(r.status, 200);
      const b = r.json();
      assert.equal(b.refresh_token, undefined);
      const check = emu.core.verifyBearer({ headers: { authorization: `Bearer ${b.access_token}` } } as never, emu.urls.keyVaultResource);
      assert.ok(check.ok && check.principal.kind === 'app' && check.principal.appId === app.clientId && check.principal.objectId === app.objectId);
      const basic = await tokenPost(
        { grant_type: 'client_credentials', client_id: app.clientId, scope: ADO_SCOPE },
        { Authorization: `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}` },
      );
      assert.equal(basic.status, 200);
      const badScope = await tokenPost({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret!, scope: `${AZURE_DEVOPS_RESOURCE}/user_impersonation` });
      assert.deepEqual(badScope.json().error_codes, [1002012]);
      const pub = emu.control.entra.addApp({ kind: 'public' });
      assert.deepEqual((await tokenPost({ grant_type: 'client_credentials', client_id: pub.clientId, scope: ADO_SCOPE })).json().error_codes, [7000218]);
    });

    it('with @azure/identity ClientSecretCredential', async () => {
      const app = emu.control.entra.addApp({ kind: 'confidential' });
      const r = (
        await runClient('identity.ts', childEnv(emu, {
          CLIENT_INPUT: JSON.stringify({ kind: 'secret', tenantId: tenant, clientId: app.clientId, secret: app.secret, scope: `${emu.urls.keyVaultResource}/.default`, authorityHost: emu.urls.authorityHost, disableInstanceDiscovery: true }),
        }))
      ).result();
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(decodeJwt(r.token)!.payload.aud, emu.urls.keyVaultResource);
    });

    it('with a certificate assertion from @azure/identity ClientCertificateCredential (x5t#S256, PS256)', async () => {
      const { generate } = await import('selfsigned');
      const cert = await generate([{ name: 'commonName', value: 'pat-lifecycle-sp' }], { keySize: 2048, algorithm: 'sha256' });
      const app = emu.control.entra.addApp({ kind: 'confidential', certificatePem: cert.cert });
      const other = await generate([{ name: 'commonName', value: 'someone-else' }], { keySize: 2048, algorithm: 'sha256' });
      const input = (pem: string, sendCertificateChain = false) =>
        JSON.stringify({ kind: 'certificate', tenantId: tenant, clientId: app.clientId, certificatePem: pem, sendCertificateChain, scope: `${emu.urls.keyVaultResource}/.default`, authorityHost: emu.urls.authorityHost, disableInstanceDiscovery: true });
      const ok = (await runClient('identity.ts', childEnv(emu, { CLIENT_INPUT: input(`${cert.cert}\n${cert.private}`) }))).result();
      assert.equal(ok.ok, true, JSON.stringify(ok.error));
      const chain = (await runClient('identity.ts', childEnv(emu, { CLIENT_INPUT: input(`${cert.cert}\n${cert.private}`, true) }))).result();
      assert.equal(chain.ok, true, JSON.stringify(chain.error));
      const wrong = (await runClient('identity.ts', childEnv(emu, { CLIENT_INPUT: input(`${other.cert}\n${other.private}`) }))).result();
      assert.equal(wrong.ok, false);
      assert.match(wrong.error.message, /AADSTS700027/);
    });
  });

  describe('job tokens and secrets', () => {
    it('issueJobToken gives a System.AccessToken that verifies as a job principal for Azure DevOps', () => {
      const { token, principal } = emu.control.entra.issueJobToken({ org: 'fabrikam', projectId: 'p1' });
      const check = emu.core.verifyBearer({ headers: { authorization: `Bearer ${token}` } } as never, AZURE_DEVOPS_RESOURCE);
      assert.ok(check.ok);
      assert.deepEqual(check.principal, principal);
      assert.equal(emu.control.entra.issueJobToken({ org: 'fabrikam', projectId: 'p1' }).principal.objectId, principal.objectId);
    });

    it('the request log never contains a value from secrets()', () => {
      const secrets = emu.secrets();
      assert.ok(secrets.length > 20, `only ${secrets.length} secrets recorded`);
      const dump = JSON.stringify(emu.log.entries());
      for (const s of secrets) assert.ok(!dump.includes(s), `log leaks a secret starting ${s.slice(0, 4)}`);
    });
  });
});
