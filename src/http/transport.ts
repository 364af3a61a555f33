/**
 * One HTTP attempt over Node's own `node:http`/`node:https`, with the agent's proxy (a CONNECT tunnel from
 * `https-proxy-agent`) and CA. Retries, status handling and messages belong to http-client.ts; this file only sends,
 * reads and reports what went wrong and whether the connection was up at that moment.
 *
 * Built on the core modules rather than undici because undici (with its inlined llhttp WebAssembly) was over a third
 * of the bundle and its load alone cost about as much as starting Node.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { TextDecoder } from 'node:util';
import type { HttpsProxyAgent } from 'https-proxy-agent';
import type { NetworkConfig, ProxyConfig } from '../config/types';
import { proxyAuthorizationHeader, proxyFor, proxyUrlWithoutCredentials } from './proxy';
import { trustedCaList } from './tls-trust';
import { TransportAbort } from './transport-errors';
import type { HttpMethod } from './types';

export interface WireRequest {
  method: HttpMethod;
  url: URL;
  /** Sent as given, after the defaults below; names are matched case-insensitively. */
  headers: Record<string, string>;
  body?: string;
  /** The whole attempt: connect, send, response headers and body. */
  timeoutMs: number;
}

export interface WireResponse {
  status: number;
  /** Names in lower case; repeated headers joined with ', '. */
  headers: Record<string, string>;
  text: string;
}

export type WireResult =
  | { ok: true; response: WireResponse }
  /** `connected`: whether the connection (TCP, tunnel, TLS) was up when it failed; before that nothing was sent. */
  | { ok: false; error: unknown; connected: boolean };

export interface Transport {
  send(req: WireRequest): Promise<WireResult>;
  usesProxy(url: string): boolean;
  /** Destroys pooled connections so the process can exit. */
  close(): Promise<void>;
}

/** A longer connect wait rarely helps and delays the retry that would. */
const CONNECT_TIMEOUT_CEILING_MS = 10_000;
/**
 * Idle pooled sockets are closed after this. Below the 5 s keep-alive timeout of Node servers and far below Azure's,
 * so a request is not written to a socket the server is closing at that moment (which would turn a POST into an
 * unknown outcome).
 */
const IDLE_SOCKET_MS = 4_000;
/** Far above any answer the task reads (PAT pages, variable groups, token responses); guards memory, not bandwidth. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Statuses whose answer has no body by definition (Fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** More codings than this on one answer is a decompression bomb, not a real service. */
const MAX_CONTENT_CODINGS = 5;

/** Sockets whose connection (and TLS handshake) completed; a pooled socket reused later is ready at once. */
const readySockets = new WeakSet<Socket>();

export function createTransport(network: NetworkConfig): Transport {
  const agents = createAgents(network);
  const connectTimeoutMs = Math.min(CONNECT_TIMEOUT_CEILING_MS, network.timeoutMs);

  function send(wreq: WireRequest): Promise<WireResult> {
    return new Promise<WireResult>((resolve) => {
      let settled = false;
      let connected = false;
      let req: http.ClientRequest | undefined;
      // Aborts a proxy CONNECT still in progress: until it completes the request has no socket to destroy.
      const tunnelAbort = new AbortController();

      const settle = (result: WireResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(attemptTimer);
        clearTimeout(connectTimer);
        resolve(result);
      };
      const fail = (error: unknown): void => {
        if (settled) return;
        settle({ ok: false, error, connected });
        tunnelAbort.abort();
        // Destroying the request also destroys its socket and response: nothing of this attempt is read or reused.
        req?.destroy();
      };
      const markConnected = (): void => {
        connected = true;
        clearTimeout(connectTimer);
      };

      const attemptTimer = setTimeout(() => fail(new TransportAbort('AttemptTimeout', `no complete answer within ${wreq.timeoutMs} ms`)), wreq.timeoutMs);
      const connectTimer = setTimeout(() => fail(new TransportAbort('ConnectTimeout', `not connected within ${connectTimeoutMs} ms`)), connectTimeoutMs);

      agents.forUrl(wreq.url).then((agent) => {
        if (settled) return;
        const secure = wreq.url.protocol === 'https:';
        try {
          const options: https.RequestOptions = { method: wreq.method, headers: requestHeaders(wreq), agent, ...(secure ? agents.tlsOptions() : {}) };
          req = secure ? https.request(wreq.url, options) : http.request(wreq.url, options);
        } catch (error) {
          // Node validates headers and the URL synchronously; nothing was sent.
          fail(error);
          return;
        }
        agents.bindTunnelAbort(req, tunnelAbort.signal);
        req.on('error', fail);
        req.on('socket', (socket: Socket) => whenReady(socket, markConnected));
        // https-proxy-agent reports the proxy's answer to CONNECT here; on a refusal it would otherwise replay the
        // proxy's page as if the origin had answered.
        req.on('proxyConnect', (answer: { statusCode?: number }) => {
          if (answer.statusCode !== 200) fail(new TransportAbort('ProxyRefused', `CONNECT answered ${answer.statusCode}`, answer.statusCode));
        });
        req.on('response', (res: http.IncomingMessage) => {
          // An answer proves the connection, whatever event the socket did or did not emit.
          markConnected();
          readResponse(wreq, res, fail, (response) => settle({ ok: true, response }));
        });
        req.end(wreq.body);
      }, fail);
    });
  }

  return { send, usesProxy: agents.usesProxy, close: agents.close };
}

