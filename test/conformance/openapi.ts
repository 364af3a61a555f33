/**
 * Checks emulator traffic against Microsoft's published OpenAPI specs (copies in test/conformance/specs): each request the
 * product sent must be an operation of the spec (method, path, declared query parameters and their types,
 * api-version, body properties), and each answer the emulator gave must validate against that operation's response
 * schema. Fed by the emulator's request log; run over every black-box test's traffic (test/conformance/hook.ts).
 *
 * Covered: the PAT Lifecycle API (tokens 7.1 / 7.2), variable groups (taskAgent 7.1 / 7.2), service endpoints
 * (serviceEndpoint 7.1) and Key Vault secrets (2025-07-01). Entra, OIDC and MSI have no OpenAPI, and connectionData appears in no spec: not checked.
 *
 * Strictness beyond the specs, on purpose:
 * - request bodies: every object is closed (no property the spec does not declare), so an unknown key is caught;
 * - ADO values may be null wherever the spec gives a type: the official examples are full of nulls.
 * Deliberate differences between the spec and its own examples are listed in DOCUMENTED_DIFFERENCES.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RequestLogEntry } from '../emulator/request-log';

/** The copies of the published specs kept in the repository (see specs/README.md for their sources). */
export const SPEC_DIR = resolve(__dirname, 'specs');

type Service = 'pats' | 'variableGroups' | 'serviceEndpoints' | 'keyVault';

interface SpecFile {
  service: Service;
  file: string;
}

const SPECS: SpecFile[] = [
  { service: 'pats', file: 'tokens-pats-7.1.json' },
  { service: 'pats', file: 'tokens-pats-7.2.json' },
  { service: 'variableGroups', file: 'distributedtask-taskagent-7.1.json' },
  { service: 'variableGroups', file: 'distributedtask-taskagent-7.2.json' },
  { service: 'serviceEndpoints', file: 'serviceendpoint-7.1.json' },
  { service: 'keyVault', file: 'keyvault-secrets-2025-07-01.json' },
];

/**
 * Where the spec and the official examples (or the live service) disagree, the emulator answers both ways and the
 * product accepts both; these answers are not violations.
 */
export const DOCUMENTED_DIFFERENCES: Array<{ operationId: string; status: number; why: string; /** Only this top-level property may be null; the rest is validated. */ nullProperty?: string }> = [
  { operationId: 'Pats_Revoke', status: 204, why: 'the official RevokePat example records 204 with body {}; the spec declares 200' },
  { operationId: 'GetSecretVersions', status: 200, nullProperty: 'nextLink', why: 'Key Vault answers "nextLink": null on the last page (Azure/azure-sdk-for-js keyvault-secrets list recordings); the spec declares a string' },
];

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'body' | 'header';
  required?: boolean;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: { type?: string; format?: string };
  collectionFormat?: string;
  schema?: object;
  description?: string;
}

interface Operation {
  service: Service;
  spec: string;
  operationId: string;
  method: string;
  template: string;
  pattern: RegExp;
  /** The api-version value the spec asks for; undefined when it declares only a string (Key Vault: info.version). */
  apiVersion?: string;
  query: Map<string, Parameter>;
  validateQuery: Map<string, () => ValidateFunction>;
  validateBody?: () => ValidateFunction;
  responses: Map<string, (() => ValidateFunction) | null>;
}

export interface Violation {
  seq: number;
  request: string;
  operationId?: string;
  problem: string;
}

const stripBom = (text: string) => text.replace(/^\uFEFF/, '');

/**
 * Every definition named in an `allOf` (IdentityRef's GraphSubjectBase): such a base validates the derived object's
 * whole body, so closing it would refuse the derived type's own properties.
 */
function allOfBases(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) allOfBases(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'allOf' && Array.isArray(v)) for (const item of v) if (typeof (item as { $ref?: unknown }).$ref === 'string') out.add((item as { $ref: string }).$ref.replace('#/definitions/', ''));
      allOfBases(v, out);
    }
  }
  return out;
}

