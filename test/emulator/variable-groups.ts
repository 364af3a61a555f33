/**
 * Emulated Azure DevOps Variable Groups API (area distributedtask, resource variablegroups), spec §2:
 * masked secrets on read, whole-set replacement on PUT with null-valued secrets kept, the org-level
 * PUT/POST that need project references (6.0+), the old project-level PUT (5.0), and Library roles.
 * Groups linked to Azure Key Vault (spec §9, type AzureKeyVault) are seeded through the control API: they list
 * secret names, never values, and a PUT that would give one of their variables a value is refused.
 */
import { AZURE_DEVOPS_RESOURCE, BadJsonError, type EmulatorCore, type EmuRequest, type EmuResponse, type Principal, type Route } from './types';
import {
  blockedResponse,
  DevOpsContext,
  negotiateApiVersion,
  newThrottleState,
  setThrottle,
  vssError,
  withDelayHeaders,
  type ApiVersionRules,
  type ThrottleState,
} from './devops-errors';
import { devopsDirectory, matchOrgPath, type DevOpsDirectory, type Organization, type Project } from './devops-orgs';
import { formatDevOpsDate } from './pat-format';
import { authenticateBasicPat, badPatResponse } from './pats';
import { scopesAllow } from './scopes';

export type LibraryRole = 'Reader' | 'User' | 'Administrator';
const ROLE_RANK: Record<LibraryRole | 'none', number> = { none: 0, Reader: 1, User: 2, Administrator: 3 };

interface StoredVariable {
  /** The name as last written (lookups are case-insensitive). */
  name: string;
  value: string;
  isSecret: boolean;
  isReadOnly: boolean;
  /** In a group linked to Key Vault: the secret's attributes as the vault reported them (AzureKeyVaultVariableValue). */
  keyVault?: KeyVaultSecretRef;
}

interface KeyVaultSecretRef {
  enabled: boolean;
  contentType: string | null;
  /** Epoch ms, or null for a secret without expiry. */
  expires: number | null;
}

export type VariableGroupType = 'Vsts' | 'AzureKeyVault';
const LINKED: VariableGroupType = 'AzureKeyVault';

/** AzureKeyVaultVariableGroupProviderData: the service connection and vault the group reads from. */
interface KeyVaultProviderData {
  serviceEndpointId: string;
  vault: string;
  lastRefreshedOn: number;
}

interface IdentityInfo {
  id: string;
  displayName: string;
  uniqueName: string;
}

interface ProjectRef {
  projectId: string;
  name: string;
  description: string | null;
}

interface VariableGroup {
  id: number;
  orgId: string;
  name: string;
  description: string | null;
  type: VariableGroupType;
  /** Only for type AzureKeyVault. */
  providerData?: KeyVaultProviderData;
  variables: Map<string, StoredVariable>;
  createdBy: IdentityInfo;
  createdOn: number;
  modifiedBy: IdentityInfo;
  modifiedOn: number;
  projectRefs: ProjectRef[];
  roles: Map<string, LibraryRole>;
}

class GroupStore {
  readonly groups = new Map<string, Map<number, VariableGroup>>();
  readonly nextId = new Map<string, number>();
  readonly throttle: ThrottleState = newThrottleState();

  constructor(
    readonly core: EmulatorCore,
    readonly dir: DevOpsDirectory,
  ) {}

  of(org: Organization): Map<number, VariableGroup> {
    let m = this.groups.get(org.id);
    if (!m) {
      m = new Map();
      this.groups.set(org.id, m);
    }
    return m;
  }

  allocateId(org: Organization): number {
    const id = this.nextId.get(org.id) ?? 1;
    this.nextId.set(org.id, id + 1);
    return id;
  }

  /** Records secret values so log scans can look for them. */
  remember(vars: Iterable<StoredVariable>): void {
    for (const v of vars) if (v.isSecret && v.value) this.core.recordSecret(v.value);
  }
}

const stores = new WeakMap<EmulatorCore, GroupStore>();
function groupStore(core: EmulatorCore): GroupStore {
  let s = stores.get(core);
  if (!s) {
    s = new GroupStore(core, devopsDirectory(core));
    stores.set(core, s);
  }
  return s;
}

/**
 * 6.0 made the org-level PUT/POST (with project references) the only documented write route;
 * the project-level write routes are served for 5.x and below.
 */
const ORG_LEVEL_FROM = 6.0;
const VG_VERSIONS: ApiVersionRules = {
  min: 4.1,
  max: 7.2,
  gaFrom: 6.0,
  maxResourceVersion: (v) => (v < ORG_LEVEL_FROM - 1e-9 ? 1 : 2),
  defaultForGet: '7.1',
};

const VG_PATH = /^\/([^/]+)\/(?:([^/]+)\/)?_apis\/distributedtask\/variablegroups(?:\/([^/]+))?\/?$/i;

// ---------------------------------------------------------------------------------------------

