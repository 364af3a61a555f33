import type { EmuResponse, Service } from './types';

/** Which requests a fault applies to. Every given field must match; omitted fields match anything. */
export interface FaultMatch {
  /** Route name (exact) or a RegExp over it; `unknown` for requests no route matched. */
  route?: string | RegExp;
  service?: Service;
  method?: string;
  /** Host without port, exact (case-insensitive) or a RegExp. */
  host?: string | RegExp;
  /** Fire on the n-th matching request counted from when the fault was added (1-based, default 1). */
  nth?: number;
  /** How many matching requests to fault once it fires (default 1; Infinity allowed). */
  times?: number;
  /**
   * `before` (default): the fault replaces the request, the handler never runs.
   * `after`: the handler runs and changes state, then the response is replaced ("it reached the service, the answer got lost").
   */
  phase?: 'before' | 'after';
}

export type FaultAction =
  | { kind?: 'status'; status: number; headers?: Record<string, string>; body?: string | Buffer | object | null; retryAfterSeconds?: number }
  /** Hang for `ms` real milliseconds, then carry on normally (to exceed client timeouts). */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without a response. */
  | { kind: 'reset' }
  /** Headers announcing the whole body, half of it, then the connection closes. */
  | { kind: 'truncated' }
  /** 200 with a text/plain body that is not JSON. */
  | { kind: 'nonJson' }
  /** The Azure DevOps 203 Non-Authoritative sign-in page a missing or expired credential gets. */
  | { kind: 'html203' };

export type FaultSpec = FaultMatch & FaultAction;
export type FaultKind = 'status' | 'delay' | 'reset' | 'truncated' | 'nonJson' | 'html203';

export interface FaultInfo {
  id: string;
  spec: FaultSpec;
  /** Matching requests seen since the fault was added. */
  seen: number;
  /** Times the fault was applied. */
  applied: number;
}

export interface Faults {
  add(spec: FaultSpec): string;
  remove(id: string): boolean;
  clear(): void;
  list(): FaultInfo[];
}

export interface FaultTarget {
  route: string;
  service?: Service;
  method: string;
  host: string;
}

export function faultKind(spec: FaultSpec): FaultKind {
  return spec.kind ?? 'status';
}

function validate(spec: FaultSpec): void {
  const kind = faultKind(spec);
  if (!['status', 'delay', 'reset', 'truncated', 'nonJson', 'html203'].includes(kind)) throw new TypeError(`unknown fault kind ${kind}`);
  if (kind === 'status') {
    const status = (spec as { status?: number }).status;
    if (!Number.isInteger(status) || status! < 100 || status! > 599) throw new TypeError('a status fault needs an HTTP status 100-599');
  }
  if (kind === 'delay' && !((spec as { ms?: number }).ms! >= 0)) throw new TypeError('a delay fault needs ms >= 0');
  if (spec.nth !== undefined && !(Number.isInteger(spec.nth) && spec.nth >= 1)) throw new TypeError('nth is 1-based');
  if (spec.times !== undefined && !(spec.times >= 1)) throw new TypeError('times must be >= 1');
}

export class FaultRegistry implements Faults {
  private faults: FaultInfo[] = [];
  private nextId = 1;

