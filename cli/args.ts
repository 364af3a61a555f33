/**
 * Command line -> typed settings. Every mistake in the flags is found here, before any network call, and
 * reported together (exit code 2). Secrets are never flag values: a confidential app's secret is read from the
 * environment variable `--client-secret-env` names, so it stays out of shell history and process listings.
 */
import { parseArgs } from 'node:util';
import type { NetworkConfig, ProxyConfig, ServiceOverride, ServiceUrls } from '../src/config/types';
import { disallowedHostProblem, isAllowedServiceHost, SERVER_NOT_SUPPORTED, type ServiceRole } from '../src/config/service-hosts';

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** `status`: something needs a human soon (refresh token close to its inactivity expiry, a PAT about to lapse). */
  attention: 3,
} as const;

export class UsageError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
    this.problems = problems;
  }
}

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_VSSPS_URL = 'https://vssps.dev.azure.com';
export const DEFAULT_DEVOPS_URL = 'https://dev.azure.com';
export const DEFAULT_KEY_VAULT_DNS_SUFFIX = 'vault.azure.net';
export const DEFAULT_SIGN_IN_TIMEOUT_SECONDS = 300;
/** `status`: warn when the refresh token's 90-day inactivity window has fewer days left than this. */
export const DEFAULT_WARN_DAYS = 14;
/** `status`: warn when an active PAT expires within this many days (the task rotates at 7 by default, so this means it did not). */
export const DEFAULT_PAT_WARN_DAYS = 3;

export type Command = 'login' | 'status' | 'run' | 'help' | 'version';

export type KeyVaultCredentialKind = 'default' | 'cli' | 'env';

export interface SignInSettings {
  tenantId: string;
  clientId: string;
  /** Confidential (web) registrations only; read from the environment variable named by `--client-secret-env`. */
  clientSecret?: string;
  clientSecretEnv?: string;
  authorityHost: string;
  mode: 'browser' | 'deviceCode';
  /** false with `--no-open`: print the sign-in URL instead of opening a browser. */
  openBrowser: boolean;
  /** How long to wait for the sign-in; undefined: 300 s for the browser, the code's own lifetime for device code. */
  timeoutMs?: number;
}

export type StoreSettings =
  | { kind: 'variableGroup'; project: string; group: { name?: string; id?: number }; variableName: string }
  | {
      kind: 'keyVault';
      vaultUrl: string;
      secretName: string;
      dnsSuffix: string;
      credential: KeyVaultCredentialKind;
      /** Entra host the Key Vault credential signs in at (the same cloud as the sign-in). */
      authorityHost: string;
    }
  /** A PAT Lifecycle sign-in service connection (login --service-connection): found by name or id, created if missing. */
  | { kind: 'serviceConnection'; project: string; nameOrId: string };

export interface CommonSettings {
  signIn: SignInSettings;
  organization: string;
  urls: ServiceUrls;
  store?: StoreSettings;
  network: NetworkConfig;
  verbose: boolean;
}

export interface LoginSettings extends CommonSettings {
  print: boolean;
  /** --yes: create a missing sign-in service connection without asking (scripts). */
  yes: boolean;
}

export interface StatusSettings extends CommonSettings {
  warnDays: number;
  patWarnDays: number;
  json: boolean;
}

export type ParsedCommand =
  | { command: 'help'; topic?: string }
  | { command: 'version' }
  | { command: 'login'; settings: LoginSettings }
  | { command: 'status'; settings: StatusSettings }
  | { command: 'run'; argv: string[] };

