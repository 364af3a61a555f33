import { strict as assert } from 'node:assert';
import { createHttpClient, type HttpClient, type RetryEvent } from '../../../src/http/http-client';
import type { NetworkConfig } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import { closedPort, hang, json, reset, startScriptedServer, text, type ScriptedServer } from './test-servers';

const network: NetworkConfig = { timeoutMs: 5000 };

describe('http client', () => {
  let server: ScriptedServer;
  let events: RetryEvent[];
  /** The waits the client chose (it waits none of them: delayFactor 0). */
  const sleeps = () => events.filter((e) => e.kind === 'retry').map((e) => e.delayMs);
  let client: HttpClient;

  function makeClient(net: NetworkConfig = network): HttpClient {
    return createHttpClient(net, {
      delayFactor: 0,
      onRetry: (e) => events.push(e),
      random: () => 0.5,
    });
  }

  before(async () => {
    server = await startScriptedServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    events = [];
    client = makeClient();
  });
  afterEach(async () => {
    await client.close?.();
  });

  async function rejects(p: Promise<unknown>): Promise<PatLifecycleError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof PatLifecycleError, `expected PatLifecycleError, got ${String(e)}`);
      return e;
    }
    assert.fail('expected a rejection');
  }

  it('returns the response with lower-case headers, text, json and the request id', async () => {
    server.script(json(200, { a: 1 }, { 'X-VSS-E2EID': 'e2e-1', 'X-Custom': 'v' }));
    const res = await client.request({ method: 'GET', url: `${server.url}/x`, operation: 'read x' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-custom'], 'v');
    assert.deepEqual(res.json<{ a: number }>(), { a: 1 });
    assert.equal(res.requestId, 'e2e-1');
    assert.match(server.seen[0].headers['user-agent'] ?? '', /^pat-lifecycle /);
  });

  it('takes the request id from activityid, x-ms-request-id or client-request-id', async () => {
    for (const header of ['ActivityId', 'x-ms-request-id', 'client-request-id']) {
      server.script(json(200, {}, { [header]: `id-${header}` }));
      const res = await client.request({ method: 'GET', url: server.url, operation: 'read' });
      assert.equal(res.requestId, `id-${header}`);
    }
  });

  it('json() on a non-JSON body throws a service error naming the operation, without quoting the body', async () => {
    server.script(text(200, '<html>secret-looking-page token=abc</html>', { 'content-type': 'text/html' }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'list PATs' });
    let err: unknown;
    try {
      res.json();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof PatLifecycleError);
    assert.equal(err.kind, 'service');
    assert.match(err.message, /list PATs/);
    assert.doesNotMatch(err.message, /secret-looking|token=abc|html/);
  });

  it('retries 500/502/503/504 for idempotent requests with backoff, then returns the good answer', async () => {
    server.script(text(500, ''), text(502, ''), text(503, ''), text(504, ''), json(200, { ok: true }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 5);
    // full jitter with random()=0.5: half of 1, 2, 4, 8 s
    assert.deepEqual(sleeps(), [500, 1000, 2000, 4000]);
    assert.deepEqual(events.map((e) => e.reason), ['HTTP 500', 'HTTP 502', 'HTTP 503', 'HTTP 504']);
    assert.ok(events.every((e) => e.kind === 'retry' && e.operation === 'read'));
  });

  it('gives up after the retry budget and returns the last answer', async () => {
    server.script(text(503, ''));
    const res = await client.request({ method: 'PUT', url: server.url, operation: 'update', body: '{}' });
    assert.equal(res.status, 503);
    assert.equal(server.seen.length, 5, 'one attempt + 4 retries');
  });

  it('does not retry other 4xx or 501', async () => {
    for (const status of [400, 401, 403, 404, 409, 501]) {
      server.script(text(status, ''));
      const res = await client.request({ method: 'GET', url: server.url, operation: 'read' });
      assert.equal(res.status, status);
      assert.equal(server.seen.length, 1);
    }
    assert.equal(sleeps().length, 0);
  });

  it('honours Retry-After in seconds', async () => {
    server.script(text(429, '', { 'Retry-After': '7' }), json(200, {}));
    await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.deepEqual(sleeps(), [7000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 20_000).toUTCString();
    server.script(text(503, '', { 'Retry-After': at }), json(200, {}));
    await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.equal(sleeps().length, 1);
    assert.ok(sleeps()[0] > 15_000 && sleeps()[0] <= 20_000, `slept ${sleeps()[0]}`);
  });

  it('honours X-RateLimit-Reset (epoch seconds) on a 429 without Retry-After', async () => {
    const reset = Math.floor(Date.now() / 1000) + 12;
    server.script(text(429, '', { 'X-RateLimit-Reset': String(reset) }), json(200, {}));
    await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.equal(sleeps().length, 1);
    assert.ok(sleeps()[0] > 9_000 && sleeps()[0] <= 12_000, `slept ${sleeps()[0]}`);
  });

  it('fails at once as throttled when a single Retry-After exceeds the total wait cap', async () => {
    server.script(text(429, '', { 'Retry-After': '300', 'X-RateLimit-Resource': 'Core:DelegatedAuth', 'x-vss-e2eid': 'rid-429' }));
    const err = await rejects(client.request({ method: 'GET', url: server.url, operation: 'list PATs' }));
    assert.equal(server.seen.length, 1);
    assert.equal(sleeps().length, 0);
    assert.equal(err.code, 'HTTP 429');
    assert.equal(err.status, 429);
    assert.equal(err.retryable, true);
    assert.equal(err.requestId, 'rid-429');
    assert.match(err.message, /throttled 'list PATs'/);
    assert.match(err.message, /300 s/);
    assert.match(err.message, /Core:DelegatedAuth/);
  });

  it('stops when the next server-requested wait would pass the total cap, returning the last answer', async () => {
    server.script(text(429, '', { 'Retry-After': '40' }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.equal(res.status, 429);
    assert.deepEqual(sleeps(), [40_000]);
    assert.equal(server.seen.length, 2);
  });

  it('logs a 200 with Retry-After as a delayed request and returns it without waiting', async () => {
    server.script(json(200, { ok: 1 }, { 'Retry-After': '3', 'X-RateLimit-Resource': 'ATCPU' }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'list PATs' });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 1);
    assert.equal(sleeps().length, 0);
    assert.equal(events.length, 1);
    assert.equal(events[0].kind, 'delayed');
    assert.match(events[0].message, /delayed 'list PATs'/);
    assert.match(events[0].message, /ATCPU/);
  });

  it('never retries a POST on 5xx', async () => {
    server.script(text(503, ''), json(200, {}));
    const res = await client.request({ method: 'POST', url: server.url, operation: 'create PAT', body: '{}' });
    assert.equal(res.status, 503);
    assert.equal(server.seen.length, 1);
  });

  it('retries a POST refused with 429 (the request was not processed)', async () => {
    server.script(text(429, '', { 'Retry-After': '1' }), json(200, {}));
    const res = await client.request({ method: 'POST', url: server.url, operation: 'create PAT', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 2);
  });

  it('retry: false sends once', async () => {
    server.script(text(503, ''), json(200, {}));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'read', retry: false });
    assert.equal(res.status, 503);
    assert.equal(server.seen.length, 1);
  });

  it('retries an idempotent request whose answer the caller marks transient', async () => {
    server.script(json(400, { error: 'temporarily_unavailable' }), json(200, {}));
    const res = await client.request({
      method: 'POST',
      url: server.url,
      operation: 'redeem',
      idempotent: true,
      isTransientResponse: (r) => r.status === 400 && r.text.includes('temporarily_unavailable'),
    });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 2);
  });

  it('retries a GET after a connection reset', async () => {
    server.script(reset, json(200, { ok: 1 }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'read' });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 2);
    assert.equal(events.length, 1);
  });

  it('turns a reset after a POST was sent into OutcomeUnknown, retryable, sent once', async () => {
    server.script(reset, json(200, {}));
    const err = await rejects(client.request({ method: 'POST', url: server.url, operation: 'create PAT', body: '{"displayName":"x"}' }));
    assert.equal(server.seen.length, 1);
    assert.equal(err.code, 'OutcomeUnknown');
    assert.equal(err.kind, 'network');
    assert.equal(err.retryable, true);
    assert.match(err.message, /create PAT/);
    assert.match(err.hint ?? '', /before trying again/);
  });

  it('times out a hanging GET per attempt, retries, then names the host and the pipeline variable', async () => {
    server.script(hang);
    const c = makeClient({ timeoutMs: 150 });
    try {
      const err = await rejects(c.request({ method: 'GET', url: server.url, operation: 'list PATs' }));
      assert.equal(err.code, 'ETIMEDOUT');
      assert.equal(err.kind, 'network');
      assert.equal(server.seen.length, 5);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${server.port}`));
      assert.match(err.hint ?? '', /PatLifecycle\.RequestTimeoutSeconds/);
      assert.match(err.hint ?? '', /requestTimeoutSeconds/);
    } finally {
      await c.close?.();
    }
  });

  it('a per-request timeoutMs overrides the network default', async () => {
    server.script(hang);
    const err = await rejects(client.request({ method: 'GET', url: server.url, operation: 'read', timeoutMs: 100, retry: false }));
    assert.equal(err.code, 'ETIMEDOUT');
    assert.match(err.message, /timed out after 0\.1 s/);
  });

  it('a POST that times out is OutcomeUnknown and not sent again', async () => {
    server.script(hang);
    const err = await rejects(client.request({ method: 'POST', url: server.url, operation: 'create PAT', body: '{}', timeoutMs: 150 }));
    assert.equal(err.code, 'OutcomeUnknown');
    assert.equal(server.seen.length, 1);
    assert.match(err.hint ?? '', /RequestTimeoutSeconds/);
  });

  it('retryUnanswered false: a PUT that times out is OutcomeUnknown and not sent again (a late copy would undo a later write)', async () => {
    server.script(hang);
    const err = await rejects(client.request({ method: 'PUT', url: server.url, operation: 'record an intent', body: '{}', timeoutMs: 150, retryUnanswered: false }));
    assert.equal(err.code, 'OutcomeUnknown');
    assert.equal(server.seen.length, 1);
  });

  it('retryUnanswered false still retries an answered 503 (an answer means it will not arrive late)', async () => {
    server.script(text(503, 'busy'), json(200, {}));
    const res = await client.request({ method: 'PUT', url: server.url, operation: 'record an intent', body: '{}', retryUnanswered: false });
    assert.equal(res.status, 200);
    assert.equal(server.seen.length, 2);
  });

  it('retries a refused connection for any method (nothing was sent), then fails with a network error', async () => {
    const port = await closedPort();
    const err = await rejects(client.request({ method: 'POST', url: `http://127.0.0.1:${port}/x`, operation: 'create PAT', body: '{}' }));
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(err.kind, 'network');
    assert.equal(err.retryable, true);
    assert.equal(sleeps().length, 4);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  it('does not follow redirects (a sign-in redirect must stay visible)', async () => {
    server.script(text(302, '', { location: 'https://spsprod.example/_signin?realm=x' }));
    const res = await client.request({ method: 'GET', url: server.url, operation: 'list PATs' });
    assert.equal(res.status, 302);
    assert.match(res.headers.location, /_signin/);
  });

  it('sends method, headers and body as given', async () => {
    server.script(json(200, {}));
    await client.request({ method: 'PUT', url: `${server.url}/p?q=1`, operation: 'update', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"a":1}' });
    const r = server.seen[0];
    assert.equal(r.method, 'PUT');
    assert.equal(r.url, '/p?q=1');
    assert.equal(r.headers.authorization, 'Bearer t');
    assert.equal(r.body, '{"a":1}');
  });

  it("logs each request and answer through core-rest-pipeline's sanitiser: no token, body, query value or proxy password", async () => {
    const lines: string[] = [];
    const secrets = ['eyJ.access-token-value', 'refresh-token-value-0123456789', 'client-secret-value-987', 'pat-value-in-query', 'proxy-password-value'];
    const c = createHttpClient({ timeoutMs: 5000, proxy: { url: 'http://proxy.invalid:3128', username: 'u', password: secrets[4], bypass: ['127\\.0\\.0\\.1'] } }, { delayFactor: 0, log: (l) => lines.push(l) });
    try {
      server.script(json(200, { access_token: 'answer-token-value' }, { 'x-ms-request-id': 'rid-1' }));
      await c.request({
        method: 'POST',
        url: `${server.url}/token?api-version=7.1&code=${secrets[3]}`,
        operation: 'redeem',
        headers: { authorization: `Bearer ${secrets[0]}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${secrets[1]}&client_secret=${secrets[2]}`,
      });
    } finally {
      await c.close?.();
    }
    const log = lines.join('\n');
    assert.match(log, /Request: /);
    assert.match(log, /Response status code: 200/);
    assert.match(log, /api-version=7\.1/);
    for (const secret of [...secrets, 'answer-token-value']) assert.ok(!log.includes(secret), `the log shows ${secret}`);
  });
});
