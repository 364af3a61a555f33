import { strict as assert } from 'node:assert';
import type { AuthenticationResult, AuthorizationCodeRequest, AuthorizationUrlRequest } from '@azure/msal-node';
import { aadstsNumber, explainSignInFailure, formatSignInFailure } from '../../cli/app-registration-advice';
import { createPkcePair, signInWithBrowser, SignInError, type AuthCodeClient } from '../../cli/browser-flow';
import { Output, Redactor } from '../../cli/output';
import { refreshTokenFromCache, msalConfiguration } from '../../cli/sign-in';
import { buildStatusReport, renderStatusReport } from '../../cli/status';
import { browserEnvironment, platformOpenCommand } from '../../cli/open-browser';
import { createHash } from 'node:crypto';
import type { PatToken } from '../../src/devops/types';
import { executeOperation } from '../../src/operations/execute';
import { translateKeyVaultError } from '../../src/stores/key-vault-errors';
import { developerAdvice } from '../../cli/key-vault-store';
import { LOCAL_KEY_VAULT_IDENTITY } from '../../cli/run-command';
import { testConfig, world } from '../unit/operations/fakes';

function capture(verbose = false): { output: Output; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const output = new Output({ stdout: { write: (t) => void (out += t) }, stderr: { write: (t) => void (err += t) }, verbose });
  return { output, out: () => out, err: () => err };
}

const ctx = { mode: 'browser' as const, confidential: false, clientId: 'cid', tenantId: 'tid', redirectUri: 'http://localhost:1234' };

describe('cli output masking', () => {
  it('masks registered secrets everywhere, longest first, also URL-encoded', () => {
    const r = new Redactor();
    r.add('abc/def+ghi=');
    r.add('short'); // too short to mask
    r.add('abc/def+ghi=-and-more');
    assert.equal(r.redact('x abc/def+ghi=-and-more y abc/def+ghi= z'), 'x *** y *** z');
    assert.equal(r.redact(`q=${encodeURIComponent('abc/def+ghi=')}`), 'q=***');
    assert.equal(r.redact('short stays'), 'short stays');
  });

  it('routes messages to stderr, results to stdout, debug only when verbose', () => {
    const c = capture();
    c.output.secret('secret-value-123');
    c.output.info('token secret-value-123');
    c.output.result('table secret-value-123');
    c.output.debug('hidden');
    assert.equal(c.err(), 'token ***\n');
    assert.equal(c.out(), 'table ***\n');
    c.output.revealSecret('secret-value-123');
    assert.match(c.out(), /secret-value-123/);
  });
});

describe('cli app registration advice', () => {
  it('finds the AADSTS number in errorNo, the message, or plain text', () => {
    assert.equal(aadstsNumber({ errorNo: '50011' }), 50011);
    assert.equal(aadstsNumber({ errorNo: 65001 }), 65001);
    assert.equal(aadstsNumber({ errorMessage: 'Error(s): 7000218 - ... AADSTS7000218: The request body' }), 7000218);
    assert.equal(aadstsNumber(new Error('AADSTS9002327: Tokens issued for the SPA')), 9002327);
    assert.equal(aadstsNumber('nothing'), undefined);
  });

  it('says what to change for a wrong redirect URI, never SPA', () => {
    const f = explainSignInFailure({ errorNo: '50011' }, ctx);
    const text = formatSignInFailure(f);
    assert.equal(f.code, 'AADSTS50011');
    assert.match(text, /http:\/\/localhost:1234/);
    assert.match(text, /Mobile and desktop applications/);
    assert.match(text, /Never register the redirect URI as "Single-page application"/);
    const web = formatSignInFailure(explainSignInFailure({ errorNo: '50011' }, { ...ctx, confidential: true }));
    assert.match(web, /"Web", redirect URI http:\/\/localhost/);
  });

  it('explains SPA, consent, public client flows and secrets', () => {
    assert.match(formatSignInFailure(explainSignInFailure({ errorNo: '9002327' }, ctx)), /Single-page application/);
    const consent = formatSignInFailure(explainSignInFailure({ errorNo: '65001' }, ctx));
    assert.match(consent, /user_impersonation/);
    assert.match(consent, /Grant admin consent/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorNo: '90094' }, ctx)), /Grant admin consent/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorNo: '7000218' }, { ...ctx, mode: 'deviceCode' })), /Allow public client flows/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorNo: '7000218' }, ctx)), /--client-secret-env/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorNo: '700025' }, ctx)), /Drop --client-secret-env/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorCode: 'unauthorized_client' }, { ...ctx, mode: 'deviceCode' })), /Allow public client flows/);
    const unknown = explainSignInFailure({ errorNo: '123456' }, ctx);
    assert.equal(unknown.code, 'AADSTS123456');
    assert.match(formatSignInFailure(unknown), /login\.microsoftonline\.com\/error\?code=123456/);
    assert.equal(explainSignInFailure(new SignInError('access_denied', 'x'), ctx).code, 'access_denied');
  });

  it('never echoes Entra text', () => {
    const f = explainSignInFailure({ errorNo: '50011', errorMessage: 'AADSTS50011: leaked-looking-text' }, ctx);
    assert.doesNotMatch(formatSignInFailure(f), /leaked-looking-text/);
  });
});

