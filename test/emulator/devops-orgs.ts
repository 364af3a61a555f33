/**
 * Organizations, projects, build service identities and org/tenant PAT policies: the state the PAT
 * Lifecycle API and the Variable Groups API share. One directory per emulator (per core), created by
 * whichever module registers first; it owns `control.devops`.
 */
import type { EmulatorCore, Principal } from './types';

export interface PatPolicy {
  /** Tenant policy "Enforce maximum personal access token lifespan". */
  maxLifespanDays?: number;
  /** Tenant policy "Restrict full-scoped personal access token creation". */
  blockFullScope: boolean;
  /** Tenant policy "Restrict global personal access token creation". */
  blockGlobal: boolean;
  /** Org policy "Restrict personal access token creation". */
  restrictCreation: boolean;
  /** User ids exempt from all of the above. */
  allowList: string[];
}

export interface Project {
  name: string;
  id: string;
  /** `<project> Build Service (<org>)`: the identity behind the job's System.AccessToken. */
  buildService: { objectId: string; name: string };
}

export interface Organization {
  name: string;
  id: string;
  projects: Map<string, Project>;
  policy: PatPolicy;
}

export class DevOpsDirectory {
  private readonly orgs = new Map<string, Organization>();

  constructor(private readonly core: EmulatorCore) {}

  addOrganization(opts: { name: string; id?: string }): { name: string; id: string } {
    if (!opts?.name || !/^[A-Za-z0-9][A-Za-z0-9-]{0,48}[A-Za-z0-9]?$/.test(opts.name)) {
      throw new Error(`addOrganization: invalid organization name ${JSON.stringify(opts?.name)}`);
    }
    const key = opts.name.toLowerCase();
    if (this.orgs.has(key)) throw new Error(`addOrganization: organization ${opts.name} exists`);
    const org: Organization = {
      name: opts.name,
      id: (opts.id ?? this.core.newGuid()).toLowerCase(),
      projects: new Map(),
      policy: { blockFullScope: false, blockGlobal: false, restrictCreation: false, allowList: [] },
    };
    this.orgs.set(key, org);
    return { name: org.name, id: org.id };
  }

  addProject(orgName: string, opts: { name: string; id?: string }): { name: string; id: string; buildService: { objectId: string; name: string } } {
    const org = this.requireOrg(orgName);
    if (!opts?.name) throw new Error('addProject: name is required');
    const key = opts.name.toLowerCase();
    if (org.projects.has(key)) throw new Error(`addProject: project ${opts.name} exists in ${org.name}`);
    const project: Project = {
      name: opts.name,
      id: (opts.id ?? this.core.newGuid()).toLowerCase(),
      buildService: { objectId: this.core.newGuid(), name: `${opts.name} Build Service (${org.name})` },
    };
    org.projects.set(key, project);
    return { name: project.name, id: project.id, buildService: { ...project.buildService } };
  }

  setPolicy(orgName: string, policy: Partial<PatPolicy>): PatPolicy {
    const org = this.requireOrg(orgName);
    const p = org.policy;
    if (policy.maxLifespanDays !== undefined) {
      if (policy.maxLifespanDays !== null && !(Number.isFinite(policy.maxLifespanDays) && policy.maxLifespanDays > 0)) {
        throw new Error('setPolicy: maxLifespanDays must be a positive number');
      }
      p.maxLifespanDays = policy.maxLifespanDays ?? undefined;
    }
    if (policy.blockFullScope !== undefined) p.blockFullScope = !!policy.blockFullScope;
    if (policy.blockGlobal !== undefined) p.blockGlobal = !!policy.blockGlobal;
    if (policy.restrictCreation !== undefined) p.restrictCreation = !!policy.restrictCreation;
    if (policy.allowList !== undefined) p.allowList = policy.allowList.map((u) => u.toLowerCase());
    return { ...p, allowList: [...p.allowList] };
  }

