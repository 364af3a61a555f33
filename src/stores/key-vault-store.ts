/**
 * A Key Vault secret: each write is a new version with the metadata as tags, verified against the service's answer
 * to the write (that version, its value and tags, as a GET of it would show them one round trip later).
 *
 * The task signs in with the vault's service connection; the CLI passes its own `credential` (the developer's
 * sign-in, cli/key-vault-store.ts) and says in `identityDescription` how errors name it.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AzureCredentialConfig, KeyVaultRef, NetworkConfig } from '../config/types';
import { PatLifecycleError } from '../errors';
import { createAzureCredential, retryLogPolicy, sdkClientOptions } from './azure-credential';
import { isSecretDisabled, isSecretNotFound, SERVICE_CONNECTION_ADVICE, translateKeyVaultError, type CredentialAdvice, type KeyVaultErrorContext } from './key-vault-errors';
import { meetsCondition, REMOVE, storeChanged, type SecretMetadata, type SecretStore, type StoredSecretInfo, type WriteCondition, type WriteReceipt } from './secret-store';

export const PAT_CONTENT_TYPE = 'application/vnd.azure-devops.pat';
export const REFRESH_TOKEN_CONTENT_TYPE = 'text/plain';
/**
 * A version that carries only an ownership record: a run's intent written before the first PAT of an empty secret
 * exists (tags need a version to live on). It holds no credential, and read() reports no value. It is written
 * disabled, so no consumer takes its text for the PAT: AzureKeyVault@2 and groups linked to the vault skip disabled
 * secrets, and a get of it is refused.
 */
export const RECORD_ONLY_CONTENT_TYPE = 'application/vnd.pat-lifecycle.record-only';
const RECORD_ONLY_VALUE = 'no PAT stored yet: PAT Lifecycle is creating one';
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** What the service answered to each write: the version it stored, with its value and tags. */
const answers = new WeakMap<WriteReceipt, { value: string | undefined; tags: Record<string, string> }>();
/** The version each write replaced (undefined: none, or only a record), for restore(). */
const replacedVersions = new WeakMap<WriteReceipt, string | undefined>();

/**
 * One run's Key Vault clients, one per vault and identity. Each client pays for the SDK's challenge request and a sign-in
 * once; bulk mode writing fifty secrets to one vault would otherwise pay both fifty times.
 */
export class VaultClients {
  private readonly clients = new Map<string, Promise<SecretClient>>();

  get(key: string, create: () => Promise<SecretClient>): Promise<SecretClient> {
    let client = this.clients.get(key);
    if (!client) {
      client = create();
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }
}

interface KeyVaultStoreCommonOptions {
  secretName: string;
  network: NetworkConfig;
  /** PAT_CONTENT_TYPE for a PAT, REFRESH_TOKEN_CONTENT_TYPE for a refresh token. */
  contentType: string;
  /** The task input that named the secret, for input errors ('secretName' or 'refreshTokenSecretName'). */
  secretNameInput?: string;
  log?: (message: string) => void;
  /** How errors say to fix the identity and to try again; default: the service connection's (the task). */
  advice?: CredentialAdvice;
  /** Shared by the stores of one run (service connections only). */
  clients?: VaultClients;
}

export type KeyVaultStoreOptions = KeyVaultStoreCommonOptions &
  (
    | {
        /** The task: the vault's service connection (vault.credential) signs in. */
        vault: KeyVaultRef;
        credential?: undefined;
        /** How errors name the identity; default: the service connection's scheme and client id. */
        identityDescription?: string;
      }
    | {
        /** Only the URL is used: `credential` decides who signs in, and where. */
        vault: Pick<KeyVaultRef, 'vaultUrl'>;
        /** Another identity than a service connection (the CLI: the developer's own sign-in), created on first use. */
        credential: () => Promise<TokenCredential>;
        /** How errors name that identity, e.g. 'your Azure CLI sign-in (az login)'. */
        identityDescription: string;
      }
  );

export class KeyVaultStore implements SecretStore {
  private readonly vaultUrl: string;
  private readonly createCredential: () => Promise<TokenCredential>;
  private readonly identity: string;
  private readonly advice: CredentialAdvice;
  private readonly secretName: string;
  private readonly network: NetworkConfig;
  private readonly contentType: string;
  private readonly secretNameInput: string;
  private readonly log: (message: string) => void;
  private client: Promise<SecretClient> | undefined;
  /** The latest version holding a value, as this store last read it: what a write replaces. */
  private lastRead: string | undefined;
  private readonly shared: { clients: VaultClients; key: string } | undefined;

