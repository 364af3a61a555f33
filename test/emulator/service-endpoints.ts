/**
 * Emulated Azure DevOps service endpoints (service connections), as serviceEndpoint 7.1 and its examples show them
 * (spec §8): project-scoped GET by id and list by `endpointNames` or `endpointIds` (with `actionFilter`), organization-scoped PUT of the whole endpoint,
 * secret authorization parameters always answered as null, and per-connection roles (User / Administrator).
 *
 * PUT rules modelled (documented or reported, spec §8): a body without `url` is refused ("Value cannot be null.
 * Parameter name: endpoint.Url"), a body without a project reference is refused; the body replaces the endpoint. A
 * secret parameter sent as null keeps its stored value (the GET shows it as null, and clients send it back so);
 * a secret parameter left out of the body is gone, as the whole authorization is replaced. The product must send
 * every parameter it means to keep.
 *
 * Create (POST, organization-scoped, spec `Endpoints_Create`): the body names its projects in
 * `serviceEndpointProjectReferences`; the creator becomes the connection's Administrator (as the service makes the
 * creator an administrator); a name already used in one of those projects is refused (400, DuplicateServiceConnection).
 *
 * `control.serviceEndpoints.editInPortal` plays a person saving the connection in the portal: the form sends the
 * description as edited and rebuilds `data` from the type's declared inputs, so keys a type does not declare are lost.
 */
import { AZURE_DEVOPS_RESOURCE, BadJsonError, type EmulatorCore, type EmuRequest, type EmuResponse, type Principal, type Route } from './types';
import { DevOpsContext, negotiateApiVersion, vssError, type ApiVersionRules } from './devops-errors';
import { devopsDirectory, matchOrgPath, type DevOpsDirectory, type Organization, type Project } from './devops-orgs';
import { scopesAllow } from './scopes';

/**
 * Roles per connection. `Reader` may view it: its GET answers without `serviceEndpointProjectReferences` (a caller
 * without the permission gets no project references, terraform-provider-azuredevops PR #824). `None`: no view
 * permission; the GET answers only `{ name, id }`.
 */
export type EndpointRole = 'None' | 'Reader' | 'User' | 'Administrator';

/** The service's limit on a connection's description, top level and per project reference. */
export const DESCRIPTION_MAX = 1024;

/** Per type: the `data` keys its definition declares (what the portal's form keeps) and its secret parameters. */
const TYPES: Record<string, { data: string[] }> = {
  externaltfs: { data: [] },
  externalnugetfeed: { data: [] },
  externalnpmregistry: { data: [] },
  git: { data: ['accessExternalGitServer'] },
  generic: { data: [] },
  azurerm: { data: ['environment', 'scopeLevel', 'subscriptionId', 'subscriptionName', 'creationMode'] },
  github: { data: [] },
  // The extension's own type (vss-extension.json): scheme None with its declared inputs, no data.
  'patlifecycle-signin': { data: [] },
  // What the dev package (scripts/package.mjs --dev) contributes instead.
  'patlifecycle-signin-dev': { data: [] },
};
/** Secret parameters by name; the last three are the confidential inputs the patlifecycle-signin type declares. */
const SECRET_PARAMETERS = new Set(['apitoken', 'password', 'nugetkey', 'serviceprincipalkey', 'accesstoken', 'refreshtoken', 'clientsecret', 'clientcertificate']);

interface StoredEndpoint {
  id: string;
  name: string;
  type: string;
  url: string;
  description: string;
  scheme: string;
  /** Real values, secrets included, in the order and spelling last written. */
  parameters: Array<[string, string]>;
  data: Record<string, string>;
  owner: string;
  isReady: boolean;
  createdBy: { displayName: string; id: string; uniqueName: string };
  /** Projects that see it, with the name and description each project shows. */
  projectRefs: Array<{ projectId: string; name: string; description: string }>;
  /** Roles granted for the whole connection (organization level). */
  roles: Map<string, EndpointRole>;
  /** Roles granted in one project of a shared connection: projectId -> objectId -> role. */
  projectRoles: Map<string, Map<string, EndpointRole>>;
}

class EndpointStore {
  readonly byOrg = new Map<string, Map<string, StoredEndpoint>>();
  constructor(
    readonly core: EmulatorCore,
    readonly dir: DevOpsDirectory,
  ) {}

