/**
 * A secret variable in a variable group, with its metadata in companion plain variables `<name>.<key>`
 * (`FeedPat.authorizationId`, `FeedPat.validTo`). The group is replaced as a whole on every write: every other
 * variable goes back unchanged, and every other secret goes back with a null value, which keeps its stored value.
 */
import type { VariableGroupRef } from '../config/types';
import type { VariableGroupClient } from '../devops/variable-group-client';
import type { VariableGroup, VariableValue } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { GroupViews } from './group-views';
import { KeyedLock } from './keyed-lock';
import { meetsCondition, REMOVE, storeChanged, type SecretMetadata, type SecretStore, type StoredSecretInfo, type WriteCondition, type WriteReceipt } from './secret-store';

/** The group as the service answered each write: what verify() checks, without another round trip. */
const answers = new WeakMap<WriteReceipt, VariableGroup>();

interface PendingWrite {
  store: VariableGroupStore;
  /** undefined: a record-only write (mark), the secret keeps its value. */
  value: string | undefined;
  metadata: SecretMetadata;
  condition?: WriteCondition;
  resolve(receipt: WriteReceipt): void;
  reject(err: unknown): void;
}

/**
 * One run's writes to variable groups: the stores of one group take turns (KeyedLock), and whatever is queued when a
 * group's turn comes goes out in one read-modify-write. Bulk runs need it (the bench: many PATs into one group);
 * it belongs to the run (src/run.ts makes one), so nothing is shared between runs of a process (the CLI, tests).
 */
export class GroupWriteQueue {
  readonly lock = new KeyedLock();
  /** Writes waiting for their group's turn, by group. */
  readonly pending = new Map<string, PendingWrite[]>();
}

/**
 * One read-modify-write for every write queued on a group: each write is checked against the same read (its own
 * condition, a plain variable in the way) and refused alone; the rest go out in one PUT, whose outcome they share.
 */
async function writeBatch(batch: PendingWrite[]): Promise<void> {
  let group: VariableGroup;
  try {
    group = await batch[0].store.groupForWrite(batch.length === 1 && batch[0].condition === undefined);
  } catch (err) {
    for (const w of batch) w.reject(err);
    return;
  }
  const next: Record<string, VariableValue> = {};
  for (const [name, v] of Object.entries(group.variables)) {
    // The GET shows secrets as null; sending null back keeps the stored value. Anything else would overwrite it.
    next[name] = v.isSecret ? { ...v, value: null } : { ...v };
  }
  const accepted: Array<{ write: PendingWrite; receipt: WriteReceipt }> = [];
  for (const w of batch) {
    try {
      accepted.push({ write: w, receipt: w.store.apply(group, next, w.value, w.metadata, w.condition) });
    } catch (err) {
      w.reject(err);
    }
  }
  if (accepted.length === 0) return;
  let answer: VariableGroup;
  try {
    answer = await batch[0].store.put(group, next, accepted.some((a) => a.write.value === undefined));
  } catch (err) {
    for (const a of accepted) a.write.reject(err);
    return;
  }
  for (const a of accepted) {
    answers.set(a.receipt, answer);
    a.write.resolve(a.receipt);
  }
}

export interface VariableGroupStoreOptions {
  client: VariableGroupClient;
  group: VariableGroupRef;
  variableName: string;
  /** Whose token the client uses: shown in describe() so a permission problem points at the right identity. */
  describeAuth: 'user' | 'job';
  /** The metadata kept as companion variables; other keys are left to stores with room for them (Key Vault tags). */
  companionKeys?: readonly string[];
  /** Shared by the stores of one run, so one store's read or write spares another the same GET. */
  views?: GroupViews;
  /** Shared by the stores of one run, so writes to one group take turns and fold together. */
  writes?: GroupWriteQueue;
  /** What the store holds, so an error names the input that chose the group and the fix that fits. Default 'pat'. */
  purpose?: 'pat' | 'refreshToken';
}

/** The code of the error for a group linked to Key Vault, where the task cannot write. */
export const LINKED_GROUP = 'VariableGroupLinkedToKeyVault';

