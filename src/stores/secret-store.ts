/**
 * A place a secret value lives between runs (a variable group variable, a Key Vault secret) or leaves the step
 * (an output variable). Metadata travels beside the value (companion variables, Key Vault tags) so a later run can
 * tell which PAT is stored, and recognise and clean up what a crashed run left behind.
 */

import { PatLifecycleError } from '../errors';

/** Non-secret facts stored beside the value. Keys are fixed per use: see PAT_METADATA_KEYS and REFRESH_TOKEN_METADATA_KEYS. */
export type SecretMetadata = Record<string, string>;

/**
 * Beside a PAT, the ownership record (docs/design.md, "Ownership"): which PAT the value is and until when it works, the
 * PAT it replaced (still to be revoked when a run stopped before revoking it), and the intent of a run that is
 * creating a PAT for this destination right now (`pending`, see operations/ownership.ts).
 */
export const PAT_METADATA_KEYS = ['authorizationId', 'validTo', 'replaced', 'pending'] as const;
/** Beside a refresh token: when Entra issued it and for which app, so age warnings work. */
/** The record keys that pin the stored sign-in to its user (docs/security.md, "The sign-in is pinned to its user"). */
export const USER_OBJECT_ID_KEY = 'userObjectId';
export const USER_NAME_KEY = 'userName';
export const REFRESH_TOKEN_METADATA_KEYS = ['issuedAt', 'clientId', 'tenantId', USER_OBJECT_ID_KEY, USER_NAME_KEY] as const;

export interface StoredSecretInfo {
  /** The metadata stored beside the current value (empty when none). */
  metadata: SecretMetadata;
  /** Whether a value exists at all (a placeholder that only carries a record is no value). */
  exists: boolean;
}

export interface WriteReceipt {
  /** Key Vault: the version just written. Variable group: the group id. */
  version?: string;
  metadata: SecretMetadata;
}

export interface WriteCondition {
  storedId: string;
  /** When given, the record's `pending` intent must also be this ('' = none). */
  pending?: string;
}

export const STORE_CHANGED = 'StoreChanged';

export function storeChanged(where: string, storedId: string | undefined): PatLifecycleError {
  return new PatLifecycleError('service', STORE_CHANGED, `${where} changed while this run worked: it now names ${storedId ? `PAT ${storedId}` : 'no PAT'}.`, {
    hint: 'Let one rotation of a PAT run at a time (see the README: an exclusive lock and lockBehavior: sequential).',
  });
}

/** Whether the stored metadata names the PAT a condition expects. */
export function meetsCondition(metadata: SecretMetadata, exists: boolean, condition: WriteCondition): boolean {
  const stored = (exists ? metadata.authorizationId : undefined) ?? '';
  if (condition.pending !== undefined && (metadata.pending ?? '') !== condition.pending) return false;
  return stored.toLowerCase() === condition.storedId.toLowerCase();
}

/** A metadata value of '' removes that key (a companion variable, a tag): how a record's `pending` is cleared. */
export const REMOVE = '';

export interface SecretStore {
  /** For messages and the run summary, e.g. `variable group 'Tokens' (id 12), variable 'FeedPat'`. Never a value. */
  describe(): string;
  /** Short form for the run summary's table, e.g. `variable group 'Tokens', variable 'FeedPat'`. */
  label(): string;
  /** Where the record key `key` is kept, for messages (`variable 'FeedPat.authorizationId' of variable group 'Tokens'`). */
  recordName?(key: string): string;
  /**
   * What is stored now (metadata only, never the value of a variable group secret, which the API does not return).
   * `recent: true` accepts what this process saw of the store a moment ago (a read or a write's answer) instead of
   * asking again: for deciding what to do, never for checking a write or recovering from a failed one.
   */
  read(options?: { recent?: boolean }): Promise<StoredSecretInfo>;
  /**
   * Writes the value as a secret with its metadata, keeping everything else in the container untouched. With a
   * condition, writes only while the stored metadata still names `storedId` ('' = nothing stored), checked on the read
   * the write itself starts from, and throws a PatLifecycleError with code STORE_CHANGED otherwise. Neither API offers
   * ETags, so this narrows a race between two runs to the moment between that read and the write; it cannot close it.
   */
  write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt>;
  /**
   * Confirms what `write` stored and throws a 'verification' PatLifecycleError unless it matches: Key Vault, the value
   * and tags of that version; variable group, the variable exists as a secret and the metadata matches. Both check the
   * service's answer to the write (the stored state, as a GET right after would show it); a store without one reads.
   */
  verify(receipt: WriteReceipt, value: string): Promise<void>;
  /**
   * Writes record metadata only (adoption, a run's intent, clearing it): the value stays exactly as it is. Keys given
   * replace theirs, a value of REMOVE deletes the key, other keys stay. Conditional like `write`.
   */
  mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void>;
  /**
   * Puts back the value the store held before `receipt`'s write, when the store can (Key Vault keeps every version; a
   * variable group never returns a secret's value, so it cannot). Returns false when it cannot.
   */
  restore?(receipt: WriteReceipt): Promise<boolean>;
  /**
   * Throws unless the store can take a write at all, reading only: called for every store of a run before anything is
   * written anywhere (see stores/check-groups.ts). Stores that cannot be the wrong kind have none.
   */
  prepare?(): Promise<void>;
}
