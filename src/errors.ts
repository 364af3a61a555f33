/**
 * Every failure the task reports is a PatLifecycleError: what happened, the service's own code, and what to do.
 * Messages are built by our code from codes and names, never from request bodies, so they cannot carry a secret.
 */

export type ErrorKind =
  /** A task input or pipeline variable is wrong; found before any network call. */
  | 'input'
  /** Entra refused the refresh token or the client credentials. */
  | 'auth'
  /** The caller is known but lacks a role or permission. */
  | 'permission'
  /** An organization or tenant policy refused the request. */
  | 'policy'
  | 'notFound'
  /** Timeouts, resets, DNS, TLS, proxy. */
  | 'network'
  /** The service answered with something unexpected (5xx after retries, a body that is not the documented shape). */
  | 'service'
  /** A value written to a store did not read back as written. */
  | 'verification';

export interface ErrorDetails {
  /** What the user should do about it. */
  hint?: string;
  /** The task input the error is about (YAML name). */
  input?: string;
  /** HTTP status, when there was one. */
  status?: number;
  /** Request or correlation id to quote to Microsoft support. */
  requestId?: string;
  /** Whether trying the same call again may succeed. */
  retryable?: boolean;
  cause?: unknown;
}

export class PatLifecycleError extends Error {
  readonly kind: ErrorKind;
  /** The service's own code (`AADSTS70008`, `patTokenError:fullScopePatPolicyViolation`, `HTTP 403`, `ETIMEDOUT`) or ours (`InvalidInput`). */
  readonly code: string;
  readonly hint?: string;
  readonly input?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly retryable: boolean;

  constructor(kind: ErrorKind, code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PatLifecycleError';
    this.kind = kind;
    this.code = code;
    this.hint = details.hint;
    this.input = details.input;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
  }

  /** One paragraph for the log and the task result: message, code, request id, fix. */
  describe(): string {
    // Messages that already quote the service's code (`… (AADSTS700082).`) do not repeat it.
    const parts = [this.message.includes(this.code) ? this.message : `${this.message} [${this.code}]`];
    if (this.requestId) parts.push(`(request id ${this.requestId})`);
    if (this.hint) parts.push(`Fix: ${this.hint}`);
    return parts.join(' ');
  }
}

/** A bad input: names the input and the fix. */
export class InputError extends PatLifecycleError {
  constructor(input: string, message: string, hint: string) {
    super('input', 'InvalidInput', `Input '${input}': ${message}`, { input, hint });
    this.name = 'InputError';
  }
}

/** Several bad inputs found together, reported at once so the user fixes them in one go. */
export class InputErrors extends PatLifecycleError {
  readonly errors: InputError[];
  constructor(errors: InputError[]) {
    super('input', 'InvalidInput', errors.map((e) => e.describe()).join('\n'), { input: errors[0]?.input });
    this.name = 'InputErrors';
    this.errors = errors;
  }
}

export function asPatLifecycleError(err: unknown): PatLifecycleError {
  if (err instanceof PatLifecycleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PatLifecycleError('service', 'Unexpected', `Unexpected error: ${message}`, { cause: err });
}
