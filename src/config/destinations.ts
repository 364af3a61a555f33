/**
 * Where the new PAT goes and where the rolled refresh token goes, and the checks that keep the two apart:
 * a PAT written over the refresh token would end the sign-in chain for good.
 */
import type { KeyVaultRef, RefreshTokenStoreConfig, ServiceConnectionRef, SignInHandover, StoreTarget, VariableGroupRef } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { choice, expanded, keyVaultSecretName, printable, required, text, variableName } from './fields';
import { parseKeyVault, type JobIdentity } from './key-vault';
import { hasNamePlaceholder, secretNameFor, serviceConnectionNameFor, variableNameFor } from './name-template';
import { PAT_METADATA_KEYS, REFRESH_TOKEN_METADATA_KEYS } from '../stores/secret-store';

export const TARGETS = ['variableGroup', 'keyVault', 'serviceConnection', 'outputOnly'] as const;
export const REFRESH_TOKEN_STORES = ['none', 'variableGroup', 'keyVault', 'serviceConnection'] as const;

/** Shared by both destinations: one vault, one service connection and one variable-group identity per run. */
export class DestinationInputs {
  private vault: KeyVaultRef | undefined | null = null;
  private auth: 'user' | 'job' | undefined | null = null;
  private project: string | undefined | null = null;

  constructor(
    private readonly p: Problems,
    private readonly raw: RawInputs,
    private readonly job: JobIdentity,
  ) {}

  keyVault(why: string): KeyVaultRef | undefined {
    if (this.vault === null) this.vault = parseKeyVault(this.p, this.raw, this.job, why);
    return this.vault;
  }

  variableGroupAuth(): 'user' | 'job' | undefined {
    if (this.auth !== null) return this.auth;
    const auth = choice(this.p, 'variableGroupAuth', text(this.raw.input('variableGroupAuth')), ['user', 'job'] as const, 'user');
    if (auth === 'job' && this.job.systemAccessToken === undefined) {
      this.p.add(
        'variableGroupAuth',
        "is 'job', but this job has no access token (System.AccessToken)",
        'enable "Allow scripts to access the OAuth token" on the agent job (classic), or map it in YAML: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken); or use variableGroupAuth: user',
      );
    }
    this.auth = auth;
    return auth;
  }

  variableGroup(input: string, why: string): VariableGroupRef | undefined {
    const value = required(this.p, input, expanded(this.p, input, text(this.raw.input(input))), why, 'give the name or the numeric ID of the variable group (Pipelines > Library)');
    const project = this.destinationProject();
    if (value !== undefined && project === undefined && !this.p.has('destinationProject')) {
      return this.p.add(
        input,
        'needs the project of the variable group, but neither destinationProject nor System.TeamProject is set',
        'set destinationProject to the project that owns the group, or run inside a pipeline of that project',
      );
    }
    if (value === undefined || project === undefined) return undefined;
    return /^\d+$/.test(value) ? { project, id: Number(value) } : { project, name: value };
  }

  /** A service connection of the destination project, by name or id. */
  serviceConnection(why: string): ServiceConnectionRef | undefined {
    const value = required(this.p, 'serviceConnection', expanded(this.p, 'serviceConnection', text(this.raw.input('serviceConnection'))), why, 'give the name or the ID of the service connection that holds the PAT (Project settings > Service connections)');
    const project = this.destinationProject();
    if (value !== undefined && project === undefined && !this.p.has('destinationProject')) {
      return this.p.add(
        'serviceConnection',
        'needs the project of the service connection, but neither destinationProject nor System.TeamProject is set',
        'set destinationProject to the project that owns the connection, or run inside a pipeline of that project',
      );
    }
    if (value === undefined || project === undefined) return undefined;
    if (printable(value) !== value || value.length > 256) {
      return this.p.add('serviceConnection', `'${printable(value)}' is not a service connection name or ID`, 'give the name as shown under Project settings > Service connections, or its ID (a GUID)');
    }
    return { project, nameOrId: value };
  }

  /** Checked once even when both groups ask, so a bad value is reported once. */
  private destinationProject(): string | undefined {
    if (this.project !== null) return this.project;
    const value = expanded(this.p, 'destinationProject', text(this.raw.input('destinationProject')));
    this.project = value === undefined ? text(this.raw.variable('System.TeamProject')) : projectName(this.p, 'destinationProject', value);
    return this.project;
  }
}

/**
 * Azure DevOps project names: at most 64 characters, none of \ / : * ? " < > | ; # $ { } , + = [ ], not starting with
 * `_` or `.`, not ending with `.`. Checked here so a typo fails before the refresh token is spent.
 */
