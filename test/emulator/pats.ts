/**
 * Emulated Azure DevOps PAT Lifecycle Management API (`{vssps}/{org}/_apis/tokens/pats`), spec §1,
 * plus Basic-PAT authentication for the rest of the emulated Azure DevOps and a `connectionData`
 * endpoint that proves a PAT works.
 */
import {
  AZURE_DEVOPS_RESOURCE,
  BadJsonError,
  type EmulatorCore,
  type EmuRequest,
  type EmuResponse,
  type Principal,
  type Route,
} from './types';
import {
  blockedResponse,
  DevOpsContext,
  negotiateApiVersion,
  newThrottleState,
  setThrottle,
  vssError,
  withDelayHeaders,
  type ThrottleState,
} from './devops-errors';
import { devopsDirectory, isVaultHost, type DevOpsDirectory, type Organization } from './devops-orgs';
import { formatSqlTicks, generatePat, parseDateTime, sqlTicksToMs, toSqlTicks } from './pat-format';
import { FULL_ACCESS_SCOPE, normaliseScopeString, scopesAllow, splitScopes } from './scopes';

const DAY_MS = 86_400_000;
/** Global (all-organization) PATs: creation blocked and existing ones refused from this date. */
export const GLOBAL_PAT_RETIREMENT_MS = Date.UTC(2026, 11, 1);
/** Lifetime of a PAT created without validTo (UNCERTAIN: the API's default is not documented). */
const DEFAULT_LIFETIME_DAYS = 30;
const MAX_PAGE = 100;
const MAX_DISPLAY_NAME = 256;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type PatState = 'active' | 'revoked' | 'expired';

interface PatRecord {
  authorizationId: string;
  /** The organization the PAT was created through (its target when not global). */
  orgId: string;
  userId: string;
  displayName: string;
  scope: string;
  allOrgs: boolean;
  /** Both in 1/300 s ticks: the service keeps them in SQL `datetime` columns. */
  validFrom: number;
  validTo: number;
  token: string;
  revokedAt?: number;
}

/**
 * Where the spec and the official examples disagree, the emulator answers both ways, alternating (deterministic: the
 * first answer of each kind is the example's), unless a test fixes one: revoke 204 (RevokePat example) or 200 (the
 * spec), and a last list page with `continuationToken: ""` (ListPats example) or without the property.
 */
export interface AnswerVariants {
  revoke: 204 | 200 | 'alternate';
  lastPageToken: 'empty' | 'absent' | 'alternate';
}

class PatStore {
  readonly byId = new Map<string, PatRecord>();
  readonly byToken = new Map<string, PatRecord>();
  readonly throttle: ThrottleState = newThrottleState();
  variants: AnswerVariants = { revoke: 'alternate', lastPageToken: 'alternate' };
  readonly answered = { revoke: 0, lastPage: 0 };

  constructor(
    readonly core: EmulatorCore,
    readonly dir: DevOpsDirectory,
  ) {}

  state(p: PatRecord): PatState {
    if (p.revokedAt !== undefined) return 'revoked';
    return sqlTicksToMs(p.validTo) <= this.core.clock.now() ? 'expired' : 'active';
  }

  /** PATs a user sees through an organization: the ones targeting it and their global ones. */
  visible(org: Organization, userId: string): PatRecord[] {
    const uid = userId.toLowerCase();
    return [...this.byId.values()].filter((p) => p.userId === uid && (p.orgId === org.id || p.allOrgs));
  }

  add(org: Organization, userId: string, fields: { displayName: string; scope: string; allOrgs: boolean; validToMs: number }): PatRecord {
    const now = this.core.clock.now();
    let token = generatePat();
    while (this.byToken.has(token)) token = generatePat();
    const rec: PatRecord = {
      authorizationId: this.core.newGuid().toLowerCase(),
      orgId: org.id,
      userId: userId.toLowerCase(),
      displayName: fields.displayName,
      scope: fields.scope,
      allOrgs: fields.allOrgs,
      validFrom: toSqlTicks(now),
      validTo: toSqlTicks(fields.validToMs),
      token,
    };
    this.byId.set(rec.authorizationId, rec);
    this.byToken.set(token, rec);
    this.core.recordSecret(token);
    return rec;
  }
}

