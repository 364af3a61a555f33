/**
 * The PAT parameter of a service connection (an Azure Repos/TFS, NuGet, npm or Other Git connection), with the
 * ownership record on one line of the connection's description. The endpoint is replaced whole on every PUT: every
 * field goes back as read, other secret parameters as the null the GET shows, and only the PAT parameter and the
 * record line change.
 *
 * The service keeps a description per project reference (`serviceEndpointProjectReferences[].description`) and a
 * project's GET shows that project's at the top level, so the record line goes into every reference and the top level
 * (docs/design.md, "Ownership"). The PUT's answer echoes the request: only a fresh GET shows what was kept, so verify()
 * reads the connection again. A description holds at most DESCRIPTION_MAX characters: prepare() checks the room the
 * record needs before any PAT exists.
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
import { meetsCondition, PAT_METADATA_KEYS, REFRESH_TOKEN_METADATA_KEYS, REMOVE, storeChanged, type SecretMetadata, type SecretStore, type StoredSecretInfo, type WriteCondition, type WriteReceipt } from './secret-store';

/** The service's limit on a connection's description, at the top level and per project reference. */
export const DESCRIPTION_MAX = 1024;

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
/** The endpoint as the service answered each write: what verify() checks besides a fresh GET. */
const answers = new WeakMap<WriteReceipt, { sent: ServiceEndpoint; answer: ServiceEndpoint }>();

type ProjectReference = NonNullable<ServiceEndpoint['serviceEndpointProjectReferences']>[number];

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
  /** The record keys the description keeps (others are not written there, as a variable group keeps its companions). */
  recordKeys: readonly string[];
  /** The longest record line a run may write, for the room check: every key at its longest value. */
  longestRecord: SecretMetadata;
}

const GUID_LENGTH = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
/** The longest ISO date the service or the task writes (.NET's seven fraction digits). */
const LONGEST_DATE = '2026-12-31T23:59:59.9999999Z';

export const PAT_ROLE: ConnectionRole = {
  parameters: PAT_PARAMETERS,
  input: 'serviceConnection',
  supported: SUPPORTED_CONNECTIONS,
  unsupportedHint: 'Choose such a connection, or edit this one to use a PAT (a NuGet connection with an API key, for example, becomes one with the Token scheme).',
  notFoundHint: "Check its name or id under Project settings > Service connections (and 'destinationProject' for another project); the task does not create connections.",
  recordKeys: PAT_METADATA_KEYS,
  longestRecord: { authorizationId: GUID_LENGTH, validTo: LONGEST_DATE, replaced: GUID_LENGTH, pending: `v1 ${LONGEST_DATE} ${LONGEST_DATE} ${GUID_LENGTH}` },
};

