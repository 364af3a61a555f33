/**
 * Compressed answers: the transport asks for them (Accept-Encoding, as fetch did) and undoes Content-Encoding the way
 * fetch does; node:zlib is loaded only for such an answer. Real services compress (Entra and Azure DevOps answer gzip
 * to clients that accept it); the emulator does not, so this is where the path is proven.
 */
import { strict as assert } from 'node:assert';
import * as zlib from 'node:zlib';
import { createTransport, MAX_RESPONSE_BYTES, type Transport, type WireResult } from '../../../src/http/transport';
import { TransportAbort } from '../../../src/http/transport-errors';
import { startScriptedServer, type Handler, type ScriptedServer } from './test-servers';

const BODY = JSON.stringify({ value: [{ displayName: 'feed-reader', scope: 'vso.packaging' }], note: 'é ünïcode ✓' });

const encoded =
  (contentEncoding: string, body: Buffer, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': contentEncoding, 'content-length': String(body.length) }).end(body);
  };

describe('transport: compressed answers', () => {
  let server: ScriptedServer;
  let transport: Transport;

  before(async () => {
    server = await startScriptedServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    transport = createTransport({ timeoutMs: 5000 });
  });
  afterEach(async () => {
    await transport.close();
  });

  const get = (method: 'GET' | 'HEAD' = 'GET'): Promise<WireResult> => transport.send({ method, url: new URL(`${server.url}/x`), headers: {}, timeoutMs: 5000 });
  const text = (r: WireResult): string => {
    assert.ok(r.ok, `expected an answer, got ${r.ok ? '' : String(r.error)}`);
    return r.response.text;
  };
  const abortReason = (r: WireResult): string => {
    assert.ok(!r.ok, 'expected a failed attempt');
    assert.ok(r.error instanceof TransportAbort, `expected a TransportAbort, got ${String(r.error)}`);
    return r.error.reason;
  };

  it('asks for compressed answers (Accept-Encoding as fetch sent it; over http: gzip, deflate)', async () => {
    server.script(encoded('identity', Buffer.from(BODY)));
    await get();
    assert.equal(server.seen[0].headers['accept-encoding'], 'gzip, deflate');
  });

  it('undoes gzip, x-gzip, br, zlib-wrapped deflate and raw deflate', async () => {
    const plain = Buffer.from(BODY);
    for (const [coding, body] of [
      ['gzip', zlib.gzipSync(plain)],
      ['x-gzip', zlib.gzipSync(plain)],
      ['br', zlib.brotliCompressSync(plain)],
      ['deflate', zlib.deflateSync(plain)],
      ['deflate', zlib.deflateRawSync(plain)],
    ] as const) {
      server.script(encoded(coding, body));
      assert.equal(text(await get()), BODY, coding);
    }
  });

  it('undoes stacked codings in reverse order, and a gzip stream without its trailer (as fetch does)', async () => {
    const plain = Buffer.from(BODY);
    server.script(encoded('deflate, gzip', zlib.gzipSync(zlib.deflateSync(plain))));
    assert.equal(text(await get()), BODY);
    const gz = zlib.gzipSync(plain);
    server.script(encoded('gzip', gz.subarray(0, gz.length - 8)));
    assert.equal(text(await get()), BODY);
  });

  it('leaves a body with an unknown coding, or none to decode (HEAD, 204, identity), as it came', async () => {
    server.script(encoded('compress', Buffer.from('raw bytes')));
    assert.equal(text(await get()), 'raw bytes');
    server.script(encoded('identity', Buffer.from(BODY)));
    assert.equal(text(await get()), BODY);
    server.script((_req, res) => res.writeHead(204, { 'content-encoding': 'gzip' }).end());
    assert.equal(text(await get()), '');
    server.script(encoded('gzip', zlib.gzipSync(Buffer.from(BODY))));
    assert.equal(text(await get('HEAD')), '');
  });

  it('fails a damaged stream as BadContentEncoding, and too many codings likewise', async () => {
    server.script(encoded('gzip', Buffer.from('this is not gzip at all')));
    assert.equal(abortReason(await get()), 'BadContentEncoding');
    server.script(encoded('gzip, gzip, gzip, gzip, gzip, gzip', Buffer.from('x')));
    assert.equal(abortReason(await get()), 'BadContentEncoding');
  });

  it('caps the decompressed size: a small answer that inflates past the limit fails as ResponseTooLarge', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(MAX_RESPONSE_BYTES + 1024));
    assert.ok(bomb.length < 1024 * 1024, 'the compressed answer itself is far under the limit');
    server.script(encoded('gzip', bomb));
    assert.equal(abortReason(await get()), 'ResponseTooLarge');
  });
});