  of(org: Organization): Map<string, StoredEndpoint> {
    let m = this.byOrg.get(org.id);
    if (!m) this.byOrg.set(org.id, (m = new Map()));
    return m;
  }

  remember(e: StoredEndpoint): void {
    for (const [k, v] of e.parameters) if (SECRET_PARAMETERS.has(k.toLowerCase()) && v) this.core.recordSecret(v);
  }
}

const stores = new WeakMap<EmulatorCore, EndpointStore>();
function endpointStore(core: EmulatorCore): EndpointStore {
  let s = stores.get(core);
  if (!s) stores.set(core, (s = new EndpointStore(core, devopsDirectory(core))));
  return s;
}

const VERSIONS: ApiVersionRules = { min: 4.1, max: 7.2, gaFrom: 7.1, maxResourceVersion: () => 4, defaultForGet: '7.1' };
const PATH = /^\/([^/]+)\/(?:([^/]+)\/)?_apis\/serviceendpoint\/endpoints(?:\/([^/]+))?\/?$/i;

interface Call {
  ctx: DevOpsContext;
  store: EndpointStore;
  org: Organization;
  principal: Principal;
}

function objectIdOf(p: Principal): string {
  return (p.kind === 'pat' ? p.userId : p.objectId).toLowerCase();
}

/**
 * Project members are Users of the project's connections unless given another role; a role granted in a project of a
 * shared connection wins there over the connection-wide one.
 */
function roleOf(call: Call, e: StoredEndpoint, projectId?: string): EndpointRole {
  const who = objectIdOf(call.principal);
  return (projectId ? e.projectRoles.get(projectId)?.get(who) : undefined) ?? e.roles.get(who) ?? 'User';
}

/** A PUT of a shared connection needs the Administrator role in every project that references it. */
function projectsNotAdministered(call: Call, e: StoredEndpoint): string[] {
  return e.projectRefs.filter((r) => roleOf(call, e, r.projectId) !== 'Administrator').map((r) => call.store.dir.projectById(call.org, r.projectId)?.name ?? r.projectId);
}

function admit(core: EmulatorCore, req: EmuRequest, orgName: string, needed: 'serviceendpoint' | 'serviceendpoint_manage'): Call | EmuResponse {
  const store = endpointStore(core);
  const ctx = new DevOpsContext(core, req);
  const org = store.dir.findOrg(orgName);
  if (!org) return vssError(ctx, 404, 'HostDoesNotExistException', `The organization '${orgName}' does not exist.`);
  const check = core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
  if (!check.ok) return ctx.signIn();
  const principal = check.principal;
  if (principal.kind === 'job' && !store.dir.jobBelongsTo(principal, org)) return ctx.signIn();
  ctx.principal = principal;
  const v = negotiateApiVersion(ctx, VERSIONS);
  if (!v.ok) return v.response;
  if (principal.kind === 'user' && principal.scopes.length > 0 && !scopesAllow(principal.scopes, `vso.${needed}`)) {
    return vssError(ctx, 401, 'UnauthorizedRequestException', `TF400813: The user '${principal.userId}' is not authorized to access this resource.`);
  }
  return { ctx, store, org, principal };
}

/**
 * The endpoint as a project sees it: its name and description are that project's reference's (a shared connection has
 * a name and description per project; clients read `description` at the top level, terraform-provider-azuredevops
 * PR #824). `role` thins the answer for callers who may not see all of it.
 */
function endpointJson(store: EndpointStore, org: Organization, e: StoredEndpoint, project?: Project, role: EndpointRole = 'User'): object {
  const ref = project ? e.projectRefs.find((r) => r.projectId === project.id) : undefined;
  if (role === 'None') return { name: ref?.name ?? e.name, id: e.id };
  const full = {
    data: { ...e.data },
    id: e.id,
    name: ref?.name ?? e.name,
    type: e.type,
    url: e.url,
    createdBy: { ...e.createdBy },
    description: ref?.description ?? e.description,
    authorization: { parameters: Object.fromEntries(e.parameters.map(([k, v]) => [k, SECRET_PARAMETERS.has(k.toLowerCase()) ? null : v])), scheme: e.scheme },
    isShared: e.projectRefs.length > 1,
    isReady: e.isReady,
    owner: e.owner,
    serviceEndpointProjectReferences: e.projectRefs.map((r) => ({ projectReference: { id: r.projectId, name: store.dir.projectById(org, r.projectId)?.name ?? '' }, name: r.name, description: r.description })),
  };
  if (role !== 'Reader') return full;
  const { serviceEndpointProjectReferences: _hidden, ...withoutReferences } = full;
  return withoutReferences;
}