const COMMON_OPTIONS = {
  'tenant-id': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  organization: { type: 'string' },
  project: { type: 'string' },
  'variable-group': { type: 'string' },
  variable: { type: 'string' },
  'key-vault': { type: 'string' },
  secret: { type: 'string' },
  'key-vault-dns-suffix': { type: 'string' },
  'kv-credential': { type: 'string' },
  'device-code': { type: 'boolean' },
  'no-open': { type: 'boolean' },
  timeout: { type: 'string' },
  'authority-host': { type: 'string' },
  'vssps-url': { type: 'string' },
  'devops-url': { type: 'string' },
  proxy: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LOGIN_OPTIONS = { ...COMMON_OPTIONS, print: { type: 'boolean' }, 'service-connection': { type: 'string' }, yes: { type: 'boolean', short: 'y' } } as const;
const STATUS_OPTIONS = {
  ...COMMON_OPTIONS,
  // status reads the sign-in connection's record (issuedAt): the age of the refresh token kept there.
  'service-connection': { type: 'string' },
  'warn-days': { type: 'string' },
  'pat-warn-days': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Env = Record<string, string | undefined>;

export function parseCommandLine(argv: string[], env: Env = process.env): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    return { command: 'help', topic: first === 'help' ? rest[0] : undefined };
  }
  if (first === '--version' || first === 'version') return { command: 'version' };
  switch (first) {
    case 'login': {
      const values = parseFlags(rest, LOGIN_OPTIONS);
      if (values.help) return { command: 'help', topic: 'login' };
      const problems: string[] = [];
      const common = commonSettings(values, env, problems, { storeRequired: false });
      const print = values.print === true;
      if (common && !common.store && !print) {
        problems.push('Say where the refresh token goes: --variable-group NAME|ID --variable NAME --project NAME, --key-vault NAME|URL --secret NAME, or --service-connection NAME --project NAME (or --print to only show it).');
      }
      if (values.yes === true && common?.store?.kind !== 'serviceConnection') problems.push('--yes only applies with --service-connection (it allows creating a missing connection).');
      if (problems.length > 0 || !common) throw new UsageError(problems);
      return { command: 'login', settings: { ...common, print, yes: values.yes === true } };
    }
    case 'status': {
      const values = parseFlags(rest, STATUS_OPTIONS);
      if (values.help) return { command: 'help', topic: 'status' };
      const problems: string[] = [];
      const common = commonSettings(values, env, problems, { storeRequired: false });
      const warnDays = nonNegativeInt(values['warn-days'], '--warn-days', DEFAULT_WARN_DAYS, problems);
      const patWarnDays = nonNegativeInt(values['pat-warn-days'], '--pat-warn-days', DEFAULT_PAT_WARN_DAYS, problems);
      if (problems.length > 0 || !common) throw new UsageError(problems);
      return { command: 'status', settings: { ...common, warnDays, patWarnDays, json: values.json === true } };
    }
    case 'run':
      return { command: 'run', argv: rest };
    case 'doctor':
      // `run --action check` under the name people look for when a first run fails on its set-up.
      if (rest.some((a) => /^--action(=|$)/.test(a))) throw new UsageError(["doctor is 'run --action check': leave out --action, or use 'run --action ...'."]);
      return { command: 'run', argv: ['--action', 'check', ...rest] };
    default:
      throw new UsageError([`Unknown command '${first}'. Commands: login, status, run, doctor, help.`]);
  }
}

type FlagValues = Record<string, string | boolean | undefined>;

function parseFlags(args: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): FlagValues {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as FlagValues;
  } catch (err) {
    // parseArgs names the flag; drop its advice about '--' (positionals are never valid here).
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError([message.replace(/\. To specify a positional argument.*$/s, '.')]);
  }
}

function str(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const ORG_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,48}[a-z0-9])?$/i;
const VAULT_NAME = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/i;
const KV_SECRET_NAME = /^[0-9a-z-]{1,127}$/i;

