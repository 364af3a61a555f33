/**
 * Variable groups: read one, find one by name, and write its variables back. The API replaces the whole group on
 * every PUT, so callers read, change one variable and send everything back (secrets as null to keep their values).
 */
import { sendDevOpsRequest } from './devops-request';
import { PatLifecycleError } from '../errors';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/types';
import { devOpsResponseError, parseJsonBody, readVssError, unexpectedShapeError, type DevOpsCallContext } from './devops-errors';
import {
  VARIABLE_GROUP_API_VERSION,
  type ListResponse,
  type VariableGroup,
  type VariableGroupParameters,
  type VariableValue,
} from './types';

/** The project-level PUT of API 5.0 needs no project references; used only when a GET did not return them. */
export const LEGACY_VARIABLE_GROUP_API_VERSION = '5.0-preview.1';

export interface VariableGroupClientOptions {
  http: HttpClient;
  /** `https://dev.azure.com` (or a collection's base URL). */
  devopsUrl: string;
  organization: string;
  /** The whole header value: `Bearer <token>`. */
  authorization: string;
  /** Whose token `authorization` carries, so a permission error names the identity to fix. Default 'user'. */
  authKind?: 'user' | 'job';
}

const SERVICE = 'Azure DevOps (variable groups)';
/** A name query can match many groups through wildcards; this bounds the paging of such a list. */
const MAX_LIST_PAGES = 50;

export class VariableGroupClient {
  private readonly http: HttpClient;
  private readonly orgBase: string;
  private readonly organization: string;
  private readonly authorization: string;
  private readonly authKind: 'user' | 'job';

  constructor(o: VariableGroupClientOptions) {
    this.http = o.http;
    this.organization = o.organization;
    this.orgBase = `${o.devopsUrl.replace(/\/+$/, '')}/${encodeURIComponent(o.organization)}`;
    this.authorization = o.authorization;
    this.authKind = o.authKind ?? 'user';
  }

  async getById(project: string, id: number): Promise<VariableGroup | undefined> {
    const ctx = this.ctx(`read variable group ${id}`, project, String(id));
    const res = await this.send({ method: 'GET', url: `${this.projectBase(project)}/${id}?api-version=${VARIABLE_GROUP_API_VERSION}`, operation: ctx.operation });
    if (res.status === 404) {
      this.throwIfProjectMissing(res, project);
      return undefined;
    }
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    // An unknown id answers 200 with an empty body.
    if (res.text.trim() === '' || res.text.trim() === 'null') return undefined;
    return checkGroup(parseJsonBody<unknown>(res, ctx), res, ctx);
  }

  /** Groups whose name equals `name` ignoring case. The API's groupName takes wildcards, so results are filtered here. */
  async findByName(project: string, name: string): Promise<VariableGroup[]> {
    const wanted = name.toLowerCase();
    const groups = await this.list(project, `groupName=${encodeURIComponent(name)}&`, this.ctx(`find variable group '${name}'`, project, name));
    return groups.filter((g) => g.name.toLowerCase() === wanted);
  }

  /**
   * Groups named `name` on which the identity has the Administrator role: the list's `actionFilter=manage` returns
   * only those, so the role is read without trying a write (action check).
   */
  async findManageable(project: string, name: string): Promise<VariableGroup[]> {
    const wanted = name.toLowerCase();
    const groups = await this.list(project, `groupName=${encodeURIComponent(name)}&actionFilter=manage&`, this.ctx(`find variable group '${name}' the identity administers`, project, name));
    return groups.filter((g) => g.name.toLowerCase() === wanted);
  }

  /** Every group of the project the identity can see (secrets masked), for finding records of a PAT elsewhere. */
  listAll(project: string): Promise<VariableGroup[]> {
    return this.list(project, '', this.ctx('list variable groups', project, '*'));
  }

