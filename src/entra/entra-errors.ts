/**
 * Every way redeeming the refresh token can fail, as a PatLifecycleError: Entra's AADSTS refusals (aadsts.ts),
 * failures on the way to Entra (kept by the network client, since MSAL hides them), and MSAL's own complaints.
 */
import { PatLifecycleError } from '../errors';
import { LOGIN_COMMAND, translateAadsts } from './aadsts';

interface MsalErrorLike {
  errorCode?: unknown;
  name?: unknown;
}

const AUTHORITY_VARIABLE = 'the pipeline variable PatLifecycle.AuthorityHost';

export function translateEntraFailure(err: unknown, ctx: { authorityHost: string; networkError?: PatLifecycleError }): PatLifecycleError {
  if (err instanceof PatLifecycleError) return err;
  const aadsts = translateAadsts(err);
  if (aadsts) return aadsts;
  const code = typeof (err as MsalErrorLike | undefined)?.errorCode === 'string' ? ((err as MsalErrorLike).errorCode as string) : '';
  // The network client saw what really went wrong; MSAL reduces it to network_error.
  if (ctx.networkError && (code === 'network_error' || code === '' || code === 'endpoints_resolution_error')) return ctx.networkError;
  const host = ctx.authorityHost;
  switch (code) {
    case 'network_error':
    case 'endpoints_resolution_error':
      return new PatLifecycleError('network', code, `Could not reach the Entra authority ${host} to redeem the refresh token.`, {
        hint: `Check ${AUTHORITY_VARIABLE}, the agent's proxy settings and that ${host} is reachable from the agent.`,
        retryable: true,
        cause: err,
      });
    case 'token_parsing_error':
      return new PatLifecycleError('service', code, `The Entra authority ${host} answered with a token response MSAL could not read.`, {
        hint: `Check ${AUTHORITY_VARIABLE} and that no proxy rewrites the answer.`,
        cause: err,
      });
    case 'temporarily_unavailable':
      return new PatLifecycleError('service', code, `Entra (${host}) is temporarily unavailable.`, {
        hint: 'Run the pipeline again in a few minutes.',
        retryable: true,
        cause: err,
      });
    case 'invalid_grant':
      return new PatLifecycleError('auth', code, 'Entra refused the refresh token (invalid_grant): it has expired, was revoked, or was issued to another app.', {
        hint: `Sign in again with ${LOGIN_COMMAND} and store the new refresh token.`,
        input: 'refreshToken',
        cause: err,
      });
    case 'invalid_client':
    case 'unauthorized_client':
      return new PatLifecycleError('auth', code, `Entra refused the app registration's credentials (${code}).`, {
        hint: "Check 'clientId', 'tenantId', and 'clientSecret' or 'clientCertificate'.",
        input: 'clientId',
        cause: err,
      });
    case 'interaction_required':
    case 'consent_required':
    case 'login_required':
      return new PatLifecycleError('policy', code, `Entra wants the user to sign in interactively (${code}).`, {
        hint: `Sign in again with ${LOGIN_COMMAND}; if it keeps happening, ask an Entra administrator which policy demands it.`,
        cause: err,
      });
    case 'invalid_scope':
      return new PatLifecycleError('permission', code, 'Entra refused the Azure DevOps scope for this app registration (invalid_scope).', {
        hint: 'Add the delegated permission Azure DevOps > user_impersonation to the app registration and grant consent.',
        cause: err,
      });
    case 'authority_uri_insecure':
    case 'url_parse_error':
    case 'empty_url_error':
    case 'invalid_authority_metadata':
    case 'untrusted_authority':
      return new PatLifecycleError('input', code, `The Entra authority URL is not usable (${code}).`, {
        hint: `Set ${AUTHORITY_VARIABLE} to an https URL such as https://login.microsoftonline.com, or leave it unset.`,
        cause: err,
      });
    case 'invalid_client_credential':
    case 'invalid_assertion':
    case 'invalid_cert':
    case 'missing_client_credential':
      return new PatLifecycleError('input', code, `The client credential for the app registration is not usable (${code}).`, {
        hint: "Give 'clientCertificate' as PEM with both the certificate and its private key (or base64 of that), or a 'clientSecret'.",
        input: 'clientCertificate',
        cause: err,
      });
    default:
      return new PatLifecycleError('auth', code || 'EntraError', `Redeeming the refresh token at ${host} failed${code ? ` (${code})` : ''}.`, {
        hint: `If this persists, sign in again with ${LOGIN_COMMAND}.`,
        cause: err,
      });
  }
}
