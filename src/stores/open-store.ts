/** Builds the SecretStore for a destination: a PAT's target or the place the rolled refresh token goes. */
import type { NetworkConfig, RefreshTokenStoreConfig, SecretDestination } from '../config/types';
import { ServiceEndpointClient } from '../devops/service-endpoint-client';
import { VariableGroupClient } from '../devops/variable-group-client';
import { PatLifecycleError } from '../errors';
import type { HttpClient } from '../http/types';
import type { CredentialAdvice } from './key-vault-errors';
import { KeyVaultStore, PAT_CONTENT_TYPE, REFRESH_TOKEN_CONTENT_TYPE, type VaultClients } from './key-vault-store';
import { PAT_METADATA_KEYS, REFRESH_TOKEN_METADATA_KEYS, type SecretStore } from './secret-store';
import { ServiceConnectionStore, SIGN_IN_ROLE } from './service-connection-store';
import { VariableGroupStore, type GroupWriteQueue } from './variable-group-store';
import type { GroupViews } from './group-views';

export type StoreDestination = Exclude<SecretDestination, { kind: 'outputOnly' }> | Exclude<RefreshTokenStoreConfig, { kind: 'none' }>;

export interface OpenStoreDeps {
  http: HttpClient;
  organization: string;
  devopsUrl: string;
  /** The user's Entra access token for Azure DevOps. */
  userAccessToken: string;
  /** The job's System.AccessToken, for variableGroupAuth 'job'. */
  systemAccessToken?: string;
  network: NetworkConfig;
  purpose: 'pat' | 'refreshToken';
  /** Where the stores may say something worth a log line (never a value). */
  log?: (message: string) => void;
  /** One per run: what one variable-group store read or wrote spares the others a GET. */
  groupViews?: GroupViews;
  /** One per run: writes to one group take turns and fold together. */
  groupWrites?: GroupWriteQueue;
  /** One per run: Key Vault clients shared by the stores of one vault and identity. */
  vaultClients?: VaultClients;
  /**
   * How Key Vault errors name the vault's identity and its fixes; default: the service connection (the task). The CLI's
   * `run` signs in with a service principal from AZURE_* variables instead, and says so.
   */
  keyVaultIdentity?: KeyVaultIdentityWords;
}

export interface KeyVaultIdentityWords {
  /** 'the service principal in AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET'. */
  description: string;
  advice: CredentialAdvice;
}

/** The client a variable-group destination is read and written with: the user's token, or the job's. */
export function variableGroupClientFor(dest: Extract<StoreDestination, { kind: 'variableGroup' }>, deps: OpenStoreDeps): VariableGroupClient {
  const token = dest.auth === 'job' ? deps.systemAccessToken : deps.userAccessToken;
  if (!token) {
    throw new PatLifecycleError('input', 'MissingSystemAccessToken', "The job's access token (System.AccessToken) is not available to the task.", {
      input: 'variableGroupAuth',
      hint: "Map it into the step (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)) or allow scripts to access the OAuth token, or set 'variableGroupAuth' to 'user'.",
    });
  }
  return new VariableGroupClient({
    http: deps.http,
    devopsUrl: deps.devopsUrl,
    organization: deps.organization,
    authorization: `Bearer ${token}`,
    authKind: dest.auth,
  });
}

/** The client service connections are read and written with: always the signed-in user's token. */
export function serviceEndpointClientFor(deps: OpenStoreDeps): ServiceEndpointClient {
  return new ServiceEndpointClient({ http: deps.http, devopsUrl: deps.devopsUrl, organization: deps.organization, authorization: `Bearer ${deps.userAccessToken}` });
}

export async function openSecretStore(dest: StoreDestination, deps: OpenStoreDeps): Promise<SecretStore> {
  const forRefreshToken = deps.purpose === 'refreshToken';
  switch (dest.kind) {
    case 'variableGroup': {
      const client = variableGroupClientFor(dest, deps);
      return new VariableGroupStore({
        client,
        group: dest.group,
        variableName: dest.variableName,
        describeAuth: dest.auth,
        companionKeys: forRefreshToken ? REFRESH_TOKEN_METADATA_KEYS : PAT_METADATA_KEYS,
        purpose: deps.purpose,
        ...(deps.groupViews ? { views: deps.groupViews } : {}),
        ...(deps.groupWrites ? { writes: deps.groupWrites } : {}),
      });
    }
    case 'keyVault':
      return new KeyVaultStore({
        vault: dest.vault,
        secretName: dest.secretName,
        network: deps.network,
        contentType: forRefreshToken ? REFRESH_TOKEN_CONTENT_TYPE : PAT_CONTENT_TYPE,
        secretNameInput: forRefreshToken ? 'refreshTokenSecretName' : 'secretName',
        log: deps.log,
        ...(deps.vaultClients ? { clients: deps.vaultClients } : {}),
        ...(deps.keyVaultIdentity ? { identityDescription: deps.keyVaultIdentity.description, advice: deps.keyVaultIdentity.advice } : {}),
      });
    case 'serviceConnection':
      // The sign-in connection is written back with the token it just signed in with (its Administrator role).
      return new ServiceConnectionStore({
        client: serviceEndpointClientFor(deps),
        connection: dest.connection,
        ...(forRefreshToken ? { role: SIGN_IN_ROLE } : {}),
      });
  }
}