/** Definitions closed, except the bases of an `allOf` (see allOfBases). */
function closeDefinitions(definitions: Record<string, unknown>): Record<string, unknown> {
  const open = allOfBases(definitions);
  return Object.fromEntries(Object.entries(definitions).map(([name, d]) => [name, open.has(name) ? d : closeObjects(d)]));
}

/** Every object schema closed against properties it does not declare (for request bodies). */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, closeObjects(pv)])) : closeObjects(v);
  if (out['properties'] && out['additionalProperties'] === undefined && !out['allOf']) out['additionalProperties'] = false;
  return out;
}

/** null allowed wherever a value is typed or referenced: Azure DevOps serialises absent values as null. */
function allowNull(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowNull);
  if (!node || typeof node !== 'object') return node;
  const n = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, nullable(allowNull(pv))]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = typeof v === 'object' ? nullable(allowNull(v)) : v;
    else out[k] = allowNull(v);
  }
  return out;
}

/**
 * Azure DevOps sends a list as `{ count, value: [...] }` where the spec declares the bare array (the official
 * variable group list examples show that envelope): both shapes are accepted.
 */
function collectionOnTheWire(schema: object): object {
  if ((schema as { type?: string }).type !== 'array') return schema;
  return { anyOf: [schema, { type: 'object', properties: { count: { type: 'integer' }, value: schema }, required: ['value'], additionalProperties: false }] };
}

function nullable(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  return { anyOf: [schema, { type: 'null' }] };
}

/** Swagger 2 schemas under Ajv: `definitions` refs stay, vendor keywords are ignored, formats are known. */
function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes: false, logger: false });
  addFormats(ajv);
  // Swagger 2 and Azure formats ajv-formats does not define: the type check is enough for them.
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'unixtime', 'password']) ajv.addFormat(f, true);
  return ajv;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

let operations: Operation[] | undefined;

/** Compiles every operation of every spec once per process. */
export function loadOperations(): Operation[] {
  if (operations) return operations;
  const ajv = newAjv();
  const queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', logger: false });
  addFormats(queryAjv);
  for (const f of ['int32', 'int64']) queryAjv.addFormat(f, true);
  const out: Operation[] = [];
  for (const { service, file } of SPECS) {
    const doc = JSON.parse(stripBom(readFileSync(join(SPEC_DIR, file), 'utf8'))) as {
      info: { version: string };
      paths: Record<string, Record<string, { operationId: string; parameters?: Array<Parameter | { $ref: string }>; responses: Record<string, { schema?: object }> }>>;
      'x-ms-paths'?: Record<string, Record<string, never>>;
      parameters?: Record<string, Parameter>;
      definitions: Record<string, unknown>;
    };
    const isAdo = service !== 'keyVault';
    // The spec's definitions, added once per use (requests closed, Azure DevOps values nullable); each operation's
    // schemas refer into them and are compiled the first time a request needs them.
    const docId = (mode: 'request' | 'response') => `${file}/${mode}`;
    for (const mode of ['request', 'response'] as const) {
      let definitions: unknown = doc.definitions;
      if (mode === 'request') definitions = closeDefinitions(doc.definitions as Record<string, unknown>);
      if (isAdo) definitions = allowNull(definitions);
      ajv.addSchema({ $id: docId(mode), definitions } as object);
    }
    const wrap = (schema: object, mode: 'request' | 'response') => {
      let root: unknown = schema;
      if (mode === 'request') root = closeObjects(root);
      if (isAdo) root = allowNull(root);
      const rooted = JSON.parse(JSON.stringify(root).replace(/"\$ref":"#\/definitions\//g, `"$ref":"${docId(mode)}#/definitions/`)) as object;
      return lazy(() => ajv.compile(rooted));
    };
    const all = { ...doc.paths, ...(doc['x-ms-paths'] ?? {}) };
    for (const [rawPath, methods] of Object.entries(all)) {
      const template = rawPath.replace(/\?.*$/, '');
      const pattern = new RegExp(
        `^${template
          .split('/')
          .map((seg) => (/^\{.+\}$/.test(seg) ? '([^/]*)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/')}/?$`,
        'i',
      );
      for (const [method, op] of Object.entries(methods)) {
        if (!op || typeof op !== 'object' || !('responses' in op)) continue;
        const params = (op.parameters ?? []).map((p) => ('$ref' in p ? doc.parameters![p.$ref.replace('#/parameters/', '')]! : p));
        const query = new Map(params.filter((p) => p.in === 'query').map((p) => [p.name, p]));
        // Azure DevOps names the value in the parameter's description; Key Vault's is the spec's own version.
        const apiVersion = isAdo ? /set to '([^']+)'/.exec(query.get('api-version')?.description ?? '')?.[1] : doc.info.version;
        const validateQuery = new Map<string, () => ValidateFunction>();
        for (const p of query.values()) {
          if (p.name === 'api-version') continue;
          const schema: Record<string, unknown> = { type: p.type };
          if (p.format) schema['format'] = p.format;
          if (p.enum) schema['enum'] = p.enum;
          if (p.type === 'array') schema['items'] = { type: p.items?.type, ...(p.items?.format ? { format: p.items.format } : {}) };
          validateQuery.set(p.name, lazy(() => queryAjv.compile(schema)));
        }
        const body = params.find((p) => p.in === 'body');
        const responses = new Map<string, (() => ValidateFunction) | null>();
        for (const [status, r] of Object.entries(op.responses)) responses.set(status, r.schema ? wrap(isAdo ? collectionOnTheWire(r.schema) : r.schema, 'response') : null);
        out.push({
          service,
          spec: file,
          operationId: op.operationId,
          method: method.toUpperCase(),
          template,
          pattern,
          apiVersion,
          query,
          validateQuery,
          validateBody: body?.schema ? wrap(body.schema, 'request') : undefined,
          responses,
        });
      }
    }
  }
  operations = out;
  return out;
}

