import assert from 'node:assert/strict';
import { startEmulator, defineRoute, AZURE_DEVOPS_RESOURCE, type Emulator } from '../index';
import { call, childEnv, runNode } from './helpers';

describe('emulator framework', function () {
  let emu: Emulator;
  let hits = 0;

  before(async () => {
    emu = await startEmulator();
    emu.core.addRoute(
      defineRoute({
        service: 'pats',
        name: 'test.echo',
        method: 'POST',
        path: '/:org/_apis/emutest/echo',
        caseInsensitive: true,
        handle: (req, params) => {
          hits++;
          const body = req.json<{ n?: number }>();
          return { status: 200, body: { org: params.org, n: body?.n ?? null, hits } };
        },
      }),
    );
    emu.core.addRoute(
      defineRoute({
        service: 'keyVault',
        name: 'test.kv',
        method: 'GET',
        path: '/secrets/:name',
        host: (h) => h.endsWith(`.${emu.urls.vaultDnsSuffix}`),
        handle: (req, p) => ({ status: 200, body: { vault: req.host.split('.')[0], name: p.name } }),
      }),
    );
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.faults.clear();
    emu.log.clear();
    emu.setLatency(0);
  });

  describe('urls and TLS', () => {
    it('serves HTTPS on 127.0.0.1 with every documented URL', () => {
      const u = emu.urls;
      assert.match(u.authorityHost, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(u.vssps, u.authorityHost);
      assert.equal(u.devops, u.authorityHost);
      assert.equal(u.vaultDnsSuffix, 'vault.emulator.test');
      assert.equal(u.keyVaultResource, 'https://vault.emulator.test');
      assert.equal(u.msiEndpoint, `${u.authorityHost}/msi/token`);
      assert.ok(u.msiHeader.length >= 16);
      assert.match(emu.caCertPem, /BEGIN CERTIFICATE/);
    });

    it('is trusted by a child process through NODE_EXTRA_CA_CERTS, and only then', async () => {
      const script = `fetch(process.argv[1], { method: 'POST', body: '{"n":1}' }).then(async r => console.log(JSON.stringify({ status: r.status, body: await r.json() })), e => console.log(JSON.stringify({ error: String(e.cause && e.cause.code) })))`;
      const url = `${emu.urls.vssps}/org1/_apis/EmuTest/Echo`;
      const trusted = await runNode(['-e', script, url], childEnv(emu));
      assert.deepEqual(trusted.result().status, 200);
      assert.equal(trusted.result().body.org, 'org1');
      const untrusted = await runNode(['-e', script, url], {});
      assert.match(untrusted.result().error, /CERT|SELF_SIGNED|UNABLE/);
    });

    it('routes vault host names by Host header (child resolves *.vault.emulator.test through the preload)', async () => {
      const script = `fetch(process.argv[1]).then(async r => console.log(JSON.stringify(await r.json())), e => console.log(JSON.stringify({ error: String(e.cause || e) })))`;
      const r = await runNode(['-e', script, `https://myvault.${emu.urls.vaultDnsSuffix}:${emu.urls.port}/secrets/s1?api-version=7.5`], childEnv(emu));
      assert.deepEqual(r.result(), { vault: 'myvault', name: 's1' });
    });
  });

  describe('request handling', () => {
    it('answers objects as JSON with charset, and matches _apis/emutest/echo case-insensitively', async () => {
      const r = await call(emu, { method: 'POST', path: '/o/_apis/emutest/echo?api-version=7.1-preview.1', body: { n: 5 } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(r.json().n, 5);
      const r2 = await call(emu, { method: 'POST', path: '/o/_APIS/EMUTEST/ECHO', body: { n: 6 } });
      assert.equal(r2.json().n, 6);
    });

    it('turns an uncaught BadJsonError into the VSS JsonReaderException body', async () => {
      const r = await call(emu, { method: 'POST', path: '/o/_apis/emutest/echo', body: '{"n":', headers: { 'Content-Type': 'application/json' } });
      assert.equal(r.status, 400);
      const b = r.json();
      assert.equal(b.typeKey, 'JsonReaderException');
      assert.equal(b.eventId, 0);
      assert.match(b.message, /^TF400898: An Internal Error Occurred\. Activity Id: [0-9a-f-]{36}\.$/);
    });

    it('answers unknown routes like the real hosts (404) and wrong methods with 405', async () => {
      const ado = await call(emu, { path: '/o/_apis/nothing/here?api-version=7.1' });
      assert.equal(ado.status, 404);
      assert.match(ado.json().value.Message, /No HTTP resource was found/);
      const kv = await call(emu, { path: '/keys/k1', host: `v1.${emu.urls.vaultDnsSuffix}` });
      assert.equal(kv.status, 404);
      assert.equal(kv.json().error.code, 'NotFound');
      const page = await call(emu, { path: '/favicon.ico' });
      assert.equal(page.status, 404);
      assert.match(String(page.headers['content-type']), /text\/html/);
      const wrong = await call(emu, { method: 'PATCH', path: '/o/_apis/emutest/echo' });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers['allow'], 'POST');
      assert.equal(emu.log.entries({ path: '/favicon.ico' })[0]!.route, 'unknown');
    });

    it('applies latency to every request', async () => {
      emu.setLatency(150);
      const t = Date.now();
      await call(emu, { method: 'POST', path: '/o/_apis/emutest/echo', body: {} });
      assert.ok(Date.now() - t >= 140);
    });
  });

  describe('faults', () => {
    const post = () => call(emu, { method: 'POST', path: '/o/_apis/emutest/echo', body: { n: 1 } });

    it('status faults: 429 with Retry-After, Azure DevOps rate-limit headers and the TF400733 body', async () => {
      emu.faults.add({ route: 'test.echo', status: 429, retryAfterSeconds: 7 });
      const before = hits;
      const r = await post();
      assert.equal(r.status, 429);
      assert.equal(hits, before, 'handler must not run for a before-phase fault');
      assert.equal(r.headers['retry-after'], '7');
      for (const h of ['x-ratelimit-resource', 'x-ratelimit-delay', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.ok(r.headers[h], h);
      assert.equal(r.headers['x-ratelimit-remaining'], '0');
      assert.match(r.json().message, /^TF400733: /);
      assert.equal((await post()).status, 200, 'times defaults to 1');
      const e = emu.log.entries({ route: 'test.echo' });
      assert.equal(e[0]!.fault, 'status');
      assert.equal(e[0]!.status, 429);
      assert.equal(e[1]!.fault, undefined);
    });

    it('503 gets Retry-After; custom headers and body are sent as given', async () => {
      emu.faults.add({ service: 'pats', status: 503 });
      const r = await post();
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      emu.faults.add({ method: 'post', status: 500, headers: { 'X-Custom': 'y' }, body: 'boom' });
      const r2 = await post();
      assert.equal(r2.status, 500);
      assert.equal(r2.headers['x-custom'], 'y');
      assert.equal(r2.body, 'boom');
    });

    it('nth and times select which matching requests fail', async () => {
      emu.faults.add({ route: /echo$/, nth: 2, times: 2, status: 500 });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await post()).status);
      assert.deepEqual(statuses, [200, 500, 500, 200, 200]);
      assert.equal(emu.faults.list().length, 0, 'spent faults drop out');
    });

    it('times: Infinity keeps failing until removed; list() shows counters', async () => {
      const id = emu.faults.add({ host: '127.0.0.1', status: 502, times: Infinity });
      assert.equal((await post()).status, 502);
      assert.equal((await post()).status, 502);
      const [info] = emu.faults.list();
      assert.equal(info!.id, id);
      assert.equal(info!.applied, 2);
      assert.ok(emu.faults.remove(id));
      assert.equal((await post()).status, 200);
    });

    it('faults that do not match leave requests alone', async () => {
      emu.faults.add({ service: 'keyVault', status: 500 });
      emu.faults.add({ route: 'entra.token', status: 500 });
      assert.equal((await post()).status, 200);
      assert.equal(emu.faults.list().length, 2);
    });

    it("phase 'after' lets the handler change state, then replaces the response", async () => {
      emu.faults.add({ route: 'test.echo', status: 500, phase: 'after' });
      const before = hits;
      const r = await post();
      assert.equal(r.status, 500);
      assert.equal(hits, before + 1);
    });

    it('delay hangs then continues (and outlasts a client timeout while the handler still runs)', async () => {
      emu.faults.add({ route: 'test.echo', kind: 'delay', ms: 300 });
      const t = Date.now();
      const r = await post();
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t >= 290);
      emu.faults.add({ route: 'test.echo', kind: 'delay', ms: 400 });
      const before = hits;
      await assert.rejects(call(emu, { method: 'POST', path: '/o/_apis/emutest/echo', body: {}, timeoutMs: 100 }), /client timeout/);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(hits, before + 1);
      const last = emu.log.entries({ fault: 'delay' }).at(-1)!;
      assert.equal(last.aborted, true);
    });

    it('reset destroys the socket (before and after the handler)', async () => {
      emu.faults.add({ route: 'test.echo', kind: 'reset' });
      await assert.rejects(post(), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' || /socket hang up/.test(e.message));
      emu.faults.add({ route: 'test.echo', kind: 'reset', phase: 'after' });
      const before = hits;
      await assert.rejects(post());
      assert.equal(hits, before + 1);
      const resets = emu.log.entries({ fault: 'reset' });
      assert.equal(resets.length, 2);
      assert.equal(resets[0]!.status, 0);
    });

    it('truncated sends the headers and half the JSON body, then closes', async () => {
      emu.faults.add({ route: 'test.echo', kind: 'truncated', phase: 'after' });
      await assert.rejects(post(), /incomplete|aborted|ECONNRESET/);
      // Seen through fetch, as the product would: the body read fails.
      const script = `fetch(process.argv[1], { method: 'POST', body: '{}' }).then(async r => { try { await r.json(); console.log(JSON.stringify({ status: r.status, parsed: true })) } catch (e) { console.log(JSON.stringify({ status: r.status, error: e.name })) } }, e => console.log(JSON.stringify({ fetchError: String(e) })))`;
      emu.faults.add({ route: 'test.echo', kind: 'truncated' });
      const r = await runNode(['-e', script, `${emu.urls.vssps}/o/_apis/emutest/echo`], childEnv(emu));
      assert.equal(r.result().status, 200);
      assert.ok(r.result().error, 'reading the body must fail');
    });

    it('nonJson answers 200 text/plain garbage', async () => {
      emu.faults.add({ route: 'test.echo', kind: 'nonJson' });
      const r = await post();
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.throws(() => r.json());
    });

    it('html203 answers the Azure DevOps sign-in page with 203', async () => {
      emu.faults.add({ route: 'test.echo', kind: 'html203' });
      const r = await post();
      assert.equal(r.status, 203);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.match(r.body, /Sign In/);
    });

    it('rejects malformed fault specs', () => {
      assert.throws(() => emu.faults.add({ status: 42 }));
      assert.throws(() => emu.faults.add({ status: 500, nth: 0 }));
      assert.throws(() => emu.faults.add({ kind: 'delay', ms: -1 }));
    });
  });

  describe('request log', () => {
    it('records who asked what without bodies, Authorization or secret query values', async () => {
      const token = emu.core.issueAccessToken(
        { kind: 'user', userId: 'u', objectId: 'u', upn: 'a@b', tenantId: 't', clientId: 'c', audience: AZURE_DEVOPS_RESOURCE, scopes: ['user_impersonation'] },
        AZURE_DEVOPS_RESOURCE,
      );
      await call(emu, {
        method: 'POST',
        path: `/o/_apis/emutest/echo?api-version=7.1&code=abc123xyz&access_token=${token}&continuationToken=page2&x=${token}`,
        headers: { Authorization: `Bearer ${token}` },
        body: { n: 99, secret: token },
      });
      const [e] = emu.log.entries();
      assert.ok(e);
      assert.equal(e.seq > 0, true);
      assert.equal(e.method, 'POST');
      assert.equal(e.host, '127.0.0.1');
      assert.equal(e.path, '/o/_apis/emutest/echo');
      assert.equal(e.route, 'test.echo');
      assert.equal(e.service, 'pats');
      assert.equal(e.status, 200);
      assert.equal(e.remoteAddress, '127.0.0.1');
      assert.ok(e.durationMs >= 0);
      assert.ok(!Number.isNaN(Date.parse(e.time)));
      assert.match(e.query, /api-version=7\.1/);
      assert.match(e.query, /continuationToken=page2/);
      assert.match(e.query, /code=\[redacted\]/);
      const dump = JSON.stringify(emu.log.entries());
      assert.ok(!dump.includes(token));
      assert.ok(!dump.includes('abc123xyz'));
      for (const s of emu.secrets()) assert.ok(!dump.includes(s));
    });

    it('filters, counts and clears; times are on the emulator clock', async () => {
      emu.clock.advance(10 * 24 * 3600 * 1000);
      await call(emu, { method: 'POST', path: '/o/_apis/emutest/echo', body: {} });
      await call(emu, { path: '/nowhere' });
      assert.equal(emu.log.count({ route: 'test.echo' }), 1);
      assert.equal(emu.log.count({ status: 404 }), 1);
      assert.equal(emu.log.count((e) => e.method === 'GET'), 1);
      assert.ok(Date.parse(emu.log.entries()[0]!.time) > Date.now() + 9 * 24 * 3600 * 1000);
      emu.clock.set(Date.now());
      emu.log.clear();
      assert.equal(emu.log.count(), 0);
    });
  });

  describe('clock, tokens and child processes', () => {
    it('moving the clock expires access tokens for verifyBearer', () => {
      const principal = { kind: 'app' as const, objectId: 'o', appId: 'a', tenantId: 't', audience: AZURE_DEVOPS_RESOURCE };
      const token = emu.core.issueAccessToken(principal, AZURE_DEVOPS_RESOURCE, 600);
      const req = { headers: { authorization: `Bearer ${token}` } } as never;
      const ok = emu.core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
      assert.ok(ok.ok && ok.principal.kind === 'app');
      assert.deepEqual(emu.core.verifyBearer(req, 'https://vault.emulator.test'), { ok: false, reason: 'audience' });
      assert.deepEqual(emu.core.verifyBearer({ headers: {} } as never, AZURE_DEVOPS_RESOURCE), { ok: false, reason: 'missing' });
      assert.deepEqual(emu.core.verifyBearer({ headers: { authorization: 'Basic OnBhdA==' } } as never, AZURE_DEVOPS_RESOURCE), { ok: false, reason: 'notBearer' });
      assert.deepEqual(emu.core.verifyBearer({ headers: { authorization: 'Bearer not.a.jwt' } } as never, AZURE_DEVOPS_RESOURCE), { ok: false, reason: 'invalid' });
      emu.clock.advance(601 * 1000);
      assert.deepEqual(emu.core.verifyBearer(req, AZURE_DEVOPS_RESOURCE), { ok: false, reason: 'expired' });
      emu.clock.set(Date.now());
    });

    it('childEnv shifts a child process clock to agree with the emulator', async () => {
      emu.clock.advance(400 * 24 * 3600 * 1000);
      const env = emu.childEnv();
      assert.match(env.NODE_OPTIONS!, /--require .*child-preload\.cjs/);
      const r = await runNode(['-e', 'console.log(JSON.stringify({ now: Date.now(), d: new Date().getTime(), fixed: new Date(0).getTime(), s: typeof Date(), inst: new Date() instanceof Date }))'], env);
      const res = r.result();
      const expected = emu.clock.now();
      assert.ok(Math.abs(res.now - expected) < 5000, `child now ${res.now} vs emulator ${expected}`);
      assert.ok(Math.abs(res.d - expected) < 5000);
      assert.equal(res.fixed, 0);
      assert.equal(res.s, 'string');
      assert.equal(res.inst, true);
      emu.clock.set(Date.now());
    });

    it('the preload maps *.emulator.test for dns.lookup, dns.promises and leaves other names alone', async () => {
      const script = `
        const dns = require('dns');
        (async () => {
          const a = await new Promise((ok) => dns.lookup('x.vault.emulator.test', (e, addr, fam) => ok({ addr, fam })));
          const b = await new Promise((ok) => dns.lookup('y.emulator.test', { all: true }, (e, all) => ok(all)));
          const c = await dns.promises.lookup('z.emulator.test');
          const d = await require('util').promisify(dns.lookup)('w.emulator.test');
          const e = await new Promise((ok) => dns.lookup('nonexistent.invalid', (err) => ok(err && err.code)));
          console.log(JSON.stringify({ a, b, c, d, e }));
        })();`;
      const r = (await runNode(['-e', script], childEnv(emu))).result();
      assert.deepEqual(r.a, { addr: '127.0.0.1', fam: 4 });
      assert.deepEqual(r.b, [{ address: '127.0.0.1', family: 4 }]);
      assert.deepEqual(r.c, { address: '127.0.0.1', family: 4 });
      assert.deepEqual(r.d, { address: '127.0.0.1', family: 4 });
      assert.equal(r.e, 'ENOTFOUND');
    });

    it('undici fetch and @azure/core-rest-pipeline both reach a vault host through the preload', async () => {
      const script = `
        const { fetch: uf } = require('undici');
        const { createDefaultHttpClient, createPipelineRequest } = require('@azure/core-rest-pipeline');
        (async () => {
          const u = process.argv[1];
          const a = await (await uf(u)).json();
          const r = await createDefaultHttpClient().sendRequest(createPipelineRequest({ url: u }));
          console.log(JSON.stringify({ a, b: JSON.parse(r.bodyAsText) }));
        })().catch((e) => console.log(JSON.stringify({ error: String(e) })));`;
      const r = (await runNode(['-e', script, `https://kv2.${emu.urls.vaultDnsSuffix}:${emu.urls.port}/secrets/x`], childEnv(emu))).result();
      assert.deepEqual(r, { a: { vault: 'kv2', name: 'x' }, b: { vault: 'kv2', name: 'x' } });
    });
  });
});
