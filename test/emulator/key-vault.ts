/**
 * Emulated Azure Key Vault secrets data plane (spec §3), served on `https://{vault}.{vaultDnsSuffix}:PORT`:
 * the 401 challenge @azure/keyvault-secrets depends on, RBAC per vault, versions, soft delete.
 */
import type { EmulatorCore, EmuRequest, EmuResponse, Principal, Route } from './types';
import { BadJsonError } from './types';

export type VaultRole = 'officer' | 'user' | 'reader';

const API_VERSIONS = ['7.4', '7.5', '7.6', '2025-06-01', '2025-07-01'];
const LATEST_API_VERSION = '2025-07-01';
const NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_VALUE_BYTES = 25 * 1024;
const MAX_CONTENT_TYPE = 255;
const MAX_TAGS = 15;
const DEFAULT_PAGE = 25;
const RECOVERABLE_DAYS = 90;
const DAY_S = 86_400;

type Permission = 'getSecret' | 'readMetadata' | 'setSecret' | 'updateSecret' | 'deleteSecret' | 'recoverSecret' | 'purgeSecret';

const ROLE_PERMISSIONS: Record<VaultRole, ReadonlySet<Permission>> = {
  reader: new Set(['readMetadata']),
  user: new Set(['readMetadata', 'getSecret']),
  officer: new Set(['readMetadata', 'getSecret', 'setSecret', 'updateSecret', 'deleteSecret', 'recoverSecret', 'purgeSecret']),
};

const RBAC_ACTIONS: Record<Permission, string> = {
  getSecret: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  readMetadata: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  setSecret: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  updateSecret: 'Microsoft.KeyVault/vaults/secrets/update/action',
  deleteSecret: 'Microsoft.KeyVault/vaults/secrets/delete',
  recoverSecret: 'Microsoft.KeyVault/vaults/secrets/recover/action',
  purgeSecret: 'Microsoft.KeyVault/vaults/secrets/purge/action',
};

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  /** Unix seconds. */
  created: number;
  updated: number;
}

interface Secret {
  name: string;
  versions: SecretVersion[];
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

interface Vault {
  name: string;
  /** Set explicitly: tokens from other tenants are refused. Unset: the challenge names the default tenant. */
  tenantId?: string;
  access: Map<string, VaultRole>;
  softDelete: boolean;
  secrets: Map<string, Secret>;
}

interface VaultState {
  vaults: Map<string, Vault>;
  throttle: { blocked: boolean; retryAfterSeconds?: number };
}

const states = new WeakMap<EmulatorCore, VaultState>();
function vaultState(core: EmulatorCore): VaultState {
  let s = states.get(core);
  if (!s) {
    s = { vaults: new Map(), throttle: { blocked: false } };
    states.set(core, s);
  }
  return s;
}

function nowSeconds(core: EmulatorCore): number {
  return Math.floor(core.clock.now() / 1000);
}

function defaultTenant(core: EmulatorCore): string {
  const fromCore = (core as unknown as { defaultTenantId?: unknown }).defaultTenantId;
  if (typeof fromCore === 'string' && fromCore) return fromCore;
  for (const u of core.users.values()) return u.tenantId;
  return 'organizations';
}

function vaultUrl(core: EmulatorCore, vault: Vault): string {
  const u = core.urls();
  return `https://${vault.name}.${u.vaultDnsSuffix}${u.port === 443 ? '' : `:${u.port}`}`;
}

/** Secrets past their scheduled purge date disappear, on the emulator clock. */
function sweep(core: EmulatorCore, vault: Vault): void {
  const now = nowSeconds(core);
  for (const [key, s] of vault.secrets) if (s.deleted && s.deleted.scheduledPurgeDate <= now) vault.secrets.delete(key);
}

// --- responses ----------------------------------------------------------------------------------------

class KvContext {
  constructor(
    readonly core: EmulatorCore,
    readonly req: EmuRequest,
    readonly vault: Vault | undefined,
    readonly vaultName: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'Cache-Control': 'no-cache',
      Pragma: 'no-cache',
      Expires: '-1',
      'Content-Type': 'application/json; charset=utf-8',
      'x-ms-request-id': this.core.newGuid(),
      'x-ms-keyvault-region': 'westeurope',
      'x-ms-keyvault-service-version': '1.9.2164.1',
      'x-ms-keyvault-network-info': `conn_type=Ipv4;addr=${this.req.remoteAddress || '127.0.0.1'};act_addr_fam=InterNetwork;`,
      'Strict-Transport-Security': 'max-age=31536000;includeSubDomains',
      'X-Content-Type-Options': 'nosniff',
      ...extra,
    };
  }

