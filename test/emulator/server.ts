import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadJsonError, type EmulatorClock, type EmuRequest, type EmuResponse, type Route, type Service } from './types';
import { faultKind, faultResponse, vssErrorBody, type FaultRegistry } from './faults';
import { redactJsonBody, redactPath, redactQuery, type MemoryRequestLog } from './request-log';

export interface ServerContext {
  routes: readonly Route[];
  faults: FaultRegistry;
  log: MemoryRequestLog;
  clock: EmulatorClock;
  latencyMs(): number;
  secrets(): Iterable<string>;
  isSecret(value: string): boolean;
  newGuid(): string;
  vaultDnsSuffix: string;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Matches `/:org/_apis/tokens/pats` style templates; returns decoded parameters or null. A trailing slash is tolerated. */
export function matchPath(template: string, path: string, opts: { caseInsensitive?: boolean } = {}): Record<string, string> | null {
  const want = template.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    let g: string;
    try {
      g = decodeURIComponent(got[i]!);
    } catch {
      return null;
    }
    if (w.startsWith(':')) {
      if (!g) return null;
      params[w.slice(1)] = g;
    } else if (opts.caseInsensitive ? w.toLowerCase() !== g.toLowerCase() : w !== g) {
      return null;
    }
  }
  return params;
}

/** Convenience for service modules: a Route from a path template and an optional host test. */
export function defineRoute(def: {
  service: Service;
  name: string;
  method: string;
  path: string;
  caseInsensitive?: boolean;
  host?: (host: string) => boolean;
  handle: Route['handle'];
}): Route {
  return {
    service: def.service,
    name: def.name,
    method: def.method.toUpperCase(),
    match: (req) => (def.host && !def.host(req.host) ? null : matchPath(def.path, req.path, { caseInsensitive: def.caseInsensitive })),
    handle: def.handle,
  };
}

/** The VSS error body as an EmuResponse (azure-apis.md §1.8). */
export function vssError(status: number, message: string, typeKey: string, typeName?: string, eventId = 3000): EmuResponse {
  return {
    status,
    body: vssErrorBody(message, typeName ?? `Microsoft.TeamFoundation.Framework.Server.${typeKey}, Microsoft.TeamFoundation.Framework.Server`, typeKey, eventId),
  };
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function toEmuRequest(req: IncomingMessage, body: Buffer): EmuRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    const value = headerValue(v);
    if (value !== undefined) headers[k.toLowerCase()] = value;
  }
  const hostHeader = (headers['host'] ?? '').toLowerCase();
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  let parsedJson: { value: unknown } | undefined;
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    host,
    path: q >= 0 ? url.slice(0, q) : url,
    query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
    headers,
    body,
    json<T>(): T | undefined {
      if (!parsedJson) {
        const text = body.toString('utf8').replace(/^\uFEFF/, '');
        if (!text.trim()) parsedJson = { value: undefined };
        else {
          try {
            parsedJson = { value: JSON.parse(text) };
          } catch (e) {
            throw new BadJsonError(`Malformed JSON body: ${(e as Error).message}`);
          }
        }
      }
      return parsedJson.value as T | undefined;
    },
    form: () => new URLSearchParams(body.toString('utf8')),
    remoteAddress: req.socket.remoteAddress ?? '',
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Which service an unmatched request was meant for, so faults and the log can still name it. */
export function inferService(host: string, path: string, vaultDnsSuffix: string): Service | undefined {
  if (host.endsWith(`.${vaultDnsSuffix}`)) return 'keyVault';
  const p = path.toLowerCase();
  if (p.includes('/_apis/tokens/')) return 'pats';
  if (p.includes('/_apis/distributedtask/variablegroups')) return 'variableGroups';
  if (p.includes('/_apis/serviceendpoint/endpoints')) return 'serviceEndpoints';
  if (p.includes('/oidctoken')) return 'oidc';
  if (p.startsWith('/msi/')) return 'msi';
  if (/\/(oauth2|discovery|v2\.0)\b/.test(p)) return 'entra';
  return undefined;
}

