/**
 * `login --service-connection NAME`: puts the sign-in into a PAT Lifecycle sign-in service connection (the extension's
 * `patlifecycle-signin` type) in a project, creating it when it is missing and the user agrees. An existing connection
 * is changed as the task changes it: GET, then PUT of the whole endpoint with the tenant, client, refresh token and
 * the record line's issuedAt set, every other field as read (other secrets go back as the null the GET shows, which
 * the service reads as "keep"; docs/design.md, "The sign-in service connection").
 */
import type { ServiceEndpoint } from '../src/devops/types';
import type { ServiceEndpointClient } from '../src/devops/service-endpoint-client';
import { parseRecord, withRecord } from '../src/stores/service-connection-store';
import { isSignInEndpointType, SIGN_IN_ENDPOINT_TYPE, SIGN_IN_SCHEME } from '../src/config/sign-in-connection';
import type { Output } from './output';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type EndpointApi = Pick<ServiceEndpointClient, 'getById' | 'findByName' | 'update' | 'create' | 'projectId'>;

export interface SeedRequest {
  project: string;
  nameOrId: string;
  /** `https://login.microsoftonline.com`: the connection's URL, where the task redeems the token. */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  issuedAt: Date;
  /** --yes: create without asking. */
  yes: boolean;
}

export interface SeedDeps {
  api: EndpointApi;
  output: Output;
  /** Asks a yes/no question; false when nobody can answer (no terminal). */
  confirm(question: string): Promise<boolean>;
}

export interface Seeded {
  id: string;
  name: string;
  created: boolean;
}

export async function seedSignInConnection(r: SeedRequest, deps: SeedDeps): Promise<Seeded> {
  const { api, output } = deps;
  const found = GUID.test(r.nameOrId) ? [await api.getById(r.project, r.nameOrId)].filter((e): e is ServiceEndpoint => e !== undefined) : await api.findByName(r.project, r.nameOrId);
  if (found.length > 1) {
    throw new Error(`${found.length} service connections are named '${r.nameOrId}' in project '${r.project}' (ids ${found.map((e) => e.id).join(', ')}): give the id with --service-connection.`);
  }
  const parameters = {
    tenantId: r.tenantId,
    clientId: r.clientId,
    refreshToken: r.refreshToken,
    ...(r.clientSecret ? { clientSecret: r.clientSecret } : {}),
  };
  const record = { issuedAt: r.issuedAt.toISOString() };
  const url = `${r.authorityHost.replace(/\/+$/, '')}/`;
  const existing = found[0];

  if (!existing) {
    if (GUID.test(r.nameOrId)) throw new Error(`No service connection with id ${r.nameOrId} in project '${r.project}'. Give a name to create one.`);
    const question = `Create service connection ${r.nameOrId} in project ${r.project}? [y/N] `;
    const agreed = r.yes || (await deps.confirm(question));
    if (!agreed) {
      throw new Error(`Nothing was created: service connection '${r.nameOrId}' does not exist in project '${r.project}'. Answer y, or pass --yes, to create it; the refresh token was not stored anywhere.`);
    }
    output.info(`Creating service connection '${r.nameOrId}' (PAT Lifecycle sign-in) in project '${r.project}'...`);
    const projectId = await api.projectId(r.project);
    // The service keeps a description per project reference and shows that one: the record goes there too.
    const description = withRecord('Sign-in of PAT Lifecycle for Azure Pipelines (seeded by pat-lifecycle login; the task renews the refresh token on every run).', record);
    const created = await api.create(
      {
        name: r.nameOrId,
        type: SIGN_IN_ENDPOINT_TYPE,
        url,
        description,
        authorization: { scheme: SIGN_IN_SCHEME, parameters },
        data: {},
        isShared: false,
        owner: 'Library',
        serviceEndpointProjectReferences: [{ projectReference: { id: projectId, name: r.project }, name: r.nameOrId, description }],
      },
      r.project,
    );
    await checkStored(api, r.project, created.id, record.issuedAt, r.nameOrId);
    return { id: created.id, name: created.name, created: true };
  }

  if (!isSignInEndpointType(existing.type)) {
    throw new Error(`Service connection '${existing.name}' in project '${r.project}' is of type '${existing.type}', not a PAT Lifecycle sign-in (${SIGN_IN_ENDPOINT_TYPE}): nothing was changed. Choose another name to create one.`);
  }
  output.info(`Writing the sign-in to service connection '${existing.name}' in project '${r.project}'...`);
  const recorded = (d: string | null | undefined) => withRecord(d, { ...parseRecord(d), ...record });
  const next: ServiceEndpoint = {
    ...existing,
    url,
    description: recorded(existing.description),
    serviceEndpointProjectReferences: (existing.serviceEndpointProjectReferences ?? []).map((ref) => ({ ...ref, description: recorded(ref.description) })),
    authorization: { ...existing.authorization, scheme: existing.authorization?.scheme ?? SIGN_IN_SCHEME, parameters: withParameters(existing.authorization?.parameters ?? {}, parameters) },
  };
  const answer = await api.update(next, r.project);
  await checkStored(api, r.project, answer.id, record.issuedAt, existing.name);
  return { id: answer.id, name: answer.name, created: false };
}

/** Sets each parameter under the key the connection already spells it with (the service compares ignoring case). */
function withParameters(current: Record<string, string | null>, values: Record<string, string>): Record<string, string | null> {
  const out = { ...current };
  for (const [key, value] of Object.entries(values)) {
    const existing = Object.keys(out).find((k) => k.toLowerCase() === key.toLowerCase());
    out[existing ?? key] = value;
  }
  return out;
}

/**
 * Read again (the write's answer echoes the request): the connection must carry the refresh token and this sign-in's
 * date in its description as the project sees it.
 */
async function checkStored(api: EndpointApi, project: string, id: string, issuedAt: string, name: string): Promise<void> {
  const stored = await api.getById(project, id);
  const keys = Object.keys(stored?.authorization?.parameters ?? {}).map((k) => k.toLowerCase());
  if (!stored || !keys.includes('refreshtoken') || parseRecord(stored.description).issuedAt !== issuedAt) {
    throw new Error(`Service connection '${name}' did not keep the sign-in (read again, it has no refresh token or another issuedAt); run login again.`);
  }
}

/** The task inputs that read this connection; no secret in them. */
export function connectionSnippet(name: string): string {
  return [
    'Configure the pipeline task with:',
    '',
    'steps:',
    '- task: PatLifecycle@1',
    '  inputs:',
    `    signInConnection: ${name}`,
    '    refreshTokenStore: serviceConnection',
    '',
    `Then open Project settings > Service connections > ${name}: under Security, allow only the pipeline that runs the task`,
    '(or approve it on its first run), and add Approvals and checks (Exclusive Lock, Branch control). You are the',
    "connection's Administrator, which the task needs to write the renewed refresh token back.",
  ].join('\n');
}