function queryPairs(query: string): Array<[string, string]> {
  if (!query) return [];
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    return [name, value];
  });
}

const describeErrors = (v: ValidateFunction) =>
  (v.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}`)
    .join('; ');

/** The problems of one request against one operation (empty: it is that operation, and a correct use of it). */
function requestProblems(op: Operation, e: RequestLogEntry): string[] {
  const problems: string[] = [];
  const pairs = queryPairs(e.query);
  const names = new Set(pairs.map(([n]) => n));
  for (const [name, value] of pairs) {
    const declared = op.query.get(name);
    if (!declared) {
      problems.push(`query parameter '${name}' is not declared by ${op.operationId}`);
      continue;
    }
    if (name === 'api-version') {
      if (op.apiVersion && value !== op.apiVersion) problems.push(`api-version '${value}' is not ${op.spec}'s '${op.apiVersion}'`);
      continue;
    }
    if (value === '[redacted]') continue;
    const validate = op.validateQuery.get(name)!();
    if (!validate(declared.type === 'array' ? value.split(',') : value)) problems.push(`query parameter '${name}'='${value}': ${describeErrors(validate)}`);
  }
  for (const p of op.query.values()) if (p.required && !names.has(p.name)) problems.push(`required query parameter '${p.name}' is missing`);
  if (op.validateBody) {
    const validate = op.validateBody();
    if (e.requestBody === undefined) problems.push('the request has no JSON body, and the spec requires one');
    else if (!validate(e.requestBody)) problems.push(`request body: ${describeErrors(validate)}`);
  } else if (e.requestBody !== undefined) problems.push(`${op.operationId} takes no body, and one was sent`);
  return problems;
}