function notFound(call: Call, id: string): EmuResponse {
  return vssError(call.ctx, 404, 'ServiceEndpointNotFoundException', `Service endpoint with id ${id} does not exist or you do not have access to it.`);
}

function handleGet(call: Call, projectName: string, id: string): EmuResponse {
  const project = call.store.dir.findProject(call.org, projectName);
  if (!project) return vssError(call.ctx, 404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${projectName}.`);
  const e = call.store.of(call.org).get(id.toLowerCase());
  if (!e || !e.projectRefs.some((r) => r.projectId === project.id)) return notFound(call, id);
  return call.ctx.json(200, endpointJson(call.store, call.org, e, project, roleOf(call, e, project.id)));
}

function handleList(call: Call, projectName: string, req: EmuRequest): EmuResponse {
  const project = call.store.dir.findProject(call.org, projectName);
  if (!project) return vssError(call.ctx, 404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${projectName}.`);
  const names = req.query.get('endpointNames');
  const wanted = names === null ? undefined : names.split(',').map((n) => n.trim().toLowerCase());
  const idsRaw = req.query.get('endpointIds');
  const ids = idsRaw === null ? undefined : idsRaw.split(',').map((n) => n.trim().toLowerCase());
  // actionFilter (spec: none/manage/use/view): `manage` lists only the connections the caller administers.
  const action = (req.query.get('actionFilter') ?? 'none').toLowerCase();
  if (!['none', 'manage', 'use', 'view'].includes(action)) return bad(call, `The value '${req.query.get('actionFilter')}' is not valid for actionFilter.`);
  const found = [...call.store.of(call.org).values()].filter((e) => {
    const ref = e.projectRefs.find((r) => r.projectId === project.id);
    return ref && (!wanted || wanted.includes(ref.name.toLowerCase())) && (!ids || ids.includes(e.id.toLowerCase())) && (action !== 'manage' || roleOf(call, e, project.id) === 'Administrator');
  });
  return call.ctx.json(200, { count: found.length, value: found.map((e) => endpointJson(call.store, call.org, e, project, roleOf(call, e, project.id))) });
}

function bad(call: Call, message: string, typeKey = 'ArgumentException'): EmuResponse {
  return vssError(call.ctx, 400, typeKey, message, { eventId: 0 });
}

/** The endpoint in a PUT or POST body, or the error the service answers when there is none. */
function endpointBody(call: Call, req: EmuRequest): { body: Record<string, unknown>; error?: undefined } | { body?: undefined; error: EmuResponse } {
  let body: Record<string, unknown> | undefined;
  try {
    body = req.json<Record<string, unknown>>();
  } catch (err) {
    if (err instanceof BadJsonError) return { error: bad(call, `TF400898: An Internal Error Occurred. Activity Id: ${call.ctx.activityId}.`, 'JsonReaderException') };
    throw err;
  }
  if (!body || typeof body !== 'object') return { error: bad(call, 'Value cannot be null.\r\nParameter name: endpoint', 'ArgumentNullException') };
  return { body };
}

/**
 * Descriptions are trimmed and limited to DESCRIPTION_MAX characters, top level and per reference (the service's
 * DistributedTask validation does so for project references; terraform-provider-azuredevops validates 0..1024).
 */
function descriptionProblem(call: Call, body: Record<string, unknown>, refs: unknown[]): EmuResponse | undefined {
  const tooLong = (v: unknown) => typeof v === 'string' && v.trim().length > DESCRIPTION_MAX;
  const refAt = refs.findIndex((r) => tooLong((r as { description?: unknown } | null)?.description));
  const at = tooLong(body['description']) ? 'endpoint.Description' : refAt >= 0 ? `endpoint.ServiceEndpointProjectReferences[${refAt}].Description` : undefined;
  if (!at) return undefined;
  return bad(call, `The string argument ${at} is longer than the maximum of ${DESCRIPTION_MAX} characters.\r\nParameter name: ${at}`);
}