  constructor(o: KeyVaultStoreOptions) {
    this.secretNameInput = o.secretNameInput ?? 'secretName';
    if (!SECRET_NAME.test(o.secretName)) {
      throw new PatLifecycleError('input', 'InvalidSecretName', `Input '${this.secretNameInput}': '${o.secretName}' is not a valid Key Vault secret name.`, {
        input: this.secretNameInput,
        hint: 'Use 1-127 letters, digits and hyphens.',
      });
    }
    this.vaultUrl = o.vault.vaultUrl;
    if (o.credential) {
      this.createCredential = o.credential;
      this.identity = o.identityDescription;
    } else {
      const { credential, authorityHost } = o.vault;
      this.createCredential = () => createAzureCredential(credential, authorityHost, o.network);
      this.identity = o.identityDescription ?? serviceConnectionIdentity(credential);
      // Hashed: the credential holds the service connection's secret, which has no business in a map key.
      if (o.clients) this.shared = { clients: o.clients, key: createHash('sha256').update(JSON.stringify([o.vault.vaultUrl, authorityHost, credential])).digest('hex') };
    }
    this.advice = o.advice ?? SERVICE_CONNECTION_ADVICE;
    this.secretName = o.secretName;
    this.network = o.network;
    this.contentType = o.contentType;
    this.log = o.log ?? (() => {});
  }

  describe(): string {
    return `Key Vault secret '${this.secretName}' in ${this.vaultUrl}`;
  }

  label(): string {
    return `Key Vault '${new URL(this.vaultUrl).hostname.split('.')[0]}', secret '${this.secretName}'`;
  }

  async read(): Promise<StoredSecretInfo> {
    const latest = await this.latest();
    if (!latest) return { exists: false, metadata: {} };
    return { exists: !latest.recordOnly, metadata: { ...latest.tags } };
  }

  /** The latest version: its id, tags, and whether it only carries a record. Its value is read (the SDK has no metadata-only get) but never kept. */
  private async latest(): Promise<{ version: string | undefined; tags: Record<string, string>; recordOnly: boolean } | undefined> {
    const client = await this.secretClient();
    try {
      const secret = await client.getSecret(this.secretName, this.requestOptions());
      const recordOnly = secret.properties.contentType === RECORD_ONLY_CONTENT_TYPE;
      this.lastRead = recordOnly ? undefined : secret.properties.version;
      return { version: secret.properties.version, tags: { ...(secret.properties.tags ?? {}) }, recordOnly };
    } catch (err) {
      if (isSecretNotFound(err)) {
        this.lastRead = undefined;
        return undefined;
      }
      if (isSecretDisabled(err)) return this.latestDisabled();
      throw translateKeyVaultError(err, this.errorContext('get secret'));
    }
  }

  /** The latest version when it is disabled (a record-only version, or one a person disabled): read from the version list. */
  private async latestDisabled(): Promise<{ version: string | undefined; tags: Record<string, string>; recordOnly: boolean }> {
    const client = await this.secretClient();
    try {
      let latest: { version?: string; tags?: Record<string, string>; contentType?: string; createdOn?: Date } | undefined;
      for await (const v of client.listPropertiesOfSecretVersions(this.secretName, this.requestOptions())) {
        if (!latest || (v.createdOn?.getTime() ?? 0) >= (latest.createdOn?.getTime() ?? 0)) latest = v;
      }
      const recordOnly = latest?.contentType === RECORD_ONLY_CONTENT_TYPE;
      // A disabled version gives no value to put back: a write replaces nothing restore() could use.
      this.lastRead = undefined;
      return { version: latest?.version, tags: { ...(latest?.tags ?? {}) }, recordOnly };
    } catch (err) {
      throw translateKeyVaultError(err, this.errorContext('list secret versions'));
    }
  }

  /**
   * Tags of the latest version change in place (no new version, the value untouched); an empty secret gets a version
   * that carries only the record, which read() reports as no value.
   */
  async mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void> {
    const latest = await this.latest();
    const current = latest?.tags ?? {};
    if (condition && !meetsCondition(current, latest !== undefined && !latest.recordOnly, condition)) throw storeChanged(this.describe(), current.authorizationId);
    const tags: Record<string, string> = { ...current };
    for (const [key, value] of Object.entries(metadata)) {
      if (value === REMOVE) delete tags[key];
      else tags[key] = value;
    }
    const client = await this.secretClient();
    // The expiry of a version holding a PAT follows its record: AzureKeyVault@2 skips an expired secret.
    const expiresOn = latest && !latest.recordOnly && metadata.validTo && !Number.isNaN(Date.parse(metadata.validTo)) ? new Date(metadata.validTo) : undefined;
    try {
      if (latest?.version) await client.updateSecretProperties(this.secretName, latest.version, { tags, ...(expiresOn ? { expiresOn } : {}), ...this.requestOptions() });
      else await client.setSecret(this.secretName, RECORD_ONLY_VALUE, { contentType: RECORD_ONLY_CONTENT_TYPE, enabled: false, tags, ...this.requestOptions() });
    } catch (err) {
      throw translateKeyVaultError(err, this.errorContext('update secret tags'));
    }
  }