type Needed = 'read' | 'write' | 'manage';

interface VgCall {
  ctx: DevOpsContext;
  store: GroupStore;
  org: Organization;
  principal: Principal;
  identity: IdentityInfo;
  version: number;
}

function identityOf(core: EmulatorCore, dir: DevOpsDirectory, org: Organization, p: Principal): IdentityInfo {
  switch (p.kind) {
    case 'user':
      return { id: p.userId, displayName: core.users.get(p.userId)?.displayName ?? p.upn, uniqueName: p.upn };
    case 'pat': {
      const u = core.users.get(p.userId);
      return { id: p.userId, displayName: u?.displayName ?? p.userId, uniqueName: u?.upn ?? p.userId };
    }
    case 'app':
      return { id: p.objectId, displayName: p.appId, uniqueName: p.appId };
    case 'job': {
      const project = dir.projectById(org, p.projectId);
      return { id: p.objectId, displayName: p.name || `${project?.name ?? p.projectId} Build Service (${org.name})`, uniqueName: `Build\\${p.projectId}` };
    }
  }
}

function admit(core: EmulatorCore, req: EmuRequest, orgName: string, needed: Needed): VgCall | EmuResponse {
  const store = groupStore(core);
  const ctx = new DevOpsContext(core, req);
  const org = store.dir.findOrg(orgName);
  if (!org) return vssError(ctx, 404, 'HostDoesNotExistException', `The organization '${orgName}' does not exist.`);

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

  const v = negotiateApiVersion(ctx, VG_VERSIONS);
  if (!v.ok) return v.response;

  const scopes = principal.kind === 'pat' || principal.kind === 'user' ? principal.scopes : undefined;
  if (scopes && (principal.kind === 'pat' || scopes.length > 0) && !scopesAllow(scopes, `vso.variablegroups_${needed}`)) {
    const who = principal.kind === 'pat' || principal.kind === 'user' ? principal.userId : '';
    return vssError(ctx, 401, 'UnauthorizedRequestException', `TF400813: The user '${who}' is not authorized to access this resource.`);
  }
  const blocked = blockedResponse(ctx, store.throttle);
  if (blocked) return blocked;
  return { ctx, store, org, principal, identity: identityOf(core, store.dir, org, principal), version: v.number };
}

function objectIdOf(p: Principal): string {
  return (p.kind === 'pat' ? p.userId : p.objectId).toLowerCase();
}

function roleOf(call: VgCall, g: VariableGroup): LibraryRole | 'none' {
  const explicit = g.roles.get(objectIdOf(call.principal));
  if (explicit) return explicit;
  const p = call.principal;
  if (p.kind === 'job') {
    // A job token is its project's build service: Reader on groups shared with that project only.
    const project = call.store.dir.projectById(call.org, p.projectId);
    if (project) {
      const bs = g.roles.get(project.buildService.objectId);
      if (bs) return bs;
    }
    return g.projectRefs.some((r) => r.projectId === p.projectId.toLowerCase()) ? 'Reader' : 'none';
  }
  // Project Valid Users are Reader on every group.
  return 'Reader';
}

// --- shapes -----------------------------------------------------------------------------------------

function variablesJson(g: VariableGroup): Record<string, object> {
  const out: Record<string, object> = {};
  for (const v of g.variables.values()) {
    if (v.keyVault) {
      // A linked group's variable names a vault secret; its value is fetched by pipelines at run time, never shown.
      out[v.name] = { enabled: v.keyVault.enabled, contentType: v.keyVault.contentType, expires: v.keyVault.expires === null ? null : formatDevOpsDate(v.keyVault.expires), value: null, isSecret: true };
      continue;
    }
    const o: Record<string, unknown> = { value: v.isSecret ? null : v.value };
    if (v.isSecret) o['isSecret'] = true;
    if (v.isReadOnly) o['isReadOnly'] = true;
    out[v.name] = o;
  }
  return out;
}

function identityJson(core: EmulatorCore, org: Organization, i: IdentityInfo, full: boolean): object {
  if (!full) return { displayName: null, id: i.id };
  return {
    displayName: i.displayName,
    url: `${core.urls().vssps}/${org.name}/_apis/Identities/${i.id}`,
    id: i.id,
    uniqueName: i.uniqueName,
    imageUrl: `${core.urls().devops}/${org.name}/_api/_common/identityImage?id=${i.id}`,
  };
}

