/**
 * The refresh token as a Key Vault secret, written with the signing-in developer's own Azure identity: the Azure CLI
 * (`az login`), DefaultAzureCredential's developer chain, or a service principal from AZURE_* variables. The pipeline
 * task reaches the vault through a service connection instead (src/stores/key-vault-store.ts); what is stored is the
 * same: the value with content type text/plain and the metadata as tags, each write a new version read back at once.
 *
 * This is its own small store because the core's AzureCredentialConfig describes service connections only (no
 * developer credentials). The Azure SDKs load on first use, as in the core.
 */
import type { TokenCredential } from '@azure/identity';
import type { NetworkConfig } from '../src/config/types';
import { isMicrosoftAuthorityHost } from '../src/entra/authority';
import { PatLifecycleError } from '../src/errors';
import { azureSdkProxyOptions } from '../src/http/proxy';
import { trustedCaList } from '../src/http/tls-trust';
import { SDK_RETRY_OPTIONS } from '../src/stores/azure-credential';
import { REFRESH_TOKEN_CONTENT_TYPE } from '../src/stores/key-vault-store';
import { isSecretNotFound, translateKeyVaultError, type KeyVaultErrorContext } from '../src/stores/key-vault-errors';
import type { SecretMetadata, SecretStore, StoredSecretInfo, WriteReceipt } from '../src/stores/secret-store';
import type { KeyVaultCredentialKind } from './args';

const loadKeyVaultSdk = () => import('@azure/keyvault-secrets');
type SecretClient = InstanceType<Awaited<ReturnType<typeof loadKeyVaultSdk>>['SecretClient']>;

export interface DeveloperKeyVaultStoreOptions {
  vaultUrl: string;
  secretName: string;
  credential: KeyVaultCredentialKind;
  /** Entra host for the credential (the same cloud as the sign-in). */
  authorityHost: string;
  network: NetworkConfig;
  env: Record<string, string | undefined>;
}

const CREDENTIAL_WORDS: Record<KeyVaultCredentialKind, string> = {
  default: 'your developer sign-in (DefaultAzureCredential: environment, Azure CLI, Azure Developer CLI, Azure PowerShell...)',
  cli: 'your Azure CLI sign-in (az login)',
  env: 'the service principal in AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET',
};

export async function createDeveloperCredential(o: Pick<DeveloperKeyVaultStoreOptions, 'credential' | 'authorityHost' | 'network' | 'env'>): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const ca = trustedCaList(o.network.caPem);
  const common = {
    authorityHost: o.authorityHost,
    disableInstanceDiscovery: !isMicrosoftAuthorityHost(o.authorityHost),
    proxyOptions: azureSdkProxyOptions(o.network, o.authorityHost),
    retryOptions: SDK_RETRY_OPTIONS,
    ...(ca ? { tlsOptions: { ca } } : {}),
  };
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

export class DeveloperKeyVaultStore implements SecretStore {
  private client: Promise<SecretClient> | undefined;

  constructor(private readonly o: DeveloperKeyVaultStoreOptions) {}

  describe(): string {
    return `Key Vault secret '${this.o.secretName}' in ${this.o.vaultUrl}`;
  }

  async read(): Promise<StoredSecretInfo> {
    const client = await this.secretClient();
    try {
      const secret = await client.getSecret(this.o.secretName);
      return { exists: true, metadata: { ...(secret.properties.tags ?? {}) } };
    } catch (err) {
      if (isSecretNotFound(err)) return { exists: false, metadata: {} };
      throw translateKeyVaultError(err, this.errorContext('get secret'));
    }
  }

  async write(value: string, metadata: SecretMetadata): Promise<WriteReceipt> {
    const client = await this.secretClient();
    try {
      const secret = await client.setSecret(this.o.secretName, value, { contentType: REFRESH_TOKEN_CONTENT_TYPE, tags: { ...metadata } });
      return { version: secret.properties.version, metadata: { ...metadata } };
    } catch (err) {
      throw translateKeyVaultError(err, this.errorContext('set secret'));
    }
  }

  async verify(receipt: WriteReceipt, value: string): Promise<void> {
    const client = await this.secretClient();
    let secret;
    try {
      secret = await client.getSecret(this.o.secretName, receipt.version ? { version: receipt.version } : undefined);
    } catch (err) {
      if (isSecretNotFound(err)) throw verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) is missing right after it was written.`);
      throw translateKeyVaultError(err, this.errorContext('get secret'));
    }
    if (secret.value !== value) throw verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) does not hold the value just written.`);
    const tags = secret.properties.tags ?? {};
    for (const [key, expected] of Object.entries(receipt.metadata)) {
      if (tags[key] !== expected) throw verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) has tag '${key}' different from what was written.`);
    }
  }

  private errorContext(operation: string): KeyVaultErrorContext {
    return {
      vaultUrl: this.o.vaultUrl,
      secretName: this.o.secretName,
      operation,
      identity: CREDENTIAL_WORDS[this.o.credential],
      secretNameInput: '--secret',
      timeoutMs: this.o.network.timeoutMs,
    };
  }

  private secretClient(): Promise<SecretClient> {
    this.client ??= this.createClient().catch((err) => {
      this.client = undefined;
      throw err instanceof PatLifecycleError ? err : translateKeyVaultError(err, this.errorContext('connect'));
    });
    return this.client;
  }

  private async createClient(): Promise<SecretClient> {
    const [{ SecretClient }, credential] = await Promise.all([loadKeyVaultSdk(), createDeveloperCredential(this.o)]);
    const ca = trustedCaList(this.o.network.caPem);
    return new SecretClient(this.o.vaultUrl, credential, {
      proxyOptions: azureSdkProxyOptions(this.o.network, this.o.vaultUrl),
      retryOptions: SDK_RETRY_OPTIONS,
      ...(ca ? { tlsOptions: { ca } } : {}),
    });
  }
}

function verificationError(message: string): PatLifecycleError {
  return new PatLifecycleError('verification', 'VerificationFailed', message, {
    hint: 'Run pat-lifecycle login again; if it persists, check who else writes to this secret.',
  });
}
