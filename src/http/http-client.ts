/**
 * The HTTP client of the core: retries, throttling and typed errors over one attempt at a time (transport.ts, Node's
 * own http/https with the agent's proxy and CA).
 */
import { now } from '../clock';
import type { NetworkConfig } from '../config/types';
import { PatLifecycleError } from '../errors';
import { DEFAULT_RETRY_POLICY, decideRetry, isRetryableStatus, serverRequestedDelayMs, type RetryPolicy } from './retry-policy';
import { classifyTransportFailure, outcomeUnknownError, transportError, type TransportFailure } from './transport-errors';
import { createTransport } from './transport';
import type { HttpClient, HttpRequest, HttpResponse, RetryEvent } from './types';

export type { HttpClient, HttpRequest, HttpResponse, RetryEvent } from './types';

export interface HttpClientOptions {
  onRetry?: (e: RetryEvent) => void;
  /** Injected by tests so backoff costs no time. */
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
  retryPolicy?: Partial<RetryPolicy>;
  /** Jitter source; tests pin it. */
  random?: () => number;
}

const DEFAULT_USER_AGENT = 'pat-lifecycle';
const REQUEST_ID_HEADERS = ['x-vss-e2eid', 'activityid', 'x-ms-request-id', 'client-request-id', 'x-ms-client-request-id'];

type Attempt =
  | { ok: true; response: HttpResponse }
  | { ok: false; failure: TransportFailure; error: unknown };

export function createHttpClient(network: NetworkConfig, options: HttpClientOptions = {}): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const transport = createTransport(network);

  async function attemptOnce(req: HttpRequest, url: URL, timeoutMs: number): Promise<Attempt> {
    // Redirects are returned, not followed: nothing the task calls redirects on success; a redirect is Azure DevOps
    // sending us to its sign-in page, and following it would only turn that into a confusing HTML 200.
    const result = await transport.send({
      method: req.method,
      url,
      headers: { 'user-agent': userAgent, ...req.headers },
      body: req.body,
      // The body is read inside the attempt so a stalled body counts against the same timeout.
      timeoutMs,
    });
    if (result.ok) return { ok: true, response: toHttpResponse(req, result.response.status, result.response.headers, result.response.text) };
    const failure = classifyTransportFailure(result.error, {
      host: url.host,
      operation: req.operation,
      timeoutMs,
      viaProxy: transport.usesProxy(req.url),
      connected: result.connected,
    });
    return { ok: false, failure, error: result.error };
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const idempotent = req.idempotent ?? !(req.method === 'POST' || req.method === 'PATCH');
    const retryEnabled = req.retry !== false;
    const timeoutMs = req.timeoutMs ?? network.timeoutMs;
    let waitedMs = 0;

    for (let retryNumber = 1; ; retryNumber++) {
      const attempt = await attemptOnce(req, url, timeoutMs);

      if (attempt.ok) {
        const res = attempt.response;
        const serverDelayMs = serverRequestedDelayMs(res.status, res.headers, now().getTime());
        const transient = isRetryableStatus(res.status) || (idempotent && req.isTransientResponse?.(res) === true);
        if (!transient) {
          if (res.status < 300 && serverDelayMs !== undefined) reportDelayed(req, url, res, serverDelayMs);
          return res;
        }
        // A 429 was refused unprocessed, so even a POST may go again; other 5xx may have done the work.
        if (!retryEnabled || !(idempotent || res.status === 429)) return res;
        const decision = decideRetry({ retryNumber, waitedMs, serverDelayMs, policy, random: options.random });
        if (decision.action === 'stop') {
          if (decision.reason === 'overCap') throw throttledError(req, url, res, decision.requestedMs ?? 0, policy);
          return res;
        }
        emitRetry(req, url, retryNumber, decision.delayMs, `HTTP ${res.status}`, res.status);
        await sleep(decision.delayMs);
        waitedMs += decision.delayMs;
        continue;
      }

      const { failure, error } = attempt;
      const resendable = idempotent && req.retryUnanswered !== false;
      const mayRetry = retryEnabled && failure.transient && (resendable || failure.phase === 'beforeSend');
      const decision = mayRetry ? decideRetry({ retryNumber, waitedMs, policy, random: options.random }) : undefined;
      if (!decision || decision.action === 'stop') {
        if (!resendable && failure.phase === 'maybeSent') throw outcomeUnknownError(failure, error);
        throw transportError(failure, error);
      }
      emitRetry(req, url, retryNumber, decision.delayMs, failure.code);
      await sleep(decision.delayMs);
      waitedMs += decision.delayMs;
    }
  }

  function emitRetry(req: HttpRequest, url: URL, attempt: number, delayMs: number, reason: string, status?: number): void {
    options.onRetry?.({
      kind: 'retry',
      operation: req.operation,
      host: url.host,
      attempt,
      delayMs,
      reason,
      status,
      message: `Retrying '${req.operation}' on ${url.host} in ${formatSeconds(delayMs)} (retry ${attempt} of ${policy.maxRetries}): ${reason}.`,
    });
  }

  function reportDelayed(req: HttpRequest, url: URL, res: HttpResponse, delayMs: number): void {
    const resource = res.headers['x-ratelimit-resource'];
    options.onRetry?.({
      kind: 'delayed',
      operation: req.operation,
      host: url.host,
      attempt: 0,
      delayMs,
      reason: 'rate limit delay',
      status: res.status,
      message:
        `${url.host} is rate-limiting this identity and delayed '${req.operation}' (Retry-After ${formatSeconds(delayMs)}` +
        `${resource ? `, ${resource}` : ''}); the request succeeded.`,
    });
  }

  return { request, close: () => transport.close() };
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function throttledError(req: HttpRequest, url: URL, res: HttpResponse, requestedMs: number, policy: RetryPolicy): PatLifecycleError {
  const resource = res.headers['x-ratelimit-resource'];
  const what = res.status === 429 ? 'throttled' : `is unavailable (HTTP ${res.status}) for`;
  return new PatLifecycleError(
    'service',
    `HTTP ${res.status}`,
    `${url.host} ${what} '${req.operation}' and asks to wait ${Math.ceil(requestedMs / 1000)} s, longer than this task waits (${Math.round(policy.totalWaitCapMs / 1000)} s)${resource ? ` [${resource}]` : ''}.`,
    {
      status: res.status,
      requestId: res.requestId,
      retryable: true,
      hint: 'Run the pipeline again later, and spread out runs that use the same account: Azure DevOps rate limits are per user and per pipeline.',
    },
  );
}

function toHttpResponse(req: HttpRequest, status: number, headers: Record<string, string>, text: string): HttpResponse {
  const requestId = REQUEST_ID_HEADERS.map((h) => headers[h]).find((v) => v !== undefined && v !== '');
  const host = new URL(req.url).host;
  return {
    status,
    headers,
    text,
    requestId,
    url: req.url,
    json<T>(): T {
      try {
        if (text.trim() === '') throw new SyntaxError('empty body');
        return JSON.parse(text) as T;
      } catch (cause) {
        // The body is not quoted: a proxy's error page or a service echo could contain anything.
        throw new PatLifecycleError('service', `HTTP ${status}`, `${host} answered '${req.operation}' with a body that is not JSON (HTTP ${status}).`, {
          status,
          requestId,
          hint: 'If a proxy or firewall sits between the agent and the service, check that it passes the request through unchanged.',
          cause,
        });
      }
    },
  };
}