/** Calls `ready` once the socket can carry the request: connected, and for TLS, after the handshake. */
function whenReady(socket: Socket, ready: () => void): void {
  const mark = (): void => {
    readySockets.add(socket);
    ready();
  };
  if (readySockets.has(socket)) mark();
  else if (socket instanceof TLSSocket) socket.once('secureConnect', mark);
  else if (socket.connecting) socket.once('connect', mark);
  // A plain socket that is already connected: a proxy tunnel to an http:// target.
  else mark();
}

/**
 * The headers undici's fetch sent by default (Accept, Accept-Language, Accept-Encoding), so services see the same
 * requests as before; the caller's headers win. A body without a Content-Type gets fetch's text/plain.
 */
function requestHeaders(wreq: WireRequest): Record<string, string> {
  const headers: Record<string, string> = {
    accept: '*/*',
    'accept-language': '*',
    'accept-encoding': wreq.url.protocol === 'https:' ? 'br, gzip, deflate' : 'gzip, deflate',
  };
  for (const [name, value] of Object.entries(wreq.headers)) headers[name.toLowerCase()] = value;
  if (wreq.body !== undefined) {
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    // A fixed length rather than chunked encoding: some proxies and older front ends reject chunked requests.
    headers['content-length'] = String(Buffer.byteLength(wreq.body, 'utf8'));
  } else if (wreq.method === 'POST' || wreq.method === 'PUT' || wreq.method === 'PATCH') {
    headers['content-length'] = '0';
  }
  return headers;
}