/** The extension's own endpoint type (vss-extension.json), scheme None with its own inputs: the refresh token. */
export const SIGN_IN_ROLE: ConnectionRole = {
  parameters: { [SIGN_IN_ENDPOINT_TYPE]: { none: 'refreshtoken' }, [SIGN_IN_ENDPOINT_TYPE_DEV]: { none: 'refreshtoken' } },
  input: 'signInConnection',
  supported: "PAT Lifecycle sign-in (patlifecycle-signin, the extension's own type)",
  unsupportedHint: 'Choose the PAT Lifecycle sign-in connection, or create one with `pat-lifecycle login --service-connection NAME`.',
  notFoundHint: 'The signed-in user must be able to see the connection (Project settings > Service connections > the connection > Security: Administrator, to write the renewed refresh token back).',
  recordKeys: REFRESH_TOKEN_METADATA_KEYS,
  longestRecord: { issuedAt: LONGEST_DATE, clientId: GUID_LENGTH, tenantId: GUID_LENGTH },
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

  /**
   * Reads the connection and refuses, before anything is written, a type or scheme that holds no Azure DevOps PAT, an
   * answer without project references (the PUT needs them) and a description with no room left for the record.
   */
  async prepare(): Promise<void> {
    const endpoint = await this.load();
    this.refuseWithoutReferences(endpoint);
    this.refuseWithoutRoom(endpoint);
  }

  /** The connection as found: its id, name and the projects that share it, for checks that address it (action check). */
  async found(): Promise<{ id: string; name: string; projects: string[] }> {
    const endpoint = this.recent ?? (await this.load());
    const projects = (endpoint.serviceEndpointProjectReferences ?? []).map((r) => r.projectReference?.name ?? r.projectReference?.id ?? '').filter((n) => n !== '');
    return { id: endpoint.id, name: endpoint.name, projects: projects.length > 0 ? projects : [this.ref.project] };
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
    return { exists: key !== undefined, metadata: this.recordOf(endpoint) };
  }

  /** The record as this project keeps it: its reference's description (the top level when the answer has none). */
  private recordOf(endpoint: ServiceEndpoint): SecretMetadata {
    return parseRecord(this.ownReference(endpoint)?.description ?? endpoint.description);
  }

  /** The project reference of the connection's project in this store (matched by name or id). */
  private ownReference(endpoint: ServiceEndpoint): ProjectReference | undefined {
    const project = this.ref.project.toLowerCase();
    return (endpoint.serviceEndpointProjectReferences ?? []).find((r) => r.projectReference?.name?.toLowerCase() === project || r.projectReference?.id?.toLowerCase() === project);
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
      const current = this.recordOf(endpoint);
      if (condition && !meetsCondition(current, exists, condition)) {
        throw storeChanged(this.describe(), exists ? current.authorizationId : undefined);
      }
      this.refuseWithoutReferences(endpoint);
      const { key, canonical } = this.patParameter(endpoint);
      const parameters: Record<string, string | null> = { ...(endpoint.authorization?.parameters ?? {}) };
      const name = key ?? canonical;
      if (value !== undefined) parameters[name] = value;
      else parameters[name] = null;
      const record = this.recordPart({ ...current, ...metadata });
      const next: ServiceEndpoint = {
        ...endpoint,
        description: withRecord(endpoint.description, record),
        serviceEndpointProjectReferences: (endpoint.serviceEndpointProjectReferences ?? []).map((r) => ({ ...r, description: withRecord(r.description, record) })),
        authorization: { ...endpoint.authorization, parameters },
      };
      this.refuseWithoutRoom(next);
      let answer: ServiceEndpoint;
      try {
        answer = await this.client.update(next, this.ref.project, { recordOnly: value === undefined });
      } catch (err) {
        this.recent = undefined;
        throw err;
      }
      this.recent = answer;
      const receipt: WriteReceipt = { version: endpoint.id, metadata: this.recordPart(metadata) };
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

  /**
   * The PUT's answer echoes the request, so it proves only that the service took it: the record is checked on a fresh
   * GET, at the top level and on every project reference the connection has.
   */
  async verify(receipt: WriteReceipt, _value: string): Promise<void> {
    const written = answers.get(receipt);
    if (written) this.checkAnswer(written.answer, written.sent);
    const endpoint = await this.load();
    if (this.patParameter(endpoint).key === undefined) throw verificationError(`${this.describe()} has no ${this.role === PAT_ROLE ? 'PAT' : 'refresh token'} parameter after the update.`);
    const places: Array<[string, string | null | undefined]> = [
      ['its description', endpoint.description],
      ...(endpoint.serviceEndpointProjectReferences ?? []).map((r): [string, string | null | undefined] => [`the description of its reference in project '${r.projectReference?.name ?? r.projectReference?.id ?? '?'}'`, r.description]),
    ];
    for (const [where, description] of places) {
      const stored = parseRecord(description);
      for (const [key, expected] of Object.entries(receipt.metadata)) {
        if ((stored[key] ?? REMOVE) !== expected) {
          throw verificationError(`Read again after the update, ${where} of ${this.describe()} does not hold the record's '${key}' just written; the service did not keep it, or another run changed the connection at the same time.`);
        }
      }
    }
  }

  /** Only the keys this role keeps in the description. */
  private recordPart(metadata: SecretMetadata): SecretMetadata {
    return Object.fromEntries(Object.entries(metadata).filter(([k]) => this.role.recordKeys.includes(k)));
  }

  /** The PUT replaces the endpoint: one without its project references would be refused (or be organization-scoped). */
  private refuseWithoutReferences(endpoint: ServiceEndpoint): void {
    if ((endpoint.serviceEndpointProjectReferences ?? []).length > 0) return;
    throw new PatLifecycleError('permission', 'ServiceConnectionReferencesHidden', `Azure DevOps answered ${this.describe()} without its project references, which the signed-in user may see only with more rights on the connection; the task cannot write it back without them. Nothing was created.`, {
      input: this.role.input,
      hint: `Give the signed-in user the Administrator role on the connection: Project settings > Service connections > '${endpoint.name}' > Security (project '${this.ref.project}').`,
    });
  }

  /** Every description of the connection (top level and per project) must have room for the longest record line. */
  private refuseWithoutRoom(endpoint: ServiceEndpoint): void {
    const longest = withRecord('', this.role.longestRecord).length;
    const texts = [endpoint.description, ...(endpoint.serviceEndpointProjectReferences ?? []).map((r) => r.description)];
    const room = Math.min(...texts.map((d) => DESCRIPTION_MAX - longest - (withRecord(d, {}) ? withRecord(d, {}).length + 1 : 0)));
    if (room >= 0) return;
    const used = Math.max(...texts.map((d) => withRecord(d, {}).length));
    throw new PatLifecycleError('input', 'ServiceConnectionDescriptionFull', `The description of ${this.describe()} has ${used} characters; the record line the task keeps there needs up to ${longest + 1} more, and Azure DevOps keeps at most ${DESCRIPTION_MAX}. Nothing was created.`, {
      input: this.role.input,
      hint: `Shorten the description of service connection '${endpoint.name}' to at most ${DESCRIPTION_MAX - longest - 1} characters (Project settings > Service connections > '${endpoint.name}' > Edit), in every project it is shared with.`,
    });
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
