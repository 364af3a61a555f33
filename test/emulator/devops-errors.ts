/**
 * What every emulated Azure DevOps endpoint (PAT Lifecycle, variable groups, connectionData) answers
 * alike: the VSS error body, the 203 sign-in page for anonymous callers, the response headers,
 * and api-version negotiation (query string or `Accept: application/json;api-version=…`).
 */
import type { EmulatorCore, EmuRequest, EmuResponse, Principal } from './types';

interface VssErrorOptions {
  /** Full .NET type name with assembly; derived from typeKey when absent. */
  typeName?: string;
  eventId?: number;
  headers?: Record<string, string>;
}

/** Where the .NET exception types the emulator names live, so `typeName` looks like the real one. */
const TYPE_NAMES: Record<string, string> = {
  InvalidAccessException: 'Microsoft.TeamFoundation.Framework.Server.InvalidAccessException, Microsoft.TeamFoundation.Framework.Server',
  JsonReaderException: 'Newtonsoft.Json.JsonReaderException, Newtonsoft.Json',
  SessionTokenNotFoundException: 'Microsoft.VisualStudio.Services.DelegatedAuthorization.SessionTokenNotFoundException, Microsoft.VisualStudio.Services.WebApi',
  VssVersionNotSpecifiedException: 'Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi',
  VssInvalidPreviewVersionException: 'Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi',
  VssVersionOutOfRangeException: 'Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi',
  VssInvalidApiVersionException: 'Microsoft.VisualStudio.Services.WebApi.VssInvalidApiVersionException, Microsoft.VisualStudio.Services.WebApi',
  ArgumentException: 'System.ArgumentException, mscorlib',
  ArgumentNullException: 'System.ArgumentNullException, mscorlib',
  UnauthorizedRequestException: 'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server',
  RequestBlockedException: 'Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server',
  VariableGroupNotFoundException: 'Microsoft.TeamFoundation.DistributedTask.WebApi.VariableGroupNotFoundException, Microsoft.TeamFoundation.DistributedTask.WebApi',
  AccessDeniedException: 'Microsoft.TeamFoundation.DistributedTask.WebApi.AccessDeniedException, Microsoft.TeamFoundation.DistributedTask.WebApi',
  ProjectDoesNotExistWithNameException: 'Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi',
  HostDoesNotExistException: 'Microsoft.TeamFoundation.Framework.Server.HostDoesNotExistException, Microsoft.TeamFoundation.Framework.Server',
};

export function vssErrorBody(typeKey: string, message: string, opts: VssErrorOptions = {}): object {
  return {
    $id: '1',
    innerException: null,
    message,
    typeName: opts.typeName ?? TYPE_NAMES[typeKey] ?? `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`,
    typeKey,
    errorCode: 0,
    eventId: opts.eventId ?? 3000,
  };
}

export function vssError(ctx: DevOpsContext, status: number, typeKey: string, message: string, opts: VssErrorOptions = {}): EmuResponse {
  return ctx.json(status, vssErrorBody(typeKey, message, opts), opts.headers);
}

/**
 * Per-request response helper: carries the ids real responses have (activity id, E2E id, session)
 * and the resolved api-version, which the real service appends to Content-Type.
 */
export class DevOpsContext {
  readonly activityId: string;
  readonly e2eId: string;
  readonly session: string;
  apiVersion: string | undefined;
  principal: Principal | undefined;