describe('cli sign-in helpers', () => {
  it('takes the refresh token for this client from a serialized cache', () => {
    const cache = JSON.stringify({
      RefreshToken: {
        a: { client_id: 'other', secret: 'rt-other' },
        b: { client_id: 'CID', secret: 'rt-mine' },
      },
    });
    assert.equal(refreshTokenFromCache(cache, 'cid'), 'rt-mine');
    assert.equal(refreshTokenFromCache(JSON.stringify({ RefreshToken: {} }), 'cid'), undefined);
    assert.equal(refreshTokenFromCache('not json', 'cid'), undefined);
  });

  it('describes the authority up front; lists a non-Microsoft host as known', () => {
    const { output } = capture();
    const base = { tenantId: 't1', clientId: 'c1', mode: 'browser' as const, openBrowser: true };
    const pub = msalConfiguration({ ...base, authorityHost: 'https://login.microsoftonline.com' }, { output });
    assert.equal(pub.auth.authority, 'https://login.microsoftonline.com/t1');
    assert.deepEqual(pub.auth.knownAuthorities ?? [], []);
    assert.ok(pub.auth.authorityMetadata);
    assert.equal(pub.auth.clientSecret, undefined);
    const emu = msalConfiguration({ ...base, authorityHost: 'https://127.0.0.1:8443', clientSecret: 'sec' }, { output });
    assert.deepEqual(emu.auth.knownAuthorities, ['127.0.0.1:8443']);
    assert.equal(emu.auth.clientSecret, 'sec');
  });

  it('makes an S256 PKCE pair', () => {
    const { verifier, challenge } = createPkcePair();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
  });

  it('picks the platform browser command', () => {
    assert.equal(platformOpenCommand('linux').command, 'xdg-open');
    assert.equal(platformOpenCommand('darwin').command, 'open');
    assert.equal(platformOpenCommand('win32').command, 'rundll32');
  });

  it("gives the browser no credential: secret-named variables, the --client-secret-env one and proxy user info are gone", () => {
    const env = browserEnvironment(
      {
        PATH: '/bin',
        HOME: '/home/u',
        PWD: '/work',
        AZURE_CLIENT_SECRET: 's',
        GITHUB_TOKEN: 't',
        DB_PASSWORD: 'p',
        MY_CRED: 'named by --client-secret-env',
        HTTPS_PROXY: 'http://u:p%40ss@proxy:8080',
        no_proxy: 'localhost',
        ALL_PROXY: 'not a url',
      },
      ['MY_CRED'],
    );
    assert.deepEqual(env, { PATH: '/bin', HOME: '/home/u', PWD: '/work', HTTPS_PROXY: 'http://proxy:8080/', no_proxy: 'localhost' });
  });
});