  json(status: number, body: unknown, extra: Record<string, string> = {}): EmuResponse {
    return { status, headers: this.headers(extra), body: JSON.stringify(body) };
  }

  error(status: number, code: string, message: string, inner?: string, extra: Record<string, string> = {}): EmuResponse {
    const error: Record<string, unknown> = { code, message };
    if (inner) error['innererror'] = { code: inner };
    return this.json(status, { error }, extra);
  }

  challengeHeader(): string {
    const tenant = this.vault?.tenantId ?? defaultTenant(this.core);
    return `Bearer authorization="${this.core.urls().authorityHost}/${tenant}", resource="${this.core.urls().keyVaultResource}"`;
  }

  unauthorized(message: string): EmuResponse {
    return this.error(401, 'Unauthorized', message, undefined, { 'WWW-Authenticate': this.challengeHeader() });
  }

  badParameter(message: string): EmuResponse {
    return this.error(400, 'BadParameter', message);
  }

  secretNotFound(name: string, version?: string): EmuResponse {
    return this.error(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );
  }

  deletedNotFound(name: string): EmuResponse {
    return this.error(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
  }
}

function attributesJson(vault: Vault, v: SecretVersion): object {
  const a: Record<string, unknown> = { enabled: v.enabled };
  if (v.nbf !== undefined) a['nbf'] = v.nbf;
  if (v.exp !== undefined) a['exp'] = v.exp;
  a['created'] = v.created;
  a['updated'] = v.updated;
  a['recoveryLevel'] = vault.softDelete ? 'Recoverable+Purgeable' : 'Purgeable';
  if (vault.softDelete) a['recoverableDays'] = RECOVERABLE_DAYS;
  return a;
}

function bundleJson(core: EmulatorCore, vault: Vault, s: Secret, v: SecretVersion, withValue: boolean): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  if (withValue) b['value'] = v.value;
  if (v.contentType !== undefined) b['contentType'] = v.contentType;
  b['id'] = `${vaultUrl(core, vault)}/secrets/${s.name}/${v.version}`;
  b['attributes'] = attributesJson(vault, v);
  if (v.tags) b['tags'] = { ...v.tags };
  return b;
}

function itemJson(core: EmulatorCore, vault: Vault, s: Secret, v: SecretVersion, versioned: boolean): Record<string, unknown> {
  const b: Record<string, unknown> = { id: `${vaultUrl(core, vault)}/secrets/${s.name}${versioned ? `/${v.version}` : ''}`, attributes: attributesJson(vault, v) };
  if (v.contentType !== undefined) b['contentType'] = v.contentType;
  if (v.tags) b['tags'] = { ...v.tags };
  return b;
}

function deletedJson(core: EmulatorCore, vault: Vault, s: Secret, asItem: boolean): Record<string, unknown> {
  const latest = s.versions[s.versions.length - 1]!;
  const base = asItem ? itemJson(core, vault, s, latest, false) : bundleJson(core, vault, s, latest, false);
  return {
    recoveryId: `${vaultUrl(core, vault)}/deletedsecrets/${s.name}`,
    deletedDate: s.deleted!.deletedDate,
    scheduledPurgeDate: s.deleted!.scheduledPurgeDate,
    ...base,
  };
}

// --- request handling -------------------------------------------------------------------------------------

type Handler = (ctx: KvContext, vault: Vault, principal: Principal, params: Record<string, string>) => EmuResponse;