  constructor(
    readonly core: EmulatorCore,
    readonly req: EmuRequest,
  ) {
    this.activityId = core.newGuid();
    this.e2eId = core.newGuid();
    this.session = req.headers['x-tfs-session'] || core.newGuid();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      'Cache-Control': 'no-cache',
      Pragma: 'no-cache',
      'X-TFS-ProcessId': this.core.newGuid(),
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      ActivityId: this.activityId,
      'X-TFS-Session': this.session,
      'X-VSS-E2EID': this.e2eId,
      'X-VSS-SenderDeploymentId': 'e8f0c7b3-0a4b-4c2e-9f3e-2b5d6a7c8d9e',
      'X-Frame-Options': 'SAMEORIGIN',
      'X-Content-Type-Options': 'nosniff',
    };
    const p = this.principal;
    if (p && (p.kind === 'user' || p.kind === 'pat')) {
      const upn = p.kind === 'user' ? p.upn : (this.core.users.get(p.userId)?.upn ?? p.userId);
      h['X-VSS-UserData'] = `${p.userId}:${upn}`;
    }
    return { ...h, ...extra };
  }

  json(status: number, body: unknown, extra: Record<string, string> = {}): EmuResponse {
    const ct = 'application/json; charset=utf-8' + (this.apiVersion ? `; api-version=${this.apiVersion}` : '');
    return { status, headers: this.headers({ 'Content-Type': ct, ...extra }), body: JSON.stringify(body) };
  }

  empty(status: number, extra: Record<string, string> = {}): EmuResponse {
    return { status, headers: this.headers(extra), body: '' };
  }

  /**
   * Anonymous or unrecognised callers get what dev.azure.com gives a browser-less client: 203 with the
   * HTML sign-in page. A client that sends `X-TFS-FedAuthRedirect: Suppress` gets a plain 401 instead.
   */
  signIn(): EmuResponse {
    if ((this.req.headers['x-tfs-fedauthredirect'] ?? '').toLowerCase() === 'suppress') {
      return this.unauthorized();
    }
    const html =
      '<!DOCTYPE html>\r\n<html lang="en-US">\r\n<head><title>Azure DevOps Services | Sign In</title>\r\n' +
      '<meta http-equiv="X-UA-Compatible" content="IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8" />\r\n</head>\r\n' +
      '<body>\r\n<div class="header">Azure DevOps Services</div>\r\n' +
      '<div class="content">Sign in to your account to continue.</div>\r\n</body>\r\n</html>\r\n';
    return {
      status: 203,
      headers: this.headers({ 'Content-Type': 'text/html; charset=utf-8', 'X-VSS-AuthorizationEndpoint': `${this.core.urls().vssps}/` }),
      body: html,
    };
  }

  /** The 401 dev.azure.com sends for bad Basic credentials (and for suppressed sign-in redirects). */
  unauthorized(message = 'TF400813: Resource not available for anonymous access. Client authentication required.'): EmuResponse {
    const realm = `${this.core.urls().devops}/`;
    return this.json(401, vssErrorBody('UnauthorizedRequestException', message), {
      'WWW-Authenticate': `Bearer authorization_uri=${this.core.urls().authorityHost}/common, Basic realm="${realm}", TFS-Federated`,
    });
  }
}

export interface ApiVersionRules {
  /** Lowest and highest supported `major.minor`, e.g. [6.1, 7.2]. */
  min: number;
  max: number;
  /** Versions at or above this need no `-preview` (Infinity: every version is preview). */
  gaFrom: number;
  /** Highest resource version (`-preview.N`) per api-version. */
  maxResourceVersion(v: number): number;
  /** Version assumed for a GET without one (none: always 400). */
  defaultForGet?: string;
}

export type ApiVersionResult = { ok: true; version: string; number: number; preview: boolean } | { ok: false; response: EmuResponse };

