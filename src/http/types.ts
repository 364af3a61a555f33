/** The one HTTP seam of the core: Azure DevOps REST, Entra (through MSAL's networkClient) and tests all go through it. */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** What the call does, in words a user recognises ('create PAT'); used in every message about this request. */
  operation: string;
  /** Whether sending the request twice is harmless. Default: true for GET/HEAD/PUT/DELETE, false for POST/PATCH. */
  idempotent?: boolean;
  /** Per attempt (connect + response + body); default NetworkConfig.timeoutMs. */
  timeoutMs?: number;
  /** Default true. False sends exactly once (still with timeouts and typed errors). */
  retry?: boolean;
  /**
   * False: once the request may have reached the server unanswered (a timeout, a reset), it is not sent again and
   * fails as OutcomeUnknown. For writes that are harmless twice but harmful late (a variable group PUT carrying an
   * intent would undo a later write when it lands after it). Answered refusals (429, 5xx) are still retried.
   */
  retryUnanswered?: boolean;
  /**
   * Lets a caller mark an answer as transient although its status is not one the policy retries
   * (Entra reports some transient faults as a 400 with an AADSTS code). Only consulted for idempotent requests.
   */
  isTransientResponse?: (response: HttpResponse) => boolean;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON; a 'service' PatLifecycleError naming the operation when it is not JSON (the body is never quoted). */
  json<T>(): T;
  /** The service's id for this request (x-vss-e2eid, activityid, x-ms-request-id, client-request-id), to quote to support. */
  requestId?: string;
  url: string;
}

export interface HttpClient {
  /** Resolves with the response for every HTTP status; rejects with a PatLifecycleError only when no usable answer came. */
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Releases pooled connections, so a command-line run can exit at once. */
  close?(): Promise<void>;
}

export interface RetryEvent {
  /** 'retry': the request is sent again after delayMs. 'delayed': Azure DevOps answered but said it slowed the request down. */
  kind: 'retry' | 'delayed';
  operation: string;
  host: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** `HTTP 503`, `ECONNRESET`, `timeout`... */
  reason: string;
  status?: number;
  /** A ready-made line for the log; built from names and codes only. */
  message: string;
}
