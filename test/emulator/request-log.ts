import type { Service } from './types';

export interface RequestLogEntry {
  seq: number;
  /** Emulator-clock ISO time at which the request arrived. */
  time: string;
  method: string;
  host: string;
  path: string;
  /** Query string (no leading `?`), secret-looking values replaced by `[redacted]`. */
  query: string;
  /** Route name, or `unknown` when nothing matched. */
  route: string;
  service?: Service;
  /** HTTP status sent; 0 when the socket was reset by a fault. */
  status: number;
  /** Fault kind applied to this request, if any (`status`, `delay`, `reset`, `truncated`, `nonJson`, `html203`). */
  fault?: string;
  faultId?: string;
  /** The client went away before the response was written (e.g. it timed out during a delay). */
  aborted?: boolean;
  durationMs: number;
  remoteAddress: string;
  /** The JSON request body, parsed, with secrets replaced by `[redacted]` (absent when empty or not JSON). */
  requestBody?: unknown;
  /** The JSON response body as sent, parsed and redacted the same way (absent when empty, not JSON or never sent). */
  responseBody?: unknown;
}

export type LogFilter =
  | ((entry: RequestLogEntry) => boolean)
  | {
      route?: string | RegExp;
      service?: Service;
      method?: string;
      host?: string | RegExp;
      path?: string | RegExp;
      status?: number;
      fault?: string;
    };

export interface RequestLog {
  entries(filter?: LogFilter): RequestLogEntry[];
  count(filter?: LogFilter): number;
  clear(): void;
}

const REDACTED = '[redacted]';
// Parameter names whose values are credentials in the protocols we emulate (OAuth, SAS-like, Key Vault).
const SECRET_PARAM = /token|secret|assertion|password|passwd|verifier|credential|signature|^sig$|^code$|^key$|apikey|device_code|session/i;
// Opaque paging cursors are not credentials, and they help when reading a log.
const NOT_SECRET_PARAM = /^continuationtoken$/i;
const JWT_LIKE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/;

/** Redacts query values by name, by shape (JWTs) and by value (anything the emulator knows to be a secret). */
export function redactQuery(query: URLSearchParams, isSecret: (value: string) => boolean): string {
  const parts: string[] = [];
  for (const [name, value] of query) {
    const hide =
      (SECRET_PARAM.test(name) && !NOT_SECRET_PARAM.test(name)) || JWT_LIKE.test(value) || (value.length >= 8 && isSecret(value));
    parts.push(`${encodeURIComponent(name)}=${hide ? REDACTED : encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

// Keys whose string values are credentials or stored secret values in the services emulated here (a PAT's `token`, a
// Key Vault or variable group `value`, OAuth fields); what the conformance checks need of them is only their type.
const SECRET_KEY = /^(token|value|secret|password|apitoken|nugetkey|assertion|client_secret|client_assertion|access_token|refresh_token|id_token)$/i;
const MAX_LOGGED_BODY_BYTES = 1024 * 1024;

/**
 * A JSON body as the log keeps it: parsed, every secret-bearing string replaced by `[redacted]` (by key, by shape and
 * by value), so a string stays a string for schema checks. Undefined when the body is empty, not JSON, or too large.
 */
export function redactJsonBody(body: Buffer | string, isSecret: (value: string) => boolean): unknown {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
  if (!text.trim() || text.length > MAX_LOGGED_BODY_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const walk = (node: unknown, key: string): unknown => {
    if (typeof node === 'string') {
      const hide = (node !== '' && SECRET_KEY.test(key)) || JWT_LIKE.test(node) || (node.length >= 8 && isSecret(node));
      return hide ? REDACTED : node;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, key));
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, k)]));
    return node;
  };
  return walk(parsed, '');
}

/** Replaces any known secret occurring in a path (a token pasted into a URL must not reach the log either). */
export function redactPath(path: string, secrets: Iterable<string>): string {
  let out = path;
  for (const s of secrets) if (s.length >= 8 && out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

function matches(entry: RequestLogEntry, filter?: LogFilter): boolean {
  if (!filter) return true;
  if (typeof filter === 'function') return filter(entry);
  const test = (want: string | RegExp | undefined, got: string | undefined, caseless = false) =>
    want === undefined ||
    (typeof want === 'string'
      ? caseless
        ? want.toLowerCase() === (got ?? '').toLowerCase()
        : want === got
      : want.test(got ?? ''));
  return (
    test(filter.route, entry.route) &&
    (filter.service === undefined || filter.service === entry.service) &&
    test(filter.method, entry.method, true) &&
    test(filter.host, entry.host, true) &&
    test(filter.path, entry.path) &&
    (filter.status === undefined || filter.status === entry.status) &&
    (filter.fault === undefined || filter.fault === entry.fault)
  );
}

export class MemoryRequestLog implements RequestLog {
  private readonly list: RequestLogEntry[] = [];
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  add(entry: RequestLogEntry): void {
    this.list.push(Object.freeze({ ...entry }) as RequestLogEntry);
  }

  entries(filter?: LogFilter): RequestLogEntry[] {
    return this.list.filter((e) => matches(e, filter));
  }

  count(filter?: LogFilter): number {
    return this.entries(filter).length;
  }

  clear(): void {
    this.list.length = 0;
  }
}