const stores = new WeakMap<EmulatorCore, PatStore>();

function patStore(core: EmulatorCore): PatStore {
  let s = stores.get(core);
  if (!s) {
    s = new PatStore(core, devopsDirectory(core));
    stores.set(core, s);
  }
  return s;
}

/** The wire shape, in the property order of the spec examples. */
function patTokenJson(p: PatRecord, includeToken: boolean): object {
  return {
    displayName: p.displayName,
    validTo: formatSqlTicks(p.validTo),
    scope: p.scope,
    targetAccounts: p.allOrgs ? null : [p.orgId],
    validFrom: formatSqlTicks(p.validFrom),
    authorizationId: p.authorizationId,
    token: includeToken ? p.token : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Basic-PAT authentication, used by every emulated Azure DevOps API that accepts PATs.

export type PatAuthResult =
  | { kind: 'none' }
  | { kind: 'ok'; principal: Extract<Principal, { kind: 'pat' }> }
  | { kind: 'bad'; reason: 'malformed' | 'unknown' | 'expired' | 'revoked' | 'wrongOrg' | 'globalDisabled' };

/**
 * Resolves `Authorization: Basic base64(user:pat)` (any user name, or none) against the PATs this
 * emulator issued, on the emulator clock. `kind: 'none'` when the request does not use Basic auth.
 */
export function authenticateBasicPat(core: EmulatorCore, req: EmuRequest, org: Organization): PatAuthResult {
  const auth = req.headers['authorization'] ?? '';
  const m = /^Basic\s+(\S+)\s*$/i.exec(auth);
  if (!m) return { kind: 'none' };
  let decoded: string;
  try {
    decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  } catch {
    return { kind: 'bad', reason: 'malformed' };
  }
  const colon = decoded.indexOf(':');
  const token = colon >= 0 ? decoded.slice(colon + 1) : decoded;
  if (!token) return { kind: 'bad', reason: 'malformed' };
  const store = patStore(core);
  const rec = store.byToken.get(token);
  if (!rec) return { kind: 'bad', reason: 'unknown' };
  const state = store.state(rec);
  if (state !== 'active') return { kind: 'bad', reason: state };
  if (rec.allOrgs && core.clock.now() >= GLOBAL_PAT_RETIREMENT_MS) return { kind: 'bad', reason: 'globalDisabled' };
  if (!rec.allOrgs && rec.orgId !== org.id) return { kind: 'bad', reason: 'wrongOrg' };
  return {
    kind: 'ok',
    principal: { kind: 'pat', userId: rec.userId, objectId: rec.userId, org: org.name, authorizationId: rec.authorizationId, scopes: splitScopes(rec.scope) },
  };
}

/** The 401 a dead or foreign PAT gets from dev.azure.com. */
export function badPatResponse(ctx: DevOpsContext, reason: Extract<PatAuthResult, { kind: 'bad' }>['reason']): EmuResponse {
  const messages: Record<typeof reason, string> = {
    malformed: 'TF400813: Resource not available for anonymous access. Client authentication required.',
    unknown: 'TF400813: Resource not available for anonymous access. Client authentication required.',
    expired: 'Access Denied: The Personal Access Token used has expired.',
    revoked: 'Access Denied: The Personal Access Token used has been revoked.',
    wrongOrg: 'TF400813: Resource not available for anonymous access. Client authentication required.',
    globalDisabled: 'Access Denied: Global personal access tokens are no longer supported. Create a personal access token scoped to this organization.',
  };
  return ctx.unauthorized(messages[reason]);
}

// ---------------------------------------------------------------------------------------------
// PAT Lifecycle API

const PATS_PATH = /^\/([^/]+)\/_apis\/tokens\/pats\/?$/i;
const CONNECTION_DATA_PATH = /^\/([^/]+)\/_apis\/connectiondata\/?$/i;

const PAT_VERSIONS = {
  min: 6.1,
  max: 7.2,
  gaFrom: Infinity,
  maxResourceVersion: () => 1,
};

type PatOp = 'list' | 'get' | 'create' | 'update' | 'revoke';

interface PatCall {
  ctx: DevOpsContext;
  org: Organization;
  user: Extract<Principal, { kind: 'user' }>;
  version: number;
  store: PatStore;
}

function orgNotFound(ctx: DevOpsContext, name: string): EmuResponse {
  return vssError(ctx, 404, 'HostDoesNotExistException', `The organization '${name}' does not exist.`);
}

/** Authentication and api-version for every PAT Lifecycle call; returns the call or the refusal. */
function admit(core: EmulatorCore, req: EmuRequest, orgName: string, op: PatOp): PatCall | EmuResponse {
  const store = patStore(core);
  const ctx = new DevOpsContext(core, req);
  const org = store.dir.findOrg(orgName);
  if (!org) return orgNotFound(ctx, orgName);

  const basic = authenticateBasicPat(core, req, org);
  if (basic.kind === 'ok') {
    ctx.principal = basic.principal;
    return vssError(ctx, 401, 'InvalidAccessException', 'The requested operation is not allowed.');
  }
  if (basic.kind === 'bad') return badPatResponse(ctx, basic.reason);

  const check = core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
  if (!check.ok) return ctx.signIn();
  const p = check.principal;
  if (p.kind === 'app') {
    return vssError(ctx, 403, 'InvalidAccessException', 'Service principals are not allowed to perform this action.');
  }
  if (p.kind !== 'user') {
    return vssError(ctx, 401, 'InvalidAccessException', 'The requested operation is not allowed.');
  }
  ctx.principal = p;

  const v = negotiateApiVersion(ctx, PAT_VERSIONS);
  if (!v.ok) return v.response;

  const needed = op === 'list' || op === 'get' ? 'vso.pats' : 'vso.pats_manage';
  if (p.scopes.length > 0 && !scopesAllow(p.scopes, needed)) {
    return vssError(ctx, 401, 'UnauthorizedRequestException', `TF400813: The user '${p.userId}' is not authorized to access this resource.`);
  }

  const blocked = blockedResponse(ctx, store.throttle);
  if (blocked) return blocked;
  return { ctx, org, user: p, version: v.number, store };
}

function patRoute(core: EmulatorCore, name: string, method: string, op: PatOp, handler: (call: PatCall, req: EmuRequest) => EmuResponse): Route {
  return {
    service: 'pats',
    name,
    method,
    match(req) {
      if (isVaultHost(core, req.host)) return null;
      const m = PATS_PATH.exec(req.path);
      if (!m) return null;
      if (method === 'GET' && (op === 'get') !== req.query.has('authorizationId')) return null;
      return { org: decodeURIComponent(m[1]!) };
    },
    handle(req, params) {
      const call = admit(core, req, params['org']!, op);
      if (!('ctx' in call)) return call;
      return withDelayHeaders(core, call.store.throttle, handler(call, req));
    },
  };
}

function is72(call: PatCall): boolean {
  return call.version >= 7.2 - 1e-9;
}

/** `PatTokenResult`; `patTokenErrorMessage` exists from 7.2 on. */
function result(call: PatCall, patToken: object | null, error: string, message?: string): EmuResponse {
  const body: Record<string, unknown> = { patToken, patTokenError: error };
  if (is72(call)) body['patTokenErrorMessage'] = error === 'none' ? null : (message ?? null);
  return call.ctx.json(200, body);
}

/** Values added to the SessionTokenError enum in 7.2 fall back to an older value below 7.2. */
function policyError(call: PatCall, kind: 'globalRetired' | 'restrictCreation' | 'expired'): EmuResponse {
  const v72 = is72(call);
  switch (kind) {
    case 'globalRetired':
      return result(
        call,
        null,
        v72 ? 'globalPATCreationBlocked' : 'globalPatPolicyViolation',
        'Global personal access tokens can no longer be created. Create a personal access token that targets specific organizations.',
      );
    case 'restrictCreation':
      return result(
        call,
        null,
        v72 ? 'disablePatCreationPolicyViolation' : 'accessDenied',
        'Your organization has a policy that restricts personal access token creation. Contact your Project Collection Administrator.',
      );
    case 'expired':
      return result(call, null, v72 ? 'expiredPatCannotBeExtended' : 'authorizationNotFound', 'An expired personal access token cannot be extended. Create a new one.');
  }
}

const MESSAGES: Record<string, string> = {
  displayNameRequired: 'A display name is required.',
  invalidDisplayName: `The display name is not valid. It must be at most ${MAX_DISPLAY_NAME} characters.`,
  invalidValidTo: 'The expiration date is not valid. It must be in the future.',
  invalidScope: 'One or more of the requested scopes is not valid.',
  invalidAuthorizationId: 'The authorization id is not valid.',
  authorizationNotFound: 'The personal access token was not found or has been revoked.',
  globalPatPolicyViolation: 'Your organization has a policy that restricts the creation of global personal access tokens.',
  fullScopePatPolicyViolation: 'Your organization has a policy that restricts the creation of full-scoped personal access tokens.',
};

function fail(call: PatCall, error: keyof typeof MESSAGES): EmuResponse {
  return result(call, null, error, MESSAGES[error]);
}

/** Request bodies bind case-insensitively, as the service's JSON reader does. */
function readBody(call: PatCall, req: EmuRequest, param: string): { ok: true; body: Record<string, unknown> } | { ok: false; response: EmuResponse } {
  let raw: unknown;
  try {
    raw = req.json();
  } catch (e) {
    if (e instanceof BadJsonError) return { ok: false, response: jsonReaderError(call.ctx) };
    throw e;
  }
  if (raw === undefined || raw === null) {
    return { ok: false, response: vssError(call.ctx, 400, 'ArgumentNullException', `Value cannot be null.\r\nParameter name: ${param}`, { eventId: 0 }) };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, response: jsonReaderError(call.ctx) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k.toLowerCase()] = v;
  return { ok: true, body: out };
}

function jsonReaderError(ctx: DevOpsContext): EmuResponse {
  return vssError(ctx, 400, 'JsonReaderException', `TF400898: An Internal Error Occurred. Activity Id: ${ctx.activityId}.`, { eventId: 0 });
}

/** undefined: absent; null: present but unparseable (a binding error, 400); otherwise epoch ms. */
function readValidTo(body: Record<string, unknown>): number | undefined | null {
  const v = body['validto'];
  if (v === undefined || v === null) return undefined;
  return parseDateTime(v);
}

function readBool(v: unknown): boolean | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  return null;
}

function exempt(org: Organization, userId: string): boolean {
  return org.policy.allowList.includes(userId.toLowerCase());
}

function maxValidToMs(org: Organization, userId: string, fromMs: number): number {
  const days = org.policy.maxLifespanDays;
  if (days === undefined || exempt(org, userId)) return Infinity;
  return fromMs + days * DAY_MS;
}

function handleCreate(call: PatCall, req: EmuRequest): EmuResponse {
  const body = readBody(call, req, 'tokenRequest');
  if (!body.ok) return body.response;
  const b = body.body;
  const { org, user, store } = call;
  const now = store.core.clock.now();

  const allOrgs = readBool(b['allorgs']);
  const validTo = readValidTo(b);
  if (allOrgs === null || validTo === null || (b['displayname'] != null && typeof b['displayname'] !== 'string')) {
    return jsonReaderError(call.ctx);
  }

  const displayName = typeof b['displayname'] === 'string' ? b['displayname'].trim() : '';
  if (!displayName) return fail(call, 'displayNameRequired');
  if (displayName.length > MAX_DISPLAY_NAME) return fail(call, 'invalidDisplayName');
  if (validTo !== undefined && validTo <= now) return fail(call, 'invalidValidTo');
  const scope = normaliseScopeString(b['scope']);
  if (!scope) return fail(call, 'invalidScope');

  const isExempt = exempt(org, user.userId);
  if (org.policy.restrictCreation && !isExempt) return policyError(call, 'restrictCreation');
  if (allOrgs && now >= GLOBAL_PAT_RETIREMENT_MS) return policyError(call, 'globalRetired');
  if (allOrgs && org.policy.blockGlobal && !isExempt) return fail(call, 'globalPatPolicyViolation');
  if (org.policy.blockFullScope && !isExempt && splitScopes(scope).includes(FULL_ACCESS_SCOPE)) return fail(call, 'fullScopePatPolicyViolation');

  const requested = validTo ?? now + DEFAULT_LIFETIME_DAYS * DAY_MS;
  const validToMs = Math.min(requested, maxValidToMs(org, user.userId, now));
  const rec = store.add(org, user.userId, { displayName, scope, allOrgs: !!allOrgs, validToMs });
  return result(call, patTokenJson(rec, true), 'none');
}

function findOwned(call: PatCall, id: string): PatRecord | undefined {
  const rec = call.store.byId.get(id.toLowerCase());
  if (!rec || rec.userId !== call.user.userId.toLowerCase()) return undefined;
  if (!rec.allOrgs && rec.orgId !== call.org.id) return undefined;
  return rec;
}

function notFound(call: PatCall, id: string): EmuResponse {
  return vssError(call.ctx, 404, 'SessionTokenNotFoundException', `No valid session token was found for the authorization id '${id}'.`);
}

function readAuthorizationIdParam(call: PatCall, req: EmuRequest): string | EmuResponse {
  const id = req.query.get('authorizationId');
  if (!id) return vssError(call.ctx, 400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: authorizationId', { eventId: 0 });
  if (!GUID_RE.test(id)) return vssError(call.ctx, 400, 'ArgumentException', `The value '${id}' is not valid for authorizationId.`, { eventId: 0 });
  return id;
}

function handleGet(call: PatCall, req: EmuRequest): EmuResponse {
  const id = readAuthorizationIdParam(call, req);
  if (typeof id !== 'string') return id;
  const rec = findOwned(call, id);
  if (!rec) return notFound(call, id);
  return result(call, patTokenJson(rec, false), 'none');
}

function handleRevoke(call: PatCall, req: EmuRequest): EmuResponse {
  const id = readAuthorizationIdParam(call, req);
  if (typeof id !== 'string') return id;
  const rec = findOwned(call, id);
  if (!rec || rec.revokedAt !== undefined) return notFound(call, id);
  rec.revokedAt = call.store.core.clock.now();
  const { variants, answered } = call.store;
  const status = variants.revoke === 'alternate' ? (answered.revoke++ % 2 === 0 ? 204 : 200) : variants.revoke;
  return call.ctx.empty(status);
}

function handleUpdate(call: PatCall, req: EmuRequest): EmuResponse {
  const body = readBody(call, req, 'tokenUpdateRequest');
  if (!body.ok) return body.response;
  const b = body.body;
  const { org, user, store } = call;
  const now = store.core.clock.now();

  const allOrgs = readBool(b['allorgs']);
  const validTo = readValidTo(b);
  if (allOrgs === null || validTo === null || (b['displayname'] != null && typeof b['displayname'] !== 'string')) {
    return jsonReaderError(call.ctx);
  }
  const id = b['authorizationid'];
  if (typeof id !== 'string' || !GUID_RE.test(id)) return fail(call, 'invalidAuthorizationId');
  const rec = findOwned(call, id);
  if (!rec) return notFound(call, id);
  const state = store.state(rec);
  if (state === 'revoked') return fail(call, 'authorizationNotFound');
  if (state === 'expired') return policyError(call, 'expired');

  let displayName = rec.displayName;
  if (typeof b['displayname'] === 'string') {
    displayName = b['displayname'].trim();
    if (!displayName) return fail(call, 'displayNameRequired');
    if (displayName.length > MAX_DISPLAY_NAME) return fail(call, 'invalidDisplayName');
  }
  if (validTo !== undefined && validTo <= now) return fail(call, 'invalidValidTo');
  let scope = rec.scope;
  if (b['scope'] !== undefined && b['scope'] !== null) {
    const s = normaliseScopeString(b['scope']);
    if (!s) return fail(call, 'invalidScope');
    scope = s;
  }
  const newAllOrgs = allOrgs ?? rec.allOrgs;

  const isExempt = exempt(org, user.userId);
  if (newAllOrgs && now >= GLOBAL_PAT_RETIREMENT_MS) return policyError(call, 'globalRetired');
  if (newAllOrgs && org.policy.blockGlobal && !isExempt) return fail(call, 'globalPatPolicyViolation');
  if (org.policy.blockFullScope && !isExempt && splitScopes(scope).includes(FULL_ACCESS_SCOPE)) return fail(call, 'fullScopePatPolicyViolation');

  let validToTicks = rec.validTo;
  if (validTo !== undefined) {
    // The 7.2 contract: an update may extend at most to creation date + the maximum lifespan.
    const capped = Math.min(validTo, maxValidToMs(org, user.userId, sqlTicksToMs(rec.validFrom)));
    validToTicks = toSqlTicks(capped);
  }
  rec.displayName = displayName;
  rec.scope = scope;
  rec.allOrgs = newAllOrgs;
  rec.validTo = validToTicks;
  if (!newAllOrgs && rec.orgId !== org.id) rec.orgId = org.id;
  return result(call, patTokenJson(rec, false), 'none');
}

// --- List ----------------------------------------------------------------------------------------

const FILTERS = ['active', 'revoked', 'expired', 'all'] as const;
const SORTS = ['displayName', 'displayDate', 'status'] as const;
type Filter = (typeof FILTERS)[number];
type Sort = (typeof SORTS)[number];
type SortKey = Array<string | number>;

interface ListCursor {
  v: 1;
  f: Filter;
  s: Sort;
  a: boolean;
  k: SortKey;
  id: string;
}

const STATUS_RANK: Record<PatState, number> = { active: 0, expired: 1, revoked: 2 };

function enumParam<T extends string>(values: readonly T[], raw: string | null, fallback: T): T | null {
  if (raw === null || raw === '') return fallback;
  return values.find((v) => v.toLowerCase() === raw.toLowerCase()) ?? null;
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function handleList(call: PatCall, req: EmuRequest): EmuResponse {
  const { ctx, store } = call;
  const q = req.query;
  const bad = (name: string, value: string | null) =>
    vssError(ctx, 400, 'ArgumentException', `The value '${value}' is not valid for ${name}.`, { eventId: 0 });

  const filter = enumParam(FILTERS, q.get('displayFilterOption'), 'active');
  if (!filter) return bad('displayFilterOption', q.get('displayFilterOption'));
  const sort = enumParam(SORTS, q.get('sortByOption'), 'displayName');
  if (!sort) return bad('sortByOption', q.get('sortByOption'));
  const ascRaw = q.get('isSortAscending');
  let asc = true;
  if (ascRaw !== null && ascRaw !== '') {
    if (/^true$/i.test(ascRaw)) asc = true;
    else if (/^false$/i.test(ascRaw)) asc = false;
    else return bad('isSortAscending', ascRaw);
  }
  const topRaw = q.get('$top');
  let top = MAX_PAGE;
  if (topRaw !== null && topRaw !== '') {
    if (!/^-?\d+$/.test(topRaw)) return bad('$top', topRaw);
    const n = Number(topRaw);
    if (n > 0) top = Math.min(n, MAX_PAGE);
  }

  let after: ListCursor | undefined;
  const tokenRaw = q.get('continuationToken');
  if (tokenRaw) {
    try {
      after = JSON.parse(Buffer.from(tokenRaw, 'base64url').toString('utf8')) as ListCursor;
      if (after.v !== 1 || !Array.isArray(after.k) || typeof after.id !== 'string') throw new Error('shape');
    } catch {
      return vssError(ctx, 400, 'ArgumentException', 'The continuation token is not valid.', { eventId: 0 });
    }
    if (after.f !== filter || after.s !== sort || after.a !== asc) {
      return vssError(
        ctx,
        400,
        'ArgumentException',
        'The continuation token was issued for different filtering options. Subsequent calls must supply the same displayFilterOption, sortByOption and isSortAscending.',
        { eventId: 0 },
      );
    }
  }

  const keyOf = (p: PatRecord): SortKey => {
    switch (sort) {
      case 'displayName':
        return [p.displayName.toLowerCase()];
      case 'displayDate':
        return [p.validTo];
      case 'status':
        return [STATUS_RANK[store.state(p)], p.displayName.toLowerCase()];
    }
  };
  const dir = asc ? 1 : -1;
  const cmp = (a: { k: SortKey; id: string }, b: { k: SortKey; id: string }) =>
    dir * (compareKeys(a.k, b.k) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const items = store
    .visible(call.org, call.user.userId)
    .filter((p) => filter === 'all' || store.state(p) === filter)
    .map((p) => ({ p, k: keyOf(p), id: p.authorizationId }))
    .sort(cmp)
    .filter((x) => !after || cmp(x, { k: after.k, id: after.id }) > 0);

  const page = items.slice(0, top);
  let continuationToken = '';
  if (items.length > top) {
    const last = page[page.length - 1]!;
    const cursor: ListCursor = { v: 1, f: filter, s: sort, a: asc, k: last.k, id: last.id };
    continuationToken = Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
  }
  const patTokens = page.map((x) => patTokenJson(x.p, false));
  if (continuationToken === '') {
    const { variants, answered } = store;
    const absent = variants.lastPageToken === 'alternate' ? answered.lastPage++ % 2 === 1 : variants.lastPageToken === 'absent';
    if (absent) return ctx.json(200, { patTokens });
  }
  return ctx.json(200, { continuationToken, patTokens });
}

// --- connectionData --------------------------------------------------------------------------------

function connectionDataRoute(core: EmulatorCore): Route {
  return {
    service: 'pats',
    name: 'devops.connectionData',
    method: 'GET',
    match(req) {
      if (isVaultHost(core, req.host)) return null;
      const m = CONNECTION_DATA_PATH.exec(req.path);
      return m ? { org: decodeURIComponent(m[1]!) } : null;
    },
    handle(req, params) {
      const store = patStore(core);
      const ctx = new DevOpsContext(core, req);
      const org = store.dir.findOrg(params['org']!);
      if (!org) return orgNotFound(ctx, params['org']!);
      let principal: Principal;
      const basic = authenticateBasicPat(core, req, org);
      if (basic.kind === 'bad') return badPatResponse(ctx, basic.reason);
      if (basic.kind === 'ok') principal = basic.principal;
      else {
        const check = core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
        if (!check.ok) return ctx.signIn();
        principal = check.principal;
        if (principal.kind === 'job' && !store.dir.jobBelongsTo(principal, org)) return ctx.signIn();
      }
      ctx.principal = principal;
      return ctx.json(200, connectionData(core, org, principal));
    },
  };
}

function identityOf(core: EmulatorCore, p: Principal): { id: string; displayName: string; account: string; descriptor: string } {
  switch (p.kind) {
    case 'user':
    case 'pat': {
      const u = core.users.get(p.userId);
      const upn = p.kind === 'user' ? p.upn : (u?.upn ?? p.userId);
      const tenant = p.kind === 'user' ? p.tenantId : (u?.tenantId ?? '');
      return { id: p.userId, displayName: u?.displayName ?? upn, account: upn, descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${tenant}\\${upn}` };
    }
    case 'app':
      return { id: p.objectId, displayName: p.appId, account: p.appId, descriptor: `Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;${p.tenantId}\\${p.appId}` };
    case 'job':
      return { id: p.objectId, displayName: p.name, account: p.name, descriptor: `Microsoft.TeamFoundation.ServiceIdentity;${p.objectId}:Build:${p.projectId}` };
  }
}

function connectionData(core: EmulatorCore, org: Organization, p: Principal): object {
  const ident = identityOf(core, p);
  const user = {
    id: ident.id,
    descriptor: ident.descriptor,
    subjectDescriptor: `aad.${Buffer.from(ident.id).toString('base64url')}`,
    providerDisplayName: ident.displayName,
    isActive: true,
    properties: { Account: { $type: 'System.String', $value: ident.account } },
    resourceVersion: 2,
    metaTypeId: 0,
  };
  return {
    authenticatedUser: user,
    authorizedUser: user,
    instanceId: org.id,
    deploymentId: org.id,
    deploymentType: 'hosted',
    locationServiceData: {
      serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
      defaultAccessMappingMoniker: 'PublicAccessMapping',
      lastChangeId: 1,
      lastChangeId64: 1,
    },
  };
}

// --- control ---------------------------------------------------------------------------------------

export interface PatSideView {
  authorizationId: string;
  org: string;
  userId: string;
  displayName: string;
  scope: string;
  allOrgs: boolean;
  targetAccounts: string[] | null;
  validFrom: string;
  validTo: string;
  token: string;
  state: PatState;
  revokedAt?: number;
}

function sideView(store: PatStore, p: PatRecord): PatSideView {
  const org = store.dir.findOrg(p.orgId);
  return {
    authorizationId: p.authorizationId,
    org: org?.name ?? p.orgId,
    userId: p.userId,
    displayName: p.displayName,
    scope: p.scope,
    allOrgs: p.allOrgs,
    targetAccounts: p.allOrgs ? null : [p.orgId],
    validFrom: formatSqlTicks(p.validFrom),
    validTo: formatSqlTicks(p.validTo),
    token: p.token,
    state: store.state(p),
    ...(p.revokedAt !== undefined ? { revokedAt: p.revokedAt } : {}),
  };
}

function controlApi(store: PatStore) {
  const { core, dir } = store;
  return {
    /** Every PAT of the organization (of one user when given), with token values and state. */
    list(org: string, userId?: string): PatSideView[] {
      const o = dir.requireOrg(org);
      return [...store.byId.values()]
        .filter((p) => (p.orgId === o.id || p.allOrgs) && (!userId || p.userId === userId.toLowerCase()))
        .map((p) => sideView(store, p));
    },
    /** Seeds a PAT as if the user had created it (no policy applies). */
    create(
      org: string,
      userId: string,
      opts: { displayName: string; scope: string; validTo?: string | number | Date; lifetimeDays?: number; allOrgs?: boolean },
    ): PatSideView {
      const o = dir.requireOrg(org);
      const scope = normaliseScopeString(opts.scope);
      if (!scope) throw new Error(`pats.create: invalid scope ${JSON.stringify(opts.scope)}`);
      let validToMs: number;
      if (opts.validTo !== undefined) {
        validToMs = opts.validTo instanceof Date ? opts.validTo.getTime() : typeof opts.validTo === 'number' ? opts.validTo : (parseDateTime(opts.validTo) ?? NaN);
        if (!Number.isFinite(validToMs)) throw new Error('pats.create: invalid validTo');
      } else {
        validToMs = core.clock.now() + (opts.lifetimeDays ?? DEFAULT_LIFETIME_DAYS) * DAY_MS;
      }
      const rec = store.add(o, userId, { displayName: opts.displayName, scope, allOrgs: !!opts.allOrgs, validToMs });
      return sideView(store, rec);
    },
    revoke(org: string, authorizationId: string): boolean {
      const o = dir.requireOrg(org);
      const rec = store.byId.get(authorizationId.toLowerCase());
      if (!rec || (rec.orgId !== o.id && !rec.allOrgs) || rec.revokedAt !== undefined) return false;
      rec.revokedAt = core.clock.now();
      return true;
    },
    /** True while the token authenticates against the organization. */
    isValid(org: string, token: string): boolean {
      const o = dir.requireOrg(org);
      const rec = store.byToken.get(token);
      if (!rec || store.state(rec) !== 'active') return false;
      if (rec.allOrgs) return core.clock.now() < GLOBAL_PAT_RETIREMENT_MS;
      return rec.orgId === o.id;
    },
    findByToken(token: string): PatSideView | undefined {
      const rec = store.byToken.get(token);
      return rec ? sideView(store, rec) : undefined;
    },
    /** Fixes how the answers where spec and examples disagree look (see AnswerVariants); returns the settings. */
    answerVariants(v: Partial<AnswerVariants> = {}): AnswerVariants {
      store.variants = { ...store.variants, ...v };
      return { ...store.variants };
    },
    /** Rate limiting on request: `delayed` answers 200 with Retry-After, `blocked` answers 429; `{}` ends it. */
    throttle(opts?: { delayed?: boolean; blocked?: boolean; retryAfterSeconds?: number }): ThrottleState {
      return setThrottle(store.throttle, opts);
    },
  };
}

export function register(core: EmulatorCore): void {
  const store = patStore(core);
  core.addRoute(patRoute(core, 'pats.list', 'GET', 'list', handleList));
  core.addRoute(patRoute(core, 'pats.get', 'GET', 'get', handleGet));
  core.addRoute(patRoute(core, 'pats.create', 'POST', 'create', handleCreate));
  core.addRoute(patRoute(core, 'pats.update', 'PUT', 'update', handleUpdate));
  core.addRoute(patRoute(core, 'pats.revoke', 'DELETE', 'revoke', handleRevoke));
  core.addRoute(connectionDataRoute(core));
  core.extendControl('pats', controlApi(store));
}