interface OpDef {
  name: string;
  method: string;
  path: RegExp;
  keys: string[];
  permission: Permission;
  handler: Handler;
}

function vaultNameFromHost(core: EmulatorCore, host: string): string | null {
  const suffix = '.' + core.urls().vaultDnsSuffix.toLowerCase();
  if (!host.endsWith(suffix)) return null;
  const name = host.slice(0, -suffix.length);
  return name && !name.includes('.') ? name : null;
}

function decodeJwtAudience(req: EmuRequest): string | undefined {
  const m = /^Bearer\s+([^.\s]+)\.([^.\s]+)\./i.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof payload.aud === 'string' ? payload.aud : undefined;
  } catch {
    return undefined;
  }
}

function callerDescription(p: Principal): { appId: string; oid: string; tenantId: string } {
  switch (p.kind) {
    case 'user':
      return { appId: p.clientId, oid: p.objectId, tenantId: p.tenantId };
    case 'app':
      return { appId: p.appId, oid: p.objectId, tenantId: p.tenantId };
    default:
      return { appId: '', oid: p.objectId, tenantId: '' };
  }
}

function forbiddenByRbac(ctx: KvContext, vault: Vault, p: Principal, perm: Permission, secretName?: string): EmuResponse {
  const c = callerDescription(p);
  const resource = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/microsoft.keyvault/vaults/${vault.name}${secretName ? `/secrets/${secretName}` : ''}`;
  const message =
    'Caller is not authorized to perform action on resource.\r\n' +
    'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
    `Caller: appid=${c.appId};oid=${c.oid};iss=https://sts.windows.net/${c.tenantId}/\r\n` +
    `Action: '${RBAC_ACTIONS[perm]}'\r\n` +
    `Resource: '${resource}'\r\n` +
    'Assignment: (not found)\r\n' +
    'DenyAssignmentId: null\r\n' +
    'DecisionReason: null \r\n' +
    `Vault: ${vault.name};location=westeurope\r\n`;
  return ctx.error(403, 'Forbidden', message, 'ForbiddenByRbac');
}

/** Authentication (the challenge), api-version, throttling and RBAC, in the order Key Vault applies them. */
function admit(core: EmulatorCore, ctx: KvContext, op: OpDef, params: Record<string, string>): { vault: Vault; principal: Principal } | EmuResponse {
  const state = vaultState(core);
  const vault = ctx.vault;
  if (!vault) {
    // The real name would not resolve in DNS; here the request arrives, so say plainly what is missing.
    return ctx.error(404, 'VaultNotFound', `The vault '${ctx.vaultName}' does not exist in this emulator. Add it with control.keyVault.addVault.`);
  }
  const auth = ctx.req.headers['authorization'];
  if (!auth || !/^(Bearer|PoP)\s+\S/i.test(auth)) return ctx.unauthorized('AKV10000: Request is missing a Bearer or PoP token.');
  const check = core.verifyBearer(ctx.req, core.urls().keyVaultResource);
  if (!check.ok) {
    switch (check.reason) {
      case 'audience':
        return ctx.unauthorized(`AKV10022: Invalid audience. Expected ${core.urls().keyVaultResource}, found: ${decodeJwtAudience(ctx.req) ?? '(unknown)'}.`);
      case 'expired':
        return ctx.unauthorized('AKV10046: The access token has expired.');
      default:
        return ctx.unauthorized('AKV10021: The access token is not valid.');
    }
  }
  const principal = check.principal;
  if (principal.kind !== 'user' && principal.kind !== 'app') return ctx.unauthorized('AKV10021: The access token is not valid.');
  if (vault.tenantId && principal.tenantId.toLowerCase() !== vault.tenantId.toLowerCase()) {
    return ctx.unauthorized(`AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vault.tenantId}/, found https://sts.windows.net/${principal.tenantId}/.`);
  }

  const version = ctx.req.query.get('api-version');
  if (!version) return ctx.badParameter('The api-version query parameter must be specified.');
  if (!API_VERSIONS.includes(version)) {
    return ctx.badParameter(`The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`);
  }

  if (state.throttle.blocked) {
    return ctx.error(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached', undefined, {
      'Retry-After': String(state.throttle.retryAfterSeconds ?? 10),
    });
  }

  const role = vault.access.get(principal.objectId.toLowerCase());
  if (!role || !ROLE_PERMISSIONS[role].has(op.permission)) return forbiddenByRbac(ctx, vault, principal, op.permission, params['name']);
  sweep(core, vault);
  return { vault, principal };
}

