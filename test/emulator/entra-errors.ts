import { entraTimestamp } from './clock';
import type { EmuResponse } from './types';

/**
 * Entra's token-endpoint errors (entra-and-identity.md §2): one entry per AADSTS code the emulator can produce.
 * `error` and `suberror` follow the spec's suggestions; where the docs are silent the choice is listed in README.md.
 */
export interface AadstsDef {
  error: string;
  suberror?: string;
  status?: number;
  text: string;
}

export const AADSTS: Record<number, AadstsDef> = {
  50011: { error: 'invalid_request', text: "The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{clientId}'." },
  50020: { error: 'invalid_grant', text: "User account '{upn}' from identity provider 'live.com' does not exist in tenant '{tenant}' and cannot access the application '{clientId}' in that tenant." },
  50058: { error: 'login_required', text: 'A silent sign-in request was sent but no user is signed in.' },
  50076: { error: 'invalid_grant', suberror: 'basic_action', text: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'." },
  50079: { error: 'invalid_grant', suberror: 'basic_action', text: "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'." },
  50173: { error: 'invalid_grant', suberror: 'bad_token', text: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{validFrom}'." },
  53003: { error: 'invalid_grant', suberror: 'message_only', text: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.' },
  54005: { error: 'invalid_grant', text: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.' },
  65001: { error: 'invalid_grant', suberror: 'consent_required', text: "The user or administrator has not consented to use the application with ID '{clientId}' named '{appName}'. Send an interactive authorization request for this user and resource." },
  70000: { error: 'invalid_grant', text: 'Provided grant is invalid or malformed.' },
  70003: { error: 'unsupported_grant_type', text: "The app requested an unsupported grant type '{grantType}'." },
  70008: { error: 'invalid_grant', text: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.' },
  70011: { error: 'invalid_scope', text: "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid." },
  70016: { error: 'authorization_pending', text: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' },
  70019: { error: 'authorization_declined', text: 'The user declined the device code sign-in request.' },
  70020: { error: 'expired_token', text: "The provided value for the input parameter 'device_code' is not valid. This device code has expired." },
  70021: { error: 'invalid_client', status: 401, text: "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'." },
  70043: { error: 'invalid_grant', suberror: 'bad_token', text: 'The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on {issued} and the maximum allowed lifetime for this request is 3600.' },
  90002: { error: 'invalid_request', text: "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant." },
  90006: { error: 'temporarily_unavailable', status: 503, text: 'The service is temporarily unavailable. Please try again.' },
  90055: { error: 'temporarily_unavailable', status: 429, text: 'There are too many incoming requests. Please try again later.' },
  500011: { error: 'invalid_resource', text: "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant." },
  501481: { error: 'invalid_grant', text: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' },
  700016: { error: 'unauthorized_client', text: "Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant." },
  700024: { error: 'invalid_client', status: 401, text: 'Client assertion is not within its valid time range.' },
  700025: { error: 'invalid_client', status: 401, text: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented." },
  700027: { error: 'invalid_client', status: 401, text: 'Client assertion failed signature validation. [Reason - {reason}]' },
  700082: { error: 'invalid_grant', text: 'The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive for {inactive}.' },
  700084: { error: 'invalid_grant', text: "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {issued}." },
  700212: { error: 'invalid_client', status: 401, text: "No matching federated identity record found for presented assertion audience '{audience}'." },
  900144: { error: 'invalid_request', text: "The request body must contain the following parameter: '{parameter}'." },
  1002012: { error: 'invalid_scope', text: "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)." },
  7000215: { error: 'invalid_client', status: 401, text: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'." },
  7000218: { error: 'invalid_client', status: 401, text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." },
  7000222: { error: 'invalid_client', status: 401, text: "The provided client secret keys for app '{clientId}' are expired. Visit the Azure portal to create new keys for your app." },
  9002313: { error: 'invalid_grant', text: 'Invalid request. Request is malformed or invalid.' },
  9002325: { error: 'invalid_request', text: 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.' },
  9002327: { error: 'invalid_request', text: "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests." },
};

export type AadstsVars = Record<string, string | undefined>;

function fill(text: string, vars: AadstsVars): string {
  return text.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? `{${k}}`);
}

export interface EntraErrorContext {
  nowMs: number;
  traceId: string;
  correlationId: string;
  authorityHost: string;
}

/** The error body exactly as Entra sends it, with the description carrying Trace ID, Correlation ID and Timestamp. */
export function aadstsBody(code: number, ctx: EntraErrorContext, vars: AadstsVars = {}): { status: number; body: Record<string, unknown> } {
  const def = AADSTS[code];
  if (!def) throw new RangeError(`no AADSTS${code} in the emulator's table`);
  const ts = entraTimestamp(ctx.nowMs);
  const body: Record<string, unknown> = {
    error: def.error,
    error_description: `AADSTS${code}: ${fill(def.text, vars)}\r\nTrace ID: ${ctx.traceId}\r\nCorrelation ID: ${ctx.correlationId}\r\nTimestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: ctx.traceId,
    correlation_id: ctx.correlationId,
    error_uri: `${ctx.authorityHost}/error?code=${code}`,
  };
  if (def.suberror) body.suberror = def.suberror;
  return { status: def.status ?? (def.error === 'invalid_client' ? 401 : 400), body };
}

export function aadstsResponse(code: number, ctx: EntraErrorContext, vars: AadstsVars = {}, extraHeaders: Record<string, string> = {}): EmuResponse {
  const { status, body } = aadstsBody(code, ctx, vars);
  return { status, headers: { ...ENTRA_HEADERS, 'x-ms-request-id': ctx.traceId, ...extraHeaders }, body };
}

export const ENTRA_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store, no-cache',
  Pragma: 'no-cache',
  'x-ms-ests-server': 'emulator',
};

/** A thrown Entra error; route handlers turn it into the error body. */
export class AadstsError extends Error {
  constructor(
    readonly code: number,
    readonly vars: AadstsVars = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`AADSTS${code}`);
  }
}
