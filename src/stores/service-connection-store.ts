/**
 * The PAT parameter of a service connection (an Azure Repos/TFS, NuGet, npm or Other Git connection), with the
 * ownership record on one line of the connection's description. The endpoint is replaced whole on every PUT: every
 * field goes back as read, other secret parameters as the null the GET shows, and only the PAT parameter and the
 * record line change.
 *
 * Why the description: it is a field of every endpoint type, kept as sent, and the portal's edit form sends it back as
 * the user left it. `data` holds the type's own inputs: the edit form rebuilds it from the type's definition, so a key
 * the type does not declare would be lost on the next edit in the portal. A record line a person deletes costs only
 * the record: the next run adopts the PAT by its name, as for a value stored by hand.
 */
import { SIGN_IN_ENDPOINT_TYPE, SIGN_IN_ENDPOINT_TYPE_DEV } from '../config/sign-in-connection';
import type { ServiceConnectionRef } from '../config/types';
import type { ServiceEndpointClient } from '../devops/service-endpoint-client';
import type { ServiceEndpoint } from '../devops/types';
import { PatLifecycleError } from '../errors';
import { KeyedLock } from './keyed-lock';
import { meetsCondition, REMOVE, storeChanged, type SecretMetadata, type SecretStore, type StoredSecretInfo, type WriteCondition, type WriteReceipt } from './secret-store';

/** type -> scheme -> the authorization parameter that holds a PAT (lower case; the service compares ignoring case). */
const PAT_PARAMETERS: Record<string, Record<string, string>> = {
  externaltfs: { token: 'apitoken' },
  externalnugetfeed: { token: 'apitoken', usernamepassword: 'password' },
  externalnpmregistry: { token: 'apitoken' },
  git: { usernamepassword: 'password' },
  generic: { usernamepassword: 'password' },
};

export const SUPPORTED_CONNECTIONS = 'Azure Repos/Team Foundation Server (externaltfs, Token), NuGet (externalnugetfeed, Token or UsernamePassword), npm (externalnpmregistry, Token), Other Git (git, UsernamePassword) and generic (UsernamePassword)';

export const UNSUPPORTED_CONNECTION = 'UnsupportedServiceConnection';

/** Marks the record line; what follows is `key=value` pairs separated by `; `. */
export const RECORD_PREFIX = '[PAT Lifecycle record, kept by the task] ';

const writes = new KeyedLock();
/** The endpoint as the service answered each write: what verify() checks. */
const answers = new WeakMap<WriteReceipt, { sent: ServiceEndpoint; answer: ServiceEndpoint }>();

/**
 * What a connection holds for the run: a PAT (a destination, input serviceConnection) or the refresh token (the
 * sign-in connection, input signInConnection). Both are one secret parameter plus the record line.
 */
export interface ConnectionRole {
  /** type -> scheme -> the parameter that holds the secret (lower case). */
  parameters: Record<string, Record<string, string>>;
  /** The input that names the connection, for messages. */
  input: string;
  /** What types it accepts, in words, for the refusal. */
  supported: string;
  /** The fix for a connection of another type. */
  unsupportedHint: string;
  /** The fix when the connection is not found. */
  notFoundHint: string;
}

export const PAT_ROLE: ConnectionRole = {
  parameters: PAT_PARAMETERS,
  input: 'serviceConnection',
  supported: SUPPORTED_CONNECTIONS,
  unsupportedHint: 'Choose such a connection, or edit this one to use a PAT (a NuGet connection with an API key, for example, becomes one with the Token scheme).',
  notFoundHint: "Check its name or id under Project settings > Service connections (and 'destinationProject' for another project); the task does not create connections.",
};

/** The extension's own endpoint type (vss-extension.json), scheme None with its own inputs: the refresh token. */
export const SIGN_IN_ROLE: ConnectionRole = {
  parameters: { [SIGN_IN_ENDPOINT_TYPE]: { none: 'refreshtoken' }, [SIGN_IN_ENDPOINT_TYPE_DEV]: { none: 'refreshtoken' } },
  input: 'signInConnection',
  supported: "PAT Lifecycle sign-in (patlifecycle-signin, the extension's own type)",
  unsupportedHint: 'Choose the PAT Lifecycle sign-in connection, or create one with `pat-lifecycle login --service-connection NAME`.',
  notFoundHint: 'The signed-in user must be able to see the connection (Project settings > Service connections > the connection > Security: Administrator, to write the renewed refresh token back).',
};

