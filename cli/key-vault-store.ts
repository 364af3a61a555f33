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
  /** Masks every token the credential returns in what the tool prints. */
  registerSecret?: (value: string) => void;
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
    rerunAdvice: 'Run pat-lifecycle login again',
    log: o.log,
    ...(o.registerSecret ? { registerSecret: o.registerSecret } : {}),
  });
}