function commonSettings(values: FlagValues, env: Env, problems: string[], opts: { storeRequired: boolean }): CommonSettings | undefined {
  const before = problems.length;

  const tenantId = str(values, 'tenant-id');
  if (!tenantId) problems.push('--tenant-id is required: the Entra tenant id (GUID) or its domain (contoso.onmicrosoft.com).');
  else if (!GUID.test(tenantId) && !TENANT_DOMAIN.test(tenantId)) {
    problems.push(`--tenant-id '${tenantId}' is neither a tenant id (GUID) nor a domain name.`);
  }

  const clientId = str(values, 'client-id');
  if (!clientId) problems.push('--client-id is required: the Application (client) ID of your app registration.');
  else if (!GUID.test(clientId)) problems.push(`--client-id '${clientId}' is not a GUID; copy the Application (client) ID from the app registration's Overview page.`);

  let clientSecret: string | undefined;
  const clientSecretEnv = str(values, 'client-secret-env');
  if (clientSecretEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(clientSecretEnv)) {
      problems.push(`--client-secret-env takes the NAME of an environment variable that holds the secret, not the secret itself.`);
    } else {
      clientSecret = env[clientSecretEnv];
      if (!clientSecret) problems.push(`--client-secret-env ${clientSecretEnv}: that environment variable is not set or empty.`);
    }
  }

  const orgRaw = str(values, 'organization');
  let organization = '';
  let orgOrigin: string | undefined;
  if (!orgRaw) problems.push('--organization is required: the Azure DevOps organization name or URL (https://dev.azure.com/contoso).');
  else {
    const parsed = parseOrganization(orgRaw);
    if (!parsed) problems.push(`--organization '${orgRaw}' is not an organization name or an https://dev.azure.com/NAME URL.${/^https?:\/\//i.test(orgRaw) && !isAllowedServiceHost('devops', orgRaw) ? ` ${SERVER_NOT_SUPPORTED}.` : ''}`);
    else {
      organization = parsed.name;
      orgOrigin = parsed.devopsOrigin;
    }
  }

  const overrides: ServiceOverride[] = [];
  const authorityHost = url(values, env, 'authority-host', ['PATLIFECYCLE_AUTHORITYHOST'], DEFAULT_AUTHORITY_HOST, problems, 'authority', overrides);
  const vsspsUrl = url(values, env, 'vssps-url', ['PATLIFECYCLE_VSSPSURL'], DEFAULT_VSSPS_URL, problems, 'devops', overrides);
  // An organization URL on another host makes that host the default Azure DevOps URL: it is held to the same list.
  if (orgOrigin && !str(values, 'devops-url')) {
    const refused = disallowedHostProblem('devops', orgOrigin);
    if (refused) problems.push(`--organization ${refused.message}; ${refused.hint}.`);
  }
  const devopsUrl = url(values, env, 'devops-url', ['PATLIFECYCLE_DEVOPSURL'], orgOrigin ?? DEFAULT_DEVOPS_URL, problems, 'devops', overrides);

  const deviceCode = values['device-code'] === true;
  const noOpen = values['no-open'] === true;
  if (deviceCode && noOpen) problems.push('--no-open is for the browser sign-in; --device-code never opens a browser.');
  const timeoutRaw = str(values, 'timeout');
  const timeoutSeconds = timeoutRaw === undefined ? undefined : nonNegativeInt(timeoutRaw, '--timeout', DEFAULT_SIGN_IN_TIMEOUT_SECONDS, problems);
  if (timeoutSeconds === 0) problems.push('--timeout must be at least 1 second.');
  const clientSecretGiven = clientSecretEnv !== undefined;
  if (deviceCode && clientSecretGiven) {
    problems.push('--device-code signs in as a public client, which sends no secret: drop --client-secret-env, or use the browser sign-in for a confidential (web) app.');
  }

  const store = storeSettings(values, env, problems, authorityHost, opts.storeRequired);
  const network = networkSettings(values, env, problems);

  if (problems.length > before || !tenantId || !clientId) return undefined;
  return {
    signIn: {
      tenantId,
      clientId,
      clientSecret,
      clientSecretEnv,
      authorityHost,
      mode: deviceCode ? 'deviceCode' : 'browser',
      openBrowser: !noOpen,
      timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    },
    organization,
    urls: { authorityHost, vsspsUrl, devopsUrl, ...(overrides.length > 0 ? { overrides } : {}) },
    store,
    network,
    verbose: values.verbose === true,
  };
}