/** How the real hosts answer a URL nobody serves: Key Vault in its JSON error shape, Azure DevOps in Web API's, Entra with a page. */
function notFound(req: EmuRequest, service: Service | undefined, allow: string[], authority: string): EmuResponse {
  const url = `${authority}${req.path}`;
  if (service === 'keyVault') {
    return allow.length
      ? { status: 405, headers: { Allow: allow.join(', ') }, body: { error: { code: 'BadParameter', message: `The HTTP method '${req.method}' is not supported for this resource.` } } }
      : { status: 404, body: { error: { code: 'NotFound', message: `The requested resource '${req.path}' was not found.` } } };
  }
  if (/\/_apis(\/|$)/i.test(req.path)) {
    return allow.length
      ? { status: 405, headers: { Allow: allow.join(', ') }, body: { count: 1, value: { Message: `The requested resource does not support http method '${req.method}'.` } } }
      : { status: 404, body: { count: 1, value: { Message: `No HTTP resource was found that matches the request URI '${url}'.` } } };
  }
  const status = allow.length ? 405 : 404;
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', ...(allow.length ? { Allow: allow.join(', ') } : {}) },
    body: `<!DOCTYPE html><html><head><title>${status} - ${status === 404 ? 'Not Found' : 'Method Not Allowed'}</title></head><body><h1>${status === 404 ? 'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.' : 'Method not allowed.'}</h1></body></html>`,
  };
}

function badJson(service: Service | undefined, newGuid: () => string): EmuResponse {
  if (service === 'keyVault') return { status: 400, body: { error: { code: 'BadParameter', message: 'The request body is not valid JSON.' } } };
  if (service === 'entra' || service === 'msi') {
    return { status: 400, body: { error: 'invalid_request', error_description: 'AADSTS900144: The request body is malformed.', error_codes: [900144] } };
  }
  return {
    status: 400,
    body: vssErrorBody(`TF400898: An Internal Error Occurred. Activity Id: ${newGuid()}.`, 'Newtonsoft.Json.JsonReaderException, Newtonsoft.Json', 'JsonReaderException', 0),
  };
}

