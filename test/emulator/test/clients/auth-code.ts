// Child-process client: authorization code + PKCE with real @azure/msal-node, the way a CLI login does it. It starts
// a loopback HTTP server for the redirect, plays the browser itself (GET the authorize URL, follow the 302 to the
// loopback server), then redeems the code. Prints the result as one JSON line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CryptoProvider, PublicClientApplication } from '@azure/msal-node';

const input = JSON.parse(process.env.CLIENT_INPUT!) as {
  authority: string;
  knownAuthorities: string[];
  clientId: string;
  scopes: string[];
  /** Send a different verifier than the one the challenge was made from. */
  wrongVerifier?: boolean;
  loginHint?: string;
};

async function main() {
  const received = new Promise<URLSearchParams>((resolveParams) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' }).end('Signed in. You can close this window.');
      server.close();
      server.closeAllConnections();
      resolveParams(url.searchParams);
    });
    server.listen(0, '127.0.0.1', () => ((globalThis as { port?: number }).port = (server.address() as AddressInfo).port));
  });
  while (!(globalThis as { port?: number }).port) await new Promise((r) => setTimeout(r, 5));
  const redirectUri = `http://localhost:${(globalThis as { port?: number }).port}/callback`;

  const app = new PublicClientApplication({ auth: { clientId: input.clientId, authority: input.authority, knownAuthorities: input.knownAuthorities } });
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const authUrl = await app.getAuthCodeUrl({ scopes: input.scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, loginHint: input.loginHint });

  // The "browser": the emulated Entra signs the user in at once and redirects to the loopback server.
  const page = await fetch(authUrl, { redirect: 'manual' });
  const location = page.headers.get('location');
  if (page.status !== 302 || !location) {
    console.log(JSON.stringify({ ok: false, authorizeStatus: page.status, body: (await page.text()).slice(0, 500) }));
    return;
  }
  await fetch(location.replace('//localhost:', '//127.0.0.1:'));
  const params = await received;
  if (params.get('error')) {
    console.log(JSON.stringify({ ok: false, redirectError: params.get('error'), description: params.get('error_description'), stateMatches: params.get('state') === state }));
    return;
  }
  try {
    const r = await app.acquireTokenByCode({
      code: params.get('code')!,
      redirectUri,
      scopes: input.scopes,
      codeVerifier: input.wrongVerifier ? `${verifier}x` : verifier,
    });
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret: string }> };
    console.log(
      JSON.stringify({
        ok: true,
        stateMatches: params.get('state') === state,
        accessToken: r?.accessToken,
        username: r?.account?.username,
        refreshTokens: Object.values(cache.RefreshToken ?? {}).map((e) => e.secret),
      }),
    );
  } catch (e) {
    const err = e as { name?: string; errorCode?: string; errorNo?: unknown; errorMessage?: string; message?: string };
    console.log(JSON.stringify({ ok: false, error: { name: err.name, errorCode: err.errorCode, errorNo: err.errorNo, message: err.errorMessage ?? err.message } }));
  }
}
void main();
