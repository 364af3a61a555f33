/**
 * Signs the user in (browser or device code) for Azure DevOps with offline access, and hands back the access
 * token and the refresh token Entra issued with it. MSAL never returns a refresh token directly: it is read from
 * the token cache of a fresh, in-memory client application, the same way the task reads the rolled one.
 * Nothing is written to disk.
 */
import {
  ConfidentialClientApplication,
  LogLevel,
  PublicClientApplication,
  type AuthenticationResult,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { now } from '../src/clock';
import { AZURE_DEVOPS_SCOPE } from '../src/devops/types';
import { describeAuthority } from '../src/entra/authority';
import { PatLifecycleError } from '../src/errors';
import { explainSignInFailure, formatSignInFailure, type SignInFailure } from './app-registration-advice';
import { DEFAULT_SIGN_IN_TIMEOUT_SECONDS, type SignInSettings } from './args';
import { signInWithBrowser, type OpenBrowser } from './browser-flow';
import { signInWithDeviceCode } from './device-code-flow';
import type { Output } from './output';

/** Azure DevOps (user_impersonation, as consented) plus a refresh token. MSAL adds openid and profile itself. */
export const SIGN_IN_SCOPES = [AZURE_DEVOPS_SCOPE, 'offline_access'];

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  /** The account's sign-in name, for messages (not a secret). */
  username?: string;
  /** The account's object ID: recorded beside the token, so a run that signs in as someone else stops. */
  objectId?: string;
  /** The tenant that issued the tokens: a GUID when Entra said so, else what --tenant named. */
  tenantId: string;
  clientId: string;
  issuedAt: Date;
  accessTokenExpiresOn?: Date;
}

export class SignInFailedError extends PatLifecycleError {
  readonly failure: SignInFailure;
  constructor(failure: SignInFailure, cause: unknown) {
    super('auth', failure.code, failure.summary, { hint: failure.steps.join(' '), cause });
    this.name = 'SignInFailedError';
    this.failure = failure;
  }

  /** The summary and the registration changes, one per line, for the terminal. */
  explain(): string {
    return formatSignInFailure(this.failure);
  }
}

export interface SignInDeps {
  output: Output;
  /** Opens the authorize URL; undefined prints it only (`--no-open`). */
  openBrowser?: OpenBrowser;
  /** MSAL's HTTP (proxy, CA); MSAL's own fetch when undefined. */
  networkClient?: INetworkModule;
}

export function msalConfiguration(settings: SignInSettings, deps: Pick<SignInDeps, 'networkClient' | 'output'>): Configuration {
  // The authority described up front (the core's description, shared with the task): MSAL then makes no instance
  // discovery or metadata requests, so a sovereign cloud, a proxy and the emulator all take the same path.
  const authority = describeAuthority(settings.authorityHost, settings.tenantId);
  const auth: Configuration['auth'] = {
    clientId: settings.clientId,
    authority: authority.authority,
    authorityMetadata: authority.authorityMetadata,
  };
  if (authority.knownAuthorities && authority.knownAuthorities.length > 0) auth.knownAuthorities = authority.knownAuthorities;
  if (settings.clientSecret) auth.clientSecret = settings.clientSecret;
  return {
    auth,
    system: {
      networkClient: deps.networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: deps.output.verbose ? LogLevel.Info : LogLevel.Error,
        loggerCallback: (_level, message) => deps.output.debug(`msal: ${message}`),
      },
    },
  };
}

