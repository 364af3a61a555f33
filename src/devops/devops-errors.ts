/**
 * Azure DevOps answers that are not the success the caller expected, as PatLifecycleErrors. Azure DevOps' own
 * error text (the VSS `message`, `X-TFS-ServiceError`) is shown: it describes the refusal and carries no request data.
 */
import { PatLifecycleError, type ErrorKind } from '../errors';
import type { HttpResponse } from '../http/types';
import type { VssErrorBody } from './types';

export interface DevOpsCallContext {
  /** 'create PAT', 'update variable group'... */
  operation: string;
  /** For messages: 'Azure DevOps (PAT Lifecycle API)'. */
  service: string;
  /** Replaces the generic advice for 403. */
  permissionHint?: string;
  /** Replaces the generic advice for 404. */
  notFoundHint?: string;
}

const MAX_SERVICE_TEXT = 400;

export const SIGN_IN_PAGE_MESSAGE =
  'Azure DevOps answered with its sign-in page: the access token is not a user token Azure DevOps accepts (expired, wrong audience or tenant)';

/** 203 Non-Authoritative with an HTML sign-in page, an HTML body under any status, or a redirect to `_signin`. */
export function isSignInPage(res: HttpResponse): boolean {
  if (res.status === 203) return true;
  if (res.status >= 300 && res.status < 400) return /_signin|login|signin/i.test(res.headers.location ?? '');
  if (/text\/html/i.test(res.headers['content-type'] ?? '')) return true;
  return /^\s*</.test(res.text);
}

export function readVssError(res: HttpResponse): VssErrorBody | undefined {
  try {
    const body = JSON.parse(res.text) as Partial<VssErrorBody> | null;
    if (body && typeof body === 'object' && typeof body.message === 'string') return body as VssErrorBody;
  } catch {
    // not JSON: the header may still say what went wrong
  }
  return undefined;
}

/** Azure DevOps' own words about the failure: the VSS body's message, else the X-TFS-ServiceError header. */
export function serviceText(res: HttpResponse): string | undefined {
  const fromBody = readVssError(res)?.message;
  let text = fromBody;
  if (!text && res.headers['x-tfs-serviceerror']) {
    try {
      text = decodeURIComponent(res.headers['x-tfs-serviceerror']);
    } catch {
      text = res.headers['x-tfs-serviceerror'];
    }
  }
  if (!text) return undefined;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_SERVICE_TEXT ? `${oneLine.slice(0, MAX_SERVICE_TEXT)}…` : oneLine;
}

export function signInPageError(res: HttpResponse, ctx: DevOpsCallContext): PatLifecycleError {
  return new PatLifecycleError('auth', `HTTP ${res.status}`, `${SIGN_IN_PAGE_MESSAGE} ('${ctx.operation}').`, {
    status: res.status,
    requestId: res.requestId,
    hint:
      'Check that the refresh token was issued for a user (not an app) in the tenant that backs the organization, ' +
      "with the Azure DevOps permission user_impersonation; then sign in again with `pat-lifecycle login`.",
  });
}

export function devOpsResponseError(res: HttpResponse, ctx: DevOpsCallContext): PatLifecycleError {
  if (isSignInPage(res)) return signInPageError(res, ctx);
  const vss = readVssError(res);
  const said = serviceText(res);
  const code = vss?.typeKey || `HTTP ${res.status}`;
  const base = { status: res.status, requestId: res.requestId };
  const detail = said ? `: ${said}` : '.';

  if (vss?.typeKey === 'InvalidAccessException') {
    const servicePrincipal = /service principal/i.test(vss.message);
    return new PatLifecycleError('auth', code, `${ctx.service} refused '${ctx.operation}'${detail}`, {
      ...base,
      hint: servicePrincipal
        ? 'The PAT Lifecycle API works only for a user account: the refresh token must come from a user signing in (`pat-lifecycle login`), not from a service principal or managed identity.'
        : 'The PAT Lifecycle API accepts only a Microsoft Entra token of a user; PATs and app tokens are refused.',
    });
  }

  const kindFor = (status: number): ErrorKind => {
    if (status === 401) return 'auth';
    if (status === 403) return 'permission';
    if (status === 404) return 'notFound';
    return 'service';
  };
  const kind = kindFor(res.status);
  const hint =
    res.status === 401
      ? 'Check that the signed-in user is a member of the organization and that the organization is connected to the same Entra tenant.'
      : res.status === 403
        ? (ctx.permissionHint ?? 'The signed-in user lacks the permission for this; ask an organization administrator.')
        : res.status === 404
          ? (ctx.notFoundHint ?? 'Check the organization and project names.')
          : res.status === 429
            ? 'Azure DevOps is rate-limiting this identity; run again later.'
            : res.status >= 500
              ? 'Azure DevOps had a problem; run the pipeline again. If it persists, quote the request id to Microsoft support.'
              : 'Azure DevOps rejected the request; the message above says why.';
  return new PatLifecycleError(kind, code, `${ctx.service} refused '${ctx.operation}' (HTTP ${res.status})${detail}`, {
    ...base,
    hint,
    retryable: res.status === 429 || res.status >= 500,
  });
}

/** A 2xx whose body is not what the API documents. */
export function unexpectedShapeError(res: HttpResponse, ctx: DevOpsCallContext, what: string): PatLifecycleError {
  return new PatLifecycleError('service', 'UnexpectedResponse', `${ctx.service} answered '${ctx.operation}' with ${what} (HTTP ${res.status}).`, {
    status: res.status,
    requestId: res.requestId,
    hint: 'Check the service URL settings (PatLifecycle.VsspsUrl, PatLifecycle.DevOpsUrl) and that no proxy rewrites the answer.',
  });
}

/** Parses a 2xx JSON body, turning an HTML sign-in page or garbage into a typed error. */
export function parseJsonBody<T>(res: HttpResponse, ctx: DevOpsCallContext): T {
  if (isSignInPage(res)) throw signInPageError(res, ctx);
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw unexpectedShapeError(res, ctx, 'a body that is not JSON');
  }
}