/** Property order of the live recording (spec §2.3); write responses carry thin identities. */
function groupJson(store: GroupStore, org: Organization, g: VariableGroup, fullIdentities: boolean): object {
  const body: Record<string, unknown> = {
    variables: variablesJson(g),
    id: g.id,
    type: g.type,
    name: g.name,
  };
  if (g.providerData) {
    body['providerData'] = { serviceEndpointId: g.providerData.serviceEndpointId, vault: g.providerData.vault, lastRefreshedOn: formatDevOpsDate(g.providerData.lastRefreshedOn) };
  }
  if (g.description !== null) body['description'] = g.description;
  body['createdBy'] = identityJson(store.core, org, g.createdBy, fullIdentities);
  body['createdOn'] = formatDevOpsDate(g.createdOn);
  body['modifiedBy'] = identityJson(store.core, org, g.modifiedBy, fullIdentities);
  body['modifiedOn'] = formatDevOpsDate(g.modifiedOn);
  body['isShared'] = g.projectRefs.length > 1;
  body['variableGroupProjectReferences'] = g.projectRefs.map((r) => {
    const p = store.dir.projectById(org, r.projectId);
    const ref: Record<string, unknown> = { projectReference: { id: r.projectId, name: p?.name ?? '' }, name: r.name };
    if (r.description !== null) ref['description'] = r.description;
    return ref;
  });
  return body;
}

// --- request parsing ----------------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; response: EmuResponse };

function bad(ctx: DevOpsContext, message: string, status = 400, typeKey = 'ArgumentException'): { ok: false; response: EmuResponse } {
  return { ok: false, response: vssError(ctx, status, typeKey, message, { eventId: 0 }) };
}

function readJsonObject(ctx: DevOpsContext, req: EmuRequest): Parsed<Record<string, unknown>> {
  let raw: unknown;
  try {
    raw = req.json();
  } catch (e) {
    if (e instanceof BadJsonError) return bad(ctx, `TF400898: An Internal Error Occurred. Activity Id: ${ctx.activityId}.`, 400, 'JsonReaderException');
    throw e;
  }
  if (raw === undefined || raw === null) return bad(ctx, 'Value cannot be null.\r\nParameter name: variableGroupParameters', 400, 'ArgumentNullException');
  if (typeof raw !== 'object' || Array.isArray(raw)) return bad(ctx, `TF400898: An Internal Error Occurred. Activity Id: ${ctx.activityId}.`, 400, 'JsonReaderException');
  return { ok: true, value: lowerKeys(raw as Record<string, unknown>) };
}

function lowerKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.toLowerCase()] = v;
  return out;
}

/** What the JSON reader makes of a variable value: strings as they are, scalars as .NET prints them. */
function coerceValue(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

interface IncomingVariable {
  name: string;
  value: string | null | undefined;
  isSecret: boolean;
  isReadOnly: boolean;
}

interface GroupParams {
  name: string;
  description: string | null;
  /** Absent in the body reads as Vsts, the plain group. */
  type: VariableGroupType;
  providerData: unknown;
  variables: IncomingVariable[];
  refs: unknown;
}

function readGroupParams(ctx: DevOpsContext, b: Record<string, unknown>): Parsed<GroupParams> {
  const name = typeof b['name'] === 'string' ? b['name'].trim() : '';
  if (!name) return bad(ctx, 'Value cannot be null.\r\nParameter name: variableGroupParameters.Name', 400, 'ArgumentNullException');
  const rawType = b['type'];
  const type: VariableGroupType | undefined =
    rawType === undefined || rawType === null ? 'Vsts' : typeof rawType === 'string' ? (['Vsts', LINKED] as const).find((t) => t.toLowerCase() === rawType.toLowerCase()) : undefined;
  if (!type) return bad(ctx, `Variable group type '${String(rawType)}' is not supported by this emulator; only 'Vsts' and '${LINKED}' are.`);
  const desc = b['description'];
  const rawVars = b['variables'];
  if (rawVars === undefined || rawVars === null) return bad(ctx, 'Value cannot be null.\r\nParameter name: variableGroupParameters.Variables', 400, 'ArgumentNullException');
  if (typeof rawVars !== 'object' || Array.isArray(rawVars)) return bad(ctx, `TF400898: An Internal Error Occurred. Activity Id: ${ctx.activityId}.`, 400, 'JsonReaderException');
  const seen = new Set<string>();
  const variables: IncomingVariable[] = [];
  for (const [vname, raw] of Object.entries(rawVars as Record<string, unknown>)) {
    const key = vname.toLowerCase();
    if (!vname.trim()) return bad(ctx, 'Variable names cannot be empty.');
    if (seen.has(key)) return bad(ctx, `An item with the same key has already been added. Key: ${vname}`);
    seen.add(key);
    const o = raw && typeof raw === 'object' && !Array.isArray(raw) ? lowerKeys(raw as Record<string, unknown>) : {};
    if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      return bad(ctx, `TF400898: An Internal Error Occurred. Activity Id: ${ctx.activityId}.`, 400, 'JsonReaderException');
    }
    variables.push({
      name: vname,
      value: coerceValue(o['value']),
      isSecret: o['issecret'] === true || o['issecret'] === 'true',
      isReadOnly: o['isreadonly'] === true || o['isreadonly'] === 'true',
    });
  }
  return {
    ok: true,
    value: { name, description: typeof desc === 'string' ? desc : null, type, providerData: b['providerdata'], variables, refs: b['variablegroupprojectreferences'] },
  };
}