/** Reads api-version from the query or the Accept header and checks it against the resource's rules. */
export function negotiateApiVersion(ctx: DevOpsContext, rules: ApiVersionRules): ApiVersionResult {
  const req = ctx.req;
  let raw = req.query.get('api-version') ?? undefined;
  if (raw === undefined) {
    const m = /api-version\s*=\s*([^;,\s]+)/i.exec(req.headers['accept'] ?? '');
    if (m) raw = m[1];
  }
  if (raw === undefined || raw === '') {
    if (req.method === 'GET' && rules.defaultForGet) raw = rules.defaultForGet;
    else {
      return {
        ok: false,
        response: vssError(
          ctx,
          400,
          'VssVersionNotSpecifiedException',
          `No api-version was supplied for the "${req.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
        ),
      };
    }
  }
  const m = /^(\d+)\.(\d+)(-preview(?:\.(\d+))?)?$/i.exec(raw.trim());
  if (!m) {
    return {
      ok: false,
      response: vssError(ctx, 400, 'VssInvalidApiVersionException', `The api-version '${raw}' is not valid. Expected the form "{major}.{minor}[-preview[.{resourceVersion}]]".`),
    };
  }
  const num = Number(m[1]) + Number(m[2]) / 10;
  const preview = m[3] !== undefined;
  if (num > rules.max + 1e-9 || num < rules.min - 1e-9) {
    return {
      ok: false,
      response: vssError(
        ctx,
        400,
        'VssVersionOutOfRangeException',
        `The requested REST API version of ${m[1]}.${m[2]} is out of range for this server. The supported REST API versions of this resource are ${rules.min.toFixed(1)} to ${rules.max.toFixed(1)}.`,
      ),
    };
  }
  if (!preview && num < rules.gaFrom - 1e-9) {
    return {
      ok: false,
      response: vssError(
        ctx,
        400,
        'VssInvalidPreviewVersionException',
        `The requested version "${m[1]}.${m[2]}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${m[1]}.${m[2]}-preview"`,
      ),
    };
  }
  const maxRv = rules.maxResourceVersion(num);
  const rv = m[4] !== undefined ? Number(m[4]) : maxRv;
  if (preview && (rv < 1 || rv > maxRv)) {
    return {
      ok: false,
      response: vssError(
        ctx,
        400,
        'VssInvalidPreviewVersionException',
        `The requested resource version ${rv} of the resource is not available for api-version ${m[1]}.${m[2]}. The highest resource version available is ${maxRv}.`,
      ),
    };
  }
  const version = preview ? `${m[1]}.${m[2]}-preview.${rv}` : `${m[1]}.${m[2]}`;
  ctx.apiVersion = version;
  return { ok: true, version, number: num, preview };
}

export interface ThrottleState {
  delayed: boolean;
  blocked: boolean;
  /** Seconds sent in Retry-After (default 10 when delayed, 30 when blocked). */
  retryAfterSeconds?: number;
}

export function newThrottleState(): ThrottleState {
  return { delayed: false, blocked: false };
}

export function setThrottle(state: ThrottleState, opts: { delayed?: boolean; blocked?: boolean; retryAfterSeconds?: number } | undefined): ThrottleState {
  state.delayed = !!opts?.delayed;
  state.blocked = !!opts?.blocked;
  state.retryAfterSeconds = opts?.retryAfterSeconds;
  return { ...state };
}

/** The headers of docs/integrate/concepts/rate-limits.md: sent on delayed (200) and blocked (429) answers. */
export function rateLimitHeaders(core: EmulatorCore, state: ThrottleState): Record<string, string> {
  const retry = state.retryAfterSeconds ?? (state.blocked ? 30 : 10);
  return {
    'Retry-After': String(retry),
    'X-RateLimit-Resource': 'ATCPU',
    'X-RateLimit-Delay': state.blocked ? '0.000' : '0.500',
    'X-RateLimit-Limit': '200',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(Math.floor(core.clock.now() / 1000) + 300),
  };
}

/** Null when not blocked; otherwise the 429 answer. Delayed answers are decorated by the caller. */
export function blockedResponse(ctx: DevOpsContext, state: ThrottleState): EmuResponse | null {
  if (!state.blocked) return null;
  return vssError(
    ctx,
    429,
    'RequestBlockedException',
    'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource \'ATCPU\' in namespace \'User\'.',
    { headers: rateLimitHeaders(ctx.core, state) },
  );
}

/** Adds the rate-limit headers to an answer while the emulator is set to delay. */
export function withDelayHeaders(core: EmulatorCore, state: ThrottleState, res: EmuResponse): EmuResponse {
  if (!state.delayed) return res;
  return { ...res, headers: { ...(res.headers ?? {}), ...rateLimitHeaders(core, state) } };
}