interface Serialised {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function serialise(r: EmuResponse): Serialised {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = v;
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  let body: Buffer;
  if (r.body === undefined || r.body === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(r.body)) {
    body = r.body;
    if (!has('content-type')) headers['Content-Type'] = 'application/octet-stream';
  } else if (typeof r.body === 'string') {
    body = Buffer.from(r.body, 'utf8');
    if (!has('content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
  } else {
    body = Buffer.from(JSON.stringify(r.body), 'utf8');
    if (!has('content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  return { status: r.status, headers, body };
}

export function createRequestListener(ctx: ServerContext, authority: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(ctx, authority, req, res).catch((e) => {
      // Last resort: a bug in the framework itself. Never include the request (it may carry secrets).
      console.error(`[emulator] internal error: ${(e as Error).stack ?? e}`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('emulator internal error');
      }
    });
  };
}

async function handle(ctx: ServerContext, authority: () => string, raw: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const arrivedAt = ctx.clock.now();
  const seq = ctx.log.nextSeq();
  let aborted = false;
  res.on('close', () => {
    if (!res.writableFinished) aborted = true;
  });

  const body = await readBody(raw);
  const req = toEmuRequest(raw, body);

  let route: Route | undefined;
  let params: Record<string, string> = {};
  const allow: string[] = [];
  for (const r of ctx.routes) {
    const p = r.match(req);
    if (!p) continue;
    if (r.method.toUpperCase() === req.method) {
      route = r;
      params = p;
      break;
    }
    allow.push(r.method.toUpperCase());
  }
  const service = route?.service ?? inferService(req.host, req.path, ctx.vaultDnsSuffix);
  const routeName = route?.name ?? 'unknown';

  const latency = ctx.latencyMs();
  if (latency > 0) await sleep(latency);

  const fault = ctx.faults.take({ route: routeName, service, method: req.method, host: req.host });
  const phase = fault?.spec.phase ?? 'before';
  const kind = fault ? faultKind(fault.spec) : undefined;

  let status = 0;
  let sentBody: Buffer | undefined;
  const finish = () => {
    const requestBody = redactJsonBody(body, ctx.isSecret);
    const responseBody = sentBody ? redactJsonBody(sentBody, ctx.isSecret) : undefined;
    ctx.log.add({
      seq,
      time: new Date(arrivedAt).toISOString(),
      method: req.method,
      host: req.host,
      path: redactPath(req.path, ctx.secrets()),
      query: redactQuery(req.query, ctx.isSecret),
      route: routeName,
      service,
      status,
      ...(fault ? { fault: kind, faultId: fault.id } : {}),
      ...(aborted ? { aborted } : {}),
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      remoteAddress: req.remoteAddress,
      ...(requestBody !== undefined ? { requestBody } : {}),
      ...(responseBody !== undefined ? { responseBody } : {}),
    });
  };

  const runHandler = async (): Promise<EmuResponse> => {
    if (!route) return notFound(req, service, [...new Set(allow)], authority());
    try {
      return await route.handle(req, params);
    } catch (e) {
      if (e instanceof BadJsonError) return badJson(service, ctx.newGuid);
      console.error(`[emulator] route ${route.name} threw: ${(e as Error).stack ?? e}`);
      return { status: 500, body: { message: `Emulator route ${route.name} failed: ${(e as Error).message}` } };
    }
  };

  if (fault && phase === 'before' && kind === 'reset') {
    raw.socket.destroy();
    aborted = false;
    finish();
    return;
  }
  if (fault && kind === 'delay' && phase === 'before') await sleep((fault.spec as { ms: number }).ms);

  let response: EmuResponse;
  if (fault && phase === 'before' && (kind === 'status' || kind === 'nonJson' || kind === 'html203')) {
    response = faultResponse(fault.spec, service, ctx.clock.now(), ctx.newGuid);
  } else {
    response = await runHandler();
    if (fault && phase === 'after') {
      if (kind === 'reset') {
        raw.socket.destroy();
        finish();
        return;
      }
      if (kind === 'delay') await sleep((fault.spec as { ms: number }).ms);
      else if (kind !== 'truncated') response = faultResponse(fault.spec, service, ctx.clock.now(), ctx.newGuid);
    }
  }

  const out = serialise(response);
  out.headers['Date'] ??= new Date(ctx.clock.now()).toUTCString();
  out.headers['x-ms-request-id'] ??= ctx.newGuid();
  const clientRequestId = req.headers['x-ms-client-request-id'] ?? req.headers['client-request-id'];
  if (clientRequestId && !/[\r\n]/.test(clientRequestId)) {
    if (req.headers['x-ms-client-request-id']) out.headers['x-ms-client-request-id'] ??= clientRequestId;
    if (req.headers['client-request-id']) out.headers['client-request-id'] ??= clientRequestId;
  }
  status = out.status;

  if (res.destroyed || raw.socket.destroyed) {
    aborted = true;
    finish();
    return;
  }

  if (kind === 'truncated' && fault) {
    const json = out.body.length ? out.body : Buffer.from(JSON.stringify({ value: [], count: 0, note: 'truncated by fault' }));
    if (!out.headers['Content-Type'] && !out.headers['content-type']) out.headers['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(out.status, { ...out.headers, 'Content-Length': String(json.length) });
    res.write(json.subarray(0, Math.max(1, Math.floor(json.length / 2))), () => {
      // The announced length is never reached: the client sees the connection drop mid-body.
      raw.socket.destroy();
    });
    aborted = false;
    finish();
    return;
  }

  // Node 20's HTTP server fails a keep-alive request that arrives while it is still flushing a large response
  // (the parser reports HPE_PAUSED and the socket is reset; scripts/bench/repro-hpe-paused.cjs shows it without the
  // emulator). It takes an answer that does not fit one TLS record (16 KiB of status line, headers and body) and a
  // next request body that does not either. The real services keep such connections open; closing after a large
  // answer only makes the client connect again, which every client does anyway.
  const closeAfter = out.body.length > LARGE_RESPONSE_BYTES ? { Connection: 'close' } : {};
  res.writeHead(out.status, { ...out.headers, ...closeAfter, 'Content-Length': String(out.body.length) });
  res.end(out.body);
  sentBody = out.body;
  finish();
}

/** Body bytes above which the answer may not fit one TLS record with its headers: 4 KiB of room for them. */
const LARGE_RESPONSE_BYTES = 12 * 1024;
