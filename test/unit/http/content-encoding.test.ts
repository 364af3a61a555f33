/**
 * Compressed answers: the client asks for them (core-rest-pipeline's decompressResponsePolicy: gzip, deflate) and
 * core-rest-pipeline undoes them; the client caps what it reads after decompression. Real services compress (Entra
 * and Azure DevOps answer gzip to clients that accept it); the emulator does not, so this is where the path is proven.
 */
import { strict as assert } from 'node:assert';
import * as zlib from 'node:zlib';
import { createHttpClient, MAX_RESPONSE_BYTES, type HttpClient } from '../../../src/http/http-client';
import { PatLifecycleError } from '../../../src/errors';
import { startScriptedServer, type Handler, type ScriptedServer } from './test-servers';

const BODY = JSON.stringify({ value: [{ displayName: 'feed-reader', scope: 'vso.packaging' }], note: 'é ünïcode ✓' });

const encoded =
  (contentEncoding: string, body: Buffer, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': contentEncoding, 'content-length': String(body.length) }).end(body);
  };

describe('http client: compressed answers', () => {
  let server: ScriptedServer;
  let client: HttpClient;

  before(async () => {
    server = await startScriptedServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    client = createHttpClient({ timeoutMs: 5000 }, { delayFactor: 0 });
  });
  afterEach(async () => {
    await client.close?.();
  });

  const get = (method: 'GET' | 'HEAD' = 'GET') => client.request({ method, url: `${server.url}/x`, operation: 'read', retry: false });
  const failure = async (): Promise<PatLifecycleError> => {
    try {
      await get();
    } catch (e) {
      assert.ok(e instanceof PatLifecycleError, String(e));
      return e;
    }
    assert.fail('expected a failure');
  };

  it('asks for compressed answers', async () => {
    server.script(encoded('identity', Buffer.from(BODY)));
    await get();
    assert.equal(server.seen[0].headers['accept-encoding'], 'gzip,deflate');
  });

  it('undoes gzip and deflate', async () => {
    const plain = Buffer.from(BODY);
    for (const [coding, body] of [
      ['gzip', zlib.gzipSync(plain)],
      ['deflate', zlib.deflateSync(plain)],
    ] as const) {
      server.script(encoded(coding, body));
      assert.equal((await get()).text, BODY, coding);
    }
  });

  it('leaves a body with no coding to undo (identity, 204, HEAD) as it came', async () => {
    server.script(encoded('identity', Buffer.from(BODY)));
    assert.equal((await get()).text, BODY);
    server.script((_req, res) => res.writeHead(204, { 'content-encoding': 'gzip' }).end());
    assert.equal((await get()).text, '');
    server.script(encoded('gzip', zlib.gzipSync(Buffer.from(BODY))));
    assert.equal((await get('HEAD')).text, '');
  });

  it('fails a damaged stream as BadContentEncoding, a transient network error', async () => {
    server.script(encoded('gzip', Buffer.from('this is not gzip at all')));
    const e = await failure();
    assert.equal(e.code, 'BadContentEncoding');
    assert.equal(e.kind, 'network');
    assert.equal(e.retryable, true);
  });

  it('caps the decompressed size: a small answer that inflates past the limit fails as ResponseTooLarge, not retried', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(MAX_RESPONSE_BYTES + 1024));
    assert.ok(bomb.length < 1024 * 1024, 'the compressed answer itself is far under the limit');
    server.script(encoded('gzip', bomb));
    const e = await failure();
    assert.equal(e.code, 'ResponseTooLarge');
    assert.equal(e.retryable, false);
    assert.match(e.message, /once decompressed/);
  });

  it('refuses a declared Content-Length over the limit before reading it', async () => {
    server.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_RESPONSE_BYTES + 1) });
      res.write('{');
      // never finishes: the client must not wait for it
    });
    const e = await failure();
    assert.equal(e.code, 'ResponseTooLarge');
  });
});