function storeSettings(values: FlagValues, env: Env, problems: string[], authorityHost: string, required: boolean): StoreSettings | undefined {
  const group = str(values, 'variable-group');
  const variable = str(values, 'variable');
  const project = str(values, 'project');
  const vault = str(values, 'key-vault');
  const secret = str(values, 'secret');
  const dnsSuffixRaw = str(values, 'key-vault-dns-suffix');
  const credentialRaw = str(values, 'kv-credential');
  const connection = str(values, 'service-connection');

  const wantsGroup = group !== undefined || variable !== undefined;
  const wantsVault = vault !== undefined || secret !== undefined;
  if ([wantsGroup, wantsVault, connection !== undefined].filter(Boolean).length > 1) {
    problems.push('Choose one store: either --variable-group/--variable, --key-vault/--secret or --service-connection, not several.');
    return undefined;
  }
  if (connection !== undefined) {
    const before = problems.length;
    // eslint-disable-next-line no-control-regex
    if (!/^[^\u0000-\u001f]{1,256}$/.test(connection)) problems.push(`--service-connection '${connection}' is not a service connection name or id.`);
    if (!project) problems.push('--project is required with --service-connection: the project the connection belongs to (the pipeline\'s project).');
    if (problems.length > before || !project) return undefined;
    return { kind: 'serviceConnection', project, nameOrId: connection };
  }
  if (!wantsVault && (dnsSuffixRaw !== undefined || credentialRaw !== undefined)) {
    problems.push('--key-vault-dns-suffix and --kv-credential only apply with --key-vault.');
  }
  if (wantsGroup) {
    const before = problems.length;
    if (!group) problems.push('--variable-group NAME|ID is required with --variable.');
    if (!variable) problems.push('--variable NAME is required with --variable-group: the secret variable that holds the refresh token.');
    else if (/\s/.test(variable)) problems.push(`--variable '${variable}' contains whitespace; variable names cannot.`);
    if (!project) problems.push('--project is required with --variable-group: the project the variable group belongs to.');
    if (problems.length > before || !group || !variable || !project) return undefined;
    const ref = /^\d+$/.test(group) ? { id: Number(group) } : { name: group };
    return { kind: 'variableGroup', project, group: ref, variableName: variable };
  }
  if (wantsVault) {
    const before = problems.length;
    let dnsSuffix = (dnsSuffixRaw ?? DEFAULT_KEY_VAULT_DNS_SUFFIX).replace(/^\.+/, '').toLowerCase();
    if (!/^[a-z0-9.-]+$/.test(dnsSuffix)) problems.push(`--key-vault-dns-suffix '${dnsSuffixRaw}' is not a DNS suffix like vault.azure.net.`);
    let vaultUrl: string | undefined;
    if (!vault) problems.push('--key-vault NAME|URL is required with --secret.');
    else if (/^https?:\/\//i.test(vault)) {
      try {
        const u = new URL(vault);
        if (u.protocol !== 'https:') problems.push(`--key-vault '${vault}' must be an https URL.`);
        else if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.username) {
          problems.push(`--key-vault '${vault}' must be the vault's URL only (https://NAME.vault.azure.net), without a path or query.`);
        } else if (dnsSuffixRaw === undefined) {
          // A URL names its cloud itself: the suffix is the host without the vault name.
          dnsSuffix = u.hostname.toLowerCase().split('.').slice(1).join('.');
        } else if (!u.hostname.toLowerCase().endsWith(`.${dnsSuffix}`)) {
          problems.push(`--key-vault '${vault}' is not under --key-vault-dns-suffix '${dnsSuffix}'.`);
        }
        vaultUrl = u.origin;
      } catch {
        problems.push(`--key-vault '${vault}' is not a valid URL.`);
      }
    } else if (!VAULT_NAME.test(vault)) {
      problems.push(`--key-vault '${vault}' is not a vault name (3-24 letters, digits and hyphens, starting with a letter) or an https URL.`);
    } else {
      vaultUrl = `https://${vault.toLowerCase()}.${dnsSuffix}`;
    }
    if (!secret) problems.push('--secret NAME is required with --key-vault: the Key Vault secret that holds the refresh token.');
    else if (!KV_SECRET_NAME.test(secret)) problems.push(`--secret '${secret}' is not a Key Vault secret name (1-127 letters, digits and hyphens).`);
    const credential = (credentialRaw ?? 'default').toLowerCase();
    if (credential !== 'default' && credential !== 'cli' && credential !== 'env') {
      problems.push(`--kv-credential '${credentialRaw}' must be one of: default (DefaultAzureCredential), cli (Azure CLI), env (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET).`);
    }
    if (credential === 'env') {
      const missing = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'].filter((n) => !env[n]);
      if (missing.length > 0) problems.push(`--kv-credential env needs ${missing.join(', ')} in the environment (a service principal that may get and set secrets in the vault).`);
    }
    if (problems.length > before || !vaultUrl || !secret) return undefined;
    return { kind: 'keyVault', vaultUrl, secretName: secret, dnsSuffix, credential: credential as KeyVaultCredentialKind, authorityHost };
  }
  if (project !== undefined && !wantsGroup) {
    // A lone --project is harmless, but almost always means the variable group flags were forgotten.
    problems.push('--project was given without --variable-group/--variable.');
  }
  if (required) problems.push('A store is required: --variable-group NAME|ID --variable NAME --project NAME, --key-vault NAME|URL --secret NAME, or --service-connection NAME --project NAME.');
  return undefined;
}

