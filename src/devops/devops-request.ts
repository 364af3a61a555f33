import type { HttpClient, HttpRequest, HttpResponse } from '../http/types';

/** Sends a JSON request to an Azure DevOps REST API with the headers every call needs. */
export function sendDevOpsRequest(http: HttpClient, authorization: string, req: Omit<HttpRequest, 'headers'>): Promise<HttpResponse> {
  return http.request({
    ...req,
    headers: {
      authorization,
      accept: 'application/json',
      // Ask for a 401 instead of a redirect to the sign-in page when the token is not accepted.
      'x-tfs-fedauthredirect': 'Suppress',
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
  });
}
