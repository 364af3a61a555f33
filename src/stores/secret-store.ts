/**
 * A place a secret value lives between runs (a variable group variable, a Key Vault secret) or leaves the step
 * (an output variable). Metadata travels beside the value (companion variables, Key Vault tags) so a later run can
 * tell which PAT is stored, and recognise and clean up what a crashed run left behind.
 */

/** Non-secret facts stored beside the value. Keys are fixed per use: see PAT_METADATA_KEYS and REFRESH_TOKEN_METADATA_KEYS. */
export type SecretMetadata = Record<string, string>;

/** Beside a PAT: which PAT it is and until when it works. */
export const PAT_METADATA_KEYS = ['authorizationId', 'validTo'] as const;
/** Beside a refresh token: when Entra issued it and for which app, so age warnings work. */
export const REFRESH_TOKEN_METADATA_KEYS = ['issuedAt', 'clientId', 'tenantId'] as const;

export interface StoredSecretInfo {
  /** The metadata stored beside the current value (empty when none). */
  metadata: SecretMetadata;
  /** Whether a value exists at all. */
  exists: boolean;
}

export interface WriteReceipt {
  /** Key Vault: the version just written. Variable group: the group id. */
  version?: string;
  metadata: SecretMetadata;
}

export interface SecretStore {
  /** For messages and the run summary, e.g. `variable group 'Tokens' (id 12), variable 'FeedPat'`. Never a value. */
  describe(): string;
  /** Short form for the run summary's table, e.g. `variable group 'Tokens', variable 'FeedPat'`. */
  label(): string;
  /** What is stored now (metadata only, never the value of a variable group secret, which the API does not return). */
  read(): Promise<StoredSecretInfo>;
  /** Writes the value as a secret with its metadata, keeping everything else in the container untouched. */
  write(value: string, metadata: SecretMetadata): Promise<WriteReceipt>;
  /**
   * Reads back what `write` stored and throws a 'verification' PatLifecycleError unless it matches:
   * Key Vault, the value and tags of that version; variable group, the variable exists as a secret and the metadata matches.
   */
  verify(receipt: WriteReceipt, value: string): Promise<void>;
}
