/**
 * Wire shapes of the Azure DevOps APIs the task calls, described once.
 * Source: Microsoft's published REST specs (copies in test/conformance/specs: tokens, taskAgent, serviceEndpoint).
 */

/**
 * PAT Lifecycle API: `https://vssps.dev.azure.com/{org}/_apis/tokens/pats`. 7.2 names the refusals 7.1 lumps together
 * (`disablePatCreationPolicyViolation` rather than `accessDenied` for the policy restricting creation,
 * `globalPATCreationBlocked`, `expiredPatCannotBeExtended`) and explains each in `patTokenErrorMessage`.
 */
export const PAT_API_VERSION = '7.2-preview.1';

export type PatDisplayFilter = 'active' | 'revoked' | 'expired' | 'all';
export type PatSortBy = 'displayName' | 'displayDate' | 'status';

export interface PatToken {
  displayName: string;
  /** ISO 8601; the service rounds to 1/300 s and may shorten it to the organization's maximum lifespan. */
  validTo: string;
  /** Space-separated scopes, e.g. `vso.packaging vso.code`; `app_token` is full access. */
  scope: string;
  /** The organization GUIDs the PAT works in; null for a global (all organizations) PAT. */
  targetAccounts: string[] | null;
  validFrom: string;
  authorizationId: string;
  /** The secret value: only in the create response, null everywhere else. */
  token: string | null;
}

/** `SessionTokenError`: anything but `none` is a failure reported inside an HTTP 200. */
export type PatTokenError =
  | 'none' | 'displayNameRequired' | 'invalidDisplayName' | 'invalidValidTo' | 'invalidScope' | 'userIdRequired'
  | 'invalidUserId' | 'invalidUserType' | 'accessDenied' | 'failedToIssueAccessToken' | 'invalidClient'
  | 'invalidClientType' | 'invalidClientId' | 'invalidTargetAccounts' | 'hostAuthorizationNotFound'
  | 'authorizationNotFound' | 'failedToUpdateAccessToken' | 'sourceNotSupported' | 'invalidSourceIP'
  | 'invalidSource' | 'duplicateHash' | 'sshPolicyDisabled' | 'invalidToken' | 'tokenNotFound'
  | 'invalidAuthorizationId' | 'failedToReadTenantPolicy' | 'globalPatPolicyViolation'
  | 'fullScopePatPolicyViolation' | 'patLifespanPolicyViolation' | 'invalidTokenType' | 'invalidAudience'
  | 'invalidSubject' | 'deploymentHostNotSupported' | 'disablePatCreationPolicyViolation'
  | 'failedToReadOrgPolicy' | 'globalPATCreationBlocked' | 'expiredPatCannotBeExtended';

export interface PatTokenResult {
  patToken: PatToken | null;
  patTokenError: PatTokenError | string;
  /** Added at 7.2-preview. */
  patTokenErrorMessage?: string;
}

export interface PagedPatTokens {
  /** Opaque; the empty string (or absent) on the last page. */
  continuationToken: string | null;
  patTokens: PatToken[];
}

export interface PatTokenCreateRequest {
  displayName: string;
  scope: string;
  validTo: string;
  /** Always false: global PATs are retired. */
  allOrgs: false;
}

export interface PatTokenUpdateRequest {
  authorizationId: string;
  displayName?: string;
  scope?: string;
  validTo?: string;
  allOrgs: false;
}

/** Standard Azure DevOps error body (all VSS REST APIs). */
export interface VssErrorBody {
  $id?: string;
  innerException?: unknown;
  message: string;
  typeName?: string;
  typeKey?: string;
  errorCode?: number;
  eventId?: number;
}

/** Variable Groups API. */
export const VARIABLE_GROUP_API_VERSION = '7.1';

export interface VariableValue {
  /** Secrets come back as null; sending null (or no value) for an existing secret keeps its stored value. */
  value?: string | null;
  isSecret?: boolean;
  isReadOnly?: boolean;
}

export interface ProjectReference {
  id: string;
  name: string;
}

export interface VariableGroupProjectReference {
  name: string;
  description?: string;
  projectReference: ProjectReference;
}

export interface IdentityRef {
  displayName?: string | null;
  id: string;
  uniqueName?: string;
}

export interface VariableGroup {
  id: number;
  name: string;
  description?: string;
  type: string;
  variables: Record<string, VariableValue>;
  providerData?: unknown;
  createdBy?: IdentityRef;
  createdOn?: string;
  modifiedBy?: IdentityRef;
  modifiedOn?: string;
  isShared?: boolean;
  variableGroupProjectReferences?: VariableGroupProjectReference[] | null;
}

/** Body of the org-level PUT (6.0+): the whole group, with every project that shares it. */
export interface VariableGroupParameters {
  name: string;
  description?: string;
  type: string;
  variables: Record<string, VariableValue>;
  providerData?: unknown;
  variableGroupProjectReferences: VariableGroupProjectReference[];
}

export interface ListResponse<T> {
  count: number;
  value: T[];
}

/** Azure DevOps resource (audience of the Entra access tokens the task uses). */
export const AZURE_DEVOPS_RESOURCE = '499b84ac-1321-427f-aa17-267ca6975798';
export const AZURE_DEVOPS_SCOPE = `${AZURE_DEVOPS_RESOURCE}/.default`;

/** Service endpoints (service connections) API: GET is project-scoped, PUT organization-scoped (serviceEndpoint 7.1). */
export const SERVICE_ENDPOINT_API_VERSION = '7.1';

/**
 * A service endpoint as the GET returns it. Only the fields the task reads are typed; the PUT sends back the object
 * exactly as read (every field, typed or not), with one parameter and the description changed.
 */
export interface ServiceEndpoint {
  id: string;
  name: string;
  type: string;
  url?: string | null;
  description?: string | null;
  isReady?: boolean;
  authorization?: { scheme?: string; parameters?: Record<string, string | null> | null } | null;
  serviceEndpointProjectReferences?: Array<{ name?: string; description?: string | null; projectReference?: { id?: string; name?: string } }> | null;
  [field: string]: unknown;
}