function readBody(ctx: KvContext): { ok: true; value: Record<string, unknown> } | { ok: false; response: EmuResponse } {
  let raw: unknown;
  try {
    raw = ctx.req.json();
  } catch (e) {
    if (e instanceof BadJsonError) return { ok: false, response: ctx.badParameter('The request body is not valid JSON.') };
    throw e;
  }
  if (raw === undefined || raw === null) return { ok: false, response: ctx.badParameter('The request body is missing.') };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, response: ctx.badParameter('The request body is not a JSON object.') };
  return { ok: true, value: raw as Record<string, unknown> };
}

interface MetaInput {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

/** contentType, tags and attributes as PUT and PATCH take them. */
function readMeta(ctx: KvContext, b: Record<string, unknown>): { ok: true; value: MetaInput } | { ok: false; response: EmuResponse } {
  const out: MetaInput = {};
  const fail = (m: string) => ({ ok: false as const, response: ctx.badParameter(m) });
  if (b['contentType'] !== undefined && b['contentType'] !== null) {
    if (typeof b['contentType'] !== 'string') return fail('Property contentType has an invalid value.');
    if (b['contentType'].length > MAX_CONTENT_TYPE) return fail(`Property contentType is too long. The maximum length is ${MAX_CONTENT_TYPE} characters.`);
    out.contentType = b['contentType'];
  }
  if (b['tags'] !== undefined && b['tags'] !== null) {
    const t = b['tags'];
    if (typeof t !== 'object' || Array.isArray(t)) return fail('Property tags has an invalid value.');
    const entries = Object.entries(t as Record<string, unknown>);
    if (entries.length > MAX_TAGS) return fail(`Too many tags: at most ${MAX_TAGS} are allowed.`);
    const tags: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (typeof v !== 'string') return fail(`Tag '${k}' has an invalid value: tag values must be strings.`);
      if (k.length > 512 || v.length > 256) return fail(`Tag '${k}' is too long: names are at most 512 characters and values 256.`);
      tags[k] = v;
    }
    out.tags = tags;
  }
  if (b['attributes'] !== undefined && b['attributes'] !== null) {
    const a = b['attributes'];
    if (typeof a !== 'object' || Array.isArray(a)) return fail('Property attributes has an invalid value.');
    const attrs = a as Record<string, unknown>;
    if (attrs['enabled'] !== undefined && attrs['enabled'] !== null) {
      if (typeof attrs['enabled'] !== 'boolean') return fail('Property attributes.enabled has an invalid value.');
      out.enabled = attrs['enabled'];
    }
    for (const k of ['nbf', 'exp'] as const) {
      const v = attrs[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`Property attributes.${k} has an invalid value: Unix time in seconds is expected.`);
      out[k] = v;
    }
  }
  return { ok: true, value: out };
}

function checkName(ctx: KvContext, name: string): EmuResponse | null {
  return NAME_RE.test(name) ? null : ctx.badParameter(`The request URI contains an invalid name: ${name}`);
}

function newVersion(core: EmulatorCore): string {
  return core.newHex(16).toLowerCase();
}