  /** Writes the replaced version's value and tags back as the latest version; false when there was none. */
  async restore(receipt: WriteReceipt): Promise<boolean> {
    const version = replacedVersions.get(receipt);
    if (!version) return false;
    const client = await this.secretClient();
    try {
      const old = await client.getSecret(this.secretName, { version, ...this.requestOptions() });
      if (old.value === undefined) return false;
      await client.setSecret(this.secretName, old.value, {
        ...(old.properties.contentType ? { contentType: old.properties.contentType } : {}),
        tags: { ...(old.properties.tags ?? {}) },
        ...(old.properties.expiresOn ? { expiresOn: old.properties.expiresOn } : {}),
        ...this.requestOptions(),
      });
      return true;
    } catch (err) {
      throw translateKeyVaultError(err, this.errorContext('restore the previous secret version'));
    }
  }

  async write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    if (condition) {
      const now = await this.read();
      if (!meetsCondition(now.metadata, now.exists, condition)) throw storeChanged(this.describe(), now.metadata.authorizationId);
    }
    const before = this.lastRead;
    const client = await this.secretClient();
    const expiresOn = metadata.validTo !== undefined && !Number.isNaN(Date.parse(metadata.validTo)) ? new Date(metadata.validTo) : undefined;
    try {
      const tags = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== REMOVE));
      const secret = await client.setSecret(this.secretName, value, {
        contentType: this.contentType,
        tags,
        ...(expiresOn ? { expiresOn } : {}),
        ...this.requestOptions(),
      });
      const receipt: WriteReceipt = { version: secret.properties.version, metadata: { ...metadata } };
      answers.set(receipt, { value: secret.value, tags: { ...(secret.properties.tags ?? {}) } });
      replacedVersions.set(receipt, before);
      return receipt;
    } catch (err) {
      throw translateKeyVaultError(err, this.errorContext('set secret'));
    }
  }

  async verify(receipt: WriteReceipt, value: string): Promise<void> {
    const stored = answers.get(receipt) ?? (await this.readVersion(receipt));
    if (stored.value !== value) throw this.verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) does not hold the value just written.`);
    for (const [key, expected] of Object.entries(receipt.metadata)) {
      if ((stored.tags[key] ?? REMOVE) !== expected) throw this.verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) has tag '${key}' different from what was written.`);
    }
  }

  private async readVersion(receipt: WriteReceipt): Promise<{ value: string | undefined; tags: Record<string, string> }> {
    const client = await this.secretClient();
    try {
      const secret = await client.getSecret(this.secretName, { ...(receipt.version ? { version: receipt.version } : {}), ...this.requestOptions() });
      return { value: secret.value, tags: secret.properties.tags ?? {} };
    } catch (err) {
      if (isSecretNotFound(err)) throw this.verificationError(`${this.describe()} (version ${receipt.version ?? 'latest'}) is missing right after it was written.`);
      throw translateKeyVaultError(err, this.errorContext('get secret'));
    }
  }

  /** The same per-request limit as every other call of the run (PatLifecycle.RequestTimeoutSeconds). */
  private requestOptions(): { requestOptions: { timeout: number } } {
    return { requestOptions: { timeout: this.network.timeoutMs } };
  }

  private errorContext(operation: string): KeyVaultErrorContext {
    return {
      vaultUrl: this.vaultUrl,
      secretName: this.secretName,
      operation,
      identity: this.identity,
      secretNameInput: this.secretNameInput,
      timeoutMs: this.network.timeoutMs,
      advice: this.advice,
    };
  }

  private secretClient(): Promise<SecretClient> {
    const create = () => this.createClient();
    this.client ??= (this.shared ? this.shared.clients.get(this.shared.key, create) : create()).catch((err) => {
      this.client = undefined;
      throw translateKeyVaultError(err, this.errorContext('connect'));
    });
    return this.client;
  }

  private async createClient(): Promise<SecretClient> {
    const credential = await this.createCredential();
    const common = sdkClientOptions(this.network);
    return new SecretClient(this.vaultUrl, credential, { ...common, additionalPolicies: [...common.additionalPolicies, retryLogPolicy(this.log, 'Key Vault')] });
  }

  private verificationError(message: string): PatLifecycleError {
    return new PatLifecycleError('verification', 'VerificationFailed', message, {
      hint: `${this.advice.rerun}; if it persists, check who else writes to this secret.`,
    });
  }
}

function serviceConnectionIdentity(credential: AzureCredentialConfig): string {
  return `the identity of the Azure service connection (${credential.scheme}${'clientId' in credential && credential.clientId ? `, client id ${credential.clientId}` : ''})`;
}
