/**
 * Local helpers for the unit tests of rotation's parts (store-new-pat, revoke-pats, destination, keep-in-step): a run
 * built on the shared fakes, a store that keeps its versions (as Key Vault does) and can put the previous one back,
 * and a log that records every line per level. The shared fakes (fakes.ts) stay as they are.
 */
import { PatLifecycleError } from '../../../src/errors';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { destinationOf, type Destination } from '../../../src/operations/ownership';
import { newOutcome, type OperationRun, type PatOutcome } from '../../../src/operations/types';
import type { SecretMetadata, SecretStore, WriteCondition, WriteReceipt } from '../../../src/stores/secret-store';
import type { Config } from '../../../src/config/types';
import { FakeStore, Faults, testConfig, world, type World } from './fakes';

export interface Lines {
  info: string[];
  warn: string[];
  debug: string[];
}

/** A run as execute.ts builds one, over the world's fakes, with its log lines kept by level. */
export function runOf(w: World, overrides: Partial<Config> = {}): OperationRun & { lines: Lines } {
  const lines: Lines = { info: [], warn: [], debug: [] };
  const context = w.context(testConfig(overrides));
  return {
    ...context,
    log: { info: (m) => lines.info.push(m), warn: (m) => lines.warn.push(m), debug: (m) => lines.debug.push(m), progress: () => {} },
    directory: new PatDirectory(context.pats),
    lines,
  };
}

export function outcome(name = 'feed'): PatOutcome {
  return newOutcome(name);
}

/** The destination as openDestinations makes it, from what the store holds now. */
export async function destOf(store: SecretStore): Promise<Destination> {
  return destinationOf(store, await store.read());
}

/** Every write, mark and restore of the stores a test watches, in order, as `op name`. */
export class Journal {
  entries: string[] = [];
}

/** A fake store that records its calls in a shared journal. */
export class JournaledStore extends FakeStore {
  constructor(
    name: string,
    readonly journal: Journal,
    faults = new Faults(),
  ) {
    super(name, faults);
  }

  override write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    this.journal.entries.push(`write ${this.name}`);
    return super.write(value, metadata, condition);
  }

  override mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void> {
    this.journal.entries.push(`mark ${this.name}`);
    return super.mark(metadata, condition);
  }
}

/**
 * A store that keeps every version, as Key Vault does: `restore(receipt)` puts back what it held before that write.
 * `restoreResult` forces an answer (false: it cannot; an error: the restore failed).
 */
export class VersionedStore extends JournaledStore {
  private versions: Array<{ value?: string; metadata: SecretMetadata }> = [];
  restoreResult?: false | PatLifecycleError;
  restored: string[] = [];

  override async write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    const before = { value: this.value, metadata: { ...this.metadata } };
    const receipt = await super.write(value, metadata, condition);
    this.versions.push(before);
    return receipt;
  }

  async restore(receipt: WriteReceipt): Promise<boolean> {
    this.journal.entries.push(`restore ${this.name}`);
    if (this.restoreResult instanceof PatLifecycleError) throw this.restoreResult;
    if (this.restoreResult === false) return false;
    const before = this.versions.pop();
    if (!before) return false;
    this.restored.push(receipt.version ?? '');
    this.value = before.value;
    this.metadata = before.metadata;
    return true;
  }
}

export { world, testConfig };
export type { World };
