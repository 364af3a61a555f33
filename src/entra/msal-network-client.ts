/**
 * MSAL's `system.networkClient` over our HttpClient, so the agent's proxy, CA and timeouts apply to Entra too
 * (msal-node >= 5 has no proxy option of its own).
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import type { HttpClient, HttpResponse } from '../http/types';
import { TRANSIENT_AADSTS } from './aadsts';

const OPERATION = 'redeem the refresh token';

/** Entra reports some transient faults as a 4xx JSON body; those are worth another attempt. */
export function isTransientEntraResponse(res: HttpResponse): boolean {
  if (res.status < 400) return false;
  try {
    const body = JSON.parse(res.text) as { error?: unknown; error_codes?: unknown };
    if (body.error === 'temporarily_unavailable') return true;
    return Array.isArray(body.error_codes) && body.error_codes.some((c) => TRANSIENT_AADSTS.has(String(c)));
  } catch {
    return false;
  }
}

export class MsalNetworkClient implements INetworkModule {
  /**
   * MSAL replaces any non-MSAL error thrown here by a bare `network_error`; the typed error is kept here so the
   * caller can report what really happened.
   */
  lastError: PatLifecycleError | undefined;

  constructor(private readonly http: HttpClient) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const host = new URL(url).host;
    let res: HttpResponse;
    try {
      res = await this.http.request({
        method,
        url,
        headers: options?.headers,
        body: options?.body,
        operation: OPERATION,
        // Retrying the token POST after a lost answer is safe: Entra does not revoke a refresh token when it is
        // redeemed, so a second redemption just yields another pair, and the pair from the lost answer is never stored.
        // The rule "never redeem twice" is about a success this run has seen, which cannot have happened here.
        idempotent: true,
        timeoutMs: timeout,
        isTransientResponse: isTransientEntraResponse,
      });
    } catch (err) {
      this.lastError = asPatLifecycleError(err);
      throw this.lastError;
    }
    let body: T;
    try {
      body = JSON.parse(res.text) as T;
    } catch (cause) {
      this.lastError = new PatLifecycleError(
        'service',
        `HTTP ${res.status}`,
        `The Entra authority ${host} answered with something that is not a token response (HTTP ${res.status}, not JSON).`,
        {
          status: res.status,
          requestId: res.requestId,
          retryable: res.status >= 500,
          hint: `Check the authority host (pipeline variable PatLifecycle.AuthorityHost) and that no proxy or captive portal answers in its place.`,
          cause,
        },
      );
      throw this.lastError;
    }
    // MSAL copies `status` from the error body into its ServerError; the wire body has none.
    if (res.status >= 400 && body && typeof body === 'object' && !Array.isArray(body)) (body as Record<string, unknown>).status ??= res.status;
    return { headers: res.headers, body, status: res.status };
  }
}
