/**
 * Emulated Azure DevOps Projects - Get (`GET /{org}/_apis/projects/{projectId}`, core 7.1): a project by name or id,
 * answered as the REST reference's TeamProject (id, name, url, state, revision, visibility, lastUpdateTime, _links).
 * What the CLI reads to name a project by id when it creates a service connection. Unknown project -> 404
 * `ProjectDoesNotExistWithNameException` (TF200016), as the other project-scoped routes answer.
 */
import { AZURE_DEVOPS_RESOURCE, type EmulatorCore, type Route } from './types';
import { DevOpsContext, negotiateApiVersion, vssError, type ApiVersionRules } from './devops-errors';
import { devopsDirectory, isVaultHost } from './devops-orgs';

const PATH = /^\/([^/]+)\/_apis\/projects\/([^/]+)\/?$/i;
const VERSIONS: ApiVersionRules = { min: 1.0, max: 7.2, gaFrom: 1.0, maxResourceVersion: () => 4, defaultForGet: '7.1' };

export function register(core: EmulatorCore): void {
  const dir = devopsDirectory(core);
  const route: Route = {
    service: 'projects',
    name: 'projects.get',
    method: 'GET',
    match(req) {
      if (isVaultHost(core, req.host)) return null;
      const m = PATH.exec(req.path);
      return m ? { org: decodeURIComponent(m[1]!), project: decodeURIComponent(m[2]!) } : null;
    },
    handle(req, params) {
      const ctx = new DevOpsContext(core, req);
      const org = dir.findOrg(params['org']!);
      if (!org) return vssError(ctx, 404, 'HostDoesNotExistException', `The organization '${params['org']}' does not exist.`);
      const check = core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
      if (!check.ok) return ctx.signIn();
      ctx.principal = check.principal;
      const v = negotiateApiVersion(ctx, VERSIONS);
      if (!v.ok) return v.response;
      const project = dir.findProject(org, params['project']!);
      if (!project) return vssError(ctx, 404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${params['project']}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`);
      const url = `${core.urls().devops}/${encodeURIComponent(org.name)}/_apis/projects/${project.id}`;
      return ctx.json(200, {
        id: project.id,
        name: project.name,
        url,
        state: 'wellFormed',
        revision: 1,
        _links: { self: { href: url }, collection: { href: `${core.urls().devops}/${encodeURIComponent(org.name)}/_apis/projectCollections/${org.id}` }, web: { href: `${core.urls().devops}/${encodeURIComponent(org.name)}/${encodeURIComponent(project.name)}` } },
        visibility: 'private',
        defaultTeam: { id: project.id, name: `${project.name} Team`, url: `${url}/teams/${project.id}` },
        lastUpdateTime: new Date(core.clock.now()).toISOString(),
      });
    },
  };
  core.addRoute(route);
}
