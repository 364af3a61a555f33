/**
 * An in-memory variable groups service with the behaviours the store relies on: secrets read back as null, a PUT
 * replaces every variable, a null value for an existing secret keeps the stored one, the org-level PUT needs
 * project references.
 */
import type { HttpRequest } from '../../../src/http/types';
import type { VariableGroup, VariableValue } from '../../../src/devops/types';
import { FakeHttp, type Reply } from './fake-http';

export interface StoredGroup extends VariableGroup {
  /** Real values, secrets included: what the service keeps and never returns. */
  stored: Record<string, { value: string | null; isSecret: boolean; isReadOnly?: boolean }>;
}

export class FakeVariableGroups {
  readonly groups = new Map<number, StoredGroup>();
  /** Answer with this instead, once, for the next PUT. */
  failNextPut?: Reply;
  /** Leaves project references out of GET answers (old service behaviour). */
  omitReferences = false;
  readonly http: FakeHttp;
  readonly puts: { url: string; body: Record<string, unknown> }[] = [];

  constructor(readonly org = 'contoso') {
    this.http = new FakeHttp((req, url) => this.route(req, url));
  }

  add(id: number, name: string, project: string, variables: Record<string, { value: string; isSecret?: boolean; isReadOnly?: boolean }>, projects: string[] = [project]): StoredGroup {
    const stored: StoredGroup['stored'] = {};
    for (const [k, v] of Object.entries(variables)) stored[k] = { value: v.value, isSecret: !!v.isSecret, ...(v.isReadOnly ? { isReadOnly: true } : {}) };
    const group: StoredGroup = {
      id,
      name,
      type: 'Vsts',
      description: `group ${name}`,
      variables: {},
      stored,
      variableGroupProjectReferences: projects.map((p) => ({ name, description: `group ${name}`, projectReference: { id: `guid-${p}`, name: p } })),
    };
    this.groups.set(id, group);
    return group;
  }

  view(g: StoredGroup): VariableGroup {
    const variables: Record<string, VariableValue> = {};
    for (const [k, v] of Object.entries(g.stored)) {
      variables[k] = v.isSecret ? { value: null, isSecret: true, ...(v.isReadOnly ? { isReadOnly: true } : {}) } : { value: v.value, ...(v.isReadOnly ? { isReadOnly: true } : {}) };
    }
    const { stored: _stored, ...rest } = g;
    return { ...rest, variables, variableGroupProjectReferences: this.omitReferences ? undefined : g.variableGroupProjectReferences };
  }

  private inProject(g: StoredGroup, project: string): boolean {
    return (g.variableGroupProjectReferences ?? []).some((r) => r.projectReference.name.toLowerCase() === project.toLowerCase());
  }

  private route(req: HttpRequest, url: URL): Reply {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== this.org) return { status: 404, body: { message: 'org', typeKey: 'HostNotFoundException' } };
    const orgLevel = parts[1] === '_apis';
    const project = orgLevel ? undefined : parts[1];
    const idPart = parts[orgLevel ? 4 : 5];
    if (project && project === 'missing') return { status: 404, body: { message: `TF200016: The following project does not exist: ${project}.`, typeKey: 'ProjectDoesNotExistWithNameException' } };

    if (req.method === 'GET' && idPart) {
      const g = this.groups.get(Number(idPart));
      if (!g || !this.inProject(g, project!)) return { status: 200, body: '' };
      return { status: 200, body: this.view(g) };
    }
    if (req.method === 'GET') {
      const pattern = url.searchParams.get('groupName') ?? '*';
      const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
      const value = [...this.groups.values()].filter((g) => this.inProject(g, project!) && re.test(g.name)).map((g) => this.view(g));
      return { status: 200, body: { count: value.length, value } };
    }
    if (req.method === 'PUT') {
      const body = JSON.parse(req.body ?? '{}') as Record<string, unknown>;
      this.puts.push({ url: req.url, body });
      if (this.failNextPut) {
        const r = this.failNextPut;
        this.failNextPut = undefined;
        return r;
      }
      const g = this.groups.get(Number(idPart));
      if (!g) return { status: 404, body: { message: 'not found', typeKey: 'VariableGroupNotFoundException' } };
      if (orgLevel && !Array.isArray(body.variableGroupProjectReferences)) return { status: 401, body: { message: 'refs required', typeKey: 'X' } };
      const vars = body.variables as Record<string, VariableValue>;
      const stored: StoredGroup['stored'] = {};
      for (const [k, v] of Object.entries(vars)) {
        const old = Object.entries(g.stored).find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
        const keep = (v.value === null || v.value === undefined) && v.isSecret && old?.isSecret;
        stored[k] = { value: keep ? old!.value : (v.value ?? null), isSecret: !!v.isSecret, ...(v.isReadOnly ? { isReadOnly: true } : {}) };
      }
      g.stored = stored;
      return { status: 200, body: this.view(g) };
    }
    return { status: 405 };
  }
}