/** A stand-in for MSAL: builds the authorize URL from the request and checks the code exchange. */
class FakeAuthCodeApp implements AuthCodeClient {
  urlRequest?: AuthorizationUrlRequest;
  codeRequest?: AuthorizationCodeRequest;
  constructor(private readonly failRedeem = false) {}
  async getAuthCodeUrl(request: AuthorizationUrlRequest): Promise<string> {
    this.urlRequest = request;
    const q = new URLSearchParams({ redirect_uri: request.redirectUri, state: request.state ?? '', code_challenge: request.codeChallenge ?? '' });
    return `https://login.example.test/authorize?${q}`;
  }
  async acquireTokenByCode(request: AuthorizationCodeRequest): Promise<AuthenticationResult> {
    this.codeRequest = request;
    if (this.failRedeem) throw Object.assign(new Error('AADSTS9002327: spa'), { errorNo: '9002327' });
    return { accessToken: 'at-from-fake' } as AuthenticationResult;
  }
}

/** Plays the browser: reads redirect_uri and state from the authorize URL and calls the loopback. */
function browserThat(answer: (redirectUri: string, state: string) => string, seen: { status?: number; body?: string }[] = []) {
  return async (url: string) => {
    const u = new URL(url);
    const target = answer(u.searchParams.get('redirect_uri')!, u.searchParams.get('state')!);
    // Fire and forget, as a browser would; the result page may wait for the code redemption.
    void fetch(target).then(async (res) => seen.push({ status: res.status, body: await res.text() }));
  };
}

describe('cli browser flow (loopback, fake MSAL)', () => {
  it('receives the code on http://localhost:<port>, checks state, redeems with the PKCE verifier', async () => {
    const app = new FakeAuthCodeApp();
    const { output, err } = capture();
    const seen: { status?: number; body?: string }[] = [];
    const r = await signInWithBrowser({
      app,
      scopes: ['s'],
      output,
      timeoutMs: 10_000,
      openBrowser: browserThat((uri, state) => `${uri}/?code=the-code&state=${encodeURIComponent(state)}`, seen),
    });
    assert.match(r.redirectUri, /^http:\/\/localhost:\d+$/);
    assert.equal(app.urlRequest?.codeChallengeMethod, 'S256');
    assert.equal(app.urlRequest?.prompt, 'select_account');
    assert.equal(app.codeRequest?.code, 'the-code');
    assert.equal(app.codeRequest?.redirectUri, r.redirectUri);
    assert.equal(createHash('sha256').update(app.codeRequest!.codeVerifier!).digest('base64url'), app.urlRequest?.codeChallenge);
    assert.equal(r.result.accessToken, 'at-from-fake');
    assert.match(err(), /Opening the browser/);
    // The browser was sent on to /done and shown the outcome.
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(seen[0]?.status, 200);
    assert.match(seen[0]?.body ?? '', /Signed in/);
  });

  it('ignores a redirect with a foreign state and keeps waiting for the real one', async () => {
    const app = new FakeAuthCodeApp();
    const { output, err } = capture();
    const r = await signInWithBrowser({
      app,
      scopes: ['s'],
      output,
      timeoutMs: 10_000,
      openBrowser: async (url) => {
        const u = new URL(url);
        const uri = u.searchParams.get('redirect_uri')!;
        const forged = await fetch(`${uri}/?code=evil&state=forged`);
        assert.equal(forged.status, 400);
        void fetch(`${uri}/?code=good&state=${encodeURIComponent(u.searchParams.get('state')!)}`);
      },
    });
    assert.equal(app.codeRequest?.code, 'good');
    assert.ok(r);
    assert.match(err(), /Ignored a sign-in redirect/);
  });

  it('turns an error redirect into a SignInError with the AADSTS number, without echoing the description', async () => {
    const app = new FakeAuthCodeApp();
    const { output } = capture();
    const p = signInWithBrowser({
      app,
      scopes: ['s'],
      output,
      timeoutMs: 10_000,
      openBrowser: browserThat(
        (uri, state) => `${uri}/?error=invalid_request&error_description=${encodeURIComponent('AADSTS50011: The redirect URI secret-ish')}&state=${encodeURIComponent(state)}`,
      ),
    });
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof SignInError);
      assert.equal(e.errorCode, 'invalid_request');
      assert.equal(e.errorNo, '50011');
      assert.doesNotMatch(e.message, /secret-ish/);
      return true;
    });
    assert.equal(app.codeRequest, undefined);
  });

  it('prints the URL with --no-open and times out when nobody signs in', async () => {
    const app = new FakeAuthCodeApp();
    const { output, err } = capture();
    await assert.rejects(signInWithBrowser({ app, scopes: ['s'], output, timeoutMs: 200 }), (e: unknown) => e instanceof SignInError && e.errorCode === 'user_timeout');
    assert.match(err(), /Open this address in a browser/);
    assert.match(err(), /https:\/\/login\.example\.test\/authorize/);
  });

  it('passes a failed code redemption on, and tells the browser', async () => {
    const app = new FakeAuthCodeApp(true);
    const { output } = capture();
    const seen: { status?: number; body?: string }[] = [];
    await assert.rejects(
      signInWithBrowser({ app, scopes: ['s'], output, timeoutMs: 10_000, openBrowser: browserThat((uri, state) => `${uri}/?code=c&state=${encodeURIComponent(state)}`, seen) }),
      /AADSTS9002327/,
    );
    await new Promise((res) => setTimeout(res, 50));
    assert.match(seen[0]?.body ?? '', /Sign-in failed/);
  });
});