/** Writes a new version; the caller has checked the name, size and soft-delete state. */
function storeVersion(core: EmulatorCore, vault: Vault, name: string, value: string, meta: MetaInput): [Secret, SecretVersion] {
  const key = name.toLowerCase();
  let s = vault.secrets.get(key);
  if (!s) {
    s = { name, versions: [] };
    vault.secrets.set(key, s);
  }
  const now = nowSeconds(core);
  const v: SecretVersion = {
    version: newVersion(core),
    value,
    enabled: meta.enabled ?? true,
    created: now,
    updated: now,
    ...(meta.contentType !== undefined ? { contentType: meta.contentType } : {}),
    ...(meta.tags !== undefined ? { tags: meta.tags } : {}),
    ...(meta.nbf !== undefined ? { nbf: meta.nbf } : {}),
    ...(meta.exp !== undefined ? { exp: meta.exp } : {}),
  };
  s.versions.push(v);
  if (value) core.recordSecret(value);
  return [s, v];
}

function conflictDeleted(ctx: KvContext, name: string): EmuResponse {
  return ctx.error(
    409,
    'Conflict',
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable',
  );
}

function live(vault: Vault, name: string): Secret | undefined {
  const s = vault.secrets.get(name.toLowerCase());
  return s && !s.deleted ? s : undefined;
}

function findVersion(s: Secret, version: string | undefined): SecretVersion | undefined {
  if (!version) return s.versions[s.versions.length - 1];
  return s.versions.find((v) => v.version === version.toLowerCase());
}

function readMaxResults(ctx: KvContext): number | EmuResponse {
  const raw = ctx.req.query.get('maxresults');
  if (raw === null || raw === '') return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > DEFAULT_PAGE) return ctx.badParameter(`Invalid value for maxresults: ${raw}. The value must be between 1 and ${DEFAULT_PAGE}.`);
  return n;
}

/** One page of a list; nextLink repeats the query with an opaque $skiptoken, as Key Vault's do. */
function page<T>(ctx: KvContext, vault: Vault, path: string, all: T[], render: (t: T) => object): EmuResponse {
  const max = readMaxResults(ctx);
  if (typeof max !== 'number') return max;
  const skipRaw = ctx.req.query.get('$skiptoken');
  let skip = 0;
  if (skipRaw) {
    try {
      const parsed = JSON.parse(Buffer.from(skipRaw, 'base64url').toString('utf8')) as { o?: unknown };
      if (typeof parsed.o !== 'number' || parsed.o < 0) throw new Error('shape');
      skip = parsed.o;
    } catch {
      return ctx.badParameter('The $skiptoken is not valid.');
    }
  }
  const items = all.slice(skip, skip + max);
  let nextLink: string | null = null;
  if (skip + max < all.length) {
    const token = Buffer.from(JSON.stringify({ o: skip + max }), 'utf8').toString('base64url');
    const version = ctx.req.query.get('api-version')!;
    nextLink = `${vaultUrl(ctx.core, vault)}${path}?api-version=${version}&$skiptoken=${token}&maxresults=${max}`;
  }
  return ctx.json(200, { value: items.map(render), nextLink });
}

