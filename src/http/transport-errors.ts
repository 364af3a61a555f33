/**
 * What a failed fetch means for the caller: did the request possibly reach the server, may it be retried,
 * and what does the user do about it. Messages name the host and the operation, never URLs' queries or bodies.
 */
import { PatLifecycleError } from '../errors';

export const TIMEOUT_SETTING_HINT =
  'Raise the limit with the pipeline variable `PatLifecycle.RequestTimeoutSeconds` (or the input `requestTimeoutSeconds`), or check the network path (proxy, firewall) to that host.';

export type SendPhase =
  /** Nothing reached the server: safe to send again whatever the method. */
  | 'beforeSend'
  /** The request may have been received and acted on. */
  | 'maybeSent';

export interface TransportFailure {
  code: string;
  phase: SendPhase;
  /** Worth another attempt (if the phase and the method allow one). */
  transient: boolean;
  /** Ready for PatLifecycleError. */
  message: string;
  hint: string;
}

const BEFORE_SEND_TRANSIENT: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name did not resolve (DNS)',
  EAI_AGAIN: 'the host name lookup failed temporarily (DNS)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
};

const MAYBE_SENT: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the connection was closed by the other side',
  UND_ERR_HEADERS_TIMEOUT: 'no response arrived in time',
  UND_ERR_BODY_TIMEOUT: 'the response stopped arriving',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the response was cut short',
};

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_PRX_TLS',
]);

/** undici wraps the real failure in `TypeError('fetch failed', { cause })`, sometimes twice. */
function rootCause(err: unknown): { code?: string; message?: string } {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && e.code !== 'UND_ERR') return { code: e.code, message: typeof e.message === 'string' ? e.message : undefined };
    if (e.cause === undefined) return { message: typeof e.message === 'string' ? e.message : undefined };
    current = e.cause;
  }
  return {};
}

export function classifyTransportFailure(err: unknown, ctx: { host: string; operation: string; timedOut: boolean; timeoutMs: number; viaProxy: boolean }): TransportFailure {
  const where = `${ctx.operation} (${ctx.host})`;
  if (ctx.timedOut) {
    return {
      code: 'ETIMEDOUT',
      phase: 'maybeSent',
      transient: true,
      message: `The request to ${ctx.host} timed out after ${Math.round(ctx.timeoutMs / 100) / 10} s: ${ctx.operation}.`,
      hint: TIMEOUT_SETTING_HINT,
    };
  }
  const { code, message } = rootCause(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return {
      code: 'ETIMEDOUT',
      phase: 'beforeSend',
      transient: true,
      message: `Connecting to ${ctx.host}${ctx.viaProxy ? ' through the proxy' : ''} timed out: ${ctx.operation}.`,
      hint: TIMEOUT_SETTING_HINT,
    };
  }
  // undici reports a refused CONNECT as an aborted request whose message carries the proxy's status.
  const proxyStatus = message && /Proxy response \((\d{3})\)/.exec(message)?.[1];
  if (proxyStatus) {
    const auth = proxyStatus === '407';
    return {
      code: auth ? 'ProxyAuthenticationRequired' : `ProxyStatus${proxyStatus}`,
      phase: 'beforeSend',
      transient: !auth && proxyStatus.startsWith('5'),
      message: auth
        ? `The proxy refused the credentials for ${where} (HTTP 407).`
        : `The proxy would not open a tunnel to ${ctx.host} (HTTP ${proxyStatus}): ${ctx.operation}.`,
      hint: auth
        ? "Check the agent's proxy user name and password (Agent.ProxyUsername / Agent.ProxyPassword)."
        : `Check that the proxy allows connections to ${ctx.host}, or add the host to the agent's proxy bypass list.`,
    };
  }
  if (code && TLS_CODES.has(code)) {
    return {
      code,
      phase: 'beforeSend',
      transient: false,
      message: `The TLS certificate of ${ctx.host} is not trusted (${code}): ${ctx.operation}.`,
      hint: "If a proxy or gateway re-signs TLS traffic, give its CA certificate to the agent (Agent.CAInfo) or set NODE_EXTRA_CA_CERTS.",
    };
  }
  if (code && code in BEFORE_SEND_TRANSIENT) {
    return {
      code,
      phase: 'beforeSend',
      transient: true,
      message: `Could not connect to ${ctx.host}${ctx.viaProxy ? ' through the proxy' : ''}: ${BEFORE_SEND_TRANSIENT[code]} (${ctx.operation}).`,
      hint: ctx.viaProxy
        ? 'Check the agent proxy settings and that the proxy is running.'
        : `Check the URL and that ${ctx.host} is reachable from the agent (DNS, firewall, proxy).`,
    };
  }
  if (code && code in MAYBE_SENT) {
    return {
      code,
      phase: 'maybeSent',
      transient: true,
      message: `The connection to ${ctx.host} failed: ${MAYBE_SENT[code]} (${ctx.operation}).`,
      hint: 'This is usually temporary; run again. If it keeps happening, check the proxy or firewall between the agent and the host.',
    };
  }
  return {
    code: code ?? 'NetworkError',
    phase: 'maybeSent',
    transient: true,
    message: `The request to ${ctx.host} failed before an answer arrived${code ? ` (${code})` : ''}: ${ctx.operation}.`,
    hint: 'Check the network path between the agent and the host (proxy, firewall, TLS inspection).',
  };
}

export function transportError(f: TransportFailure, cause: unknown): PatLifecycleError {
  return new PatLifecycleError('network', f.code, f.message, { hint: f.hint, retryable: f.transient, cause });
}

/**
 * A non-idempotent request (create a PAT) failed after it may have reached the server. Sending it again could
 * do the work twice, so the caller must look (list PATs) before trying again.
 */
export function outcomeUnknownError(f: TransportFailure, cause: unknown): PatLifecycleError {
  return new PatLifecycleError(
    'network',
    'OutcomeUnknown',
    `${f.message} The request may have been carried out; it was not sent again.`,
    {
      hint: `Check whether it took effect before trying again. ${f.hint}`,
      retryable: true,
      cause,
    },
  );
}