function pat(name: string, daysLeft: number, now: Date): PatToken {
  return {
    displayName: name,
    validTo: new Date(now.getTime() + daysLeft * 86_400_000).toISOString(),
    scope: 'vso.packaging',
    targetAccounts: ['org-guid'],
    validFrom: now.toISOString(),
    authorizationId: `id-${name}`,
    token: null,
  };
}

describe('cli status report', () => {
  const now = new Date('2025-06-01T00:00:00Z');
  const issued = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();

  it('is all ok when the token is fresh and PATs have time left', () => {
    const r = buildStatusReport({
      organization: 'contoso',
      refreshToken: { store: "variable group 'T', variable 'RT'", info: { exists: true, metadata: { issuedAt: issued(10), clientId: 'c', tenantId: 't' } } },
      pats: [pat('feed', 20, now)],
      clientId: 'c',
      warnDays: 14,
      patWarnDays: 3,
      now,
    });
    assert.deepEqual(r.attention, []);
    assert.equal(r.refreshToken?.ageDays, 10);
    assert.equal(r.refreshToken?.daysLeft, 80);
    assert.equal(r.refreshToken?.expiresAt, new Date(now.getTime() + 80 * 86_400_000).toISOString());
    const text = renderStatusReport(r);
    assert.match(text, /refresh token\s+variable group 'T', variable 'RT'\s+2025-05-22\s+10\s+2025-08-20\s+80\s+ok/);
    assert.match(text, /PAT\s+feed \(id-feed\)/);
    assert.match(text, /Nothing needs attention/);
  });

  it('flags a token near its inactivity expiry, an expired one, a missing one, and PATs about to lapse', () => {
    const near = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: true, metadata: { issuedAt: issued(80) } } }, pats: [], warnDays: 14, patWarnDays: 3, now });
    assert.equal(near.refreshToken?.state, 'attention');
    assert.match(near.attention[0], /expires in 10 day/);
    const dead = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: true, metadata: { issuedAt: issued(95) } } }, pats: [], warnDays: 14, patWarnDays: 3, now });
    assert.match(dead.attention[0], /expired 5 day/);
    const missing = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: false, metadata: {} } }, pats: [], warnDays: 14, patWarnDays: 3, now });
    assert.match(missing.attention[0], /nothing is stored/);
    const undated = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: true, metadata: {} } }, pats: [], warnDays: 14, patWarnDays: 3, now });
    assert.equal(undated.refreshToken?.state, 'unknown');
    assert.equal(undated.attention.length, 1);
    const pats = buildStatusReport({ organization: 'o', pats: [pat('later', 30, now), pat('soon', 2, now)], warnDays: 14, patWarnDays: 3, now });
    assert.deepEqual(pats.pats.map((p) => p.displayName), ['soon', 'later']);
    assert.equal(pats.attention.length, 1);
    assert.match(pats.attention[0], /'soon'.*expires in 2 day/);
  });

  it('tells days as the task does: 4.6 days left is 5 in the table, the JSON, the note and the task\'s list; the token\'s age and days left add up to 90', async () => {
    const r = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: true, metadata: { issuedAt: issued(10.6) } } }, pats: [pat('feed', 4.6, now)], warnDays: 14, patWarnDays: 5, now });
    assert.equal(r.pats[0]!.daysLeft, 5);
    assert.match(r.attention[0]!, /'feed'.*expires in 5 day\(s\)/);
    assert.match(renderStatusReport(r), /PAT\s+feed \(id-feed\)\s+-\s+-\s+\S+\s+5\s+ATTENTION: expires in 5 day/);
    assert.deepEqual([r.refreshToken?.ageDays, r.refreshToken?.daysLeft], [11, 79]);
    // The same PAT in the task's list: the core's rule.
    const w = world();
    w.clock.t = now.getTime();
    w.service.seed('feed', { daysLeft: 4.6 });
    const { outcomes } = await executeOperation(w.context(testConfig({ action: 'list', selector: { displayNames: [], takeNewest: false }, destinations: [] })));
    assert.match(outcomes[0]!.issues[0]!, /in 5 days/);
  });

  it('notes a token stored for another client id', () => {
    const r = buildStatusReport({ organization: 'o', refreshToken: { store: 's', info: { exists: true, metadata: { issuedAt: issued(1), clientId: 'other' } } }, pats: [], clientId: 'mine', warnDays: 14, patWarnDays: 3, now });
    assert.match(r.refreshToken?.note ?? '', /stored for client id other, not mine/);
  });
});

