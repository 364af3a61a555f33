/** An in-memory HttpClient: records requests and answers from a route function. */
import { PatLifecycleError } from '../../../src/errors';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/http/types';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function response(url: string, reply: Reply): HttpResponse {
  const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.headers ?? {})) headers[k.toLowerCase()] = v;
  if (reply.body !== undefined && typeof reply.body !== 'string' && !headers['content-type']) headers['content-type'] = 'application/json; charset=utf-8';
  return {
    status: reply.status,
    headers,
    text,
    url,
    requestId: headers['x-vss-e2eid'] ?? headers['activityid'],
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new PatLifecycleError('service', `HTTP ${reply.status}`, 'not JSON');
      }
    },
  };
}

export class FakeHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  constructor(public route: (req: HttpRequest, url: URL) => Reply | Promise<Reply>) {}
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    return response(req.url, await this.route(req, new URL(req.url)));
  }
}