export interface ServiceConnectionStoreOptions {
  client: ServiceEndpointClient;
  connection: ServiceConnectionRef;
  /** Default: a PAT destination. */
  role?: ConnectionRole;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ServiceConnectionStore implements SecretStore {
  private readonly client: ServiceEndpointClient;
  private readonly ref: ServiceConnectionRef;
  /** Found once, then addressed by id so a rename during the run cannot redirect the write. */
  private resolvedId: string | undefined;
  private resolvedName: string | undefined;
  private recent: ServiceEndpoint | undefined;
  private readonly role: ConnectionRole;

  constructor(o: ServiceConnectionStoreOptions) {
    this.client = o.client;
    this.ref = o.connection;
    this.role = o.role ?? PAT_ROLE;
    if (GUID.test(o.connection.nameOrId)) this.resolvedId = o.connection.nameOrId;
  }

  /** Reads the connection and refuses a type or scheme that holds no Azure DevOps PAT, before anything is written. */
  async prepare(): Promise<void> {
    await this.load();
  }

  /** The connection as found: its id and name, for checks that address it (action check). */
  async found(): Promise<{ id: string; name: string }> {
    const endpoint = this.recent ?? (await this.load());
    return { id: endpoint.id, name: endpoint.name };
  }

  describe(): string {
    const name = this.resolvedName ?? this.ref.nameOrId;
    return `service connection '${name}'${this.resolvedId && this.resolvedId !== name ? ` (id ${this.resolvedId})` : ''} in project '${this.ref.project}'`;
  }

  /** Whether this store writes that connection (as the run found it). */
  isConnection(id: string): boolean {
    return this.resolvedId !== undefined && this.resolvedId.toLowerCase() === id.toLowerCase();
  }

  label(): string {
    return `service connection '${this.resolvedName ?? this.ref.nameOrId}'`;
  }

  async read(options: { recent?: boolean } = {}): Promise<StoredSecretInfo> {
    const endpoint = (options.recent ? this.recent : undefined) ?? (await this.load());
    const { key } = this.patParameter(endpoint);
    return { exists: key !== undefined, metadata: parseRecord(endpoint.description) };
  }

  write(value: string, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    return this.change(value, metadata, condition);
  }

  async mark(metadata: SecretMetadata, condition?: WriteCondition): Promise<void> {
    await this.change(undefined, metadata, condition);
  }

  /**
   * One read-modify-write. `value` undefined: a record-only write, the PAT parameter goes back as the null the GET
   * showed, which the service reads as "keep the stored secret" (as the portal's own edit form does).
   */
  private change(value: string | undefined, metadata: SecretMetadata, condition?: WriteCondition): Promise<WriteReceipt> {
    return writes.run(this.lockKey(), async () => {
      // A compare-and-write reads afresh; a plain write (the renewed refresh token) starts from what this store saw a
      // moment ago, as a variable group's write does (group-views.ts), instead of a second GET right after the first.
      const endpoint = (condition ? undefined : this.recent) ?? (await this.load());
      const exists = this.patParameter(endpoint).key !== undefined;
      if (condition && !meetsCondition(parseRecord(endpoint.description), exists, condition)) {
        throw storeChanged(this.describe(), exists ? parseRecord(endpoint.description).authorizationId : undefined);
      }
      const { key, canonical } = this.patParameter(endpoint);
      const parameters: Record<string, string | null> = { ...(endpoint.authorization?.parameters ?? {}) };
      const name = key ?? canonical;
      if (value !== undefined) parameters[name] = value;
      else parameters[name] = null;
      const record = { ...parseRecord(endpoint.description), ...metadata };
      const next: ServiceEndpoint = {
        ...endpoint,
        description: withRecord(endpoint.description, record),
        authorization: { ...endpoint.authorization, parameters },
      };
      let answer: ServiceEndpoint;
      try {
        answer = await this.client.update(next, this.ref.project, { recordOnly: value === undefined });
      } catch (err) {
        this.recent = undefined;
        throw err;
      }
      this.recent = answer;
      const receipt: WriteReceipt = { version: endpoint.id, metadata: { ...metadata } };
      answers.set(receipt, { sent: next, answer });
      return receipt;
    });
  }

  /** The service answers with the endpoint as stored: the scheme and the parameters sent, and ready for use. */
  private checkAnswer(answer: ServiceEndpoint, sent: ServiceEndpoint): void {
    const where = this.describe();
    const sentScheme = sent.authorization?.scheme ?? '';
    if ((answer.authorization?.scheme ?? '').toLowerCase() !== sentScheme.toLowerCase()) {
      throw verificationError(`${where} answered the update with scheme '${answer.authorization?.scheme ?? ''}', not '${sentScheme}'.`);
    }
    const names = (e: ServiceEndpoint) => Object.keys(e.authorization?.parameters ?? {}).map((k) => k.toLowerCase()).sort().join(',');
    if (names(answer) !== names(sent)) throw verificationError(`${where} answered the update with the parameters [${names(answer)}], not [${names(sent)}].`);
    if (answer.isReady === false) throw verificationError(`${where} is not ready after the update (isReady false).`);
  }

  async verify(receipt: WriteReceipt, _value: string): Promise<void> {
    const written = answers.get(receipt);
    if (written) this.checkAnswer(written.answer, written.sent);
    const endpoint = written?.answer ?? (await this.load());
    const stored = parseRecord(endpoint.description);
    if (this.patParameter(endpoint).key === undefined) throw verificationError(`${this.describe()} has no ${this.role === PAT_ROLE ? 'PAT' : 'refresh token'} parameter after the update.`);
    for (const [key, expected] of Object.entries(receipt.metadata)) {
      if ((stored[key] ?? REMOVE) !== expected) {
        throw verificationError(`The record in the description of ${this.describe()} does not hold the '${key}' just written; another run may have changed the connection at the same time.`);
      }
    }
  }

  /** The parameter that holds the PAT: its key as the connection spells it (undefined when absent), and the usual name. */
  private patParameter(endpoint: ServiceEndpoint): { key: string | undefined; canonical: string } {
    const canonical = this.role.parameters[endpoint.type.toLowerCase()]?.[(endpoint.authorization?.scheme ?? '').toLowerCase()] ?? '';
    const key = Object.keys(endpoint.authorization?.parameters ?? {}).find((k) => k.toLowerCase() === canonical);
    return { key, canonical };
  }

  private lockKey(): string {
    return `${this.ref.project.toLowerCase()}|${(this.resolvedId ?? this.ref.nameOrId).toLowerCase()}`;
  }

  private async load(): Promise<ServiceEndpoint> {
    const { project } = this.ref;
    let endpoint: ServiceEndpoint | undefined;
    if (this.resolvedId !== undefined) {
      endpoint = await this.client.getById(project, this.resolvedId);
    } else {
      const matches = await this.client.findByName(project, this.ref.nameOrId);
      if (matches.length > 1) {
        throw new PatLifecycleError('input', 'AmbiguousServiceConnection', `${matches.length} service connections are named '${this.ref.nameOrId}' in project '${project}' (ids ${matches.map((m) => m.id).join(', ')}).`, {
          input: this.role.input,
          hint: `Give the connection's id instead of its name in '${this.role.input}'.`,
        });
      }
      endpoint = matches[0];
    }
    if (!endpoint) {
      throw new PatLifecycleError('notFound', 'ServiceConnectionNotFound', `Service connection '${this.ref.nameOrId}' was not found in project '${project}'.`, {
        input: this.role.input,
        hint: this.role.notFoundHint,
      });
    }
    this.refuseUnsupported(endpoint);
    this.resolvedId = endpoint.id;
    this.resolvedName = endpoint.name;
    this.recent = endpoint;
    return endpoint;
  }

  private refuseUnsupported(endpoint: ServiceEndpoint): void {
    if (this.patParameter(endpoint).canonical) return;
    const scheme = endpoint.authorization?.scheme ?? '(none)';
    throw new PatLifecycleError(
      'input',
      UNSUPPORTED_CONNECTION,
      `Service connection '${endpoint.name}' (input ${this.role.input}) in project '${this.ref.project}' is of type '${endpoint.type}' with scheme '${scheme}', which holds no ${this.role === PAT_ROLE ? 'Azure DevOps PAT' : 'PAT Lifecycle sign-in'} the task can write. Nothing was created.`,
      {
        input: this.role.input,
        hint: `Supported: ${this.role.supported}. ${this.role.unsupportedHint}`,
      },
    );
  }
}

/** The record from the description's record line (empty when there is none). */
export function parseRecord(description: string | null | undefined): SecretMetadata {
  const line = (description ?? '').split('\n').reverse().find((l) => l.startsWith(RECORD_PREFIX));
  const record: SecretMetadata = {};
  if (!line) return record;
  for (const pair of line.slice(RECORD_PREFIX.length).split('; ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) record[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return record;
}

/** The description with its record line replaced (or added last, or removed when the record is empty); the rest as it was. */
export function withRecord(description: string | null | undefined, record: SecretMetadata): string {
  const text = description ?? '';
  const pairs = Object.entries(record).filter(([, v]) => v !== REMOVE);
  const line = pairs.length > 0 ? `${RECORD_PREFIX}${pairs.map(([k, v]) => `${k}=${v}`).join('; ')}` : undefined;
  const lines = text.split('\n');
  let at = -1;
  lines.forEach((l, i) => {
    if (l.startsWith(RECORD_PREFIX)) at = i;
  });
  if (at < 0) return line === undefined ? text : text ? `${text}\n${line}` : line;
  if (line === undefined) lines.splice(at, 1);
  else lines[at] = line;
  return lines.join('\n');
}

function verificationError(message: string): PatLifecycleError {
  return new PatLifecycleError('verification', 'VerificationFailed', message, {
    hint: 'Run the pipeline again; if it persists, check who else edits the service connection.',
  });
}
