/**
 * The authority MSAL talks to, described up front so MSAL makes no discovery requests: with `authorityMetadata` and
 * (for hosts MSAL does not hard-code) `knownAuthorities`, the only request of a run is the POST to the token endpoint.
 * That keeps proxies, sovereign clouds and a local emulator on one code path.
 */

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export interface EntraAuthority {
  /** `https://login.microsoftonline.com/{tenant}` */
  authority: string;
  /** `login.microsoftonline.com` or `127.0.0.1:8443`: MSAL compares hosts with their port. */
  host: string;
  /** Empty for the public cloud (MSAL knows it); never undefined, which would override MSAL's default and break it. */
  knownAuthorities: string[];
  authorityMetadata: string;
  tokenEndpoint: string;
}

export function describeAuthority(authorityHost: string, tenantId: string): EntraAuthority {
  const origin = new URL(authorityHost).origin;
  const host = new URL(origin).host;
  const base = `${origin}/${encodeURIComponent(tenantId)}`;
  const tokenEndpoint = `${base}/oauth2/v2.0/token`;
  const metadata = {
    issuer: `${base}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: tokenEndpoint,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
  };
  return {
    authority: base,
    host,
    // MSAL skips instance discovery only for hosts it knows or is told about; the public cloud is built in.
    knownAuthorities: host === new URL(DEFAULT_AUTHORITY_HOST).host ? [] : [host],
    authorityMetadata: JSON.stringify(metadata),
    tokenEndpoint,
  };
}

/**
 * Hosts of the Microsoft clouds' Entra endpoints; anything else (a private authority, an emulator) gets no instance
 * discovery. The retired Germany cloud's `login.microsoftonline.de` is not among them: it no longer signs anyone in,
 * and a host nobody at Microsoft answers for must not receive a refresh token.
 */
export const MICROSOFT_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
  'login-us.microsoftonline.com',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg',
]);

export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).host.toLowerCase());
}
