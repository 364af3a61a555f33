/**
 * Service endpoints (service connections): read one in a project, find one by name, and write it back whole. The PUT
 * replaces the endpoint, so callers send everything they read, changing only what they mean to change.
 */
import { sendDevOpsRequest } from './devops-request';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/types';
import { PatLifecycleError } from '../errors';
import { devOpsResponseError, parseJsonBody, unexpectedShapeError, type DevOpsCallContext } from './devops-errors';
import { SERVICE_ENDPOINT_API_VERSION, type ListResponse, type ServiceEndpoint } from './types';

export interface ServiceEndpointClientOptions {
  http: HttpClient;
  devopsUrl: string;
  organization: string;
  /** The whole header value: `Bearer <token>`. */
  authorization: string;
}

const SERVICE = 'Azure DevOps (service connections)';
/** Core API (Projects - Get). */
const PROJECTS_API_VERSION = '7.1';

export class ServiceEndpointClient {
  private readonly http: HttpClient;
  private readonly orgBase: string;
  private readonly organization: string;
  private readonly authorization: string;

  constructor(o: ServiceEndpointClientOptions) {
    this.http = o.http;
    this.organization = o.organization;
    this.orgBase = `${o.devopsUrl.replace(/\/+$/, '')}/${encodeURIComponent(o.organization)}`;
    this.authorization = o.authorization;
  }

  async getById(project: string, id: string): Promise<ServiceEndpoint | undefined> {
    const ctx = this.ctx(`read service connection ${id}`, project, id);
    const res = await this.send({ method: 'GET', url: `${this.projectBase(project)}/${encodeURIComponent(id)}?api-version=${SERVICE_ENDPOINT_API_VERSION}`, operation: ctx.operation });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    // An id the project does not see may also answer 200 with no body.
    if (res.text.trim() === '' || res.text.trim() === 'null') return undefined;
    return checkEndpoint(parseJsonBody<unknown>(res, ctx), res, ctx);
  }

  /** Endpoints whose name equals `name` ignoring case (the service matches names its own way; filtered here). */
  async findByName(project: string, name: string): Promise<ServiceEndpoint[]> {
    const found = await this.list(project, `endpointNames=${encodeURIComponent(name)}`, this.ctx(`find service connection '${name}'`, project, name));
    return found.filter((e) => e.name.toLowerCase() === name.toLowerCase());
  }

  /**
   * Whether the identity has the Administrator role on the connection: the list's `actionFilter=manage` returns only
   * the connections it may manage, so the role is read without trying a write (action check).
   */
  async canManage(project: string, id: string): Promise<boolean> {
    const found = await this.list(project, `endpointIds=${encodeURIComponent(id)}&actionFilter=manage`, this.ctx('read the roles on a service connection', project, id));
    return found.some((e) => e.id.toLowerCase() === id.toLowerCase());
  }

  /** Every connection of the project the identity can see (secrets null), for finding records of a PAT elsewhere. */
  listAll(project: string): Promise<ServiceEndpoint[]> {
    return this.list(project, '', this.ctx('list service connections', project, '*'));
  }

  /** The project's endpoints list (`Endpoints_Get Service Endpoints`), bare array or `{ value }`, each checked. */
  private async list(project: string, query: string, ctx: DevOpsCallContext): Promise<ServiceEndpoint[]> {
    const res = await this.send({ method: 'GET', url: `${this.projectBase(project)}?${query ? `${query}&` : ''}api-version=${SERVICE_ENDPOINT_API_VERSION}`, operation: ctx.operation });
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    const body = parseJsonBody<ListResponse<unknown> | unknown[]>(res, ctx);
    const items = Array.isArray(body) ? body : Array.isArray(body?.value) ? body.value : undefined;
    if (!items) throw unexpectedShapeError(res, ctx, 'a list without value');
    return items.map((i) => checkEndpoint(i, res, ctx));
  }