function responseProblems(op: Operation, e: RequestLogEntry): string[] {
  if (e.fault || e.status === 0 || e.aborted) return []; // an injected answer, or none at all
  const status = String(e.status);
  if (!op.responses.has(status)) {
    if (DOCUMENTED_DIFFERENCES.some((d) => d.operationId === op.operationId && d.status === e.status)) return [];
    if (e.status >= 200 && e.status < 300) return [`status ${e.status} is not a response ${op.operationId} declares (${[...op.responses.keys()].join(', ')})`];
    // Error answers: Key Vault declares their shape as `default`; Azure DevOps declares none.
    const fallback = op.responses.get('default')?.();
    if (!fallback || e.responseBody === undefined) return [];
    return fallback(e.responseBody) ? [] : [`error body (${status}): ${describeErrors(fallback)}`];
  }
  const validate = op.responses.get(status)?.();
  if (!validate) return [];
  if (e.responseBody === undefined) return [`response ${status} has no JSON body; the spec declares one`];
  const nullable = DOCUMENTED_DIFFERENCES.find((d) => d.operationId === op.operationId && d.status === e.status)?.nullProperty;
  const body = nullable && e.responseBody && typeof e.responseBody === 'object' && (e.responseBody as Record<string, unknown>)[nullable] === null ? Object.fromEntries(Object.entries(e.responseBody).filter(([k]) => k !== nullable)) : e.responseBody;
  return validate(body) ? [] : [`response ${status} body: ${describeErrors(validate)}`];
}

/** Key Vault paths are relative to the vault host; the latest version of a secret is the empty version segment. */
function specPath(e: RequestLogEntry): string {
  if (e.service !== 'keyVault') return e.path;
  return /^\/secrets\/[^/]+\/?$/.test(e.path) && e.method === 'GET' ? `${e.path.replace(/\/$/, '')}/` : e.path;
}

/** Violations in the log entries of the covered services (other entries are ignored). */
export function checkTraffic(entries: readonly RequestLogEntry[]): Violation[] {
  const ops = loadOperations();
  const violations: Violation[] = [];
  for (const e of entries) {
    const service = e.service as Service | undefined;
    if (service !== 'pats' && service !== 'variableGroups' && service !== 'serviceEndpoints' && service !== 'keyVault') continue;
    if (e.route === 'devops.connectionData') continue; // in no spec (spec/openapi/README.md)
    const request = `${e.method} ${e.path}${e.query ? `?${e.query}` : ''}`;
    const path = specPath(e);
    const matching = ops.filter((o) => o.service === service && o.method === e.method && o.pattern.test(path));
    // OpenAPI: a concrete path matches before a templated one (`/secrets/{name}/versions` is not GetSecret of version "versions").
    const literals = (template: string) => template.split('/').filter((seg) => seg && !seg.startsWith('{')).length;
    const mostConcrete = Math.max(...matching.map((o) => literals(o.template)));
    const candidates = matching.filter((o) => literals(o.template) === mostConcrete);
    if (candidates.length === 0) {
      violations.push({ seq: e.seq, request, problem: `no operation of the ${service} specs has ${e.method} ${path}` });
      continue;
    }
    // Operations sharing a path (get by id / list) and spec versions: the one the request fits best.
    const scored = candidates.map((op) => ({ op, problems: requestProblems(op, e) })).sort((a, b) => a.problems.length - b.problems.length);
    const best = scored[0]!;
    const problems = best.problems.length === 0 ? responseProblems(best.op, e) : best.problems;
    for (const problem of problems) violations.push({ seq: e.seq, request, operationId: `${best.op.operationId} (${best.op.spec})`, problem });
  }
  return violations;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `#${v.seq} ${v.request}\n    ${v.operationId ? `${v.operationId}: ` : ''}${v.problem}`).join('\n');
}

/** The problems of an answer to one named operation (official examples are checked with it). */
export function responseProblemsOf(operationId: string, specFile: string, status: number, body: unknown): string[] {
  const op = loadOperations().find((o) => o.operationId === operationId && o.spec === specFile);
  if (!op) throw new Error(`${specFile} has no operation ${operationId}`);
  const entry: RequestLogEntry = { seq: 0, time: '', method: op.method, host: '', path: op.template, query: '', route: operationId, service: op.service, status, durationMs: 0, remoteAddress: '' };
  return responseProblems(op, body === undefined ? entry : { ...entry, responseBody: body });
}
