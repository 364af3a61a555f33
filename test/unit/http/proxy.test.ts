import { strict as assert } from 'node:assert';
import { createHttpClient } from '../../../src/http/http-client';
import { isProxyBypassed, proxyFor, proxySettings } from '../../../src/http/proxy';
import type { ProxyConfig } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import { createTls, type EmulatorTls } from '../../emulator/tls';
import { json, startConnectProxy, startScriptedServer, type ConnectProxy, type ScriptedServer } from './test-servers';

const noSleep = { delayFactor: 0 };

describe('proxy selection', () => {
  const proxy: ProxyConfig = { url: 'http://proxy.contoso.com:8080', bypass: ['\\.internal\\.contoso\\.com', '^https://169\\.254\\.'] };

  it('tests bypass entries as case-insensitive regexes against the whole URL', () => {
    assert.equal(isProxyBypassed(proxy, 'https://vault.INTERNAL.contoso.com/secrets'), true);
    assert.equal(isProxyBypassed(proxy, 'https://169.254.169.254/metadata'), true);
    assert.equal(isProxyBypassed(proxy, 'https://vssps.dev.azure.com/org'), false);
    assert.equal(isProxyBypassed({ ...proxy, bypass: ['(unclosed'] }, 'https://x'), false);
  });

  it('proxyFor returns nothing without a proxy or for a bypassed URL', () => {
    assert.equal(proxyFor({ timeoutMs: 1 }, 'https://x'), undefined);
    assert.equal(proxyFor({ timeoutMs: 1, proxy }, 'https://a.internal.contoso.com'), undefined);
    assert.equal(proxyFor({ timeoutMs: 1, proxy }, 'https://dev.azure.com'), proxy);
  });

  it('gives core-rest-pipeline settings with the credentials percent-encoded (its proxy policy puts them in a URL)', () => {
    assert.deepEqual(proxySettings({ ...proxy, username: 'DOMAIN\\user', password: 'p@ss:w/rd% x' }), {
      host: 'http://proxy.contoso.com',
      port: 8080,
      username: 'DOMAIN%5Cuser',
      password: 'p%40ss%3Aw%2Frd%25%20x',
    });
    // From the proxy URL's user info when the agent gave no user name.
    assert.deepEqual(proxySettings({ url: 'http://u%40x:p%3Aw%2F@p.example', bypass: [] }), { host: 'http://p.example', port: 80, username: 'u%40x', password: 'p%3Aw%2F' });
    assert.deepEqual(proxySettings({ url: 'https://p.example', bypass: [] }), { host: 'https://p.example', port: 443 });
  });
});

