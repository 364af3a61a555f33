import { strict as assert } from 'node:assert';
import { redeemRefreshToken } from '../../../src/entra/redeem-refresh-token';
import type { EntraClientConfig } from '../../../src/config/types';
import { startHarness, type Harness } from './emulator-harness';

describe('redeemRefreshToken against the emulator (real MSAL)', function () {
  this.timeout(30_000);
  let h: Harness;
  let registered: string[];
  let logs: string[];

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => {
    registered = [];
    logs = [];
  });

  const redeem = (entra: Partial<EntraClientConfig> & { refreshToken: string }) =>
    redeemRefreshToken({
      entra: { tenantId: h.tenantId, clientId: h.publicClientId, ...entra },
      authorityHost: h.emu.urls.authorityHost,
      http: h.http,
      registerSecret: (v) => registered.push(v),
      log: (m) => logs.push(m),
    });

  const failure = (p: Promise<unknown>) => h.failure(p);

  it('redeems, rolls the refresh token, and the rolled one works next time; one POST, no discovery', async () => {
    const rt = h.refreshToken();
    const before = h.emu.log.entries().length;
    const first = await redeem({ refreshToken: rt });
    assert.ok(first.accessToken.length > 20);
    assert.ok(first.rolledRefreshToken && first.rolledRefreshToken !== rt);
    assert.deepEqual(registered, [first.accessToken, first.rolledRefreshToken]);
    assert.equal(first.account?.username, h.user.upn);
    assert.equal(first.account?.objectId, h.user.userId);
    assert.ok(first.expiresOn.getTime() > Date.now());
    const entries = h.emu.log.entries().slice(before);
    assert.equal(entries.length, 1, `requests: ${entries.map((e: { method: string; path: string }) => `${e.method} ${e.path}`).join(', ')}`);

    const second = await redeem({ refreshToken: first.rolledRefreshToken! });
    assert.ok(second.rolledRefreshToken && second.rolledRefreshToken !== first.rolledRefreshToken);
    for (const line of logs) for (const s of h.emu.secrets()) assert.ok(!line.includes(s), `secret in log: ${line}`);
  });

  it('a revoked session -> AADSTS50173 auth error with the login hint', async () => {
    const rt = h.refreshToken();
    h.emu.control.entra.revokeSessions(h.user.userId);
    const err = await failure(redeem({ refreshToken: rt }));
    assert.equal(err.code, 'AADSTS50173');
    assert.equal(err.kind, 'auth');
    assert.match(err.hint ?? '', /pat-lifecycle login/);
    assert.ok(err.requestId, 'Entra trace id kept');
  });

  it('an injected AADSTS70008 -> auth error', async () => {
    const rt = h.refreshToken();
    h.emu.control.entra.failNextRedemption({ code: 70008 });
    const err = await failure(redeem({ refreshToken: rt }));
    assert.equal(err.code, 'AADSTS70008');
  });

  it('MFA required (50076) -> policy error', async () => {
    const rt = h.refreshToken();
    h.emu.control.entra.failNextRedemption({ code: 50076 });
    const err = await failure(redeem({ refreshToken: rt }));
    assert.equal(err.code, 'AADSTS50076');
    assert.equal(err.kind, 'policy');
  });

  it('a 503 with Retry-After is retried by the HTTP layer', async () => {
    const rt = h.refreshToken();
    h.emu.control.entra.failNextRedemption({ status: 503, retryAfterSeconds: 1 });
    const session = await redeem({ refreshToken: rt });
    assert.ok(session.accessToken);
  });

  it('a transient AADSTS (90006, temporarily_unavailable) is retried', async () => {
    const rt = h.refreshToken();
    h.emu.control.entra.failNextRedemption({ code: 90006 });
    const session = await redeem({ refreshToken: rt });
    assert.ok(session.accessToken);
  });

  it('a public client sending a secret -> AADSTS700025 input error', async () => {
    const err = await failure(redeem({ refreshToken: h.refreshToken(), clientSecret: 'not-needed-secret' }));
    assert.equal(err.code, 'AADSTS700025');
    assert.equal(err.input, 'clientSecret');
  });

  it('a confidential app: without its secret -> AADSTS7000218; with it -> works', async () => {
    const app = h.emu.control.entra.addApp({ kind: 'confidential' });
    const rt = h.refreshToken(app.clientId);
    const err = await failure(redeem({ clientId: app.clientId, refreshToken: rt }));
    assert.equal(err.code, 'AADSTS7000218');
    const wrong = await failure(redeem({ clientId: app.clientId, refreshToken: rt, clientSecret: 'wrong-secret-value' }));
    assert.equal(wrong.code, 'AADSTS7000215');
    const ok = await redeem({ clientId: app.clientId, refreshToken: rt, clientSecret: app.secret });
    assert.ok(ok.rolledRefreshToken);
  });

  it('no consent -> AADSTS65001 permission error', async () => {
    const app = h.emu.control.entra.addApp({ kind: 'public', consentedScopes: false });
    const err = await failure(redeem({ clientId: app.clientId, refreshToken: h.refreshToken(app.clientId) }));
    assert.equal(err.code, 'AADSTS65001');
    assert.equal(err.kind, 'permission');
  });
});
