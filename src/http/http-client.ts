/**
 * The HTTP client of the core, for Azure DevOps and (through MSAL's network module) Entra: an @azure/core-rest-pipeline
 * pipeline, the stack the Azure SDK clients use for Key Vault too. Its retry loop runs our rules (strategy below),
 * because the SDK's own would send a PAT create again after a 5xx or a lost answer, and the service may have made the
 * PAT already.
 */
import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  decompressResponsePolicy,
  logPolicy,
  RestError,
  retryPolicy,
  userAgentPolicy,
  type LogPolicyOptions,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
  type RetryStrategy,
} from '@azure/core-rest-pipeline';
import { TextDecoder, format } from 'node:util';
import { now } from '../clock';
import type { NetworkConfig } from '../config/types';
import { PatLifecycleError } from '../errors';
import { networkPolicy, proxyFor } from './proxy';
import { DEFAULT_RETRY_POLICY, decideRetry, isRetryableStatus, serverRequestedDelayMs, type RetryPolicy } from './retry-policy';
import { classifyTransportFailure, outcomeUnknownError, transportError, TransportAbort, type TransportFailure } from './transport-errors';
import type { HttpClient, HttpRequest, HttpResponse, RetryEvent } from './types';

export type { HttpClient, HttpRequest, HttpResponse, RetryEvent } from './types';

export interface HttpClientOptions {
  onRetry?: (e: RetryEvent) => void;
  /** core-rest-pipeline's request log (sanitised: no bodies, headers and query values redacted but for a safe list). */
  log?: (line: string) => void;
  /** Scales every wait between attempts; tests set 0 so backoff costs no time (the events still carry the real delay). */
  delayFactor?: number;
  userAgent?: string;
  retryPolicy?: Partial<RetryPolicy>;
  /** Jitter source; tests pin it. */
  random?: () => number;
}

const REQUEST_ID_HEADERS = ['x-vss-e2eid', 'activityid', 'x-ms-request-id', 'client-request-id', 'x-ms-client-request-id'];
/** Far above any answer the task reads (PAT pages, variable groups, token responses); guards memory, not bandwidth. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const EVERY_STATUS = new Set([Number.POSITIVE_INFINITY]);
/** Answers without a body by definition; a Content-Encoding on one would make the decompressor fail on nothing. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** What the pipeline's policies need to know about one of our requests. */
interface Call {
  req: HttpRequest;
  idempotent: boolean;
  timeoutMs: number;
  waitedMs: number;
}

/**
 * Attempts that ended without a usable answer, by the RestError that carries them through core-rest-pipeline's retry
 * loop (which hands only RestErrors to the retry strategy, and which a subclass cannot be: RestError resets its
 * prototype). `failure` says what the attempt means for sending again.
 */
const failedAttempts = new WeakMap<object, { failure: TransportFailure; original: unknown }>();

function attemptFailed(failure: TransportFailure, original: unknown, request: PipelineRequest): RestError {
  const err = new RestError(failure.message, { code: failure.code, request });
  failedAttempts.set(err, { failure, original });
  return err;
}