/** The refresh token from a serialized MSAL cache: the one entry for this client (a fresh app holds exactly one). */
export function refreshTokenFromCache(serializedCache: string, clientId: string): string | undefined {
  let parsed: { RefreshToken?: Record<string, { secret?: unknown; client_id?: unknown }> };
  try {
    parsed = JSON.parse(serializedCache) as typeof parsed;
  } catch {
    return undefined;
  }
  const entries = Object.values(parsed.RefreshToken ?? {}).filter(
    (e) => typeof e.secret === 'string' && e.secret !== '' && (e.client_id === undefined || String(e.client_id).toLowerCase() === clientId.toLowerCase()),
  );
  return entries.length > 0 ? (entries[entries.length - 1].secret as string) : undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Remembers the OAuth error and AADSTS number of the last refused token request. MSAL's device code polling throws a
 * bare `post_request_failed` carrying only the OAuth error; the number says which setting of the registration is wrong.
 * Only the code and number are kept, never the description (Entra's text) or any other part of the body.
 */
export class ErrorRecordingNetworkClient implements INetworkModule {
  lastRefusal?: { errorCode: string; errorNo?: string };

  constructor(private readonly inner: INetworkModule) {}

  get lastError(): unknown {
    return (this.inner as { lastError?: unknown }).lastError;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.inner.sendGetRequestAsync<T>(url, options, timeout).then((r) => this.note(r));
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.inner.sendPostRequestAsync<T>(url, options).then((r) => this.note(r));
  }

  private note<T>(res: NetworkResponse<T>): NetworkResponse<T> {
    const body = res.body as { error?: unknown; error_codes?: unknown } | undefined;
    if (body && typeof body.error === 'string' && body.error !== 'authorization_pending' && body.error !== 'slow_down') {
      const first = Array.isArray(body.error_codes) ? body.error_codes[0] : undefined;
      this.lastRefusal = { errorCode: body.error, errorNo: first === undefined ? undefined : String(first) };
    }
    return res;
  }
}

export async function signIn(settings: SignInSettings, deps: SignInDeps): Promise<SignedIn> {
  const { output } = deps;
  const recorder = deps.networkClient ? new ErrorRecordingNetworkClient(deps.networkClient) : undefined;
  const config = msalConfiguration(settings, { ...deps, networkClient: recorder });
  const confidential = settings.clientSecret !== undefined;
  let redirectUri: string | undefined;
  let result: AuthenticationResult;
  let cacheJson: string;
  try {
    if (settings.mode === 'deviceCode') {
      const app = new PublicClientApplication(config);
      result = await signInWithDeviceCode({ app, scopes: SIGN_IN_SCOPES, output, timeoutMs: settings.timeoutMs });
      cacheJson = app.getTokenCache().serialize();
    } else {
      const app = confidential ? new ConfidentialClientApplication(config) : new PublicClientApplication(config);
      const signedIn = await signInWithBrowser({
        app,
        scopes: SIGN_IN_SCOPES,
        output,
        openBrowser: settings.openBrowser ? deps.openBrowser : undefined,
        timeoutMs: settings.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_SECONDS * 1000,
        onRedirectUri: (uri) => (redirectUri = uri),
      });
      result = signedIn.result;
      cacheJson = app.getTokenCache().serialize();
    }
  } catch (err) {
    // MSAL reduces a transport failure to a bare network_error; the core's network client kept the typed one.
    const transport = recorder?.lastError;
    const code = (err as { errorCode?: unknown } | null)?.errorCode;
    if (transport instanceof PatLifecycleError && (code === 'network_error' || code === 'endpoints_resolution_error')) throw transport;
    // Device code polling: MSAL kept only the OAuth error; the recorder has the AADSTS number too.
    const refusal = code === 'post_request_failed' ? recorder?.lastRefusal : undefined;
    throw new SignInFailedError(
      explainSignInFailure(refusal ?? err, { mode: settings.mode, confidential, clientId: settings.clientId, tenantId: settings.tenantId, redirectUri }),
      err,
    );
  }

  const accessToken = result.accessToken;
  if (accessToken) output.secret(accessToken);
  const refreshToken = refreshTokenFromCache(cacheJson, settings.clientId);
  if (refreshToken) output.secret(refreshToken);
  if (!accessToken) {
    throw new PatLifecycleError('service', 'NoAccessToken', 'Entra completed the sign-in but returned no access token for Azure DevOps.', {
      hint: 'Check the API permission Azure DevOps > user_impersonation on the app registration, then sign in again.',
    });
  }
  if (!refreshToken) {
    throw new PatLifecycleError('service', 'NoRefreshToken', 'Entra completed the sign-in but issued no refresh token.', {
      hint: 'The sign-in asks for offline_access; make sure no policy removes it, and that the redirect URI is not of type "Single-page application".',
    });
  }
  const tenantId = result.tenantId && GUID.test(result.tenantId) ? result.tenantId : settings.tenantId;
  return {
    accessToken,
    refreshToken,
    username: result.account?.username || undefined,
    objectId: (result.idTokenClaims as { oid?: string } | undefined)?.oid ?? (result.account?.localAccountId || undefined),
    tenantId,
    clientId: settings.clientId,
    issuedAt: now(),
    accessTokenExpiresOn: result.expiresOn ?? undefined,
  };
}