/** Variable names are case-insensitive in Azure Pipelines: find the key as the group spells it. */
export function findVariableKey(variables: Record<string, VariableValue>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(variables, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(variables).find((k) => k.toLowerCase() === lower);
}

export class VariableGroupStore implements SecretStore {
  private readonly client: VariableGroupClient;
  private readonly ref: VariableGroupRef;
  private readonly variableName: string;
  private readonly auth: 'user' | 'job';
  private readonly companionKeys: readonly string[] | undefined;
  private readonly views: GroupViews;
  private readonly writes: GroupWriteQueue;
  private readonly purpose: 'pat' | 'refreshToken';
  /** Found once by name, then addressed by id so a rename during the run cannot redirect the write. */
  private resolvedId: number | undefined;

  constructor(o: VariableGroupStoreOptions) {
    this.client = o.client;
    this.ref = o.group;
    this.variableName = o.variableName;
    this.auth = o.describeAuth;
    this.companionKeys = o.companionKeys;
    this.views = o.views ?? new GroupViews();
    this.writes = o.writes ?? new GroupWriteQueue();
    this.purpose = o.purpose ?? 'pat';
    this.resolvedId = o.group.id;
  }

  /** Finds the group (a view of a moment ago will do) and refuses one this store cannot write. */
  async prepare(): Promise<void> {
    this.refuseLinked(this.recentView() ?? (await this.load()));
  }

  /**
   * A group linked to Key Vault (type AzureKeyVault) lists the vault's secret names and holds no values: a PUT could at
   * best drop the value and answer as if it were stored, so it is never attempted. The vault itself is the place.
   */
  private refuseLinked(group: VariableGroup): void {
    if (group.type !== 'AzureKeyVault') return;
    const data = group.providerData as { vault?: unknown } | undefined;
    const vault = typeof data?.vault === 'string' && data.vault ? data.vault : undefined;
    const vaultWords = vault ? `Azure Key Vault '${vault}'` : 'Azure Key Vault';
    const keyVault = vault ?? '<the vault>';
    const forPat = this.purpose === 'pat';
    throw new PatLifecycleError(
      'input',
      LINKED_GROUP,
      `Variable group '${group.name}' (id ${group.id}) in project '${this.ref.project}' is linked to ${vaultWords}: it lists the vault's secret names and holds no values, so the task cannot write the ${forPat ? 'new PAT' : 'renewed refresh token'} into it.`,
      {
        input: forPat ? 'variableGroup' : 'refreshTokenVariableGroup',
        hint: forPat
          ? `Store the PAT in the vault itself: target: keyVault with keyVault: ${keyVault}, secretName: the secret the group lists, and azureSubscription: a connection allowed to set secrets there. The linked group picks up the new secret version by itself.`
          : `Save the refresh token in the vault itself: refreshTokenStore: keyVault with keyVault: ${keyVault}, refreshTokenSecretName: the secret the group lists (the one the refreshToken input reads), and azureSubscription: a connection allowed to set secrets there. The linked group picks up the new secret version by itself.`,
      },
    );
  }

  /** The group as found (a view of a moment ago will do): its id and name, for checks that address it (action check). */
  async found(): Promise<{ id: number; name: string }> {
    const group = this.recentView() ?? (await this.load());
    return { id: group.id, name: group.name };
  }

  describe(): string {
    const group = this.ref.name !== undefined ? `'${this.ref.name}'${this.resolvedId !== undefined ? ` (id ${this.resolvedId})` : ''}` : `id ${this.resolvedId}`;
    const who = this.auth === 'job' ? "the job's access token" : "the signed-in user's token";
    return `variable group ${group} in project '${this.ref.project}', variable '${this.variableName}' (written with ${who})`;
  }

  /** Whether this store writes that variable of that group (the group as the run found it). */
  isVariable(groupId: number, variable: string): boolean {
    return this.resolvedId === groupId && this.variableName.toLowerCase() === variable.toLowerCase();
  }

  label(): string {
    return `variable group '${this.ref.name ?? this.resolvedId}', variable '${this.variableName}'`;
  }

  recordName(key: string): string {
    return `variable '${this.variableName}.${key}' of variable group '${this.ref.name ?? this.resolvedId}'`;
  }

  /**
   * With `recent`, this process's view of the group from the last moment (a GET or a PUT answer of any store) serves
   * instead of a new GET: for looking up what is stored before deciding, never for checking a write.
   */
  async read(options: { recent?: boolean } = {}): Promise<StoredSecretInfo> {
    const group = (options.recent ? this.recentView() : undefined) ?? (await this.load());
    const key = findVariableKey(group.variables, this.variableName);
    return { exists: key !== undefined, metadata: this.companions(group.variables, key ?? this.variableName) };
  }

  /**
   * Writes of one process to one group are folded together: whatever is queued when the group's turn comes is applied
   * in one read-modify-write (bulk mode writes many PATs into one group; one PUT each would take turns one by one).
   */
  write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    return this.enqueue(value, metadata, condition);
  }

  async mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void> {
    await this.enqueue(undefined, metadata, condition);
  }

  private async enqueue(value: string | undefined, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    // The turn is the group's, whichever way a store names it (by name, in another case, by id, through another project
    // it is shared with): a store that has not found its group yet finds it first, so its write takes the same turn.
    if (this.resolvedId === undefined && !this.recentView()) await this.load();
    const key = String(this.resolvedId);
    return new Promise<WriteReceipt>((resolve, reject) => {
      const queue = this.writes.pending.get(key) ?? [];
      queue.push({ store: this, value, metadata, condition, resolve, reject });
      this.writes.pending.set(key, queue);
      void this.writes.lock.run(key, async () => {
        const batch = this.writes.pending.get(key);
        this.writes.pending.delete(key);
        // Undefined when an earlier turn took this write along with its own.
        if (batch) await writeBatch(batch);
      });
    });
  }

  /**
   * The group to start a write from. A conditional write reads afresh: its check is only as good as the read it starts
   * from, and that read is what stops a run from writing over another run's rotation. Writes queued together read
   * afresh too. Only a write alone and unconditional (`mayReuseView`) may start from a view of a moment ago.
   */
  async groupForWrite(mayReuseView: boolean): Promise<VariableGroup> {
    return (mayReuseView ? this.recentView() : undefined) ?? this.load();
  }

  private recentView(): VariableGroup | undefined {
    const group = this.views.recent(this.ref, this.resolvedId);
    if (group) this.resolvedId = group.id;
    return group;
  }

  /** Checks this write against the group as read and puts its variable and companions into `next`. */
  apply(group: VariableGroup, next: Record<string, VariableValue>, value: string | undefined, allMetadata: SecretMetadata, condition: WriteCondition | undefined): WriteReceipt {
    const keep = this.companionKeys;
    const metadata = keep ? Object.fromEntries(Object.entries(allMetadata).filter(([k]) => keep.includes(k))) : allMetadata;
    const key = findVariableKey(group.variables, this.variableName) ?? this.variableName;
    if (condition) {
      const stored = this.companions(group.variables, key);
      if (!meetsCondition(stored, group.variables[key] !== undefined, condition)) throw storeChanged(this.describe(), stored.authorizationId);
    }
    const existing = group.variables[key];
    // A plain variable of that name is someone else's configuration; turning it into a secret would change what
    // pipelines reading it see (its value becomes masked and unavailable to scripts), so the task refuses instead.
    if (existing && !existing.isSecret) {
      throw new PatLifecycleError(
        'input',
        'VariableNotSecret',
        `Variable '${key}' in variable group '${group.name}' exists as a plain (non-secret) variable; the task writes only secret variables.`,
        {
          input: 'variableName',
          hint: `Delete the plain variable '${key}' from the group (or make it secret) or choose another 'variableName'.`,
        },
      );
    }
    if (value !== undefined) next[key] = { value, isSecret: true, ...(existing?.isReadOnly ? { isReadOnly: true } : {}) };
    for (const [metaKey, metaValue] of Object.entries(metadata)) {
      const companion = findVariableKey(next, `${key}.${metaKey}`) ?? `${key}.${metaKey}`;
      if (metaValue === REMOVE) {
        delete next[companion];
        continue;
      }
      const readOnly = group.variables[companion]?.isReadOnly;
      next[companion] = { value: metaValue, isSecret: false, ...(readOnly ? { isReadOnly: true } : {}) };
    }
    return { version: String(group.id), metadata: { ...metadata } };
  }

  async put(group: VariableGroup, next: Record<string, VariableValue>, recordOnly: boolean): Promise<VariableGroup> {
    try {
      const answer = await this.client.update(group, next, this.ref.project, { recordOnly });
      this.views.remember(this.ref.project, answer);
      return answer;
    } catch (err) {
      // Whether it landed is unknown: the next write must read the group again.
      this.views.forget(this.ref.project, group.id);
      throw err;
    }
  }

  /**
   * Azure DevOps never returns a secret's value, so the value itself cannot be read back: this checks what can be
   * checked (the variable exists and is secret, the companions carry the metadata just written) in the service's answer
   * to the write, which shows the group as stored exactly as a GET right after would, one round trip earlier.
   */
  async verify(receipt: WriteReceipt, _value: string): Promise<void> {
    const group = answers.get(receipt) ?? (await this.load());
    const key = findVariableKey(group.variables, this.variableName);
    const where = `variable group '${group.name}' (id ${group.id})`;
    if (key === undefined) throw verificationError(`Variable '${this.variableName}' is missing from ${where} after writing it.`);
    if (!group.variables[key].isSecret) throw verificationError(`Variable '${key}' in ${where} is not secret after writing it as a secret.`);
    const stored = this.companions(group.variables, key);
    for (const [metaKey, expected] of Object.entries(receipt.metadata)) {
      if ((stored[metaKey] ?? REMOVE) !== expected) {
        throw verificationError(`Variable '${key}.${metaKey}' in ${where} does not hold the value just written; another run may have changed the group at the same time.`);
      }
    }
  }

  private companions(variables: Record<string, VariableValue>, key: string): SecretMetadata {
    const prefix = `${key.toLowerCase()}.`;
    const metadata: SecretMetadata = {};
    for (const [name, v] of Object.entries(variables)) {
      if (name.toLowerCase().startsWith(prefix) && !v.isSecret && typeof v.value === 'string') metadata[name.slice(prefix.length)] = v.value;
    }
    return metadata;
  }

  private async load(): Promise<VariableGroup> {
    const { project } = this.ref;
    if (this.resolvedId !== undefined) {
      const group = await this.client.getById(project, this.resolvedId);
      if (group) this.refuseLinked(group);
      if (group) this.views.remember(project, group);
      if (!group) {
        throw new PatLifecycleError('notFound', 'VariableGroupNotFound', `Variable group ${this.ref.name ? `'${this.ref.name}'` : `id ${this.resolvedId}`} was not found in project '${project}'.`, {
          input: 'variableGroup',
          hint: "Check the input 'variableGroup' and the project; the identity writing it also needs at least the Reader role to see it.",
        });
      }
      return group;
    }
    const name = this.ref.name ?? '';
    const matches = await this.client.findByName(project, name);
    if (matches.length === 0) {
      throw new PatLifecycleError('notFound', 'VariableGroupNotFound', `Variable group '${name}' was not found in project '${project}'.`, {
        input: 'variableGroup',
        hint: 'Create the variable group first (Pipelines > Library), or check its name and project. The task does not create groups.',
      });
    }
    if (matches.length > 1) {
      throw new PatLifecycleError('input', 'AmbiguousVariableGroup', `${matches.length} variable groups are named '${name}' in project '${project}' (ids ${matches.map((g) => g.id).join(', ')}).`, {
        input: 'variableGroup',
        hint: "Give the group's id instead of its name in 'variableGroup'.",
      });
    }
    this.refuseLinked(matches[0]);
    this.resolvedId = matches[0].id;
    this.views.remember(project, matches[0]);
    return matches[0];
  }
}

function verificationError(message: string): PatLifecycleError {
  return new PatLifecycleError('verification', 'VerificationFailed', message, {
    hint: 'Run the pipeline again; if it persists, check who else writes to the variable group.',
  });
}
