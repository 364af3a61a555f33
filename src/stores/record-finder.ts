/**
 * Finds the records of a PAT outside the step's own destinations, before the PAT is revoked: two steps that rotate
 * one PAT into two places each record it, and revoking it from one would leave the other holding a dead PAT.
 * Looks through every variable group of the projects the run writes groups or service connections in, and every
 * service connection of the projects it writes connections in (one list request each); Key Vault secrets and other
 * projects are not searched (docs/design.md, "Ownership").
 */
import type { ServiceEndpointClient } from '../devops/service-endpoint-client';
import type { VariableGroupClient } from '../devops/variable-group-client';
import type { SecretStore } from './secret-store';
import { parseRecord, ServiceConnectionStore } from './service-connection-store';
import { VariableGroupStore } from './variable-group-store';

const RECORD_SUFFIX = '.authorizationid';

export class RecordFinder {
  constructor(
    private readonly places: ReadonlyArray<{ client: VariableGroupClient; project: string }>,
    private readonly connections: ReadonlyArray<{ client: ServiceEndpointClient; project: string }> = [],
  ) {}

  async holdersOf(authorizationId: string, own: readonly SecretStore[]): Promise<string[]> {
    const wanted = authorizationId.toLowerCase();
    const holders: string[] = [];
    for (const { client, project } of onePerProject(this.places)) {
      for (const group of await client.listAll(project)) {
        for (const [name, v] of Object.entries(group.variables)) {
          if (!name.toLowerCase().endsWith(RECORD_SUFFIX) || v.isSecret || (v.value ?? '').toLowerCase() !== wanted) continue;
          const variable = name.slice(0, -RECORD_SUFFIX.length);
          if (own.some((s) => s instanceof VariableGroupStore && s.isVariable(group.id, variable))) continue;
          holders.push(`variable group '${group.name}' (project '${project}'), variable '${variable}'`);
        }
      }
    }
    for (const { client, project } of onePerProject(this.connections)) {
      for (const endpoint of await client.listAll(project)) {
        if ((parseRecord(endpoint.description).authorizationId ?? '').toLowerCase() !== wanted) continue;
        if (own.some((s) => s instanceof ServiceConnectionStore && s.isConnection(endpoint.id))) continue;
        holders.push(`service connection '${endpoint.name}' (project '${project}')`);
      }
    }
    return holders;
  }
}

/** The first place of each project: one list request per project is enough. */
function onePerProject<T extends { project: string }>(places: readonly T[]): T[] {
  const seen = new Set<string>();
  return places.filter((p) => {
    const key = p.project.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