export function createHttpClient(network: NetworkConfig, options: HttpClientOptions = {}): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const factor = options.delayFactor ?? 1;
  const calls = new WeakMap<PipelineRequest, Call>();
  const transport = createDefaultHttpClient();
  const net = networkPolicy(network);

  const pipeline = createEmptyPipeline();
  // First, so it logs each request before the network policy puts the proxy's agent (with its credentials) on it.
  if (options.log) pipeline.addPolicy(logPolicy({ logger: debugLogger(options.log) }));
  pipeline.addPolicy(userAgentPolicy({ userAgentPrefix: options.userAgent ?? 'pat-lifecycle' }));
  pipeline.addPolicy(decompressResponsePolicy());
  pipeline.addPolicy(retryPolicy([retryStrategy()], { maxRetries: policy.maxRetries }), { phase: 'Retry' });
  pipeline.addPolicy(net, { afterPhase: 'Retry' });
  pipeline.addPolicy(attemptPolicy(), { afterPhase: 'Retry', afterPolicies: [net.name] });

  function callOf(request: PipelineRequest | undefined): Call {
    const call = request && calls.get(request);
    if (!call) throw new Error('a request that did not come through this client');
    return call;
  }

  /** Per attempt: the time limit (connect, answer and body), reading the body under the size cap, typed failures. */
  function attemptPolicy(): PipelinePolicy {
    return {
      name: 'patLifecycleAttempt',
      async sendRequest(request, next) {
        const call = callOf(request);
        const host = new URL(request.url).host;
        const context = { host, operation: call.req.operation, timeoutMs: call.timeoutMs, viaProxy: proxyFor(network, request.url) !== undefined };
        const timer = new AbortController();
        const timeout = setTimeout(() => timer.abort(), call.timeoutMs);
        const outer = request.abortSignal;
        request.abortSignal = timer.signal;
        request.streamResponseStatusCodes = EVERY_STATUS;
        try {
          const response = await next(request);
          // The proxy answered CONNECT itself; the tunnel library hands its answer on as if the service had sent it.
          if (response.status === 407 && context.viaProxy) {
            if (response.readableStreamBody) discard(response.readableStreamBody);
            throw new TransportAbort('ProxyRefused', 'CONNECT answered 407', 407);
          }
          response.bodyAsText = await readBody(response, request.method);
          return response;
        } catch (err) {
          const cause = timer.signal.aborted ? new TransportAbort('AttemptTimeout', `no complete answer within ${call.timeoutMs} ms`) : err;
          throw attemptFailed(classifyTransportFailure(cause, context), cause, request);
        } finally {
          clearTimeout(timeout);
          // The retry loop gives up on a request whose own signal has fired; this one was the attempt's alone.
          request.abortSignal = outer;
        }
      },
    };
  }

  function retryStrategy(): RetryStrategy {
    return {
      name: 'patLifecycleRetry',
      retry({ retryCount, response, responseError }) {
        const retryNumber = retryCount + 1;
        if (responseError) {
          const failed = failedAttempts.get(responseError);
          if (!failed) return { skipStrategy: true };
          const call = callOf(responseError.request);
          const { failure } = failed;
          // A POST may go again only when nothing of it reached the service.
          const mayRetry = call.req.retry !== false && failure.transient && (resendable(call) || failure.phase === 'beforeSend');
          if (!mayRetry) return { skipStrategy: true };
          const decision = decideRetry({ retryNumber, waitedMs: call.waitedMs, policy, random: options.random });
          if (decision.action === 'stop') return { skipStrategy: true };
          return wait(call, responseError.request!, retryNumber, decision.delayMs, failure.code);
        }
        if (!response) return { skipStrategy: true };
        const call = callOf(response.request);
        const res = toHttpResponse(call.req, response);
        const serverDelayMs = serverRequestedDelayMs(res.status, res.headers, now().getTime());
        const transient = isRetryableStatus(res.status) || (call.idempotent && call.req.isTransientResponse?.(res) === true);
        if (!transient) {
          if (res.status < 300 && serverDelayMs !== undefined) reportDelayed(call.req, res, serverDelayMs);
          return { skipStrategy: true };
        }
        // A 429 was refused unprocessed, so even a POST may go again; other 5xx may have done the work.
        if (call.req.retry === false || !(call.idempotent || res.status === 429)) return { skipStrategy: true };
        const decision = decideRetry({ retryNumber, waitedMs: call.waitedMs, serverDelayMs, policy, random: options.random });
        if (decision.action === 'stop') {
          return decision.reason === 'overCap' ? { errorToThrow: throttledError(call.req, res, decision.requestedMs ?? 0, policy) } : { skipStrategy: true };
        }
        return wait(call, response.request, retryNumber, decision.delayMs, `HTTP ${res.status}`, res.status);
      },
    };
  }

  function wait(call: Call, request: PipelineRequest, attempt: number, delayMs: number, reason: string, status?: number) {
    const host = new URL(request.url).host;
    options.onRetry?.({
      kind: 'retry',
      operation: call.req.operation,
      host,
      attempt,
      delayMs,
      reason,
      status,
      message: `Retrying '${call.req.operation}' on ${host} in ${formatSeconds(delayMs)} (retry ${attempt} of ${policy.maxRetries}): ${reason}.`,
    });
    call.waitedMs += delayMs;
    return { retryAfterInMs: delayMs * factor };
  }

  function reportDelayed(req: HttpRequest, res: HttpResponse, delayMs: number): void {
    const host = new URL(req.url).host;
    const resource = res.headers['x-ratelimit-resource'];
    options.onRetry?.({
      kind: 'delayed',
      operation: req.operation,
      host,
      attempt: 0,
      delayMs,
      reason: 'rate limit delay',
      status: res.status,
      message:
        `${host} is rate-limiting this identity and delayed '${req.operation}' (Retry-After ${formatSeconds(delayMs)}` +
        `${resource ? `, ${resource}` : ''}); the request succeeded.`,
    });
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? !(req.method === 'POST' || req.method === 'PATCH');
    const request = createPipelineRequest({
      url: req.url,
      method: req.method,
      headers: createHttpHeaders(createHeaders(req)),
      body: req.body,
      allowInsecureConnection: req.url.startsWith('http:'),
    });
    const call: Call = { req, idempotent, timeoutMs: req.timeoutMs ?? network.timeoutMs, waitedMs: 0 };
    calls.set(request, call);
    try {
      return toHttpResponse(req, await pipeline.sendRequest(transport, request));
    } catch (err) {
      if (err instanceof PatLifecycleError) throw err;
      const failed = typeof err === 'object' && err !== null ? failedAttempts.get(err) : undefined;
      if (failed) {
        if (!resendable(call) && failed.failure.phase === 'maybeSent') throw outcomeUnknownError(failed.failure, failed.original);
        throw transportError(failed.failure, failed.original);
      }
      throw err;
    }
  }

  return {
    request,
    async close() {
      net.close();
    },
  };
}

