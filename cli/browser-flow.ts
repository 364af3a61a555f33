/**
 * Browser sign-in: authorization code with PKCE on a loopback redirect (RFC 8252), as a public client would.
 * MFA, Conditional Access and consent all happen in the user's own browser; this process only sees the code.
 *
 * 1. Listen on 127.0.0.1:<random port> (and ::1 on the same port when it is free, for browsers that resolve
 *    `localhost` to IPv6 first). The redirect URI is `http://localhost:<port>`; Entra accepts any port for a
 *    loopback redirect registered as `http://localhost` under "Mobile and desktop applications".
 * 2. Open the authorize URL (code_challenge S256, a random state) with the injected opener, and print it.
 * 3. Wait for the redirect: check the state, send the browser on to a page without the code in its address,
 *    redeem the code with the PKCE verifier, then tell the browser how it went.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthenticationResult, AuthorizationCodeRequest, AuthorizationUrlRequest } from '@azure/msal-node';
import type { Output } from './output';

/** The part of an MSAL client application the browser flow needs (PublicClientApplication or ConfidentialClientApplication). */
export interface AuthCodeClient {
  getAuthCodeUrl(request: AuthorizationUrlRequest): Promise<string>;
  acquireTokenByCode(request: AuthorizationCodeRequest): Promise<AuthenticationResult>;
}

/** Shows the authorize URL to the user. The CLI's default spawns the platform's browser; tests follow the URL themselves. */
export type OpenBrowser = (url: string) => Promise<void>;

/** A failure of the redirect leg, shaped like an MSAL error so advice lookup treats both alike. */
export class SignInError extends Error {
  readonly errorCode: string;
  readonly errorNo?: string;
  constructor(errorCode: string, message: string, errorNo?: string) {
    super(message);
    this.name = 'SignInError';
    this.errorCode = errorCode;
    this.errorNo = errorNo;
  }
}

export interface BrowserSignInOptions {
  app: AuthCodeClient;
  scopes: string[];
  output: Output;
  /** undefined: only print the URL (`--no-open`). */
  openBrowser?: OpenBrowser;
  timeoutMs: number;
  /** Called once the redirect URI is known (for advice when Entra rejects it). */
  onRedirectUri?: (redirectUri: string) => void;
}

export interface BrowserSignInResult {
  result: AuthenticationResult;
  redirectUri: string;
}

export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export async function signInWithBrowser(opts: BrowserSignInOptions): Promise<BrowserSignInResult> {
  const { app, scopes, output } = opts;
  const pkce = createPkcePair();
  const state = randomBytes(16).toString('base64url');
  const loopback = new LoopbackRedirect(state, output);
  const port = await loopback.listen();
  const redirectUri = `http://localhost:${port}`;
  opts.onRedirectUri?.(redirectUri);
  try {
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state,
      responseMode: 'query',
      // The pipeline's identity is often not the account the browser is signed in with: let the user choose.
      prompt: 'select_account',
    });
    if (opts.openBrowser) {
      output.info('Opening the browser to sign in. If it does not open, visit this address:');
      output.info(`  ${url}`);
      try {
        await opts.openBrowser(url);
      } catch (err) {
        output.warn(`Could not open a browser (${err instanceof Error ? err.message : String(err)}); open the address above yourself.`);
      }
    } else {
      output.info('Open this address in a browser to sign in:');
      output.info(`  ${url}`);
    }
    output.info(`Waiting for the sign-in to finish (up to ${Math.round(opts.timeoutMs / 1000)} s)...`);

    const code = await loopback.waitForCode(opts.timeoutMs);
    let result: AuthenticationResult;
    try {
      result = await app.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: pkce.verifier });
    } catch (err) {
      loopback.finish(false, 'Signing in failed while redeeming the code. The terminal says why.');
      throw err;
    }
    loopback.finish(true, 'Signed in. You can close this tab and return to the terminal.');
    return { result, redirectUri };
  } finally {
    await loopback.close();
  }
}

type Waiter = { resolve: (code: string) => void; reject: (err: Error) => void };

/** The loopback HTTP listener for one sign-in attempt. */
class LoopbackRedirect {
  private readonly servers: Server[] = [];
  private waiter?: Waiter;
  /** The code or error, once the redirect arrived; later redirects are answered but change nothing. */
  private settled = false;
  private pending?: { code?: string; error?: Error };
  /** Browsers waiting on /done for the outcome of the code redemption. */
  private readonly donePages: ServerResponse[] = [];
  private outcome?: { ok: boolean; message: string };
  private doneServed?: () => void;
  private readonly doneServedPromise: Promise<void>;

