/**
 * The PAT Lifecycle API reports refusals inside an HTTP 200 as `patTokenError`. Every value of the enum has an
 * entry here, so no refusal reaches the user as a bare enum name.
 */
import { PatLifecycleError, type ErrorKind } from '../errors';
import type { PatTokenError } from './types';

interface PatErrorEntry {
  kind: ErrorKind;
  message: string;
  hint: string;
  input?: string;
  retryable?: boolean;
}

const SIGN_IN_AGAIN = 'Sign in again with `pat-lifecycle login` as the user who owns the PATs.';
const OUR_BUG = 'This is a bug in the task (it sent a malformed request); please report it with the request id.';
const RETRY = 'Run the pipeline again; the service could not complete the request this time.';

export const PAT_ERROR_TABLE: Readonly<Record<Exclude<PatTokenError, 'none'>, PatErrorEntry>> = {
  displayNameRequired: { kind: 'input', message: 'A PAT needs a display name', hint: "Give 'patName'.", input: 'patName' },
  invalidDisplayName: { kind: 'input', message: 'The display name is not allowed', hint: "Choose another 'patName' (shorter, without unusual characters).", input: 'patName' },
  invalidValidTo: { kind: 'input', message: 'The expiry date is not allowed', hint: "Choose a 'lifetimeDays' within the organization's maximum PAT lifespan.", input: 'lifetimeDays' },
  invalidScope: { kind: 'input', message: 'One of the scopes is not a valid PAT scope', hint: "Check 'scopes' against the Azure DevOps scope names (for example vso.code_write, vso.packaging).", input: 'scopes' },
  userIdRequired: { kind: 'auth', message: 'Azure DevOps could not tell which user the request is for', hint: SIGN_IN_AGAIN },
  invalidUserId: { kind: 'auth', message: 'Azure DevOps does not accept the user of the access token', hint: SIGN_IN_AGAIN },
  invalidUserType: { kind: 'auth', message: 'The identity is not a user who may own PATs (service principals and managed identities cannot)', hint: SIGN_IN_AGAIN },
  accessDenied: { kind: 'permission', message: 'Azure DevOps denied access to the PAT', hint: 'The PAT belongs to another user, or the user lacks access to the organization; use the account that owns the PAT.' },
  failedToIssueAccessToken: { kind: 'service', message: 'Azure DevOps failed to issue the PAT', hint: RETRY, retryable: true },
  invalidClient: { kind: 'auth', message: 'Azure DevOps refused the app registration the access token was issued to', hint: 'Use an app registration with the delegated permission Azure DevOps > user_impersonation, and sign in again.' },
  invalidClientType: { kind: 'auth', message: 'Azure DevOps refused the kind of client the access token was issued to', hint: 'Use a public client or web app registration with delegated permissions, and sign in again.' },
  invalidClientId: { kind: 'auth', message: 'Azure DevOps does not recognise the client id of the access token', hint: "Check 'clientId' and sign in again." },
  invalidTargetAccounts: { kind: 'input', message: 'The PAT cannot target this organization', hint: 'Check the organization name; the user must be a member of it.', input: 'organization' },
  hostAuthorizationNotFound: { kind: 'notFound', message: 'The PAT was not found for this organization', hint: "Check 'authorizationId' and the organization: a PAT is listed only in the organizations it targets.", input: 'authorizationId' },
  authorizationNotFound: { kind: 'notFound', message: 'No PAT with this authorization id exists for the user', hint: "Check 'authorizationId' (it may have been revoked, or belong to another user).", input: 'authorizationId' },
  failedToUpdateAccessToken: { kind: 'service', message: 'Azure DevOps failed to update the PAT', hint: RETRY, retryable: true },
  sourceNotSupported: { kind: 'service', message: 'Azure DevOps does not support this request source', hint: OUR_BUG },
  invalidSourceIP: { kind: 'policy', message: "The request came from an IP address the organization's policy does not allow", hint: 'Run the pipeline on an agent inside the allowed IP ranges (conditional access / IP policy of the organization).' },
  invalidSource: { kind: 'service', message: 'Azure DevOps refused the request source', hint: OUR_BUG },
  duplicateHash: { kind: 'service', message: 'Azure DevOps generated a duplicate token', hint: RETRY, retryable: true },
  sshPolicyDisabled: { kind: 'policy', message: 'An organization policy disables this kind of credential', hint: 'Ask an organization administrator about the policy.' },
  invalidToken: { kind: 'notFound', message: 'The PAT is not valid (revoked or malformed)', hint: 'Create a new PAT instead.' },
  tokenNotFound: { kind: 'notFound', message: 'The PAT was not found', hint: "Check 'authorizationId' or 'patName'; it may have been revoked or have expired.", input: 'authorizationId' },
  invalidAuthorizationId: { kind: 'input', message: 'The authorization id is not a valid PAT id', hint: "Give 'authorizationId' as the GUID shown by the 'list' action.", input: 'authorizationId' },
  failedToReadTenantPolicy: { kind: 'service', message: "Azure DevOps could not read the tenant's PAT policies", hint: RETRY, retryable: true },
  globalPatPolicyViolation: { kind: 'policy', message: 'The tenant policy restricts global (all organizations) PATs', hint: 'Global PATs are retired; this task creates organization-scoped PATs only. If it still happens, ask an administrator to check the global PAT policy allow list.' },
  fullScopePatPolicyViolation: { kind: 'policy', message: 'The organization blocks full-access PATs', hint: "Give explicit scopes in 'scopes' (for example vso.code_write) instead of full access (app_token).", input: 'scopes' },
  patLifespanPolicyViolation: { kind: 'policy', message: "The expiry date is beyond the organization's maximum PAT lifespan", hint: "Lower 'lifetimeDays' to the maximum the policy allows, or ask an administrator to add you to the policy's allow list.", input: 'lifetimeDays' },
  invalidTokenType: { kind: 'auth', message: 'Azure DevOps refused the type of the access token', hint: `The PAT Lifecycle API accepts only Entra user tokens. ${SIGN_IN_AGAIN}` },
  invalidAudience: { kind: 'auth', message: 'The access token is not for Azure DevOps', hint: `The token must be for the Azure DevOps resource (499b84ac-1321-427f-aa17-267ca6975798). ${SIGN_IN_AGAIN}` },
  invalidSubject: { kind: 'auth', message: 'Azure DevOps refused the subject of the access token', hint: SIGN_IN_AGAIN },
  deploymentHostNotSupported: { kind: 'input', message: 'This Azure DevOps deployment does not support the PAT Lifecycle API', hint: 'Check PatLifecycle.VsspsUrl; Azure DevOps Server (on-premises) has no PAT Lifecycle API.' },
  disablePatCreationPolicyViolation: { kind: 'policy', message: 'The organization restricts who may create PATs', hint: "Ask a Project Collection Administrator to add you to the allow list of the policy 'Restrict personal access token creation'." },
  failedToReadOrgPolicy: { kind: 'service', message: "Azure DevOps could not read the organization's PAT policies", hint: RETRY, retryable: true },
  globalPATCreationBlocked: { kind: 'policy', message: 'Creating global (all organizations) PATs is blocked', hint: 'Global PATs are retired; create organization-scoped PATs (this task always does).' },
  expiredPatCannotBeExtended: { kind: 'input', message: 'An expired PAT cannot be extended', hint: "Create a new PAT (action 'create', or 'rotate' which creates one) instead of updating the expired one." },
};