const OPS = (core: EmulatorCore): OpDef[] => [
  {
    name: 'kv.list',
    method: 'GET',
    path: /^\/secrets\/?$/i,
    keys: [],
    permission: 'readMetadata',
    handler: (ctx, vault) => {
      const all = [...vault.secrets.values()].filter((s) => !s.deleted);
      return page(ctx, vault, '/secrets', all, (s) => itemJson(core, vault, s, s.versions[s.versions.length - 1]!, false));
    },
  },
  {
    name: 'kv.versions',
    method: 'GET',
    path: /^\/secrets\/([^/]+)\/versions\/?$/i,
    keys: ['name'],
    permission: 'readMetadata',
    handler: (ctx, vault, _p, params) => {
      const name = params['name']!;
      const bad = checkName(ctx, name);
      if (bad) return bad;
      const s = live(vault, name);
      if (!s) return ctx.secretNotFound(name);
      return page(ctx, vault, `/secrets/${s.name}/versions`, s.versions, (v) => itemJson(core, vault, s, v, true));
    },
  },
  {
    name: 'kv.set',
    method: 'PUT',
    path: /^\/secrets\/([^/]+)\/?$/i,
    keys: ['name'],
    permission: 'setSecret',
    handler: (ctx, vault, _p, params) => {
      const name = params['name']!;
      const bad = checkName(ctx, name);
      if (bad) return bad;
      const body = readBody(ctx);
      if (!body.ok) return body.response;
      const value = body.value['value'];
      if (value === undefined || value === null) return ctx.badParameter('Property value is required.');
      if (typeof value !== 'string') return ctx.badParameter('Property value has an invalid value: a string is expected.');
      if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
        return ctx.badParameter(`The secret value is too large. The maximum size of a secret value is ${MAX_VALUE_BYTES} bytes.`);
      }
      const meta = readMeta(ctx, body.value);
      if (!meta.ok) return meta.response;
      const existing = vault.secrets.get(name.toLowerCase());
      if (existing?.deleted) return conflictDeleted(ctx, name);
      const [s, v] = storeVersion(core, vault, existing?.name ?? name, value, meta.value);
      return ctx.json(200, bundleJson(core, vault, s, v, true));
    },
  },
  {
    name: 'kv.get',
    method: 'GET',
    path: /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/i,
    keys: ['name', 'version'],
    permission: 'getSecret',
    handler: (ctx, vault, _p, params) => {
      const name = params['name']!;
      const bad = checkName(ctx, name);
      if (bad) return bad;
      const s = live(vault, name);
      if (!s) return ctx.secretNotFound(name, params['version'] || undefined);
      const v = findVersion(s, params['version']);
      if (!v) return ctx.secretNotFound(name, params['version']);
      if (!v.enabled) return ctx.error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
      return ctx.json(200, bundleJson(core, vault, s, v, true));
    },
  },
  {
    name: 'kv.update',
    method: 'PATCH',
    path: /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/i,
    keys: ['name', 'version'],
    permission: 'updateSecret',
    handler: (ctx, vault, _p, params) => {
      const name = params['name']!;
      const bad = checkName(ctx, name);
      if (bad) return bad;
      const body = readBody(ctx);
      if (!body.ok) return body.response;
      if (body.value['value'] !== undefined) return ctx.badParameter('The value of a secret cannot be changed by an update; set a new version instead.');
      const meta = readMeta(ctx, body.value);
      if (!meta.ok) return meta.response;
      const s = live(vault, name);
      if (!s) return ctx.secretNotFound(name, params['version'] || undefined);
      const v = findVersion(s, params['version']);
      if (!v) return ctx.secretNotFound(name, params['version']);
      const m = meta.value;
      if (m.contentType !== undefined) v.contentType = m.contentType;
      if (m.tags !== undefined) v.tags = m.tags;
      if (m.enabled !== undefined) v.enabled = m.enabled;
      if (m.nbf !== undefined) v.nbf = m.nbf;
      if (m.exp !== undefined) v.exp = m.exp;
      v.updated = nowSeconds(core);
      return ctx.json(200, bundleJson(core, vault, s, v, false));
    },
  },
  {
    name: 'kv.delete',
    method: 'DELETE',
    path: /^\/secrets\/([^/]+)\/?$/i,
    keys: ['name'],
    permission: 'deleteSecret',
    handler: (ctx, vault, _p, params) => {
      const name = params['name']!;
      const bad = checkName(ctx, name);
      if (bad) return bad;
      const s = live(vault, name);
      if (!s) return ctx.secretNotFound(name);
      if (!vault.softDelete) {
        vault.secrets.delete(name.toLowerCase());
        return ctx.json(200, bundleJson(core, vault, s, s.versions[s.versions.length - 1]!, false));
      }
      const now = nowSeconds(core);
      s.deleted = { deletedDate: now, scheduledPurgeDate: now + RECOVERABLE_DAYS * DAY_S };
      return ctx.json(200, deletedJson(core, vault, s, false));
    },
  },
  {
    name: 'kv.listDeleted',
    method: 'GET',
    path: /^\/deletedsecrets\/?$/i,
    keys: [],
    permission: 'readMetadata',
    handler: (ctx, vault) => {
      const all = [...vault.secrets.values()].filter((s) => s.deleted);
      return page(ctx, vault, '/deletedsecrets', all, (s) => deletedJson(core, vault, s, true));
    },
  },
  {
    name: 'kv.getDeleted',
    method: 'GET',
    path: /^\/deletedsecrets\/([^/]+)\/?$/i,
    keys: ['name'],
    permission: 'readMetadata',
    handler: (ctx, vault, _p, params) => {
      const s = vault.secrets.get(params['name']!.toLowerCase());
      if (!s?.deleted) return ctx.deletedNotFound(params['name']!);
      return ctx.json(200, deletedJson(core, vault, s, false));
    },
  },
  {
    name: 'kv.purge',
    method: 'DELETE',
    path: /^\/deletedsecrets\/([^/]+)\/?$/i,
    keys: ['name'],
    permission: 'purgeSecret',
    handler: (ctx, vault, _p, params) => {
      const key = params['name']!.toLowerCase();
      if (!vault.secrets.get(key)?.deleted) return ctx.deletedNotFound(params['name']!);
      vault.secrets.delete(key);
      return { status: 204, headers: ctx.headers(), body: '' };
    },
  },
  {
    name: 'kv.recover',
    method: 'POST',
    path: /^\/deletedsecrets\/([^/]+)\/recover\/?$/i,
    keys: ['name'],
    permission: 'recoverSecret',
    handler: (ctx, vault, _p, params) => {
      const s = vault.secrets.get(params['name']!.toLowerCase());
      if (!s?.deleted) return ctx.deletedNotFound(params['name']!);
      delete s.deleted;
      return ctx.json(200, bundleJson(core, vault, s, s.versions[s.versions.length - 1]!, false));
    },
  },
];