/**
 * Org-level writes name their projects in `variableGroupProjectReferences`. None at all: 401, as
 * reported against the live service; a reference whose project name is missing or wrong: 400.
 */
function readProjectRefs(call: VgCall, raw: unknown, groupName: string, groupDescription: string | null): Parsed<ProjectRef[]> {
  const { ctx, org, store } = call;
  if (!Array.isArray(raw) || raw.length === 0) {
    const who = objectIdOf(call.principal);
    return bad(ctx, `TF400813: The user '${who}' is not authorized to access this resource.`, 401, 'UnauthorizedRequestException');
  }
  const refs: ProjectRef[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return bad(ctx, 'Project information name is not valid for variable group.');
    const r = lowerKeys(item as Record<string, unknown>);
    const pr = r['projectreference'] && typeof r['projectreference'] === 'object' ? lowerKeys(r['projectreference'] as Record<string, unknown>) : {};
    const pid = typeof pr['id'] === 'string' ? pr['id'] : '';
    const pname = typeof pr['name'] === 'string' ? pr['name'] : '';
    if (!pname) {
      const who = objectIdOf(call.principal);
      return bad(ctx, `TF400813: The user '${who}' is not authorized to access this resource.`, 401, 'UnauthorizedRequestException');
    }
    let project: Project | undefined = pid ? store.dir.projectById(org, pid) : store.dir.findProject(org, pname);
    if (project && project.name.toLowerCase() !== pname.toLowerCase()) project = undefined;
    if (!project) return bad(ctx, 'Project information name is not valid for variable group.');
    if (refs.some((x) => x.projectId === project!.id)) continue;
    refs.push({
      projectId: project.id,
      name: typeof r['name'] === 'string' && r['name'] ? r['name'] : groupName,
      description: typeof r['description'] === 'string' ? r['description'] : groupDescription,
    });
  }
  return { ok: true, value: refs };
}

/**
 * PUT semantics (spec §2.4): the body is the whole variable set; a secret sent back without a value
 * (null or absent) keeps what is stored under that name; any value sent overwrites.
 */
function mergeVariables(existing: Map<string, StoredVariable> | undefined, incoming: IncomingVariable[]): Map<string, StoredVariable> {
  const out = new Map<string, StoredVariable>();
  for (const v of incoming) {
    const key = v.name.toLowerCase();
    const old = existing?.get(key);
    let value: string;
    if (v.value !== undefined && v.value !== null) value = v.value;
    else value = old && v.isSecret ? old.value : '';
    out.set(key, { name: v.name, value, isSecret: v.isSecret, isReadOnly: v.isReadOnly });
  }
  return out;
}

/**
 * A PUT to a group linked to Key Vault. The spec leaves open what the service does with a value sent for such a group
 * (§9, UNCERTAIN: refused, or dropped); the emulator refuses, since dropping it would answer 200 to a write that
 * stored nothing, which is the one outcome a client must never mistake for success. Unlinking or linking through the
 * API (a type change) is refused as well: the portal does that, with its own confirmation.
 */
function checkLinkedUpdate(ctx: DevOpsContext, g: VariableGroup, params: GroupParams): EmuResponse | undefined {
  if (g.type !== LINKED) {
    if (params.type === LINKED) return vssError(ctx, 400, 'ArgumentException', `Variable group '${g.name}' is of type 'Vsts'; linking it to Azure Key Vault through the API is not served by this emulator.`, { eventId: 0 });
    return undefined;
  }
  const vault = g.providerData?.vault ?? '';
  if (params.type !== LINKED) {
    return vssError(ctx, 400, 'ArgumentException', `Variable group '${g.name}' is linked to Azure Key Vault '${vault}'; it cannot be changed to type '${params.type}'.`, { eventId: 0 });
  }
  const withValue = params.variables.find((v) => v.value !== undefined && v.value !== null && v.value !== '');
  if (withValue) {
    return vssError(
      ctx,
      400,
      'ArgumentException',
      `Variable group '${g.name}' is linked to Azure Key Vault '${vault}': its variables name secrets of the vault and hold no values. Variable '${withValue.name}' was sent with a value.`,
      { eventId: 0 },
    );
  }
  const pd = params.providerData && typeof params.providerData === 'object' ? lowerKeys(params.providerData as Record<string, unknown>) : undefined;
  if (pd && typeof pd['vault'] === 'string' && pd['vault'].toLowerCase() !== vault.toLowerCase()) {
    return vssError(ctx, 400, 'ArgumentException', `Variable group '${g.name}' is linked to Azure Key Vault '${vault}'; the vault cannot be changed through this emulator.`, { eventId: 0 });
  }
  return undefined;
}

