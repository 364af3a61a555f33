/**
 * Turns the stored delegated refresh token into an Azure DevOps access token, and picks up the refresh token Entra
 * rolled. MSAL never returns a refresh token directly: it is read from the token cache, which MSAL only fills for an
 * unknown account when asked with `forceCache: true`.
 */
import {
  ConfidentialClientApplication,
  LogLevel,
  PublicClientApplication,
  type AuthenticationResult,
  type Configuration,
} from '@azure/msal-node';
import type { EntraClientConfig } from '../config/types';
import { AZURE_DEVOPS_SCOPE } from '../devops/types';
import { PatLifecycleError } from '../errors';
import type { HttpClient } from '../http/types';
import { describeAuthority } from './authority';
import { translateEntraFailure } from './entra-errors';
import { MsalNetworkClient } from './msal-network-client';

export interface EntraSession {
  accessToken: string;
  expiresOn: Date;
  /** The refresh token to store for the next run; undefined when Entra did not roll it (keep the old one). */
  rolledRefreshToken?: string;
  account?: { username?: string; objectId?: string; tenantId?: string };
}

export interface RedeemOptions {
  entra: EntraClientConfig;
  authorityHost: string;
  http: HttpClient;
  /** Registers a value with the log masker; called the moment each token is known. */
  registerSecret: (value: string) => void;
  log?: (msg: string) => void;
}

/** offline_access asks for a new refresh token; MSAL adds openid/profile itself. */
export const DEVOPS_SCOPES = [AZURE_DEVOPS_SCOPE, 'offline_access'];

export async function redeemRefreshToken(options: RedeemOptions): Promise<EntraSession> {
  const { entra, http, registerSecret } = options;
  const log = options.log ?? (() => {});
  const authority = describeAuthority(options.authorityHost, entra.tenantId);
  const networkClient = new MsalNetworkClient(http);
  const knownSecrets = [entra.refreshToken, entra.clientSecret, entra.clientCertificate?.privateKeyPem].filter((s): s is string => !!s);

  const config: Configuration = {
    auth: {
      clientId: entra.clientId,
      authority: authority.authority,
      knownAuthorities: authority.knownAuthorities,
      authorityMetadata: authority.authorityMetadata,
      ...(entra.clientSecret ? { clientSecret: entra.clientSecret } : {}),
      ...(entra.clientCertificate
        ? {
            clientCertificate: {
              thumbprintSha256: entra.clientCertificate.thumbprintSha256,
              privateKey: entra.clientCertificate.privateKeyPem,
              x5c: entra.clientCertificate.certificatePem,
            },
          }
        : {}),
    },
    system: {
      networkClient,
      loggerOptions: {
        logLevel: LogLevel.Warning,
        piiLoggingEnabled: false,
        loggerCallback: (_level, message, containsPii) => {
          if (!containsPii) log(`MSAL: ${redact(message, knownSecrets)}`);
        },
      },
    },
  };

  const confidential = !!(entra.clientSecret || entra.clientCertificate);
  const kind = entra.clientCertificate ? 'confidential client, certificate' : entra.clientSecret ? 'confidential client, secret' : 'public client';
  log(`Redeeming the refresh token at ${authority.host} (tenant ${entra.tenantId}, client ${entra.clientId}, ${kind}).`);

  let result: AuthenticationResult | null;
  let app: PublicClientApplication | ConfidentialClientApplication;
  try {
    app = confidential ? new ConfidentialClientApplication(config) : new PublicClientApplication(config);
    result = await app.acquireTokenByRefreshToken({ refreshToken: entra.refreshToken, scopes: DEVOPS_SCOPES, forceCache: true });
  } catch (err) {
    throw translateEntraFailure(err, { authorityHost: authority.host, networkError: networkClient.lastError });
  }

  const accessToken = result?.accessToken;
  if (accessToken) registerSecret(accessToken);
  const rolled = rolledRefreshToken(app, entra);
  if (rolled) registerSecret(rolled);

  if (!result || !accessToken) {
    throw new PatLifecycleError('auth', 'NoAccessToken', `Entra (${authority.host}) answered the refresh token request without an access token.`, {
      hint: "Check that the app registration has the delegated permission Azure DevOps > user_impersonation, then sign in again with `pat-lifecycle login`.",
    });
  }
  const expiresOn = result.expiresOn ?? new Date(0);
  if (!rolled) log('Entra did not return a new refresh token; the stored one stays in use.');

  const claims = (result.idTokenClaims ?? {}) as { oid?: string; tid?: string };
  const account = result.account
    ? {
        username: result.account.username || undefined,
        objectId: claims.oid ?? (result.account.localAccountId || undefined),
        tenantId: result.account.tenantId || claims.tid || undefined,
      }
    : undefined;
  return { accessToken, expiresOn, rolledRefreshToken: rolled, account };
}

/** The one refresh token in this run's fresh cache; undefined when Entra sent none or sent back the same one. */
function rolledRefreshToken(app: PublicClientApplication | ConfidentialClientApplication, entra: EntraClientConfig): string | undefined {
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret?: string; client_id?: string }> };
  const entries = Object.values(cache.RefreshToken ?? {}).filter((e) => typeof e.secret === 'string' && e.secret !== '');
  // A fresh app per run holds at most the entry of this redemption; filtering by client keeps a FOCI entry out.
  const own = entries.filter((e) => !e.client_id || e.client_id === entra.clientId);
  const secret = (own.length > 0 ? own : entries)[0]?.secret;
  return secret && secret !== entra.refreshToken ? secret : undefined;
}

function redact(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('***');
  return out;
}