function kvRoute(core: EmulatorCore, op: OpDef): Route {
  return {
    service: 'keyVault',
    name: op.name,
    method: op.method,
    match(req) {
      // Unknown vaults are left to the framework's not-found answer: the real name would not even resolve.
      const vault = vaultNameFromHost(core, req.host);
      if (vault === null || !vaultState(core).vaults.has(vault)) return null;
      const m = op.path.exec(req.path);
      if (!m) return null;
      const params: Record<string, string> = {};
      op.keys.forEach((k, i) => {
        const v = m[i + 1];
        if (v !== undefined) params[k] = decodeURIComponent(v);
      });
      // `/secrets/{name}/versions` is the versions list, never a version called "versions".
      if (op.name === 'kv.get' && params['version']?.toLowerCase() === 'versions') return null;
      return params;
    },
    handle(req, params) {
      const name = vaultNameFromHost(core, req.host)!;
      const ctx = new KvContext(core, req, vaultState(core).vaults.get(name), name);
      const admitted = admit(core, ctx, op, params);
      if (!('vault' in admitted)) return admitted;
      return op.handler(ctx, admitted.vault, admitted.principal, params);
    },
  };
}

// --- control ---------------------------------------------------------------------------------------------

export interface SecretSideView {
  name: string;
  deleted: boolean;
  deletedDate?: number;
  scheduledPurgeDate?: number;
  /** Oldest first; the last is the current version. */
  versions: Array<{ version: string; id: string; value: string; contentType?: string; tags?: Record<string, string>; enabled: boolean; nbf?: number; exp?: number; created: number; updated: number }>;
}

