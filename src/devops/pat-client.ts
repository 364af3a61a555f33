/**
 * The PAT Lifecycle API (`{vssps}/{org}/_apis/tokens/pats`): list every page, get, create, update, revoke.
 * Refusals come in three shapes and all become PatLifecycleErrors: `patTokenError` inside a 200 (pat-errors.ts),
 * the VSS error body or a sign-in page (devops-errors.ts), and failures on the way (the HTTP layer).
 */
import { sendDevOpsRequest } from './devops-request';
import { PatLifecycleError } from '../errors';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/types';
import { devOpsResponseError, isSignInPage, parseJsonBody, readVssError, unexpectedShapeError, type DevOpsCallContext } from './devops-errors';
import { patTokenErrorToError } from './pat-errors';
import {
  PAT_API_VERSION,
  type PagedPatTokens,
  type PatDisplayFilter,
  type PatToken,
  type PatTokenCreateRequest,
  type PatTokenResult,
  type PatTokenUpdateRequest,
} from './types';

export interface PatClientOptions {
  http: HttpClient;
  /** `https://vssps.dev.azure.com` */
  vsspsUrl: string;
  organization: string;
  accessToken: string;
  apiVersion?: string;
  /** Called with a new PAT's value the moment the create answer is read, before anything can print it. */
  registerSecret?: (value: string) => void;
}

const SERVICE = 'Azure DevOps (PAT Lifecycle API)';
/** Values that mean "there is no such PAT" when they answer a get or a revoke. */
const NOT_FOUND_ERRORS = new Set(['authorizationNotFound', 'tokenNotFound', 'hostAuthorizationNotFound']);
const MAX_PAGE_SIZE = 100;

export class PatClient {
  private readonly http: HttpClient;
  private readonly base: string;
  private readonly apiVersion: string;
  private readonly authorization: string;
  private readonly registerSecret: (value: string) => void;
  private readonly sharedValues = new Map<string, string | readonly string[]>();

  constructor(o: PatClientOptions) {
    this.http = o.http;
    this.base = `${o.vsspsUrl.replace(/\/+$/, '')}/${encodeURIComponent(o.organization)}/_apis/tokens/pats`;
    this.apiVersion = o.apiVersion ?? PAT_API_VERSION;
    this.authorization = `Bearer ${o.accessToken}`;
    this.registerSecret = o.registerSecret ?? (() => {});
  }