/** The caller's headers; a bodiless write says Content-Length 0 rather than go chunked, which some proxies refuse. */
function createHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.body === undefined && (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH')) headers['content-length'] = '0';
  return headers;
}

/** Reads the (already decompressed) body, failing past MAX_RESPONSE_BYTES: a small gzip answer can inflate without end. */
async function readBody(response: PipelineResponse, method: string): Promise<string> {
  const stream = response.readableStreamBody;
  response.readableStreamBody = undefined;
  if (!stream || method === 'HEAD' || NULL_BODY_STATUSES.has(response.status)) {
    if (stream) discard(stream);
    return '';
  }
  const declared = Number(response.headers.get('content-length'));
  const limit = `${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`;
  if (!response.headers.has('content-encoding') && Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    throw new TransportAbort('ResponseTooLarge', `Content-Length over ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
        throw new TransportAbort('ResponseTooLarge', `more than ${limit}${response.headers.has('content-encoding') ? ' once decompressed' : ''}`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof TransportAbort) throw err;
    // zlib's errors: the body does not match its Content-Encoding (cut off, or rewritten on the way).
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new TransportAbort('BadContentEncoding', `Content-Encoding ${response.headers.get('content-encoding')}`);
    throw err;
  }
  // TextDecoder as fetch's text(): drops a UTF-8 BOM, and replaces invalid bytes instead of throwing.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, size));
}

/** Lets a body nobody reads drain, its errors included, so the connection is freed and nothing is left unhandled. */
function discard(stream: NodeJS.ReadableStream): void {
  stream.on('error', () => {});
  stream.resume();
}

function toHttpResponse(req: HttpRequest, response: PipelineResponse): HttpResponse {
  const headers = response.headers.toJSON() as Record<string, string>;
  const status = response.status;
  const text = response.bodyAsText ?? '';
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

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function throttledError(req: HttpRequest, res: HttpResponse, requestedMs: number, policy: RetryPolicy): PatLifecycleError {
  const host = new URL(req.url).host;
  const resource = res.headers['x-ratelimit-resource'];
  const what = res.status === 429 ? 'throttled' : `is unavailable (HTTP ${res.status}) for`;
  return new PatLifecycleError(
    'service',
    `HTTP ${res.status}`,
    `${host} ${what} '${req.operation}' and asks to wait ${Math.ceil(requestedMs / 1000)} s, longer than this task waits (${Math.round(policy.totalWaitCapMs / 1000)} s)${resource ? ` [${resource}]` : ''}.`,
    {
      status: res.status,
      requestId: res.requestId,
      retryable: true,
      hint: 'Run the pipeline again later, and spread out runs that use the same account: Azure DevOps rate limits are per user and per pipeline.',
    },
  );
}

/** logPolicy wants a `debug`-style logger; this one hands each line on. */
function debugLogger(log: (line: string) => void): NonNullable<LogPolicyOptions['logger']> {
  const logger = (...args: unknown[]) => log(format(...args));
  return Object.assign(logger, { enabled: true, namespace: 'pat-lifecycle:http', log: logger, destroy: () => true, extend: () => logger }) as unknown as NonNullable<LogPolicyOptions['logger']>;
}

/** Whether a request that may have reached the server unanswered may be sent again (HttpRequest.retryUnanswered). */
function resendable(call: Call): boolean {
  return call.idempotent && call.req.retryUnanswered !== false;
}