function controlApi(core: EmulatorCore, state: VaultState) {
  const requireVault = (name: string): Vault => {
    const v = state.vaults.get(name.toLowerCase());
    if (!v) throw new Error(`keyVault: no vault ${name}`);
    return v;
  };
  const checkRole = (role: string): VaultRole => {
    if (role !== 'officer' && role !== 'user' && role !== 'reader') throw new Error(`keyVault: unknown role ${role}`);
    return role;
  };
  return {
    addVault(opts: { name: string; tenantId?: string; access?: Record<string, VaultRole>; softDelete?: boolean }): { name: string; url: string; tenantId: string } {
      const name = opts?.name?.toLowerCase() ?? '';
      if (!/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/.test(name) || name.includes('--')) throw new Error(`keyVault.addVault: invalid vault name ${JSON.stringify(opts?.name)}`);
      if (state.vaults.has(name)) throw new Error(`keyVault.addVault: vault ${name} exists`);
      const vault: Vault = {
        name,
        ...(opts.tenantId ? { tenantId: opts.tenantId } : {}),
        access: new Map(Object.entries(opts.access ?? {}).map(([oid, role]) => [oid.toLowerCase(), checkRole(role)])),
        softDelete: opts.softDelete !== false,
        secrets: new Map(),
      };
      state.vaults.set(name, vault);
      return { name, url: vaultUrl(core, vault), tenantId: vault.tenantId ?? defaultTenant(core) };
    },
    /** Assigns a data-plane role (Key Vault Secrets Officer / Secrets User / Reader); `'none'` removes it. */
    grant(vault: string, objectId: string, role: VaultRole | 'none'): void {
      const v = requireVault(vault);
      if (role === 'none') v.access.delete(objectId.toLowerCase());
      else v.access.set(objectId.toLowerCase(), checkRole(role));
    },
    getSecret(vault: string, name: string): SecretSideView | undefined {
      const v = requireVault(vault);
      sweep(core, v);
      const s = v.secrets.get(name.toLowerCase());
      if (!s) return undefined;
      return {
        name: s.name,
        deleted: !!s.deleted,
        ...(s.deleted ? { deletedDate: s.deleted.deletedDate, scheduledPurgeDate: s.deleted.scheduledPurgeDate } : {}),
        versions: s.versions.map((x) => ({ ...x, ...(x.tags ? { tags: { ...x.tags } } : {}), id: `${vaultUrl(core, v)}/secrets/${s.name}/${x.version}` })),
      };
    },
    setSecret(vault: string, name: string, value: string, opts: MetaInput = {}): { version: string; id: string } {
      const v = requireVault(vault);
      sweep(core, v);
      if (!NAME_RE.test(name)) throw new Error(`keyVault.setSecret: invalid name ${name}`);
      const existing = v.secrets.get(name.toLowerCase());
      if (existing?.deleted) throw new Error(`keyVault.setSecret: ${name} is deleted but recoverable`);
      const [s, ver] = storeVersion(core, v, existing?.name ?? name, value, opts);
      return { version: ver.version, id: `${vaultUrl(core, v)}/secrets/${s.name}/${ver.version}` };
    },
    /** Soft delete (or purge, on a vault without soft delete). */
    deleteSecret(vault: string, name: string): boolean {
      const v = requireVault(vault);
      const s = live(v, name);
      if (!s) return false;
      if (!v.softDelete) v.secrets.delete(name.toLowerCase());
      else {
        const now = nowSeconds(core);
        s.deleted = { deletedDate: now, scheduledPurgeDate: now + RECOVERABLE_DAYS * DAY_S };
      }
      return true;
    },
    purgeSecret(vault: string, name: string): boolean {
      return requireVault(vault).secrets.delete(name.toLowerCase());
    },
    listVaults(): Array<{ name: string; url: string; tenantId: string; softDelete: boolean; access: Record<string, VaultRole>; secrets: string[] }> {
      return [...state.vaults.values()].map((v) => ({
        name: v.name,
        url: vaultUrl(core, v),
        tenantId: v.tenantId ?? defaultTenant(core),
        softDelete: v.softDelete,
        access: Object.fromEntries(v.access),
        secrets: [...v.secrets.values()].filter((s) => !s.deleted).map((s) => s.name),
      }));
    },
    /** `blocked` answers 429 Throttled with Retry-After until called again without it. */
    throttle(opts?: { blocked?: boolean; retryAfterSeconds?: number }): void {
      state.throttle = { blocked: !!opts?.blocked, ...(opts?.retryAfterSeconds !== undefined ? { retryAfterSeconds: opts.retryAfterSeconds } : {}) };
    },
  };
}

export function register(core: EmulatorCore): void {
  const state = vaultState(core);
  for (const op of OPS(core)) core.addRoute(kvRoute(core, op));
  core.extendControl('keyVault', controlApi(core, state));
}
