/**
 * The typed configuration of one run: what `parseConfig` makes of the raw inputs, and all the core reads.
 * Everything here is validated; a Config exists only if every input was good.
 */

/** `check` reads every prerequisite of the step and writes nothing (src/check/). */
export type Action = 'create' | 'rotate' | 'update' | 'revoke' | 'list' | 'check';

export interface ServiceUrls {
  /** Entra authority host, default `https://login.microsoftonline.com` (seam: `PatLifecycle.AuthorityHost`). */
  authorityHost: string;
  /** PAT Lifecycle API host, default `https://vssps.dev.azure.com` (seam: `PatLifecycle.VsspsUrl`). */
  vsspsUrl: string;
  /** Azure DevOps host for variable groups, default the origin of `System.CollectionUri` (seam: `PatLifecycle.DevOpsUrl`). */
  devopsUrl: string;
  /** The seams set for this run (hosts already checked against the allowed ones), for a visible notice. */
  overrides?: ServiceOverride[];
}

export interface ServiceOverride {
  /** `PatLifecycle.AuthorityHost` */
  variable: string;
  /** `login.microsoftonline.us`, `127.0.0.1:8443` */
  host: string;
}

export interface EntraClientConfig {
  tenantId: string;
  clientId: string;
  /** Only for confidential (web) app registrations. */
  clientSecret?: string;
  /** Instead of a secret: certificate and private key (PEM), with the SHA-256 thumbprint computed from it. */
  clientCertificate?: { certificatePem: string; privateKeyPem: string; thumbprintSha256: string };
  refreshToken: string;
}

/** A variable group, by name or id, in a project of Config.destinationOrganization. */
export interface VariableGroupRef {
  project: string;
  name?: string;
  id?: number;
}

/** A service connection, by name or id, in a project of Config.destinationOrganization. */
export interface ServiceConnectionRef {
  project: string;
  /** As given: a GUID is looked up as an id, anything else as a name. */
  nameOrId: string;
}

/** Key Vault access through an Azure Resource Manager service connection. */
export type AzureCredentialConfig =
  | { scheme: 'ServicePrincipal'; tenantId: string; clientId: string; clientSecret?: string; certificatePem?: string }
  | { scheme: 'WorkloadIdentityFederation'; tenantId: string; clientId: string; serviceConnectionId: string; systemAccessToken: string; oidcRequestUri: string }
  | { scheme: 'ManagedServiceIdentity'; tenantId?: string; clientId?: string };

export interface KeyVaultRef {
  /** Full vault URL, e.g. `https://myvault.vault.azure.net`. */
  vaultUrl: string;
  /** From the service connection: `https://login.microsoftonline.com` or a sovereign cloud's. */
  authorityHost: string;
  /** From the service connection: `vault.azure.net` or a sovereign cloud's. */
  dnsSuffix: string;
  credential: AzureCredentialConfig;
}

/**
 * Where a new PAT goes. In bulk runs `variableName`/`secretName` hold `{name}`, which stands for each PAT's display
 * name (see config/name-template.ts `destinationFor`); operations always work on the expanded form.
 */
export type SecretDestination =
  | { kind: 'variableGroup'; group: VariableGroupRef; variableName: string; auth: 'user' | 'job' }
  | { kind: 'keyVault'; vault: KeyVaultRef; secretName: string }
  | { kind: 'serviceConnection'; connection: ServiceConnectionRef }
  | { kind: 'outputOnly' };

/** A destination that keeps the value between runs, with its ownership record. */
export type StoreTarget = Exclude<SecretDestination, { kind: 'outputOnly' }>;

/**
 * How a later step of the same job gets the refresh token a step rolled from a sign-in connection: the agent hands
 * every step the connection's authorization as it was at job start (already redeemed once a step ran), so the step
 * that rolls it sets a secret job variable, sealed with the job-start token (config/sign-in-handover.ts).
 */
