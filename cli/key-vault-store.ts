/**
 * The refresh token as a Key Vault secret, written with the signing-in developer's own Azure identity: the Azure CLI
 * (`az login`), DefaultAzureCredential's developer chain, or a service principal from AZURE_* variables. The store
 * is the core's (src/stores/key-vault-store.ts: content type text/plain, the metadata as tags, each write a new
 * version read back at once); only the credential differs from the task's, which signs in with a service connection.
 */
import * as identity from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type { NetworkConfig } from '../src/config/types';
import { PatLifecycleError } from '../src/errors';
import { identityClientOptions } from '../src/stores/azure-credential';
import type { CredentialAdvice } from '../src/stores/key-vault-errors';
import { KeyVaultStore, REFRESH_TOKEN_CONTENT_TYPE } from '../src/stores/key-vault-store';
import type { KeyVaultCredentialKind } from './args';

export interface DeveloperKeyVaultStoreOptions {
  vaultUrl: string;
  secretName: string;
  credential: KeyVaultCredentialKind;
  /** Entra host for the credential (the same cloud as the sign-in). */
  authorityHost: string;
  network: NetworkConfig;
  env: Record<string, string | undefined>;
  log?: (message: string) => void;
}

const CREDENTIAL_WORDS: Record<KeyVaultCredentialKind, string> = {
  default: 'your developer sign-in (DefaultAzureCredential: environment, Azure CLI, Azure Developer CLI, Azure PowerShell...)',
  cli: 'your Azure CLI sign-in (az login)',
  env: 'the service principal in AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET',
};

export async function createDeveloperCredential(o: Pick<DeveloperKeyVaultStoreOptions, 'credential' | 'authorityHost' | 'network' | 'env'>): Promise<TokenCredential> {
  const common = identityClientOptions(o.authorityHost, o.network);
  switch (o.credential) {
    case 'env': {
      const tenantId = o.env.AZURE_TENANT_ID;
      const clientId = o.env.AZURE_CLIENT_ID;
      const secret = o.env.AZURE_CLIENT_SECRET;
      if (!tenantId || !clientId || !secret) {
        throw new PatLifecycleError('input', 'MissingEnvironment', '--kv-credential env needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET in the environment.', {
          hint: 'Export the three variables for a service principal that may get and set secrets in the vault, or use --kv-credential cli after az login.',
        });
      }
      return new identity.ClientSecretCredential(tenantId, clientId, secret, common);
    }
    case 'cli':
      return new identity.AzureCliCredential({ ...(o.env.AZURE_TENANT_ID ? { tenantId: o.env.AZURE_TENANT_ID } : {}) });
    case 'default':
      return new identity.DefaultAzureCredential({ ...common, ...(o.env.AZURE_TENANT_ID ? { tenantId: o.env.AZURE_TENANT_ID } : {}) });
  }
}

/** How to fix the developer's own Key Vault sign-in, in flags and environment variables. */
export function developerAdvice(kind: KeyVaultCredentialKind): CredentialAdvice {
  const signIn =
    kind === 'env'
      ? 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET: the secret may have expired or belong to another app.'
      : kind === 'cli'
        ? 'Sign in again with az login (in the vault\'s tenant: az login --tenant TENANT), then run the command again.'
        : 'Sign in with az login (or azd auth login, Connect-AzAccount), or choose the identity with --kv-credential cli or --kv-credential env.';
  return {
    signIn,
    unavailable: kind === 'env' ? signIn : 'No developer sign-in was found on this machine: run az login, or pass --kv-credential env with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.',
    tenant: kind === 'env' ? "Set AZURE_TENANT_ID to the vault's tenant." : "Sign in to the vault's tenant: az login --tenant TENANT (or set AZURE_TENANT_ID).",
    rerun: 'Run pat-lifecycle login again',
  };
}

/** The core's Key Vault store, signing in as the developer. */
export function createDeveloperKeyVaultStore(o: DeveloperKeyVaultStoreOptions): KeyVaultStore {
  return new KeyVaultStore({
    vault: { vaultUrl: o.vaultUrl },
    secretName: o.secretName,
    network: o.network,
    contentType: REFRESH_TOKEN_CONTENT_TYPE,
    secretNameInput: '--secret',
    credential: () => createDeveloperCredential(o),
    identityDescription: CREDENTIAL_WORDS[o.credential],
    advice: developerAdvice(o.credential),
    log: o.log,
  });
}