  add(spec: FaultSpec): string {
    validate(spec);
    const id = `fault-${this.nextId++}`;
    this.faults.push({ id, spec: { ...spec }, seen: 0, applied: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultInfo[] {
    return this.faults.map((f) => ({ ...f, spec: { ...f.spec } }));
  }

  /**
   * Counts the request against every matching fault and returns the first one (in the order added) that fires.
   * A fault that also reached its turn but lost to an earlier one stays armed for the next matching request.
   */
  take(target: FaultTarget): FaultInfo | undefined {
    let chosen: FaultInfo | undefined;
    for (const f of this.faults) {
      if (!matches(f.spec, target)) continue;
      f.seen++;
      const times = f.spec.times ?? 1;
      if (!chosen && f.seen >= (f.spec.nth ?? 1) && f.applied < times) {
        f.applied++;
        chosen = f;
      }
    }
    // Spent faults drop out so list() shows what is still armed.
    this.faults = this.faults.filter((f) => f.applied < (f.spec.times ?? 1));
    return chosen ? { ...chosen, spec: { ...chosen.spec } } : undefined;
  }
}

function matches(spec: FaultMatch, t: FaultTarget): boolean {
  const test = (want: string | RegExp | undefined, got: string, caseless: boolean) =>
    want === undefined || (typeof want === 'string' ? (caseless ? want.toLowerCase() === got.toLowerCase() : want === got) : want.test(got));
  return (
    test(spec.route, t.route, false) &&
    (spec.service === undefined || spec.service === t.service) &&
    test(spec.method, t.method, true) &&
    test(spec.host, t.host, true)
  );
}

const DEVOPS_SERVICES: ReadonlySet<Service | undefined> = new Set<Service | undefined>(['pats', 'variableGroups', 'serviceEndpoints', 'oidc']);

/** The response a `status`, `nonJson` or `html203` fault sends, shaped like the service's own errors. */
export function faultResponse(spec: FaultSpec, service: Service | undefined, nowMs: number, newGuid: () => string): EmuResponse {
  const kind = faultKind(spec);
  if (kind === 'nonJson') {
    return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'upstream said: <<garbage, not JSON>>\n' };
  }
  if (kind === 'html203') {
    return { status: 203, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: SIGN_IN_PAGE };
  }
  const s = spec as Extract<FaultSpec, { status: number }>;
  const headers: Record<string, string> = {};
  const retryAfter = s.retryAfterSeconds ?? (s.status === 429 || s.status === 503 ? 1 : undefined);
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  if (s.status === 429 && DEVOPS_SERVICES.has(service)) {
    Object.assign(headers, {
      'X-RateLimit-Resource': 'Core',
      'X-RateLimit-Delay': (retryAfter ?? 1).toFixed(3),
      'X-RateLimit-Limit': '200',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil(nowMs / 1000) + (retryAfter ?? 1)),
    });
  }
  Object.assign(headers, s.headers ?? {});
  const body = s.body !== undefined ? s.body : defaultErrorBody(s.status, service, newGuid);
  return { status: s.status, headers, body };
}

function defaultErrorBody(status: number, service: Service | undefined, newGuid: () => string): object | string | null {
  if (status < 400) return null;
  if (service === 'keyVault') {
    const code = status === 429 ? 'Throttled' : status === 503 ? 'ServiceUnavailable' : status >= 500 ? 'InternalServerError' : 'BadRequest';
    return { error: { code, message: `Emulated fault: HTTP ${status}.` } };
  }
  if (service === 'entra' || service === 'msi') {
    const transient = status === 429 || status >= 500;
    const code = status === 429 ? 90055 : transient ? 90006 : 90000;
    return {
      error: transient ? 'temporarily_unavailable' : 'invalid_request',
      error_description: `AADSTS${code}: Emulated fault: HTTP ${status}.`,
      error_codes: [code],
      trace_id: newGuid(),
      correlation_id: newGuid(),
    };
  }
  if (status === 429) {
    return vssErrorBody(
      'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource \'Core\' in namespace \'User\'.',
      'Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server',
      'RequestBlockedException',
      3000,
    );
  }
  return vssErrorBody(
    `TF400898: An Internal Error Occurred. Activity Id: ${newGuid()}.`,
    'Microsoft.TeamFoundation.Framework.Server.ServiceUnavailableException, Microsoft.TeamFoundation.Framework.Server',
    status === 503 ? 'ServiceUnavailableException' : 'VssServiceException',
    3000,
  );
}

/** The standard Azure DevOps (VSS) error body, azure-apis.md §1.8. */
export function vssErrorBody(message: string, typeName: string, typeKey: string, eventId = 3000): object {
  return { $id: '1', innerException: null, message, typeName, typeKey, errorCode: 0, eventId };
}

/** What dev.azure.com serves with 203 when a browser-less client has no valid credential (shortened, same shape). */
export const SIGN_IN_PAGE = `<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta charset="utf-8">
  <title>Azure DevOps Services | Sign In</title>
  <meta http-equiv="X-UA-Compatible" content="IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8">
</head>
<body>
  <div id="signin">
    <p>Sign in to your account</p>
    <a href="https://app.vssps.visualstudio.com/_signin?realm=dev.azure.com">Sign in</a>
  </div>
</body>
</html>
`;
