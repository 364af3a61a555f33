// Child-process client: redeems a refresh token with real @azure/msal-node, as the product does, and prints the result
// as one JSON line. Input: CLIENT_INPUT (JSON: one case or an array of cases, run in order, each with a fresh app).
// It trusts the emulator only through NODE_EXTRA_CA_CERTS.
import { ConfidentialClientApplication, PublicClientApplication, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';

interface Input {
  authority: string;
  knownAuthorities?: string[];
  clientId: string;
  secret?: string;
  certificate?: { thumbprintSha256: string; privateKey: string; x5c?: string };
  refreshToken: string;
  scopes: string[];
  /** Sends an Origin header on every call (what a browser does for a SPA). */
  origin?: string;
  /** Redeem twice with the same app (second time with the rolled token). */
  twice?: boolean;
  /** Pass the tenant's endpoints as authorityMetadata instead of letting MSAL discover them. */
  authorityMetadata?: boolean;
}

function metadataFor(authority: string): string {
  return JSON.stringify({
    issuer: `${authority}/v2.0`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
  });
}

const parsed = JSON.parse(process.env.CLIENT_INPUT!) as Input | Input[];

function originClient(origin: string): INetworkModule {
  const send = async <T>(url: string, method: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const res = await fetch(url, { method, headers: { ...(options?.headers ?? {}), Origin: origin }, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, body: (await res.json()) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}

async function run(input: Input) {
  const auth = {
    clientId: input.clientId,
    authority: input.authority,
    knownAuthorities: input.knownAuthorities,
    ...(input.authorityMetadata ? { authorityMetadata: metadataFor(input.authority) } : {}),
    ...(input.secret ? { clientSecret: input.secret } : {}),
    ...(input.certificate ? { clientCertificate: input.certificate } : {}),
  };
  const system = input.origin ? { networkClient: originClient(input.origin) } : undefined;
  const app = input.secret || input.certificate ? new ConfidentialClientApplication({ auth, system }) : new PublicClientApplication({ auth, system });
  const redeem = async (refreshToken: string) => {
    const r = await app.acquireTokenByRefreshToken({ refreshToken, scopes: input.scopes, forceCache: true });
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret: string }> };
    return { accessToken: r?.accessToken, refreshTokens: Object.values(cache.RefreshToken ?? {}).map((e) => e.secret), scopes: r?.scopes, account: r?.account, idTokenClaims: r?.idTokenClaims };
  };
  try {
    const first = await redeem(input.refreshToken);
    const second = input.twice ? await redeem(first.refreshTokens.at(-1)!) : undefined;
    return { ok: true, ...first, second };
  } catch (e) {
    const err = e as { name?: string; errorCode?: string; errorNo?: unknown; subError?: string; errorMessage?: string; message?: string };
    return { ok: false, error: { name: err.name, errorCode: err.errorCode, errorNo: err.errorNo, subError: err.subError, message: err.errorMessage ?? err.message } };
  }
}

async function main() {
  const results = [];
  for (const c of Array.isArray(parsed) ? parsed : [parsed]) results.push(await run(c));
  console.log(JSON.stringify(Array.isArray(parsed) ? results : results[0]));
}
void main();