  /**
   * Every PAT of the signed-in user matching the filter, page after page. Pages are yielded as they arrive: nothing
   * is accumulated here, so the caller decides how much to keep.
   */
  async *listAll(filter: PatDisplayFilter = 'active', pageSize = MAX_PAGE_SIZE): AsyncGenerator<PatToken> {
    const ctx = this.ctx('list PATs');
    const top = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(pageSize)));
    const seenTokens = new Set<string>();
    let continuationToken: string | undefined;
    for (;;) {
      // The API requires the same filter options on every page.
      const query: [string, string][] = [['displayFilterOption', filter], ['$top', String(top)]];
      if (continuationToken) query.push(['continuationToken', continuationToken]);
      const res = await this.send({ method: 'GET', url: this.url(query), operation: ctx.operation });
      if (res.status !== 200) throw devOpsResponseError(res, ctx);
      const page = parseJsonBody<PagedPatTokens>(res, ctx);
      if (!page || typeof page !== 'object' || !Array.isArray(page.patTokens)) throw unexpectedShapeError(res, ctx, 'a page without patTokens');
      for (const pat of page.patTokens) yield this.checkPat(pat, res, ctx);
      const next = page.continuationToken;
      if (next === undefined || next === null || next === '') return;
      if (typeof next !== 'string') throw unexpectedShapeError(res, ctx, 'a continuation token that is not a string');
      // A service that hands back a token it already gave would page forever.
      if (seenTokens.has(next)) throw unexpectedShapeError(res, ctx, 'a continuation token it had already returned');
      seenTokens.add(next);
      continuationToken = next;
    }
  }

  async get(authorizationId: string): Promise<PatToken | undefined> {
    const ctx = this.ctx('get PAT');
    const res = await this.send({ method: 'GET', url: this.url([['authorizationId', authorizationId]]), operation: ctx.operation });
    if (this.isPatNotFound(res)) return undefined;
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    const result = this.parseResult(res, ctx);
    if (result.patTokenError !== 'none' && NOT_FOUND_ERRORS.has(result.patTokenError)) return undefined;
    this.throwIfRefused(result, res, ctx);
    return result.patToken ? this.checkPat(result.patToken, res, ctx) : undefined;
  }

  /**
   * POST: never sent twice. When the outcome is unknown (timeout, reset, gateway error) the error has code
   * 'OutcomeUnknown' so the caller lists PATs by display name before trying again.
   */
  async create(r: PatTokenCreateRequest): Promise<PatToken & { token: string }> {
    const ctx = this.ctx('create PAT');
    const res = await this.send({ method: 'POST', url: this.url([]), operation: ctx.operation, body: JSON.stringify(r), idempotent: false });
    if (res.status === 500 || res.status === 502 || res.status === 504) throw outcomeUnknownAfterServerError(res, ctx);
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    const result = this.parseResult(res, ctx);
    const token = result.patToken?.token;
    if (typeof token === 'string' && token !== '') this.registerSecret(token);
    this.throwIfRefused(result, res, ctx);
    if (!result.patToken) throw unexpectedShapeError(res, ctx, 'no patToken');
    const pat = this.checkPat(result.patToken, res, ctx);
    if (typeof token !== 'string' || token === '') throw unexpectedShapeError(res, ctx, 'a new PAT without its value');
    return { ...pat, token };
  }

  async update(r: PatTokenUpdateRequest): Promise<PatToken> {
    const ctx = this.ctx('update PAT');
    const res = await this.send({ method: 'PUT', url: this.url([]), operation: ctx.operation, body: JSON.stringify(r) });
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    const result = this.parseResult(res, ctx);
    this.throwIfRefused(result, res, ctx);
    if (!result.patToken) throw unexpectedShapeError(res, ctx, 'no patToken');
    return this.checkPat(result.patToken, res, ctx);
  }

  /** 'notFound' covers a PAT already revoked by an earlier attempt whose answer was lost. */
  async revoke(authorizationId: string): Promise<'revoked' | 'notFound'> {
    const ctx = this.ctx('revoke PAT');
    const res = await this.send({ method: 'DELETE', url: this.url([['authorizationId', authorizationId]]), operation: ctx.operation });
    if (this.isPatNotFound(res)) return 'notFound';
    if (res.status === 204) return 'revoked';
    if (res.status !== 200) throw devOpsResponseError(res, ctx);
    // The documented answer is empty; a PatTokenResult body may still carry a refusal.
    if (res.text.trim() === '' || res.text.trim() === '{}') return 'revoked';
    const body = parseJsonBody<Partial<PatTokenResult>>(res, ctx);
    const error = typeof body?.patTokenError === 'string' ? body.patTokenError : 'none';
    if (NOT_FOUND_ERRORS.has(error)) return 'notFound';
    if (error !== 'none') throw patTokenErrorToError(error, { operation: ctx.operation, requestId: res.requestId, serviceMessage: body.patTokenErrorMessage });
    return 'revoked';
  }

  private ctx(operation: string): DevOpsCallContext {
    return { operation, service: SERVICE, notFoundHint: 'Check the organization name and PatLifecycle.VsspsUrl.' };
  }

  private url(query: [string, string][]): string {
    // Built by hand so `$top` keeps its literal dollar sign.
    const parts = [...query, ['api-version', this.apiVersion]].map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    return `${this.base}?${parts.join('&')}`;
  }

  private send(req: Omit<HttpRequest, 'headers'>): Promise<HttpResponse> {
    return sendDevOpsRequest(this.http, this.authorization, req);
  }

  /** The answer says the PAT does not exist (as opposed to the organization or the URL being wrong). */
  private isPatNotFound(res: HttpResponse): boolean {
    if (isSignInPage(res)) return false;
    const typeKey = readVssError(res)?.typeKey ?? '';
    if (typeKey === 'SessionTokenNotFoundException') return true;
    // An unknown organization also answers 404; that must not read as "the PAT is already gone".
    return res.status === 404 && !/Account|Host|Organization|Collection/i.test(typeKey);
  }

  private parseResult(res: HttpResponse, ctx: DevOpsCallContext): PatTokenResult {
    const body = parseJsonBody<PatTokenResult>(res, ctx);
    if (!body || typeof body !== 'object' || !('patTokenError' in body || 'patToken' in body)) {
      throw unexpectedShapeError(res, ctx, 'a body that is not a PatTokenResult');
    }
    return { ...body, patTokenError: typeof body.patTokenError === 'string' ? body.patTokenError : 'none', patToken: body.patToken ?? null };
  }

  private throwIfRefused(result: PatTokenResult, res: HttpResponse, ctx: DevOpsCallContext): void {
    if (result.patTokenError === 'none') return;
    throw patTokenErrorToError(result.patTokenError, { operation: ctx.operation, requestId: res.requestId, serviceMessage: result.patTokenErrorMessage });
  }

  /**
   * One copy of each scope string and organization list: ten thousand PATs of one organization share a handful of
   * them, and a list of that size otherwise holds ten thousand copies of each (about a fifth of its memory).
   */
  private shared<T extends string | readonly string[]>(value: T): T {
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    const known = this.sharedValues.get(key) as T | undefined;
    if (known !== undefined) return known;
    // Frozen: a change to one PAT's list would change every PAT's.
    if (typeof value !== 'string') Object.freeze(value);
    this.sharedValues.set(key, value);
    return value;
  }

  private checkPat(value: unknown, res: HttpResponse, ctx: DevOpsCallContext): PatToken {
    const p = value as Partial<PatToken> | null;
    const ok =
      !!p &&
      typeof p === 'object' &&
      typeof p.authorizationId === 'string' &&
      p.authorizationId !== '' &&
      typeof p.displayName === 'string' &&
      typeof p.validTo === 'string' &&
      !Number.isNaN(Date.parse(p.validTo)) &&
      typeof p.scope === 'string';
    if (!ok) throw unexpectedShapeError(res, ctx, 'a PAT without authorizationId, displayName, scope or a valid validTo');
    return {
      displayName: p.displayName!,
      validTo: p.validTo!,
      scope: this.shared(p.scope!),
      targetAccounts: Array.isArray(p.targetAccounts) ? this.shared(p.targetAccounts) : null,
      validFrom: typeof p.validFrom === 'string' ? p.validFrom : '',
      authorizationId: p.authorizationId!,
      token: null,
    };
  }
}

function outcomeUnknownAfterServerError(res: HttpResponse, ctx: DevOpsCallContext): PatLifecycleError {
  return new PatLifecycleError(
    'service',
    'OutcomeUnknown',
    `${SERVICE} answered '${ctx.operation}' with HTTP ${res.status}; the PAT may or may not have been created, so the request was not sent again.`,
    {
      status: res.status,
      requestId: res.requestId,
      retryable: true,
      hint: 'List the PATs by display name to see whether it exists before creating it again.',
    },
  );
}