/** `contoso`, `https://dev.azure.com/contoso[/...]` or `https://contoso.visualstudio.com[/...]` -> the name. */
export function parseOrganization(raw: string): { name: string; devopsOrigin?: string } | undefined {
  const value = raw.trim();
  if (!/^https?:\/\//i.test(value)) return ORG_NAME.test(value) ? { name: value } : undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  const host = u.hostname.toLowerCase();
  const legacy = /^([a-z0-9][a-z0-9-]*)\.visualstudio\.com$/.exec(host);
  if (legacy) return ORG_NAME.test(legacy[1]) ? { name: legacy[1] } : undefined;
  const first = u.pathname.split('/').filter(Boolean)[0];
  const name = first === undefined ? undefined : decodedSegment(first);
  if (name === undefined || !ORG_NAME.test(name)) return undefined;
  // dev.azure.com (or an Azure DevOps Server / emulator host): the organization is the first path segment.
  return { name, devopsOrigin: host === 'dev.azure.com' ? undefined : u.origin };
}

/** A path segment percent-decoded; undefined when its escapes are malformed (`%E0%A4%A`): no organization is named so. */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function url(values: FlagValues, env: Env, flag: string, envNames: string[], fallback: string, problems: string[], role: ServiceRole, overrides: ServiceOverride[]): string {
  const fromFlag = str(values, flag);
  const fromEnv = envNames.map((n) => env[n]?.trim()).find((v) => v);
  const raw = fromFlag ?? fromEnv;
  if (!raw) return fallback;
  const source = fromFlag ? `--${flag}` : envNames.find((n) => env[n]?.trim());
  try {
    const u = new URL(raw);
    if (u.protocol !== 'https:') {
      problems.push(`${source} '${raw}' must be an https URL.`);
      return fallback;
    }
    const refused = disallowedHostProblem(role, u.href);
    if (refused) {
      problems.push(`${source} ${refused.message}; ${refused.hint}.`);
      return fallback;
    }
    overrides.push({ variable: source ?? `--${flag}`, host: u.host });
    return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    problems.push(`${source} '${raw}' is not a valid URL.`);
    return fallback;
  }
}

function nonNegativeInt(raw: unknown, flag: string, fallback: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const s = String(raw).trim();
  if (!/^\d+$/.test(s) || Number(s) > 100000) {
    problems.push(`${flag} '${s}' must be a whole number.`);
    return fallback;
  }
  return Number(s);
}

function networkSettings(values: FlagValues, env: Env, problems: string[]): NetworkConfig {
  const network: NetworkConfig = { timeoutMs: 30_000 };
  const raw = str(values, 'proxy') ?? env.HTTPS_PROXY ?? env.https_proxy;
  if (!raw) return network;
  const source = str(values, 'proxy') ? '--proxy' : 'HTTPS_PROXY';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`${source} is not a valid proxy URL (http://host:port).`);
    return network;
  }
  // Command lines are visible to every user of the machine (ps, /proc) and kept in shell history.
  if (source === '--proxy' && (u.username || u.password)) {
    problems.push('--proxy must not carry a user name or password (they would show in the process list and shell history): drop --proxy and set the environment variable HTTPS_PROXY=http://user:password@host:port instead.');
    return network;
  }
  const proxy: ProxyConfig = {
    url: `${u.protocol}//${u.host}`,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    bypass: noProxyToRegexes(env.NO_PROXY ?? env.no_proxy ?? ''),
  };
  return { ...network, proxy };
}

/** NO_PROXY (`localhost,.corp.example,10.0.0.1`) -> the regexes ProxyConfig.bypass takes. */
export function noProxyToRegexes(noProxy: string): string[] {
  return noProxy
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      if (h === '*') return '.*';
      const host = h.replace(/^\*?\.?/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return `^https?://([^/]*\\.)?${host}(:\\d+)?(/|$)`;
    });
}