const trimmed = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

function handleUpdate(call: Call, req: EmuRequest, id: string): EmuResponse {
  const { store, org } = call;
  const { body, error } = endpointBody(call, req);
  if (error) return error;
  const e = store.of(org).get(id.toLowerCase());
  if (!e) return notFound(call, id);
  if (typeof body['url'] !== 'string' || !body['url']) return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.Url', 'ArgumentNullException');
  const refs = body['serviceEndpointProjectReferences'];
  if (!Array.isArray(refs) || refs.length === 0) return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.ServiceEndpointProjectReferences', 'ArgumentNullException');
  const missing = projectsNotAdministered(call, e);
  if (missing.length > 0) {
    return vssError(call.ctx, 403, 'AccessDeniedException', `Access denied. The caller needs the Administrator role on service endpoint '${e.name}' (${e.id}) in project(s) ${missing.join(', ')} to update it.`);
  }
  const tooLong = descriptionProblem(call, body, refs);
  if (tooLong) return tooLong;
  if (typeof body['type'] === 'string' && body['type'].toLowerCase() !== e.type.toLowerCase()) return bad(call, `The type of service endpoint '${e.name}' cannot be changed.`);
  const auth = body['authorization'] as { scheme?: unknown; parameters?: Record<string, unknown> | null } | undefined;
  if (!auth || typeof auth.scheme !== 'string') return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.Authorization', 'ArgumentNullException');
  const projectRefs: StoredEndpoint['projectRefs'] = [];
  for (const r of refs as Array<{ projectReference?: { id?: string; name?: string }; name?: string; description?: string }>) {
    const p = r.projectReference?.id ? store.dir.projectById(org, r.projectReference.id) : r.projectReference?.name ? store.dir.findProject(org, r.projectReference.name) : undefined;
    if (!p) return bad(call, 'Project reference of the service endpoint is not valid.');
    projectRefs.push({ projectId: p.id, name: typeof r.name === 'string' && r.name ? r.name : String(body['name'] ?? e.name), description: trimmed(r.description) });
  }
  const old = new Map(e.parameters.map(([k, v]) => [k.toLowerCase(), v]));
  const parameters: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(auth.parameters ?? {})) {
    if (v === null || v === undefined) {
      // The GET shows secrets as null; null sent back keeps the stored value.
      if (old.has(k.toLowerCase())) parameters.push([k, old.get(k.toLowerCase())!]);
      continue;
    }
    parameters.push([k, String(v)]);
  }
  e.name = typeof body['name'] === 'string' && body['name'] ? body['name'] : e.name;
  e.url = body['url'];
  e.description = trimmed(body['description']);
  e.scheme = auth.scheme;
  e.parameters = parameters;
  e.data = Object.fromEntries(Object.entries((body['data'] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]));
  e.owner = typeof body['owner'] === 'string' ? body['owner'] : e.owner;
  e.projectRefs = projectRefs;
  store.remember(e);
  return call.ctx.json(200, endpointJson(store, org, e));
}

