/**
 * What a failed HTTP attempt means for the caller: did the request possibly reach the server, may it be retried,
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

/**
 * An attempt the transport itself ended, for a reason Node has no error for. The message names no URL, header or
 * value, because it travels on as the cause of the user-facing error.
 */
export class TransportAbort extends Error {
  constructor(
    readonly reason: 'AttemptTimeout' | 'ProxyRefused' | 'ResponseTooLarge' | 'BadContentEncoding',
    message: string,
    /** The proxy's answer to CONNECT, for 'ProxyRefused'. */
    readonly proxyStatus?: number,
  ) {
    super(message);
    this.name = 'TransportAbort';
  }
}

const BEFORE_SEND_TRANSIENT: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name did not resolve (DNS)',
  EAI_AGAIN: 'the host name lookup failed temporarily (DNS)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

const MAYBE_SENT: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'the connection timed out',
};

/** Node refuses to send these: a header or the URL holds characters HTTP does not allow. Sending again cannot help. */
const UNSENDABLE = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_UNESCAPED_CHARACTERS', 'ERR_INVALID_PROTOCOL']);

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
]);

/** The error's own code, or the first one found down its `cause` chain (some libraries wrap socket errors). */
function rootCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; cause?: unknown };
    if (typeof e.code === 'string') return e.code;
    current = e.cause;
  }
  return undefined;
}

export interface FailureContext {
  host: string;
  operation: string;
  /** The attempt's limit, for the timeout message. */
  timeoutMs: number;
  viaProxy: boolean;
}

export function classifyTransportFailure(err: unknown, ctx: FailureContext): TransportFailure {
  const where = `${ctx.operation} (${ctx.host})`;
  // The pipeline does not say whether the connection was up when an attempt failed, so a timeout or a reset counts as
  // possibly received: a POST is then looked for instead of sent again, never sent twice.
  const sentPhase: SendPhase = 'maybeSent';
  const abort = err instanceof TransportAbort ? err : undefined;

  if (abort?.reason === 'AttemptTimeout') {
    return {
      code: 'ETIMEDOUT',
      phase: sentPhase,
      transient: true,
      message: `The request to ${ctx.host} timed out after ${Math.round(ctx.timeoutMs / 100) / 10} s: ${ctx.operation}.`,
      hint: TIMEOUT_SETTING_HINT,
    };
  }
  if (abort?.reason === 'ProxyRefused') {
    const proxyStatus = String(abort.proxyStatus ?? 0);
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
  if (abort?.reason === 'ResponseTooLarge') {
    // The server answered, so the request did reach it; reading the same answer again would fail the same way.
    return {
      code: 'ResponseTooLarge',
      phase: 'maybeSent',
      transient: false,
      message: `The answer of ${ctx.host} was too large to read (${abort.message}): ${ctx.operation}.`,
      hint: 'If a proxy or firewall sits between the agent and the service, check that it passes the request through unchanged.',
    };
  }
  if (abort?.reason === 'BadContentEncoding') {
    // Answered, but the body does not match its Content-Encoding: a cut-off stream or something rewriting it on the way.
    return {
      code: 'BadContentEncoding',
      phase: 'maybeSent',
      transient: true,
      message: `The answer of ${ctx.host} could not be decompressed (${abort.message}): ${ctx.operation}.`,
      hint: 'This is usually temporary; run again. If it keeps happening, check the proxy or firewall between the agent and the host.',
    };
  }

  const code = rootCode(err);
  if (code && UNSENDABLE.has(code)) {
    return {
      code,
      phase: 'beforeSend',
      transient: false,
      message: `The request to ${ctx.host} could not be sent: a header or the URL holds characters HTTP does not allow (${code}): ${ctx.operation}.`,
      hint: 'Check the values given to the task for line breaks or other control characters (a secret pasted with a trailing newline, for example).',
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
      phase: sentPhase,
      transient: true,
      message: `The connection to ${ctx.host} failed: ${MAYBE_SENT[code]} (${ctx.operation}).`,
      hint: 'This is usually temporary; run again. If it keeps happening, check the proxy or firewall between the agent and the host.',
    };
  }
  return {
    code: code ?? 'NetworkError',
    phase: sentPhase,
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