/** The secret names of a linked group after a PUT: the names sent, with the attributes the vault last reported. */
function mergeLinkedVariables(existing: Map<string, StoredVariable>, incoming: IncomingVariable[]): Map<string, StoredVariable> {
  const out = new Map<string, StoredVariable>();
  for (const v of incoming) {
    const old = existing.get(v.name.toLowerCase());
    out.set(v.name.toLowerCase(), { name: v.name, value: '', isSecret: true, isReadOnly: false, keyVault: old?.keyVault ?? { enabled: true, contentType: null, expires: null } });
  }
  return out;
}

function projectNotFound(ctx: DevOpsContext, name: string): EmuResponse {
  return vssError(
    ctx,
    404,
    'ProjectDoesNotExistWithNameException',
    `TF200016: The following project does not exist: ${name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
  );
}

function groupNotFound(ctx: DevOpsContext, id: string | number): EmuResponse {
  return vssError(ctx, 404, 'VariableGroupNotFoundException', `Variable group with id ${id} does not exist.`);
}

function accessDenied(call: VgCall, g: VariableGroup, action: string): EmuResponse {
  return vssError(
    call.ctx,
    403,
    'AccessDeniedException',
    `Access denied. ${call.identity.displayName} needs the Administrator role on variable group '${g.name}' (${g.id}) to ${action} it.`,
  );
}

function versionRouteMismatch(call: VgCall, orgLevel: boolean): EmuResponse {
  return vssError(
    call.ctx,
    400,
    'VssVersionOutOfRangeException',
    orgLevel
      ? `The organization-level variable group route needs api-version ${ORG_LEVEL_FROM.toFixed(1)} or later; api-version ${call.ctx.apiVersion} uses {organization}/{project}/_apis/distributedtask/variablegroups.`
      : `The project-level variable group write route is served for api-version 5.x and below; api-version ${call.ctx.apiVersion} uses {organization}/_apis/distributedtask/variablegroups.`,
  );
}

function parseGroupId(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,9}$/.test(raw)) return null;
  return Number(raw);
}

// --- handlers -------------------------------------------------------------------------------------------

function handleGet(call: VgCall, projectName: string, idRaw: string): EmuResponse {
  const project = call.store.dir.findProject(call.org, projectName);
  if (!project) return projectNotFound(call.ctx, projectName);
  const id = parseGroupId(idRaw);
  if (id === null) return vssError(call.ctx, 400, 'ArgumentException', `The value '${idRaw}' is not valid for groupId.`, { eventId: 0 });
  const g = call.store.of(call.org).get(id);
  if (!g || !g.projectRefs.some((r) => r.projectId === project.id) || roleOf(call, g) === 'none') return groupNotFound(call.ctx, id);
  return call.ctx.json(200, groupJson(call.store, call.org, g, true));
}

function wildcard(pattern: string): RegExp {
  const esc = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`, 'i');
}

function handleList(call: VgCall, projectName: string, req: EmuRequest): EmuResponse {
  const { ctx, store, org } = call;
  const project = store.dir.findProject(org, projectName);
  if (!project) return projectNotFound(ctx, projectName);
  const q = req.query;
  const badParam = (n: string, v: string) => vssError(ctx, 400, 'ArgumentException', `The value '${v}' is not valid for ${n}.`, { eventId: 0 });

  let ids: number[] | undefined;
  const idsRaw = q.get('groupIds');
  if (idsRaw) {
    ids = [];
    for (const part of idsRaw.split(',')) {
      const n = parseGroupId(part.trim());
      if (n === null) return badParam('groupIds', idsRaw);
      ids.push(n);
    }
  }
  const nameRaw = q.get('groupName');
  const nameRe = nameRaw ? wildcard(nameRaw) : undefined;
  const actionRaw = (q.get('actionFilter') ?? 'none').toLowerCase();
  if (!['none', 'manage', 'use'].includes(actionRaw)) return badParam('actionFilter', q.get('actionFilter')!);
  const orderRaw = (q.get('queryOrder') ?? 'idDescending').toLowerCase();
  if (!['iddescending', 'idascending'].includes(orderRaw)) return badParam('queryOrder', q.get('queryOrder')!);
  const asc = orderRaw === 'idascending';
  let top = Infinity;
  const topRaw = q.get('$top');
  if (topRaw) {
    if (!/^\d+$/.test(topRaw)) return badParam('$top', topRaw);
    if (Number(topRaw) > 0) top = Number(topRaw);
  }
  let from: number | undefined;
  const ctRaw = q.get('continuationToken');
  if (ctRaw) {
    if (!/^\d+$/.test(ctRaw)) return badParam('continuationToken', ctRaw);
    from = Number(ctRaw);
  }
  const minRole = actionRaw === 'manage' ? ROLE_RANK.Administrator : actionRaw === 'use' ? ROLE_RANK.User : ROLE_RANK.Reader;

  const matches = [...store.of(org).values()]
    .filter((g) => g.projectRefs.some((r) => r.projectId === project.id))
    .filter((g) => ROLE_RANK[roleOf(call, g)] >= minRole)
    .filter((g) => !ids || ids.includes(g.id))
    .filter((g) => !nameRe || nameRe.test(g.name))
    .filter((g) => from === undefined || (asc ? g.id >= from : g.id <= from))
    .sort((a, b) => (asc ? a.id - b.id : b.id - a.id));
  const page = matches.slice(0, top);
  const extra: Record<string, string> = {};
  if (matches.length > page.length) extra['X-MS-ContinuationToken'] = String(matches[page.length]!.id);
  return ctx.json(200, { count: page.length, value: page.map((g) => groupJson(store, org, g, true)) }, extra);
}