function readResponse(wreq: WireRequest, res: http.IncomingMessage, fail: (e: unknown) => void, done: (r: WireResponse) => void): void {
  const status = res.statusCode ?? 0;
  const headers = responseHeaders(res.rawHeaders);
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    fail(new TransportAbort('ResponseTooLarge', `Content-Length over ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) fail(new TransportAbort('ResponseTooLarge', `more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`));
    else chunks.push(chunk);
  });
  res.on('error', fail);
  // A connection that closes mid-body normally surfaces as 'error' (ECONNRESET 'aborted'); this covers any close without one.
  res.on('close', () => {
    if (!res.complete) fail(Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' }));
  });
  res.on('end', () => {
    let body: Buffer;
    try {
      body = decodeContent(Buffer.concat(chunks, size), headers['content-encoding'], wreq.method, status);
    } catch (error) {
      fail(error);
      return;
    }
    // TextDecoder as fetch's text(): drops a UTF-8 BOM, and replaces invalid bytes instead of throwing.
    done({ status, headers, text: new TextDecoder('utf-8').decode(body) });
  });
}

/** Lower-case names; a repeated header joined with ', ' as fetch's Headers does (Set-Cookie: the last one, as before). */
function responseHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    headers[name] = name !== 'set-cookie' && Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/**
 * Undoes Content-Encoding as fetch did (gzip, deflate, br; codings applied in order, undone in reverse; an unknown
 * coding leaves the body as it came). The size cap applies to the decompressed bytes too.
 */
function decodeContent(body: Buffer, contentEncoding: string | undefined, method: HttpMethod, status: number): Buffer {
  if (!contentEncoding || body.length === 0 || method === 'HEAD' || NULL_BODY_STATUSES.has(status)) return body;
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  if (codings.length > MAX_CONTENT_CODINGS) throw new TransportAbort('BadContentEncoding', `${codings.length} content codings`);
  if (codings.some((c) => !['gzip', 'x-gzip', 'deflate', 'br'].includes(c))) return body;
  const limits = { maxOutputLength: MAX_RESPONSE_BYTES };
  // Loaded here, not at the top: most answers come uncompressed, and node:zlib is about 1 ms of every cold start.
  const zlib = require('node:zlib') as typeof import('node:zlib');
  let out = body;
  for (const coding of codings) {
    try {
      if (coding === 'br') out = zlib.brotliDecompressSync(out, { ...limits, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
      // Servers send "deflate" both zlib-wrapped (as specified) and raw; the first byte tells them apart.
      else if (coding === 'deflate') out = ((out[0] ?? 0) & 0x0f) === 0x08 ? zlib.inflateSync(out, { ...limits, finishFlush: zlib.constants.Z_SYNC_FLUSH }) : zlib.inflateRawSync(out, { ...limits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      // Z_SYNC_FLUSH accepts a stream without its trailer, as browsers and fetch do.
      else out = zlib.gunzipSync(out, { ...limits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new TransportAbort('ResponseTooLarge', `more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB once decompressed`);
      }
      throw new TransportAbort('BadContentEncoding', `Content-Encoding ${coding}`);
    }
  }
  return out;
}

interface Agents {
  usesProxy(url: string): boolean;
  forUrl(url: URL): Promise<http.Agent>;
  /** `secureContext` for https requests when an extra CA is configured. */
  tlsOptions(): { secureContext?: SecureContext; rejectUnauthorized: true };
  bindTunnelAbort(req: http.ClientRequest, signal: AbortSignal): void;
  close(): Promise<void>;
}

/**
 * Keep-alive agents, created on first use and reused for every request of this client: direct http, direct https,
 * and one proxy agent for both schemes (it tunnels each with CONNECT, as undici's ProxyAgent did).
 */
function createAgents(network: NetworkConfig): Agents {
  const ca = trustedCaList(network.caPem);
  // One secure context for every connection: passing `ca` instead would parse Node's ~140 roots again per connection.
  let secureContext: SecureContext | undefined;
  // rejectUnauthorized spelled out: Node's default follows NODE_TLS_REJECT_UNAUTHORIZED, which any earlier step can set.
  const tlsOptions = (): { secureContext?: SecureContext; rejectUnauthorized: true } => ({
    rejectUnauthorized: true,
    ...(ca ? { secureContext: (secureContext ??= createSecureContext({ ca })) } : {}),
  });
  const created: http.Agent[] = [];
  let directHttp: http.Agent | undefined;
  let directHttps: https.Agent | undefined;
  let proxied: Promise<TunnelAgent> | undefined;
  const tunnelSignals = new WeakMap<http.ClientRequest, AbortSignal>();

  function pooled<A extends http.Agent>(agent: A): A {
    // Node keeps a free socket until the server closes it; close it first, after IDLE_SOCKET_MS.
    agent.on('free', (socket: Socket) => {
      if (!socket.destroyed) socket.setTimeout(IDLE_SOCKET_MS);
    });
    created.push(agent);
    return agent;
  }

  return {
    usesProxy: (url) => proxyFor(network, url) !== undefined,
    forUrl(url) {
      const proxy = proxyFor(network, url.href);
      if (proxy) return (proxied ??= createTunnelAgent(proxy, tlsOptions(), tunnelSignals).then(pooled));
      if (url.protocol === 'https:') return Promise.resolve((directHttps ??= pooled(new https.Agent({ keepAlive: true, rejectUnauthorized: true }))));
      return Promise.resolve((directHttp ??= pooled(new http.Agent({ keepAlive: true }))));
    },
    tlsOptions,
    bindTunnelAbort: (req, signal) => void tunnelSignals.set(req, signal),
    async close() {
      // A proxy agent still being created would be missed by the loop below.
      await proxied?.catch(() => undefined);
      for (const agent of created) agent.destroy();
      created.length = 0;
      directHttp = directHttps = proxied = undefined;
    },
  };
}

type TunnelAgent = HttpsProxyAgent<string>;

/**
 * https-proxy-agent is loaded only when a request goes through a proxy, so runs without one never pay for it.
 * Credentials travel as a Proxy-Authorization header, never in the proxy URL that the library could print.
 */
async function createTunnelAgent(proxy: ProxyConfig, tls: { secureContext?: SecureContext; rejectUnauthorized: true }, signals: WeakMap<http.ClientRequest, AbortSignal>): Promise<TunnelAgent> {
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  const authorization = proxyAuthorizationHeader(proxy);

  class AbortableTunnelAgent extends HttpsProxyAgent<string> {
    /**
     * A request that times out while the proxy has not answered CONNECT yet has no socket to destroy, and the one the
     * library opened to the proxy would linger. The library opens it synchronously from `connectOpts`, so an abort
     * signal set there for that one call reaches exactly that socket (plain-TCP proxies; a TLS proxy ignores it).
     */
    override connect(req: http.ClientRequest, opts: Parameters<TunnelAgent['connect']>[1]): Promise<Socket> {
      const signal = signals.get(req);
      if (!signal) return super.connect(req, opts);
      const base = this.connectOpts;
      this.connectOpts = { ...base, signal };
      try {
        return super.connect(req, opts);
      } finally {
        this.connectOpts = base;
      }
    }
  }

  return new AbortableTunnelAgent(proxyUrlWithoutCredentials(proxy), {
    keepAlive: true,
    // Trust for an https:// proxy itself; the origin's TLS gets the same context through the request options.
    ...tls,
    headers: authorization ? { 'Proxy-Authorization': authorization } : {},
  });
}