export function isPatTokenErrorValue(value: string): value is Exclude<PatTokenError, 'none'> {
  return Object.prototype.hasOwnProperty.call(PAT_ERROR_TABLE, value);
}

/** A refusal reported in a 200 body, keeping the service's value in the code and its message as extra text. */
export function patTokenErrorToError(
  value: string,
  ctx: { operation: string; requestId?: string; serviceMessage?: string },
): PatLifecycleError {
  const extra = ctx.serviceMessage ? ` Azure DevOps says: ${ctx.serviceMessage.replace(/\s+/g, ' ').trim().slice(0, 400)}` : '';
  const entry = isPatTokenErrorValue(value) ? PAT_ERROR_TABLE[value] : undefined;
  if (!entry) {
    return new PatLifecycleError('service', `patTokenError:${value}`, `The PAT Lifecycle API refused '${ctx.operation}' with '${value}'.${extra}`, {
      requestId: ctx.requestId,
      hint: 'This refusal is new to the task; the Azure DevOps documentation of the PAT Lifecycle API describes it.',
    });
  }
  return new PatLifecycleError(entry.kind, `patTokenError:${value}`, `${entry.message} ('${ctx.operation}').${extra}`, {
    requestId: ctx.requestId,
    hint: entry.hint,
    input: entry.input,
    retryable: entry.retryable ?? false,
  });
}