function handleUpdate(call: VgCall, req: EmuRequest, idRaw: string, projectName: string | undefined): EmuResponse {
  const { ctx, store, org } = call;
  const orgLevel = projectName === undefined;
  if (orgLevel !== call.version >= ORG_LEVEL_FROM - 1e-9) return versionRouteMismatch(call, orgLevel);
  let project: Project | undefined;
  if (!orgLevel) {
    project = store.dir.findProject(org, projectName);
    if (!project) return projectNotFound(ctx, projectName);
  }
  const id = parseGroupId(idRaw);
  if (id === null) return vssError(ctx, 400, 'ArgumentException', `The value '${idRaw}' is not valid for groupId.`, { eventId: 0 });
  const body = readJsonObject(ctx, req);
  if (!body.ok) return body.response;
  const g = store.of(org).get(id);
  if (!g || (project && !g.projectRefs.some((r) => r.projectId === project!.id)) || roleOf(call, g) === 'none') return groupNotFound(ctx, id);
  const params = readGroupParams(ctx, body.value);
  if (!params.ok) return params.response;
  let refs: ProjectRef[] | undefined;
  if (orgLevel) {
    const r = readProjectRefs(call, params.value.refs, params.value.name, params.value.description);
    if (!r.ok) return r.response;
    refs = r.value;
  }
  if (roleOf(call, g) !== 'Administrator') return accessDenied(call, g, 'update');
  const linked = checkLinkedUpdate(ctx, g, params.value);
  if (linked) return linked;

  const merged = g.type === LINKED ? mergeLinkedVariables(g.variables, params.value.variables) : mergeVariables(g.variables, params.value.variables);
  g.name = params.value.name;
  g.description = params.value.description;
  g.variables = merged;
  g.modifiedBy = call.identity;
  g.modifiedOn = store.core.clock.now();
  if (refs) g.projectRefs = refs;
  store.remember(merged.values());
  return ctx.json(200, groupJson(store, org, g, false));
}

function handleCreate(call: VgCall, req: EmuRequest, projectName: string | undefined): EmuResponse {
  const { ctx, store, org } = call;
  const orgLevel = projectName === undefined;
  if (orgLevel !== call.version >= ORG_LEVEL_FROM - 1e-9) return versionRouteMismatch(call, orgLevel);
  let project: Project | undefined;
  if (!orgLevel) {
    project = store.dir.findProject(org, projectName);
    if (!project) return projectNotFound(ctx, projectName);
  }
  const body = readJsonObject(ctx, req);
  if (!body.ok) return body.response;
  const params = readGroupParams(ctx, body.value);
  if (!params.ok) return params.response;
  if (params.value.type === LINKED) {
    return bad(ctx, `Creating a variable group of type '${LINKED}' through the API is not served by this emulator; seed it with control.variableGroups.add.`).response;
  }
  let refs: ProjectRef[];
  if (orgLevel) {
    const r = readProjectRefs(call, params.value.refs, params.value.name, params.value.description);
    if (!r.ok) return r.response;
    refs = r.value;
  } else {
    refs = [{ projectId: project!.id, name: params.value.name, description: params.value.description }];
  }
  if (call.principal.kind === 'job') {
    return vssError(ctx, 403, 'AccessDeniedException', `Access denied. ${call.identity.displayName} needs the Creator role in the Library to create variable groups.`);
  }
  const clash = [...store.of(org).values()].find(
    (g) => g.name.toLowerCase() === params.value.name.toLowerCase() && g.projectRefs.some((r) => refs.some((x) => x.projectId === r.projectId)),
  );
  if (clash) return vssError(ctx, 409, 'VariableGroupExistsException', `Variable group with name '${params.value.name}' already exists.`);

  const now = store.core.clock.now();
  const g: VariableGroup = {
    id: store.allocateId(org),
    orgId: org.id,
    name: params.value.name,
    description: params.value.description,
    type: 'Vsts',
    variables: mergeVariables(undefined, params.value.variables),
    createdBy: call.identity,
    createdOn: now,
    modifiedBy: call.identity,
    modifiedOn: now,
    projectRefs: refs,
    // The creator of a Library asset is its Administrator.
    roles: new Map([[objectIdOf(call.principal), 'Administrator' as LibraryRole]]),
  };
  store.of(org).set(g.id, g);
  store.remember(g.variables.values());
  return ctx.json(200, groupJson(store, org, g, false));
}

