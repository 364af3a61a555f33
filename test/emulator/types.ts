/**
 * The seams between the emulator's framework (server, TLS, clock, faults, request log, Entra tokens)
 * and its service modules (PAT Lifecycle, variable groups, Key Vault). The framework owns `index.ts`,
 * `server.ts`, `entra.ts` and friends; each service module exports `register(core: EmulatorCore)`.
 *
 * Nothing in here is imported by the product: the emulator knows nothing of `src/`, and `src/` nothing of it.
 */

export type Service = 'entra' | 'pats' | 'variableGroups' | 'serviceEndpoints' | 'projects' | 'keyVault' | 'oidc' | 'msi';

export interface EmuRequest {
  method: string;
  /** Host header without the port, lower-case (e.g. `127.0.0.1`, `myvault.vault.emulator.test`). */
  host: string;
  /** URL path as received, without the query string (not lower-cased). */
  path: string;
  query: URLSearchParams;
  /** Header names lower-case. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body parsed as JSON; `undefined` when empty. Throws `BadJsonError` when malformed. */
  json<T = unknown>(): T | undefined;
  /** The body parsed as application/x-www-form-urlencoded. */
  form(): URLSearchParams;
  /** Socket peer address (for proxy tests). */
  remoteAddress: string;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON (`application/json; charset=utf-8`), strings and Buffers as they are. */
  body?: string | Buffer | object | null;
}

export class BadJsonError extends Error {}

export interface Route {
  service: Service;
  /** Stable name for fault injection and the request log, e.g. `pats.create`, `entra.token`, `kv.set`. */
  name: string;
  method: string;
  /** Returns path parameters when the route matches, otherwise null. */
  match(req: EmuRequest): Record<string, string> | null;
  handle(req: EmuRequest, params: Record<string, string>): EmuResponse | Promise<EmuResponse>;
}

/** Who a bearer token or a Basic PAT says the caller is, after the framework verified it. */
export type Principal =
  | { kind: 'user'; userId: string; objectId: string; upn: string; tenantId: string; clientId: string; audience: string; scopes: string[] }
  | { kind: 'app'; objectId: string; appId: string; tenantId: string; audience: string }
  /** The job's System.AccessToken: the project build service identity. */
  | { kind: 'job'; objectId: string; org: string; projectId: string; name: string }
  /** A PAT presented with Basic auth (the PAT module verifies these and builds this principal). */
  | { kind: 'pat'; userId: string; objectId: string; org: string; authorizationId: string; scopes: string[] };

export type BearerCheck =
  | { ok: true; principal: Principal }
  /** `missing` no Authorization header; `expired`/`invalid` a bearer the emulator did not issue or that expired; `audience` wrong aud. */
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' | 'audience' | 'notBearer' };

export interface EmulatorClock {
  /** Milliseconds since the epoch on the emulator's clock. */
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
  /** now() - real Date.now(): what a child process must add to its own clock to agree with the emulator. */
  offsetMs(): number;
}

export interface EmulatorUser {
  userId: string; // also the object id (oid) in tokens
  upn: string;
  displayName: string;
  tenantId: string;
}

/** What the framework gives a service module. */
export interface EmulatorCore {
  clock: EmulatorClock;
  addRoute(route: Route): void;
  /** Verifies `Authorization: Bearer <jwt>` issued by this emulator, checking expiry on the emulator clock and the audience. */
  verifyBearer(req: EmuRequest, audience: string | string[]): BearerCheck;
  /** Signs an access token (a JWT the emulator can verify) for a principal; used for job tokens (System.AccessToken) and by tests. */
  issueAccessToken(principal: Principal, audience: string, lifetimeSeconds?: number): string;
  /** Entra users by userId (the framework's Entra part owns them). */
  users: Map<string, EmulatorUser>;
  /** Base URLs, known once listening. */
  urls(): EmulatorUrls;
  /** Unique ids: GUIDs and hex. */
  newGuid(): string;
  newHex(bytes: number): string;
  /** Remembers a secret value the emulator issued (PAT, token, client secret) so tests can scan logs for it. */
  recordSecret(value: string): void;
  /** Registers control functions on the emulator handle's `control` object (seeding and the side door). */
  extendControl(name: string, api: object): void;
}

export interface EmulatorUrls {
  /** `https://127.0.0.1:PORT`: Entra (authority host), `/{tenant}/oauth2/v2.0/token`. */
  authorityHost: string;
  /** PAT Lifecycle API base, as `https://vssps.dev.azure.com` is: `{vssps}/{org}/_apis/tokens/pats`. */
  vssps: string;
  /** Azure DevOps base, as `https://dev.azure.com` is: `{devops}/{org}/{project}/_apis/...`. */
  devops: string;
  /** Key Vault DNS suffix: vaults are `https://{name}.{vaultDnsSuffix}:PORT`. */
  vaultDnsSuffix: string;
  /** The Key Vault resource id that challenges name, e.g. `https://vault.emulator.test`. */
  keyVaultResource: string;
  /** App Service style managed identity endpoint (IDENTITY_ENDPOINT) and its header secret (IDENTITY_HEADER). */
  msiEndpoint: string;
  msiHeader: string;
  port: number;
}

/** Azure DevOps resource id: the audience of every token the PAT and variable group APIs accept. */
export const AZURE_DEVOPS_RESOURCE = '499b84ac-1321-427f-aa17-267ca6975798';