function handleCreate(call: Call, req: EmuRequest): EmuResponse {
  const { store, org } = call;
  const { body, error } = endpointBody(call, req);
  if (error) return error;
  const name = body['name'];
  const type = body['type'];
  if (typeof name !== 'string' || !name) return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.Name', 'ArgumentNullException');
  if (typeof type !== 'string' || !TYPES[type.toLowerCase()]) return bad(call, `Service endpoint type '${String(type)}' is not supported.`);
  if (typeof body['url'] !== 'string' || !body['url']) return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.Url', 'ArgumentNullException');
  const auth = body['authorization'] as { scheme?: unknown; parameters?: Record<string, unknown> | null } | undefined;
  if (!auth || typeof auth.scheme !== 'string') return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.Authorization', 'ArgumentNullException');
  const refs = body['serviceEndpointProjectReferences'];
  if (!Array.isArray(refs) || refs.length === 0) return bad(call, 'Value cannot be null.\r\nParameter name: endpoint.ServiceEndpointProjectReferences', 'ArgumentNullException');
  const tooLong = descriptionProblem(call, body, refs);
  if (tooLong) return tooLong;
  const projectRefs: StoredEndpoint['projectRefs'] = [];
  for (const r of refs as Array<{ projectReference?: { id?: string; name?: string }; name?: string; description?: string }>) {
    const p = r.projectReference?.id ? store.dir.projectById(org, r.projectReference.id) : r.projectReference?.name ? store.dir.findProject(org, r.projectReference.name) : undefined;
    if (!p) return bad(call, 'Project reference of the service endpoint is not valid.');
    const refName = typeof r.name === 'string' && r.name ? r.name : name;
    const taken = [...store.of(org).values()].some((e) => e.projectRefs.some((x) => x.projectId === p.id && x.name.toLowerCase() === refName.toLowerCase()));
    if (taken) return bad(call, `A service connection named '${refName}' already exists in project ${p.name}.`, 'DuplicateServiceConnectionException');
    projectRefs.push({ projectId: p.id, name: refName, description: trimmed(r.description) });
  }
  const creator = objectIdOf(call.principal);
  const id = store.core.newGuid().toLowerCase();
  const e: StoredEndpoint = {
    id,
    name,
    type,
    url: body['url'],
    description: trimmed(body['description']),
    scheme: auth.scheme,
    parameters: Object.entries(auth.parameters ?? {}).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, String(v)] as [string, string]])),
    data: Object.fromEntries(Object.entries((body['data'] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)])),
    owner: typeof body['owner'] === 'string' ? body['owner'] : 'Library',
    isReady: true,
    createdBy: { displayName: creator, id: creator, uniqueName: creator },
    projectRefs,
    roles: new Map([[creator, 'Administrator' as EndpointRole]]),
    projectRoles: new Map(),
  };
  store.of(org).set(id, e);
  store.remember(e);
  return call.ctx.json(200, endpointJson(store, org, e));
}

function route(core: EmulatorCore, name: string, method: string, shape: { project: boolean; id: boolean }, needed: 'serviceendpoint' | 'serviceendpoint_manage', handler: (call: Call, req: EmuRequest, p: Record<string, string>) => EmuResponse): Route {
  return {
    service: 'serviceEndpoints',
    name,
    method,
    match: (req) => matchOrgPath(core, req, PATH, shape),
    handle(req, params) {
      const call = admit(core, req, params['org']!, needed);
      if (!('ctx' in call)) return call;
      return handler(call, req, params);
    },
  };
}

/** An endpoint with its real values, secrets included, for tests to look at. */
export type ServiceEndpointSideView = Omit<StoredEndpoint, 'parameters' | 'roles' | 'projectRoles' | 'createdBy' | 'projectRefs'> & {
  parameters: Record<string, string>;
  projectReferences: StoredEndpoint['projectRefs'];
  roles: Record<string, EndpointRole>;
};