function handleDelete(call: VgCall, req: EmuRequest, idRaw: string): EmuResponse {
  const { ctx, store, org } = call;
  const id = parseGroupId(idRaw);
  if (id === null) return vssError(ctx, 400, 'ArgumentException', `The value '${idRaw}' is not valid for groupId.`, { eventId: 0 });
  const projectIds = (req.query.get('projectIds') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (projectIds.length === 0) return vssError(ctx, 400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: projectIds', { eventId: 0 });
  const g = store.of(org).get(id);
  if (!g || roleOf(call, g) === 'none') return groupNotFound(ctx, id);
  if (roleOf(call, g) !== 'Administrator') return accessDenied(call, g, 'delete');
  g.projectRefs = g.projectRefs.filter((r) => !projectIds.includes(r.projectId));
  if (g.projectRefs.length === 0) store.of(org).delete(id);
  return ctx.empty(204);
}

// --- routes -------------------------------------------------------------------------------------------------

function vgRoute(
  core: EmulatorCore,
  name: string,
  method: string,
  shape: { project: boolean; id: boolean },
  needed: Needed,
  handler: (call: VgCall, req: EmuRequest, p: Record<string, string>) => EmuResponse,
): Route {
  return {
    service: 'variableGroups',
    name,
    method,
    match: (req) => matchOrgPath(core, req, VG_PATH, shape),
    handle(req, params) {
      const call = admit(core, req, params['org']!, needed);
      if (!('ctx' in call)) return call;
      return withDelayHeaders(core, call.store.throttle, handler(call, req, params));
    },
  };
}

// --- control ----------------------------------------------------------------------------------------------

export interface VariableGroupSideView {
  id: number;
  name: string;
  description: string | null;
  type: VariableGroupType;
  /** Only for a group linked to Key Vault. */
  providerData?: { serviceEndpointId: string; vault: string };
  /** Real values, secrets included. */
  variables: Record<string, { value: string; isSecret: boolean; isReadOnly: boolean }>;
  projectReferences: Array<{ projectId: string; projectName: string; name: string; description: string | null }>;
  sharedWith: string[];
  roles: Record<string, LibraryRole>;
  createdBy: IdentityInfo;
  createdOn: string;
  modifiedBy: IdentityInfo;
  modifiedOn: string;
}

type SeedVariable = string | { value: string; isSecret?: boolean; isReadOnly?: boolean };
/** A secret of the linked vault: its name is the key; the attributes are what the vault reports. */
type SeedLinkedSecret = { enabled?: boolean; contentType?: string; expires?: string };

function controlApi(store: GroupStore) {
  const { core, dir } = store;
  const seedIdentity: IdentityInfo = { id: '00000000-0000-0000-0000-000000000000', displayName: 'Emulator Seed', uniqueName: 'seed@emulator.test' };
  const find = (org: string, id: number): [Organization, VariableGroup] => {
    const o = dir.requireOrg(org);
    const g = store.of(o).get(id);
    if (!g) throw new Error(`variableGroups: no group ${id} in ${o.name}`);
    return [o, g];
  };
  return {
    add(
      org: string,
      project: string,
      opts: {
        name: string;
        description?: string;
        variables: Record<string, SeedVariable>;
        sharedWith?: string[];
        administrators?: string[];
        createdBy?: string;
        /** A group linked to Key Vault (type AzureKeyVault): `variables` is then ignored for `secrets`. */
        keyVault?: { serviceEndpointId: string; vault: string; secrets: Record<string, SeedLinkedSecret> };
      },
    ): number {
      const o = dir.requireOrg(org);
      const projects = [project, ...(opts.sharedWith ?? [])].map((n) => {
        const p = dir.findProject(o, n);
        if (!p) throw new Error(`variableGroups.add: no project ${n} in ${o.name}`);
        return p;
      });
      const vars = Object.entries(opts.variables ?? {}).map(([name, v]) => {
        const o2 = typeof v === 'string' ? { value: v } : v;
        return { name, value: o2.value, isSecret: !!o2.isSecret, isReadOnly: !!o2.isReadOnly };
      });
      const linked = opts.keyVault;
      const creatorUser = opts.createdBy ? core.users.get(opts.createdBy) : undefined;
      const creator: IdentityInfo = creatorUser ? { id: creatorUser.userId, displayName: creatorUser.displayName, uniqueName: creatorUser.upn } : seedIdentity;
      const now = core.clock.now();
      const g: VariableGroup = {
        id: store.allocateId(o),
        orgId: o.id,
        name: opts.name,
        description: opts.description ?? null,
        type: linked ? LINKED : 'Vsts',
        ...(linked ? { providerData: { serviceEndpointId: linked.serviceEndpointId, vault: linked.vault, lastRefreshedOn: now } } : {}),
        variables: linked
          ? new Map(
              Object.entries(linked.secrets).map(([name, a]) => [
                name.toLowerCase(),
                { name, value: '', isSecret: true, isReadOnly: false, keyVault: { enabled: a.enabled ?? true, contentType: a.contentType ?? null, expires: a.expires ? Date.parse(a.expires) : null } },
              ]),
            )
          : mergeVariables(undefined, vars),
        createdBy: creator,
        createdOn: now,
        modifiedBy: creator,
        modifiedOn: now,
        projectRefs: [...new Map(projects.map((p) => [p.id, p])).values()].map((p) => ({ projectId: p.id, name: opts.name, description: opts.description ?? null })),
        roles: new Map((opts.administrators ?? []).map((id) => [id.toLowerCase(), 'Administrator' as LibraryRole])),
      };
      if (opts.createdBy) g.roles.set(opts.createdBy.toLowerCase(), 'Administrator');
      store.of(o).set(g.id, g);
      store.remember(g.variables.values());
      return g.id;
    },
    get(org: string, id: number): VariableGroupSideView | undefined {
      const o = dir.requireOrg(org);
      const g = store.of(o).get(Number(id));
      if (!g) return undefined;
      const variables: VariableGroupSideView['variables'] = {};
      for (const v of g.variables.values()) variables[v.name] = { value: v.value, isSecret: v.isSecret, isReadOnly: v.isReadOnly };
      const refs = g.projectRefs.map((r) => ({ projectId: r.projectId, projectName: dir.projectById(o, r.projectId)?.name ?? '', name: r.name, description: r.description }));
      return {
        id: g.id,
        name: g.name,
        description: g.description,
        type: g.type,
        ...(g.providerData ? { providerData: { serviceEndpointId: g.providerData.serviceEndpointId, vault: g.providerData.vault } } : {}),
        variables,
        projectReferences: refs,
        sharedWith: refs.map((r) => r.projectName),
        roles: Object.fromEntries(g.roles),
        createdBy: { ...g.createdBy },
        createdOn: formatDevOpsDate(g.createdOn),
        modifiedBy: { ...g.modifiedBy },
        modifiedOn: formatDevOpsDate(g.modifiedOn),
      };
    },
    list(org: string): Array<{ id: number; name: string; sharedWith: string[] }> {
      const o = dir.requireOrg(org);
      return [...store.of(o).values()].map((g) => ({ id: g.id, name: g.name, sharedWith: g.projectRefs.map((r) => dir.projectById(o, r.projectId)?.name ?? r.projectId) }));
    },
    /** Sets a principal's Library role on the group; `'none'` removes the explicit assignment. */
    grant(org: string, id: number, objectId: string, role: LibraryRole | 'none'): void {
      const [, g] = find(org, Number(id));
      if (role === 'none') g.roles.delete(objectId.toLowerCase());
      else if (ROLE_RANK[role] === undefined) throw new Error(`variableGroups.grant: unknown role ${role}`);
      else g.roles.set(objectId.toLowerCase(), role);
    },
    remove(org: string, id: number): boolean {
      const o = dir.requireOrg(org);
      return store.of(o).delete(Number(id));
    },
    throttle(opts?: { delayed?: boolean; blocked?: boolean; retryAfterSeconds?: number }): ThrottleState {
      return setThrottle(store.throttle, opts);
    },
  };
}

export function register(core: EmulatorCore): void {
  const store = groupStore(core);
  core.addRoute(vgRoute(core, 'variableGroups.get', 'GET', { project: true, id: true }, 'read', (c, _r, p) => handleGet(c, p['project']!, p['id']!)));
  core.addRoute(vgRoute(core, 'variableGroups.list', 'GET', { project: true, id: false }, 'read', (c, r, p) => handleList(c, p['project']!, r)));
  core.addRoute(vgRoute(core, 'variableGroups.update', 'PUT', { project: false, id: true }, 'manage', (c, r, p) => handleUpdate(c, r, p['id']!, undefined)));
  core.addRoute(vgRoute(core, 'variableGroups.updateProject', 'PUT', { project: true, id: true }, 'manage', (c, r, p) => handleUpdate(c, r, p['id']!, p['project']!)));
  core.addRoute(vgRoute(core, 'variableGroups.create', 'POST', { project: false, id: false }, 'write', (c, r) => handleCreate(c, r, undefined)));
  core.addRoute(vgRoute(core, 'variableGroups.createProject', 'POST', { project: true, id: false }, 'write', (c, r, p) => handleCreate(c, r, p['project']!)));
  core.addRoute(vgRoute(core, 'variableGroups.delete', 'DELETE', { project: false, id: true }, 'manage', (c, r, p) => handleDelete(c, r, p['id']!)));
  core.extendControl('variableGroups', controlApi(store));
}