  constructor(
    private readonly state: string,
    private readonly output: Output,
  ) {
    this.doneServedPromise = new Promise((resolve) => (this.doneServed = resolve));
  }

  async listen(): Promise<number> {
    const v4 = this.newServer();
    await listenOn(v4, 0, '127.0.0.1');
    const port = (v4.address() as AddressInfo).port;
    this.servers.push(v4);
    // Best effort: `localhost` may resolve to ::1 first. A failure here (no IPv6, port taken) changes nothing.
    const v6 = this.newServer();
    try {
      await listenOn(v6, port, '::1');
      this.servers.push(v6);
    } catch {
      v6.close();
    }
    return port;
  }

  private newServer(): Server {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    return server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/done') return this.serveDone(res);
    if (url.pathname !== '/') return page(res, 404, 'Not found', 'This address only receives the pat-lifecycle sign-in.');
    if (req.method === 'GET') return this.onRedirect(url.searchParams, res);
    if (req.method === 'POST') {
      // response_mode=form_post, should Entra ever be asked for it.
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 64 * 1024) req.destroy();
      });
      req.on('end', () => this.onRedirect(new URLSearchParams(body), res));
      return;
    }
    res.writeHead(405, { allow: 'GET, POST' }).end();
  }

  private onRedirect(params: URLSearchParams, res: ServerResponse): void {
    const code = params.get('code');
    const error = params.get('error');
    if (!code && !error) return page(res, 200, 'pat-lifecycle sign-in', 'Waiting for the sign-in to finish.');
    if (params.get('state') !== this.state) {
      // Not ours (another attempt, or a forged request): answer, keep waiting for the real one.
      this.output.warn('Ignored a sign-in redirect whose state does not match this sign-in.');
      return page(res, 400, 'Sign-in not accepted', 'This redirect does not belong to the sign-in running in the terminal.');
    }
    if (this.settled) return page(res, 409, 'Already handled', 'The sign-in already finished; return to the terminal.');
    this.settled = true;
    if (error) {
      // Only the codes travel on: error_description is Entra's text and is not shown back.
      const description = params.get('error_description') ?? '';
      const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
      const err = new SignInError(error, `Entra returned '${error}'${aadsts ? ` (AADSTS${aadsts})` : ''} to the sign-in redirect.`, aadsts);
      this.outcome = { ok: false, message: `Sign-in failed: ${error}${aadsts ? ` (AADSTS${aadsts})` : ''}. The terminal says what to change.` };
      page(res, 200, 'Sign-in failed', this.outcome.message);
      this.doneServed?.();
      this.deliver({ error: err });
      return;
    }
    // Move the browser off the address that carries the code (history, screen sharing), to a page that waits for the result.
    res.writeHead(302, { location: '/done', 'cache-control': 'no-store' }).end();
    this.deliver({ code: code! });
  }

  private deliver(p: { code?: string; error?: Error }): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      if (p.error) w.reject(p.error);
      else w.resolve(p.code!);
    } else {
      this.pending = p;
    }
  }

  private serveDone(res: ServerResponse): void {
    if (this.outcome) {
      page(res, 200, this.outcome.ok ? 'Signed in' : 'Sign-in failed', this.outcome.message);
      this.doneServed?.();
      return;
    }
    this.donePages.push(res);
  }

  waitForCode(timeoutMs: number): Promise<string> {
    if (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      return p.error ? Promise.reject(p.error) : Promise.resolve(p.code!);
    }
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.settled = true;
        reject(new SignInError('user_timeout', `No sign-in arrived within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.waiter = {
        resolve: (code) => {
          clearTimeout(timer);
          resolve(code);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  /** The code was redeemed (or not): answer the browsers waiting on /done. */
  finish(ok: boolean, message: string): void {
    this.outcome = { ok, message };
    const waiting = this.donePages.splice(0);
    for (const res of waiting) page(res, 200, ok ? 'Signed in' : 'Sign-in failed', message);
    // Otherwise the browser comes for /done within the grace period in close().
    if (waiting.length > 0) this.doneServed?.();
  }

  async close(): Promise<void> {
    // Give a browser that was just redirected a moment to fetch /done, so it shows the result rather than an error.
    if (this.outcome && this.settled) {
      await Promise.race([this.doneServedPromise, delay(1500)]);
    }
    for (const res of this.donePages.splice(0)) page(res, 200, 'Sign-in stopped', 'The sign-in stopped; the terminal says why.');
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(res: ServerResponse, status: number, title: string, message: string): void {
  const body =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family: system-ui, sans-serif; margin: 3em"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      // The page is served on the loopback address: keep the code out of any Referer.
      'referrer-policy': 'no-referrer',
    })
    .end(body);
}