describe('http client through a proxy', () => {
  let tls: EmulatorTls;
  let plain: ScriptedServer;
  let secure: ScriptedServer;
  let open: ConnectProxy;
  let authed: ConnectProxy;
  const creds = { username: 'DOMAIN\\build', password: 'p@ss:w/rd%&' };

  before(async () => {
    tls = await createTls();
    plain = await startScriptedServer();
    secure = await startScriptedServer({ key: tls.keyPem, cert: tls.certPem });
    open = await startConnectProxy();
    authed = await startConnectProxy(creds);
  });
  after(async () => {
    await Promise.all([plain.close(), secure.close(), open.close(), authed.close()]);
    tls.dispose();
  });
  beforeEach(() => {
    open.connects.length = 0;
    authed.connects.length = 0;
    plain.script(json(200, { via: 'origin' }));
    secure.script(json(200, { via: 'tls-origin' }));
  });

  // The services are all https: the proxy is asked for a CONNECT tunnel, and the origin's TLS runs inside it.
  it('tunnels through the proxy with Basic credentials (special characters intact)', async () => {
    const client = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy: { url: authed.url, ...creds, bypass: [] } }, noSleep);
    try {
      const res = await client.request({ method: 'GET', url: `${secure.url}/a`, operation: 'read' });
      assert.equal(res.status, 200);
      assert.equal(authed.connects.length, 1);
      assert.equal(authed.connects[0].target, `127.0.0.1:${secure.port}`);
      assert.equal(Buffer.from(authed.connects[0].authorization!.slice(6), 'base64').toString(), `${creds.username}:${creds.password}`);
      // The origin never sees proxy credentials.
      assert.equal(secure.seen[0].headers['proxy-authorization'], undefined);
    } finally {
      await client.close?.();
    }
  });

  it('takes URL-encoded credentials from the proxy URL', async () => {
    const url = new URL(authed.url);
    url.username = encodeURIComponent(creds.username);
    url.password = encodeURIComponent(creds.password);
    const client = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy: { url: url.toString(), bypass: [] } }, noSleep);
    try {
      const res = await client.request({ method: 'GET', url: secure.url, operation: 'read' });
      assert.equal(res.status, 200);
      assert.equal(authed.connects.length, 1);
    } finally {
      await client.close?.();
    }
  });

  it('goes direct for a URL on the bypass list', async () => {
    const client = createHttpClient({ timeoutMs: 5000, proxy: { url: open.url, bypass: [`127\\.0\\.0\\.1:${plain.port}`] } }, noSleep);
    try {
      await client.request({ method: 'GET', url: plain.url, operation: 'read' });
      assert.equal(open.connects.length, 0);
      await client.request({ method: 'GET', url: secure.url, operation: 'read' }).catch(() => undefined);
      assert.equal(open.connects.length, 1, 'a URL not on the list still uses the proxy');
    } finally {
      await client.close?.();
    }
  });

  it('fails with a clear, non-retried error when the proxy refuses the credentials (407)', async () => {
    const client = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy: { url: authed.url, username: 'x', password: 'wrong', bypass: [] } }, noSleep);
    try {
      await assert.rejects(client.request({ method: 'GET', url: secure.url, operation: 'list PATs' }), (e: unknown) => {
        assert.ok(e instanceof PatLifecycleError);
        assert.equal(e.code, 'ProxyAuthenticationRequired');
        assert.equal(e.kind, 'network');
        assert.doesNotMatch(e.message + (e.hint ?? ''), /wrong/);
        return true;
      });
      assert.equal(authed.connects.length, 1);
    } finally {
      await client.close?.();
    }
  });

  it('trusts network.caPem for an HTTPS origin, direct and through the proxy', async () => {
    for (const proxy of [undefined, { url: open.url, bypass: [] }]) {
      const client = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy }, noSleep);
      try {
        const res = await client.request({ method: 'GET', url: secure.url, operation: 'read' });
        assert.deepEqual(res.json(), { via: 'tls-origin' });
      } finally {
        await client.close?.();
      }
    }
    assert.equal(open.connects.length, 1);
  });

  it('ignores HTTPS_PROXY, HTTP_PROXY and NO_PROXY: only the configured proxy carries a request', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { HTTPS_PROXY: authed.url, HTTP_PROXY: authed.url, ALL_PROXY: authed.url, NO_PROXY: '127.0.0.1' });
    try {
      const direct = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem }, noSleep);
      const proxied = createHttpClient({ timeoutMs: 5000, caPem: tls.caCertPem, proxy: { url: open.url, bypass: [] } }, noSleep);
      try {
        assert.equal((await direct.request({ method: 'GET', url: secure.url, operation: 'read' })).status, 200);
        assert.equal((await proxied.request({ method: 'GET', url: secure.url, operation: 'read' })).status, 200);
        assert.equal(authed.connects.length, 0, 'the environment\'s proxy was used');
        assert.equal(open.connects.length, 1, 'NO_PROXY took a request past the configured proxy');
      } finally {
        await direct.close?.();
        await proxied.close?.();
      }
    } finally {
      for (const k of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY']) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('verifies the certificate even with NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment, direct and through the proxy', async () => {
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const warn = process.emitWarning;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    // Node warns once when it sees the variable; the warning is not what this test is about.
    process.emitWarning = () => {};
    try {
      for (const proxy of [undefined, { url: open.url, bypass: [] }]) {
        const client = createHttpClient({ timeoutMs: 5000, proxy }, noSleep);
        try {
          await assert.rejects(client.request({ method: 'GET', url: secure.url, operation: 'read' }), /not trusted/);
        } finally {
          await client.close?.();
        }
      }
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
      process.emitWarning = warn;
    }
  });

  it('without the CA an HTTPS origin fails as untrusted TLS, not retried', async () => {
    let retries = 0;
    const client = createHttpClient({ timeoutMs: 5000 }, { ...noSleep, onRetry: () => retries++ });
    try {
      await assert.rejects(client.request({ method: 'GET', url: secure.url, operation: 'read' }), (e: unknown) => {
        assert.ok(e instanceof PatLifecycleError);
        assert.equal(e.kind, 'network');
        assert.match(e.message, /not trusted/);
        assert.match(e.hint ?? '', /CAInfo|NODE_EXTRA_CA_CERTS/);
        return true;
      });
      assert.equal(retries, 0);
    } finally {
      await client.close?.();
    }
  });
});
