/**
 * Finds the records of a PAT outside the step's own destinations, before the PAT is revoked: two steps that rotate
 * one PAT into two places each record it, and revoking it from one would leave the other holding a dead PAT.
 * Looks through every variable group of the projects the run writes groups or service connections in, and every
 * service connection of the projects it writes connections in (one list request each); Key Vault secrets and other
 * projects are not searched (docs/design.md, "Ownership").
 */
import type { ServiceEndpointClient } from '../devops/service-endpoint-client';
import type { VariableGroupClient } from '../devops/variable-group-client';
import type { IdentityRef } from '../devops/types';
import type { SecretStore } from './secret-store';
import { parseRecord, ServiceConnectionStore } from './service-connection-store';
import { VariableGroupStore } from './variable-group-store';

const RECORD_SUFFIX = '.authorizationid';

/**
 * Which records may keep a PAT alive. Records are plain variables: anyone who may create a group in the project can
 * read one and plant a group that records the same PAT (docs/security.md). A group counts only when the signed-in user,
 * whose token writes the task's records, changed it last (`modifiedBy`, its unique name); the others are named in
 * `ignored`, with who created and changed them. Without `writer` (the run writes groups with the job's token, or the
 * sign-in named no account) every group counts, as before.
 */
export interface HolderTrust {
  writer?: string;
  ignored?: (text: string) => void;
}

export class RecordFinder {
  constructor(
    private readonly places: ReadonlyArray<{ client: VariableGroupClient; project: string }>,
    private readonly connections: ReadonlyArray<{ client: ServiceEndpointClient; project: string }> = [],
    private readonly trust: HolderTrust = {},
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
          const where = `variable group '${group.name}' (project '${project}', created by ${who(group.createdBy)}), variable '${variable}'`;
          const writer = this.trust.writer;
          if (writer && (group.modifiedBy?.uniqueName ?? '').toLowerCase() !== writer.toLowerCase()) {
            this.trust.ignored?.(
              `${where} records PAT ${authorizationId}, but ${who(group.modifiedBy)} changed that group last, not ${writer}, whose token writes this task's records: it was not counted as holding the PAT. Check who made that group and why.`,
            );
            continue;
          }
          holders.push(where);
        }
      }
    }
    for (const { client, project } of onePerProject(this.connections)) {
      for (const endpoint of await client.listAll(project)) {
        if ((parseRecord(endpoint.description).authorizationId ?? '').toLowerCase() !== wanted) continue;
        if (own.some((s) => s instanceof ServiceConnectionStore && s.isConnection(endpoint.id))) continue;
        holders.push(`service connection '${endpoint.name}' (project '${project}', created by ${who(endpoint.createdBy)})`);
      }
    }
    return holders;
  }
}

/** A person as Azure DevOps names them, for messages. */
function who(identity: IdentityRef | undefined): string {
  if (!identity) return 'someone unknown';
  const name = identity.displayName || identity.uniqueName || identity.id;
  return identity.uniqueName && identity.uniqueName !== name ? `${name} <${identity.uniqueName}>` : name;
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