function controlApi(store: EndpointStore) {
  const { core, dir } = store;
  const find = (org: string, id: string): StoredEndpoint => {
    const e = store.of(dir.requireOrg(org)).get(id.toLowerCase());
    if (!e) throw new Error(`serviceEndpoints: no endpoint ${id} in ${org}`);
    return e;
  };
  return {
    add(
      org: string,
      project: string,
      opts: { name: string; type: string; url: string; scheme: string; parameters: Record<string, string>; data?: Record<string, string>; description?: string; sharedWith?: string[]; administrators?: string[]; users?: string[] },
    ): string {
      const o = dir.requireOrg(org);
      const projects = [project, ...(opts.sharedWith ?? [])].map((n) => {
        const p = dir.findProject(o, n);
        if (!p) throw new Error(`serviceEndpoints.add: no project ${n} in ${o.name}`);
        return p;
      });
      if (!TYPES[opts.type.toLowerCase()]) throw new Error(`serviceEndpoints.add: type ${opts.type} is not modelled`);
      const id = core.newGuid().toLowerCase();
      const e: StoredEndpoint = {
        id,
        name: opts.name,
        type: opts.type,
        url: opts.url,
        description: opts.description ?? '',
        scheme: opts.scheme,
        parameters: Object.entries(opts.parameters),
        data: { ...(opts.data ?? {}) },
        owner: 'Library',
        isReady: true,
        createdBy: { displayName: 'Emulator Seed', id: '00000000-0000-0000-0000-000000000000', uniqueName: 'seed@emulator.test' },
        projectRefs: projects.map((p) => ({ projectId: p.id, name: opts.name, description: opts.description ?? '' })),
        roles: new Map([...(opts.administrators ?? []).map((a) => [a.toLowerCase(), 'Administrator' as EndpointRole] as const), ...(opts.users ?? []).map((u) => [u.toLowerCase(), 'User' as EndpointRole] as const)]),
        projectRoles: new Map(),
      };
      store.of(o).set(id, e);
      store.remember(e);
      return id;
    },
    get(org: string, id: string): ServiceEndpointSideView {
      const e = find(org, id);
      return {
        id: e.id,
        name: e.name,
        type: e.type,
        url: e.url,
        description: e.description,
        scheme: e.scheme,
        parameters: Object.fromEntries(e.parameters),
        data: { ...e.data },
        owner: e.owner,
        isReady: e.isReady,
        projectReferences: e.projectRefs.map((r) => ({ ...r })),
        roles: Object.fromEntries(e.roles),
      };
    },
    /** The endpoint as the GET answers it in `project` (secrets null): what a test compares field by field. */
    answer(org: string, project: string, id: string): Record<string, unknown> {
      const o = dir.requireOrg(org);
      return endpointJson(store, o, find(org, id), dir.findProject(o, project)) as Record<string, unknown>;
    },
    /** A role on the connection; with `project`, only in that project (a shared connection's per-project security). */
    grant(org: string, id: string, objectId: string, role: EndpointRole, project?: string): void {
      const e = find(org, id);
      if (!project) {
        e.roles.set(objectId.toLowerCase(), role);
        return;
      }
      const p = dir.findProject(dir.requireOrg(org), project);
      if (!p) throw new Error(`serviceEndpoints.grant: no project ${project} in ${org}`);
      let m = e.projectRoles.get(p.id);
      if (!m) e.projectRoles.set(p.id, (m = new Map()));
      m.set(objectId.toLowerCase(), role);
    },
    /**
     * A person saves the connection in the portal: the description as they typed it, and `data` rebuilt from the
     * inputs the type declares (keys it does not declare are dropped); secrets are kept, as the form does not show them.
     */
    editInPortal(org: string, id: string, edit: { description?: (old: string) => string; name?: string; project?: string }): void {
      const e = find(org, id);
      // The form is opened in one project: it shows and saves that project's reference (and the top level with it).
      const o = dir.requireOrg(org);
      const projectId = edit.project ? dir.findProject(o, edit.project)?.id : e.projectRefs[0]?.projectId;
      const ref = e.projectRefs.find((r) => r.projectId === projectId);
      if (edit.description) {
        e.description = edit.description(ref?.description ?? e.description);
        if (ref) ref.description = e.description;
      }
      if (edit.name) e.name = edit.name;
      const declared = TYPES[e.type.toLowerCase()]?.data ?? [];
      e.data = Object.fromEntries(Object.entries(e.data).filter(([k]) => declared.some((d) => d.toLowerCase() === k.toLowerCase())));
    },
  };
}

export function register(core: EmulatorCore): void {
  const store = endpointStore(core);
  core.addRoute(route(core, 'serviceEndpoints.get', 'GET', { project: true, id: true }, 'serviceendpoint', (c, _r, p) => handleGet(c, p['project']!, p['id']!)));
  core.addRoute(route(core, 'serviceEndpoints.list', 'GET', { project: true, id: false }, 'serviceendpoint', (c, r, p) => handleList(c, p['project']!, r)));
  core.addRoute(route(core, 'serviceEndpoints.create', 'POST', { project: false, id: false }, 'serviceendpoint_manage', (c, r) => handleCreate(c, r)));
  core.addRoute(route(core, 'serviceEndpoints.update', 'PUT', { project: false, id: true }, 'serviceendpoint_manage', (c, r, p) => handleUpdate(c, r, p['id']!)));
  core.extendControl('serviceEndpoints', controlApi(store));
}