  /**
   * Replaces the endpoint with `endpoint` (organization-scoped PUT). `recordOnly`: the PUT changes the record, not the
   * PAT; like a variable group's record write it is never sent again once it may have arrived unanswered, since arriving
   * after the write that stores the PAT it would undo that write's record (docs/design.md, "Ownership").
   */
  async update(endpoint: ServiceEndpoint, project: string, options: { recordOnly?: boolean } = {}): Promise<ServiceEndpoint> {
    const ctx = this.ctx(`update service connection '${endpoint.name}'`, project, endpoint.name);
    const projects = (endpoint.serviceEndpointProjectReferences ?? []).map((r) => r.projectReference?.name ?? r.projectReference?.id).filter((n): n is string => !!n);
    if (projects.length > 1) {
      // The PUT of a shared connection needs the role in every project that references it.
      ctx.permissionHint = `The signed-in user needs the Administrator role on service connection '${endpoint.name}' in every project that shares it: ${projects.map((p) => `Project settings > Service connections > '${endpoint.name}' > Security (project '${p}')`).join('; ')}.`;
    }
    const req: Omit<HttpRequest, 'headers'> = {
      method: 'PUT',
      url: `${this.orgBase}/_apis/serviceendpoint/endpoints/${encodeURIComponent(endpoint.id)}?api-version=${SERVICE_ENDPOINT_API_VERSION}`,
      operation: ctx.operation,
      body: JSON.stringify(endpoint),
    };
    const res = await this.send(options.recordOnly ? { ...req, retryUnanswered: false } : req);
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    return checkEndpoint(parseJsonBody<unknown>(res, ctx), res, ctx);
  }

  /**
   * Creates an endpoint (organization-scoped POST, `Endpoints_Create`); the projects it belongs to are in its
   * `serviceEndpointProjectReferences`. Never sent twice: a lost answer may hide a created connection, and a second
   * POST would make another of the same name. The caller looks the name up again instead.
   */
  async create(endpoint: Omit<ServiceEndpoint, 'id'> & { name: string }, project: string): Promise<ServiceEndpoint> {
    const ctx = this.ctx(`create service connection '${endpoint.name}'`, project, endpoint.name);
    const res = await this.send({
      method: 'POST',
      url: `${this.orgBase}/_apis/serviceendpoint/endpoints?api-version=${SERVICE_ENDPOINT_API_VERSION}`,
      operation: ctx.operation,
      body: JSON.stringify(endpoint),
      retryUnanswered: false,
    });
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    return checkEndpoint(parseJsonBody<unknown>(res, ctx), res, ctx);
  }

  /**
   * A project's id (Projects - Get, `GET {org}/_apis/projects/{name}`): a created connection names its project by id
   * in `serviceEndpointProjectReferences`, as Microsoft's create example does.
   */
  async projectId(project: string): Promise<string> {
    const ctx = this.ctx(`read project '${project}'`, project, project);
    const res = await this.send({ method: 'GET', url: `${this.orgBase}/_apis/projects/${encodeURIComponent(project)}?api-version=${PROJECTS_API_VERSION}`, operation: ctx.operation });
    if (res.status !== 200) throw devOpsResponseError(res, { ...ctx, permissionHint: `The signed-in user must be a member of project '${project}'.` });
    const body = parseJsonBody<{ id?: unknown }>(res, ctx);
    if (typeof body?.id !== 'string' || !body.id) throw unexpectedShapeError(res, ctx, 'a project without id');
    return body.id;
  }

  private projectBase(project: string): string {
    return `${this.orgBase}/${encodeURIComponent(project)}/_apis/serviceendpoint/endpoints`;
  }

  private ctx(operation: string, project: string, label: string): DevOpsCallContext {
    return {
      operation,
      service: SERVICE,
      permissionHint: `The signed-in user needs the Administrator role on service connection '${label}': Project settings > Service connections > '${label}' > Security (project '${project}').`,
      notFoundHint: `Check the project '${project}' and the organization '${this.organization}'; 'destinationProject' names another project of this organization.`,
    };
  }

  private send(req: Omit<HttpRequest, 'headers'>): Promise<HttpResponse> {
    return sendDevOpsRequest(this.http, this.authorization, req);
  }
}

function checkEndpoint(value: unknown, res: HttpResponse, ctx: DevOpsCallContext): ServiceEndpoint {
  const e = value as Partial<ServiceEndpoint> | null;
  if (e && typeof e === 'object' && typeof e.id === 'string' && typeof e.name === 'string' && Object.keys(e).length === 2) {
    // What the service answers a caller who may not view the connection: its name and id, nothing else.
    throw new PatLifecycleError('permission', 'ServiceConnectionNotViewable', `Azure DevOps answered '${ctx.operation}' with the name and id of service connection '${e.name}' only: the signed-in user may not view it.`, {
      hint: ctx.permissionHint,
      status: res.status,
      requestId: res.requestId,
    });
  }
  if (!e || typeof e !== 'object' || typeof e.id !== 'string' || typeof e.name !== 'string' || typeof e.type !== 'string') {
    throw unexpectedShapeError(res, ctx, 'a service connection without id, name or type');
  }
  return e as ServiceEndpoint;
}