// eslint-disable-next-line no-control-regex
const PROJECT_NAME = /^(?![_.])[^\\/:*?"<>|;#${},+=[\]\u0000-\u001f]{1,64}(?<!\.)$/;

function projectName(p: Problems, input: string, value: string): string | undefined {
  if (PROJECT_NAME.test(value)) return value;
  return p.add(
    input,
    `'${printable(value)}' is not a valid project name`,
    'give the name of a project of this pipeline\'s organization (at most 64 characters, none of \\ / : * ? " < > | ; # $ { } , + = [ ]), as shown in Organization settings > Projects',
  );
}

export interface PatNames {
  /** Display names known from the inputs (empty for a pattern). */
  displayNames: string[];
  /** More than one PAT may be processed: several names or a pattern. */
  bulk: boolean;
}

/**
 * `target` names one kind or several (comma- or newline-separated): each gets the same new PAT. `outputOnly` stands
 * alone: it means no destination at all besides the secret output variable.
 */
export function parsePatDestinations(p: Problems, raw: RawInputs, shared: DestinationInputs, names: PatNames): StoreTarget[] | undefined {
  const kinds = parseTargetKinds(p, text(raw.input('target')));
  if (!kinds) return undefined;
  // parseTargetKinds lets outputOnly stand only alone.
  if (kinds[0] === 'outputOnly') {
    if (names.bulk) {
      return p.add('target', "is 'outputOnly', but several PATs are selected and the output variable token holds one value", "store them in a variable group or Key Vault with '{name}' in variableName or secretName");
    }
    return [];
  }
  const out: StoreTarget[] = [];
  let complete = true;
  for (const kind of kinds) {
    const dest =
      kind === 'variableGroup'
        ? parseVariableGroupTarget(p, raw, shared, names, kinds)
        : kind === 'keyVault'
          ? parseKeyVaultTarget(p, raw, shared, names, kinds)
          : parseServiceConnectionTarget(p, shared, names, kinds);
    if (dest) out.push(dest);
    else complete = false;
  }
  return complete ? out : undefined;
}

function parseTargetKinds(p: Problems, value: string | undefined): Array<(typeof TARGETS)[number]> | undefined {
  const list = (value ?? '').split(/[,;\n]/).map((s) => s.trim()).filter((s) => s.length > 0);
  const hint = `give one of ${TARGETS.join(', ')}, or several of variableGroup, keyVault and serviceConnection separated by commas`;
  const kinds: Array<(typeof TARGETS)[number]> = [];
  for (const item of list.length > 0 ? list : ['variableGroup']) {
    const kind = TARGETS.find((t) => t.toLowerCase() === item.toLowerCase());
    if (!kind) return p.add('target', `'${item}' is not a destination kind`, hint);
    if (kinds.includes(kind)) return p.add('target', `names '${kind}' twice`, 'name each kind once; one step writes one variable group variable, one Key Vault secret and one service connection at most');
    kinds.push(kind);
  }
  if (kinds.includes('outputOnly') && kinds.length > 1) {
    return p.add('target', "lists 'outputOnly' with other kinds", "leave outputOnly out: the secret output variable token is set whatever the target");
  }
  return kinds;
}

function parseVariableGroupTarget(p: Problems, raw: RawInputs, shared: DestinationInputs, names: PatNames, kinds: readonly string[]): StoreTarget | undefined {
  const why = whenTarget(kinds, 'variableGroup');
  const group = shared.variableGroup('variableGroup', why);
  const name = variableName(p, 'variableName', required(p, 'variableName', expanded(p, 'variableName', text(raw.input('variableName'))), why, 'give the variable that receives the PAT, e.g. FeedPat'));
  const auth = shared.variableGroupAuth();
  if (name !== undefined) checkTemplate(p, 'variableName', name, names, (n) => variableNameFor(name, n));
  if (!group || name === undefined || !auth) return undefined;
  return { kind: 'variableGroup', group, variableName: name, auth };
}

function parseKeyVaultTarget(p: Problems, raw: RawInputs, shared: DestinationInputs, names: PatNames, kinds: readonly string[]): StoreTarget | undefined {
  const why = whenTarget(kinds, 'keyVault');
  const vault = shared.keyVault(why);
  const name = keyVaultSecretName(p, 'secretName', required(p, 'secretName', expanded(p, 'secretName', text(raw.input('secretName'))), why, 'give the Key Vault secret that receives the PAT, e.g. FeedPat'));
  if (name !== undefined) checkTemplate(p, 'secretName', name, names, (n) => secretNameFor(name, n));
  if (!vault || name === undefined) return undefined;
  return { kind: 'keyVault', vault, secretName: name };
}

function parseServiceConnectionTarget(p: Problems, shared: DestinationInputs, names: PatNames, kinds: readonly string[]): StoreTarget | undefined {
  const connection = shared.serviceConnection(whenTarget(kinds, 'serviceConnection'));
  if (!connection) return undefined;
  checkTemplate(p, 'serviceConnection', connection.nameOrId, names, (n) => serviceConnectionNameFor(connection.nameOrId, n));
  return { kind: 'serviceConnection', connection };
}

function whenTarget(kinds: readonly string[], kind: string): string {
  return kinds.length === 1 ? `when target is '${kind}'` : `when target includes '${kind}'`;
}

/** Several PATs into one store need `{name}`, and their names must not collapse onto one variable or secret. */
function checkTemplate(p: Problems, input: string, template: string, names: PatNames, expand: (displayName: string) => string): void {
  if (!hasNamePlaceholder(template)) {
    if (names.bulk) p.add(input, `'${template}' would receive every selected PAT, one overwriting the other`, `put {name} in it (e.g. ${input === 'secretName' ? 'Pat-{name}' : input === 'serviceConnection' ? 'Feed {name}' : 'Pat.{name}'}); it becomes each PAT's display name`);
    return;
  }
  for (const problem of templateProblems(input as 'variableName' | 'secretName' | 'serviceConnection', names.displayNames, expand)) p.add(input, problem.message, problem.hint);
}

/**
 * What goes wrong when names expand `{name}`: two PATs onto one variable or secret, or a name the store refuses. Run
 * again at run time over the names a displayNamePattern matched (operations/execute.ts).
 */
export function templateProblems(input: 'variableName' | 'secretName' | 'serviceConnection', displayNames: readonly string[], expand: (displayName: string) => string): Array<{ message: string; hint: string }> {
  const problems: Array<{ message: string; hint: string }> = [];
  const seen = new Map<string, string>();
  for (const displayName of displayNames) {
    const expanded = expand(displayName);
    const other = seen.get(expanded.toLowerCase());
    if (other !== undefined) problems.push({ message: `the PATs '${other}' and '${displayName}' would both be written to '${expanded}'`, hint: 'rename one of the PATs, or store them separately' });
    seen.set(expanded.toLowerCase(), displayName);
    // eslint-disable-next-line no-control-regex
    const valid = input === 'secretName' ? /^[0-9a-zA-Z-]{1,127}$/ : input === 'serviceConnection' ? /^[^\u0000-\u001f]{1,256}$/ : /^[A-Za-z0-9._-]{1,256}$/;
    if (!valid.test(expanded)) problems.push({ message: `'${expanded}' (for PAT '${displayName}') is not a valid name`, hint: 'shorten the template or the display name' });
  }
  return problems;
}

/**
 * `signIn`: the sign-in connection when signInConnection is set (null when it is set but was refused), undefined when
 * the sign-in comes from the inputs. With a connection the store is that connection: the next run reads its token
 * there, so a token saved anywhere else would never be read, and the connection's would be spent.
 */
export function parseRefreshTokenStore(p: Problems, raw: RawInputs, shared: DestinationInputs, signIn?: { connection: ServiceConnectionRef; handover: SignInHandover } | null): RefreshTokenStoreConfig | undefined {
  const value = expanded(p, 'refreshTokenStore', text(raw.input('refreshTokenStore')));
  if (signIn !== undefined) {
    if (value !== undefined && value.toLowerCase() !== 'serviceconnection') {
      return p.add(
        'refreshTokenStore',
        `is '${value}', but the sign-in comes from signInConnection: the next run reads the refresh token from that connection, so a renewed token saved anywhere else would never be read`,
        "set refreshTokenStore to 'serviceConnection' (or leave it out): the task writes the renewed token back into the sign-in connection",
      );
    }
    return signIn ? { kind: 'serviceConnection', connection: signIn.connection, handover: signIn.handover } : undefined;
  }
  if (value?.toLowerCase() === 'serviceconnection') {
    return p.add('refreshTokenStore', "is 'serviceConnection', but signInConnection is not set", 'set signInConnection to the PAT Lifecycle sign-in service connection (it replaces tenantId, clientId and refreshToken), or choose variableGroup or keyVault');
  }
  if (value === undefined) {
    // No default on purpose: `none` used to be one, and a pipeline on it ran green until its sign-in ran out.
    if (p.has('refreshTokenStore')) return undefined;
    return p.add(
      'refreshTokenStore',
      'is required: it says where the renewed refresh token is saved, and there is no default',
      `set it to one of: ${REFRESH_TOKEN_STORES.join(', ')}. variableGroup or keyVault saves the renewed token where the refreshToken input reads it (with refreshTokenVariableGroup and refreshTokenVariableName, or refreshTokenSecretName); none saves nothing, so the sign-in stops working at most 90 days after it was made; serviceConnection goes with signInConnection, whose connection holds the sign-in`,
    );
  }
  const kind = choice(p, 'refreshTokenStore', value, REFRESH_TOKEN_STORES, 'none');
  const why = `when refreshTokenStore is '${kind}'`;
  if (kind === 'none') return { kind: 'none' };
  if (kind === 'variableGroup') {
    const group = shared.variableGroup('refreshTokenVariableGroup', why);
    const name = variableName(
      p,
      'refreshTokenVariableName',
      required(p, 'refreshTokenVariableName', expanded(p, 'refreshTokenVariableName', text(raw.input('refreshTokenVariableName'))), why, 'give the variable that holds the refresh token, e.g. PatLifecycle.RefreshToken'),
    );
    if (name !== undefined && hasNamePlaceholder(name)) p.add('refreshTokenVariableName', 'must not contain {name}', 'give one fixed variable name');
    const auth = shared.variableGroupAuth();
    if (!group || name === undefined || !auth) return undefined;
    return { kind: 'variableGroup', group, variableName: name, auth };
  }
  if (kind === 'keyVault') {
    const vault = shared.keyVault(why);
    const name = keyVaultSecretName(
      p,
      'refreshTokenSecretName',
      required(p, 'refreshTokenSecretName', expanded(p, 'refreshTokenSecretName', text(raw.input('refreshTokenSecretName'))), why, 'give the Key Vault secret that holds the refresh token, e.g. PatLifecycle-RefreshToken'),
    );
    if (name !== undefined && hasNamePlaceholder(name)) p.add('refreshTokenSecretName', 'must not contain {name}', 'give one fixed secret name');
    if (!vault || name === undefined) return undefined;
    return { kind: 'keyVault', vault, secretName: name };
  }
  return undefined;
}

/** Refuses a PAT destination that is, or whose companions are, the refresh token's variable or secret. */
export function checkNoCollision(p: Problems, pat: StoreTarget, rt: RefreshTokenStoreConfig, displayNames: readonly string[]): void {
  for (const c of refreshTokenCollisions(pat, rt, displayNames)) p.add(c.input, c.message, c.hint);
}

/** Also run at run time over the names a displayNamePattern matched: a PAT must never land on the refresh token. */
export function refreshTokenCollisions(pat: StoreTarget, rt: RefreshTokenStoreConfig, displayNames: readonly string[]): Array<{ input: string; message: string; hint: string }> {
  const out: Array<{ input: string; message: string; hint: string }> = [];
  if (pat.kind === 'variableGroup' && rt.kind === 'variableGroup') {
    if (!sameGroup(pat.group, rt.group)) return out;
    const rtNames = companions(rt.variableName, REFRESH_TOKEN_METADATA_KEYS);
    const candidates = hasNamePlaceholder(pat.variableName) ? displayNames.map((n) => variableNameFor(pat.variableName, n)) : [pat.variableName];
    for (const name of candidates) {
      const clash = companions(name, PAT_METADATA_KEYS).find((n) => rtNames.includes(n));
      if (clash !== undefined) {
        out.push({
          input: 'variableName',
          message: `'${name}' in the same variable group would overwrite the refresh token's variable '${rt.variableName}' (or its companion '${clash}')`,
          hint: 'give the PAT its own variable name; the refresh token must stay where the refreshToken input reads it',
        });
      }
    }
  }
  if (pat.kind === 'keyVault' && rt.kind === 'keyVault') {
    if (pat.vault.vaultUrl !== rt.vault.vaultUrl) return out;
    const candidates = hasNamePlaceholder(pat.secretName) ? displayNames.map((n) => secretNameFor(pat.secretName, n)) : [pat.secretName];
    for (const name of candidates) {
      if (name.toLowerCase() === rt.secretName.toLowerCase()) {
        out.push({ input: 'secretName', message: `'${name}' is the secret that holds the refresh token`, hint: 'give the PAT its own secret name; the refresh token must stay where the refreshToken input reads it' });
      }
    }
  }
  return out;
}

function sameGroup(a: VariableGroupRef, b: VariableGroupRef): boolean {
  if (a.id !== undefined && b.id !== undefined) return a.id === b.id;
  if (a.name !== undefined && b.name !== undefined) return a.name.toLowerCase() === b.name.toLowerCase();
  return false;
}

function companions(name: string, keys: readonly string[]): string[] {
  return [name, ...keys.map((k) => `${name}.${k}`)].map((n) => n.toLowerCase());
}