  /** Every page of a list query (`filter` is `name=value&` or empty), up to MAX_LIST_PAGES. */
  private async list(project: string, filter: string, ctx: DevOpsCallContext): Promise<VariableGroup[]> {
    const found: VariableGroup[] = [];
    let continuationToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query = `${filter}api-version=${VARIABLE_GROUP_API_VERSION}${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}`;
      const res = await this.send({ method: 'GET', url: `${this.projectBase(project)}?${query}`, operation: ctx.operation });
      if (res.status === 404) this.throwIfProjectMissing(res, project);
      if (res.status !== 200) throw devOpsResponseError(res, ctx);
      const body = parseJsonBody<ListResponse<unknown> | unknown[]>(res, ctx);
      const items = Array.isArray(body) ? body : Array.isArray(body?.value) ? body.value : undefined;
      if (!items) throw unexpectedShapeError(res, ctx, 'a list without value');
      for (const item of items) found.push(checkGroup(item, res, ctx));
      continuationToken = res.headers['x-ms-continuationtoken'] || undefined;
      if (!continuationToken) break;
    }
    return found;
  }

  /**
   * Replaces the group's variables. The org-level PUT (7.1) needs every project the group is shared with, taken from
   * the GET; when the GET had none, the project-level PUT of 5.0 (which needs none) is used with `project`.
   *
   * `recordOnly`: the PUT changes records, not values (an intent, an adoption). It is never sent again once it may
   * have reached the service unanswered: arriving late, after the write that stores the value, it would undo that
   * write's record (docs/design.md, "Ownership").
   */
  async update(group: VariableGroup, variables: Record<string, VariableValue>, project?: string, options: { recordOnly?: boolean } = {}): Promise<VariableGroup> {
    const refs = group.variableGroupProjectReferences ?? [];
    const projectName = project ?? refs[0]?.projectReference?.name ?? '';
    const ctx = this.ctx(`update variable group '${group.name}'`, projectName, group.name);
    let req: Omit<HttpRequest, 'headers'>;
    if (refs.length > 0) {
      const body: VariableGroupParameters = {
        name: group.name,
        description: group.description,
        type: group.type,
        variables,
        providerData: group.providerData,
        variableGroupProjectReferences: refs,
      };
      req = { method: 'PUT', url: `${this.orgBase}/_apis/distributedtask/variablegroups/${group.id}?api-version=${VARIABLE_GROUP_API_VERSION}`, operation: ctx.operation, body: JSON.stringify(body) };
    } else {
      if (!project) {
        throw new PatLifecycleError('service', 'MissingProjectReferences', `Cannot update variable group '${group.name}': Azure DevOps returned it without project references and no project was given.`, {
          hint: 'This is a bug in the task; please report it.',
        });
      }
      const { variableGroupProjectReferences: _omit, ...rest } = group;
      req = { method: 'PUT', url: `${this.projectBase(project)}/${group.id}?api-version=${LEGACY_VARIABLE_GROUP_API_VERSION}`, operation: ctx.operation, body: JSON.stringify({ ...rest, variables }) };
    }
    const res = await this.send(options.recordOnly ? { ...req, retryUnanswered: false } : req);
    if (res.status === 404) {
      throw new PatLifecycleError('notFound', readVssError(res)?.typeKey ?? 'HTTP 404', `Variable group '${group.name}' (id ${group.id}) no longer exists in project '${projectName}'.`, {
        status: 404,
        requestId: res.requestId,
        hint: "Check the input 'variableGroup'; the group may have been deleted while the task ran.",
        input: 'variableGroup',
      });
    }
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    return checkGroup(parseJsonBody<unknown>(res, ctx), res, ctx);
  }

  private projectBase(project: string): string {
    return `${this.orgBase}/${encodeURIComponent(project)}/_apis/distributedtask/variablegroups`;
  }

  private ctx(operation: string, project: string, groupLabel: string): DevOpsCallContext {
    const where = 'Pipelines > Library > the group > Security';
    const permissionHint =
      this.authKind === 'job'
        ? `Grant '${project} Build Service (${this.organization})' the Administrator role on variable group '${groupLabel}' (${where}), or set 'variableGroupAuth' to 'user'.`
        : `You need the Administrator role on variable group '${groupLabel}' (${where}).`;
    return { operation, service: SERVICE, permissionHint, notFoundHint: `Check the project '${project}' and the organization '${this.organization}'.` };
  }

  private throwIfProjectMissing(res: HttpResponse, project: string): void {
    const typeKey = readVssError(res)?.typeKey ?? '';
    if (/Project/i.test(typeKey)) {
      throw new PatLifecycleError('notFound', typeKey, `Project '${project}' was not found in organization '${this.organization}'.`, {
        status: res.status,
        requestId: res.requestId,
        hint: "Variable groups are looked up in this pipeline's own organization and project (System.TeamProject); for another project of it, set 'destinationProject'.",
        input: 'destinationProject',
      });
    }
  }

  private send(req: Omit<HttpRequest, 'headers'>): Promise<HttpResponse> {
    return sendDevOpsRequest(this.http, this.authorization, req);
  }
}

function checkGroup(value: unknown, res: HttpResponse, ctx: DevOpsCallContext): VariableGroup {
  const g = value as Partial<VariableGroup> | null;
  if (!g || typeof g !== 'object' || typeof g.id !== 'number' || typeof g.name !== 'string' || !g.variables || typeof g.variables !== 'object') {
    throw unexpectedShapeError(res, ctx, 'a variable group without id, name or variables');
  }
  return { ...g, type: typeof g.type === 'string' ? g.type : 'Vsts' } as VariableGroup;
}