  /** A `job` principal for the project's build service, ready for core.issueAccessToken. */
  buildServicePrincipal(orgName: string, projectName: string): Principal {
    const org = this.requireOrg(orgName);
    const project = this.findProject(org, projectName);
    if (!project) throw new Error(`buildServicePrincipal: no project ${projectName} in ${org.name}`);
    return { kind: 'job', objectId: project.buildService.objectId, org: org.name, projectId: project.id, name: project.buildService.name };
  }

  /** By name (case-insensitive) or id. */
  findOrg(nameOrId: string): Organization | undefined {
    const key = nameOrId.toLowerCase();
    const byName = this.orgs.get(key);
    if (byName) return byName;
    for (const o of this.orgs.values()) if (o.id === key) return o;
    return undefined;
  }

  requireOrg(nameOrId: string): Organization {
    const org = this.findOrg(nameOrId);
    if (!org) throw new Error(`unknown organization ${nameOrId}`);
    return org;
  }

  /** By name (case-insensitive) or id. */
  findProject(org: Organization, nameOrId: string): Project | undefined {
    const key = nameOrId.toLowerCase();
    const byName = org.projects.get(key);
    if (byName) return byName;
    for (const p of org.projects.values()) if (p.id === key) return p;
    return undefined;
  }

  projectById(org: Organization, id: string): Project | undefined {
    for (const p of org.projects.values()) if (p.id === id.toLowerCase()) return p;
    return undefined;
  }

  /** True when a job principal belongs to this organization. */
  jobBelongsTo(principal: Extract<Principal, { kind: 'job' }>, org: Organization): boolean {
    const key = principal.org.toLowerCase();
    return key === org.name.toLowerCase() || key === org.id;
  }

  list(): Array<{ name: string; id: string; projects: Array<{ name: string; id: string }>; policy: PatPolicy }> {
    return [...this.orgs.values()].map((o) => ({
      name: o.name,
      id: o.id,
      projects: [...o.projects.values()].map((p) => ({ name: p.name, id: p.id })),
      policy: { ...o.policy, allowList: [...o.policy.allowList] },
    }));
  }
}

const directories = new WeakMap<EmulatorCore, DevOpsDirectory>();

export function devopsDirectory(core: EmulatorCore): DevOpsDirectory {
  let dir = directories.get(core);
  if (!dir) {
    const d = new DevOpsDirectory(core);
    dir = d;
    directories.set(core, d);
    core.extendControl('devops', {
      addOrganization: (opts: { name: string; id?: string }) => d.addOrganization(opts),
      addProject: (org: string, opts: { name: string; id?: string }) => d.addProject(org, opts),
      setPolicy: (org: string, policy: Partial<PatPolicy>) => d.setPolicy(org, policy),
      buildServicePrincipal: (org: string, project: string) => d.buildServicePrincipal(org, project),
      list: () => d.list(),
    });
  }
  return dir;
}

/**
 * The path parameters of an Azure DevOps route `/{org}[/{project}]/_apis/…[/{id}]` (`pattern` captures the three in
 * that order), when the request has the shape the route serves: with or without the project and the id.
 */
export function matchOrgPath(core: EmulatorCore, req: { host: string; path: string }, pattern: RegExp, shape: { project: boolean; id: boolean }): Record<string, string> | null {
  if (isVaultHost(core, req.host)) return null;
  const m = pattern.exec(req.path);
  if (!m || (m[2] !== undefined) !== shape.project || (m[3] !== undefined) !== shape.id) return null;
  const params: Record<string, string> = { org: decodeURIComponent(m[1]!) };
  if (m[2] !== undefined) params['project'] = decodeURIComponent(m[2]);
  if (m[3] !== undefined) params['id'] = decodeURIComponent(m[3]);
  return params;
}

/** Host names that belong to Key Vault, never to Azure DevOps routes. */
export function isVaultHost(core: EmulatorCore, host: string): boolean {
  return host.endsWith('.' + core.urls().vaultDnsSuffix.toLowerCase());
}