describe('cli advice for MSAL client errors', () => {
  it('covers device code timeouts and transport errors', () => {
    assert.match(formatSignInFailure(explainSignInFailure({ errorCode: 'user_timeout_reached' }, { ...ctx, mode: 'deviceCode' })), /not completed in time/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorCode: 'device_code_expired' }, { ...ctx, mode: 'deviceCode' })), /expired/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorCode: 'network_error' }, ctx)), /proxy/);
    assert.match(formatSignInFailure(explainSignInFailure({ errorCode: 'user_timeout' }, ctx)), /AADSTS50011/);
  });
});

describe('cli Key Vault errors speak CLI', () => {
  const ctx = { vaultUrl: 'https://kv1.vault.azure.net', secretName: 'rt', operation: 'get secret', identity: 'your Azure CLI sign-in (az login)', secretNameInput: '--secret' };
  const failures = [{ name: 'CredentialUnavailableError' }, { name: 'AuthenticationError', message: 'AADSTS7000222' }, { statusCode: 401 }, { statusCode: 503 }];

  it('the developer sign-in (login, status) and the run service principal get fixes in flags and environment variables', () => {
    for (const advice of [developerAdvice('default'), developerAdvice('cli'), developerAdvice('env'), LOCAL_KEY_VAULT_IDENTITY.advice]) {
      for (const failure of failures) {
        const text = translateKeyVaultError(failure, { ...ctx, advice }).describe();
        assert.doesNotMatch(text, /service connection|pipeline/i, text);
      }
    }
    assert.match(translateKeyVaultError({ name: 'CredentialUnavailableError' }, { ...ctx, advice: developerAdvice('default') }).describe(), /az login/);
    assert.match(translateKeyVaultError({ statusCode: 401 }, { ...ctx, advice: LOCAL_KEY_VAULT_IDENTITY.advice }).describe(), /AZURE_TENANT_ID/);
  });

  it("the task's default still names its service connection", () => {
    assert.match(translateKeyVaultError({ name: 'CredentialUnavailableError' }, ctx).describe(), /service connection/);
  });
});