export interface SignInHandover {
  /** The job variable's name, keyed by the connection id: `PatLifecycle.SignIn.<id without dashes>`. */
  variable: string;
  /** The refresh token the connection held at job start (ENDPOINT_AUTH): the seal's key. A secret. */
  key: string;
  connectionId: string;
}

/** Where the refresh token Entra rolled is written back. */
export type RefreshTokenStoreConfig =
  | { kind: 'none' }
  | { kind: 'variableGroup'; group: VariableGroupRef; variableName: string; auth: 'user' | 'job' }
  | { kind: 'keyVault'; vault: KeyVaultRef; secretName: string }
  /** The sign-in service connection itself (signInConnection), addressed by id. */
  | { kind: 'serviceConnection'; connection: ServiceConnectionRef; handover: SignInHandover };

/** Which PATs an action applies to. */
export interface PatSelector {
  authorizationId?: string;
  /** Exact display names; several mean bulk mode. */
  displayNames: string[];
  /** Wildcard (`*`, `?`) over display names of active PATs. */
  displayNamePattern?: string;
  /** With several active PATs of one name: take the newest instead of failing. */
  takeNewest: boolean;
}

export interface ProxyConfig {
  /** `http://host:port` */
  url: string;
  username?: string;
  password?: string;
  /** Regexes; a URL matching any goes direct (the agent's `Agent.ProxyBypassList`). */
  bypass: string[];
}

export interface NetworkConfig {
  /** Per request (connect + response), default 30 s. */
  timeoutMs: number;
  proxy?: ProxyConfig;
  /** Extra CA certificates (PEM) to trust, from `Agent.CAInfo`. */
  caPem?: string;
}

export interface Config {
  action: Action;
  /** Organization name (`contoso`), never a URL: whose PATs are managed. */
  organization: string;
  /**
   * The organization of the variable groups (PAT destination, refresh token store): the pipeline's own, from
   * System.CollectionUri, even when `organization` names another; outside a pipeline, `organization`.
   */
  destinationOrganization: string;
  urls: ServiceUrls;
  entra: EntraClientConfig;
  refreshTokenStore: RefreshTokenStoreConfig;
  /** Warn when the stored refresh token is older than this many days (default 60). */
  refreshTokenMaxAgeDays: number;
  selector: PatSelector;
  /** update only: the new display name (authorizationId and displayName given together). */
  newDisplayName?: string;
  /** Normalised scopes for create/update, or for rotate when the user overrides the old ones. */
  scopes?: string[];
  lifetimeDays: number;
  rotateWhenExpiresWithinDays: number;
  revokeOld: boolean;
  /**
   * Also revoke, once the new PAT is stored, an old PAT that no destination recorded (the PAT rotated to outputOnly, or
   * one a destination was filled instead of). Off: the task never revokes what it cannot prove it made or stored.
   */
  revokeUntracked: boolean;
  allowFullAccess: boolean;
  /**
   * Let rotate and update turn a global PAT (valid in all organizations, retired by Azure DevOps on 2026-12-01) into
   * one valid in this organization only. Off: such a PAT is left alone and the step fails, saying so.
   */
  allowNarrowingGlobalPat: boolean;
  /** Where each new PAT goes besides the token output; empty for outputOnly. One of each kind at most. */
  destinations: StoreTarget[];
  dryRun: boolean;
  /**
   * check only: prove that the user may create PATs by creating a 1-day PAT and revoking it at once. Reading cannot
   * show an organization's PAT creation policy; off unless asked for, since it creates (and revokes) a real PAT.
   */
  checkPatCreation: boolean;
  /** Set the secret output `refreshToken` to the renewed token; off unless asked for, since outputs travel far. */
  outputRefreshToken?: boolean;
  concurrency: number;
  network: NetworkConfig;
  /** The job's System.AccessToken, when variableGroupAuth is `job` or Key Vault uses workload identity. */
  systemAccessToken?: string;
}
