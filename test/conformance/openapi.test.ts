// The conformance checker itself: requests shaped as the product sends them pass; a deliberately wrong request (an
// undeclared query parameter, an unknown body key, another api-version) and a wrong answer fail it, and so does the
// hook that runs over every black-box test's traffic. Where the spec and its examples disagree on purpose, the
// emulator answers both ways and both pass.
import assert from 'node:assert/strict';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator } from '../emulator';
import { call } from '../emulator/test/helpers';
import type { RequestLogEntry } from '../emulator/request-log';
import { checkTraffic, loadOperations } from './openapi';
import { watchConformance } from './hook';

const PATS = '/contoso/_apis/tokens/pats';

describe('conformance with the published OpenAPI specs', function () {
  let emu: Emulator;
  let bearer: string;

  before(async () => {
    emu = await startEmulator();
    emu.control.devops.addOrganization({ name: 'contoso' });
    emu.control.devops.addProject('contoso', { name: 'Web' });
    const user = emu.control.entra.addUser({ upn: 'ada@contoso.test' });
    const app = emu.control.entra.addApp({ kind: 'public' });
    bearer = `Bearer ${emu.core.issueAccessToken(
      { kind: 'user', userId: user.userId, objectId: user.userId, upn: user.upn, tenantId: emu.control.entra.defaultTenantId, clientId: app.clientId, audience: AZURE_DEVOPS_RESOURCE, scopes: [] },
      AZURE_DEVOPS_RESOURCE,
    )}`;
    emu.control.variableGroups.add('contoso', 'Web', { name: 'signin', variables: { a: 'b' }, administrators: [user.userId] });
  });
  after(() => emu?.close());

  /** Sends requests and returns the checker's findings on exactly their log entries. */
  async function check(...requests: Array<{ method?: string; path: string; body?: object }>): Promise<string[]> {
    const since = Math.max(0, ...emu.log.entries().map((e) => e.seq));
    for (const r of requests) await call(emu, { method: r.method ?? 'GET', path: r.path, headers: { Authorization: bearer }, ...(r.body ? { body: r.body } : {}) });
    return checkTraffic(emu.log.entries((e) => e.seq > since)).map((v) => v.problem);
  }

  const validTo = () => new Date(emu.clock.now() + 5 * 86_400_000).toISOString();

  it('compiles every operation of the five specs once, the x-ms-paths list operations included', () => {
    const started = Date.now();
    const ops = loadOperations();
    assert.ok(ops.some((o) => o.operationId === 'Pats_List'), 'Pats_List lives under x-ms-paths');
    assert.ok(ops.some((o) => o.operationId === 'Variablegroups_Get Variable Groups'));
    assert.ok(ops.some((o) => o.operationId === 'SetSecret'));
    assert.strictEqual(loadOperations(), ops, 'compiled once');
    assert.ok(Date.now() - started < 10_000);
  });

  it('passes the requests the product sends, and the emulator answers to them', async () => {
    const problems = await check(
      { path: `${PATS}?displayFilterOption=active&$top=100&api-version=7.1-preview.1` },
      { method: 'POST', path: `${PATS}?api-version=7.1-preview.1`, body: { displayName: 'ci', scope: 'vso.code', validTo: validTo(), allOrgs: false } },
      { path: `/contoso/Web/_apis/distributedtask/variablegroups?groupName=signin&api-version=7.1` },
    );
    assert.deepEqual(problems, []);
  });

  it('fails a request with a query parameter the operation does not declare', async () => {
    const problems = await check({ path: `${PATS}?displayFilterOption=active&size=10&api-version=7.1-preview.1` });
    assert.ok(problems.some((p) => /query parameter 'size' is not declared/.test(p)), problems.join('\n'));
  });

  it('fails a request body with a key the spec does not declare', async () => {
    const problems = await check({ method: 'POST', path: `${PATS}?api-version=7.1-preview.1`, body: { displayName: 'ci', scope: 'vso.code', validTo: validTo(), allOrgs: false, expiresInDays: 3 } });
    assert.ok(problems.some((p) => /request body: .*must NOT have additional properties 'expiresInDays'/.test(p)), problems.join('\n'));
  });

  it('fails a query value of the wrong type or outside its enum, a missing required parameter and an undeclared api-version', async () => {
    const problems = await check(
      { path: `${PATS}?displayFilterOption=current&api-version=7.1-preview.1` },
      { path: `${PATS}?$top=many&api-version=7.1-preview.1` },
      { method: 'DELETE', path: `${PATS}?api-version=7.1-preview.1` },
      { path: `${PATS}?api-version=7.0` },
    );
    assert.ok(problems.some((p) => /'displayFilterOption'='current'.*allowed values/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /'\$top'='many'.*must be integer/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /required query parameter 'authorizationId' is missing/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /api-version '7\.0' is not/.test(p)), problems.join('\n'));
  });

  it('fails an answer that does not validate against the response schema', () => {
    const entry: RequestLogEntry = {
      seq: 1, time: '', method: 'GET', host: '127.0.0.1', path: PATS, query: 'api-version=7.1-preview.1', route: 'pats.list', service: 'pats',
      status: 200, durationMs: 1, remoteAddress: '127.0.0.1', responseBody: { continuationToken: 7, patTokens: [{ displayName: 'x', validTo: 'soon' }] },
    };
    const problems = checkTraffic([entry]).map((v) => v.problem);
    assert.ok(problems.some((p) => /continuationToken must be string/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /validTo must match format "date-time"/.test(p)), problems.join('\n'));
  });

  it('makes the black-box hook throw, naming the request, when the traffic since it started holds a violation', async () => {
    const done = watchConformance(emu.childEnv());
    await call(emu, { path: `${PATS}?displayFilterOption=active&pageSize=10&api-version=7.1-preview.1`, headers: { Authorization: bearer } });
    assert.throws(done, /GET \/contoso\/_apis\/tokens\/pats\?displayFilterOption=active&pageSize=10.*\n.*'pageSize' is not declared/);
    assert.doesNotThrow(watchConformance(emu.childEnv()), 'nothing new, nothing to find');
  });

  it('checks Key Vault against keyvault-secrets-2025-07-01: a set with an unknown key fails, the SDK-shaped one passes', async () => {
    emu.control.keyVault.addVault({ name: 'kv-conformance' });
    const host = `kv-conformance.${emu.urls.vaultDnsSuffix}`;
    const entry = (body: object): RequestLogEntry => ({
      seq: 1, time: '', method: 'PUT', host, path: '/secrets/FeedPat', query: 'api-version=2025-07-01', route: 'kv.set', service: 'keyVault',
      status: 200, durationMs: 1, remoteAddress: '127.0.0.1', requestBody: body,
      responseBody: { value: '[redacted]', id: `https://${host}/secrets/FeedPat/0123`, attributes: { enabled: true, created: 1, updated: 1, recoveryLevel: 'Recoverable+Purgeable' } },
    });
    assert.deepEqual(checkTraffic([entry({ value: '[redacted]', contentType: 'text/plain', tags: { a: 'b' } })]), []);
    const problems = checkTraffic([entry({ value: '[redacted]', label: 'x' })]).map((v) => v.problem);
    assert.ok(problems.some((p) => /additional properties 'label'/.test(p)), problems.join('\n'));
  });

  describe('where the spec and the official examples disagree, the emulator answers both ways and both pass', () => {
    it('revoke: 204 as in the RevokePat example, then 200 as the spec declares', async () => {
      emu.control.pats.answerVariants({ revoke: 'alternate' });
      const statuses: number[] = [];
      for (const name of ['r1', 'r2']) {
        const created = await call(emu, { method: 'POST', path: `${PATS}?api-version=7.1-preview.1`, headers: { Authorization: bearer }, body: { displayName: name, scope: 'vso.code', validTo: validTo(), allOrgs: false } });
        const since = Math.max(0, ...emu.log.entries().map((e) => e.seq));
        const res = await call(emu, { method: 'DELETE', path: `${PATS}?authorizationId=${created.json().patToken.authorizationId}&api-version=7.1-preview.1`, headers: { Authorization: bearer } });
        statuses.push(res.status);
        assert.deepEqual(checkTraffic(emu.log.entries((e) => e.seq > since)), []);
      }
      assert.deepEqual(statuses.sort(), [200, 204]);
    });

    it('last list page: continuationToken "" as in the ListPats example, or absent', async () => {
      emu.control.pats.answerVariants({ lastPageToken: 'alternate' });
      const shapes = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const res = await call(emu, { path: `${PATS}?api-version=7.1-preview.1`, headers: { Authorization: bearer } });
        shapes.add('continuationToken' in res.json() ? JSON.stringify(res.json().continuationToken) : 'absent');
      }
      assert.deepEqual([...shapes].sort(), ['""', 'absent']);
    });

    it('path casing: /_apis/Tokens/Pats of the examples is the same operation as the spec\'s /_apis/tokens/pats', async () => {
      const problems = await check({ path: `/contoso/_apis/Tokens/Pats?api-version=7.1-preview.1` });
      assert.deepEqual(problems, []);
      assert.equal(emu.log.entries().at(-1)!.route, 'pats.list');
    });
  });

  it('leaves Entra alone: it has no OpenAPI', async () => {
    const problems = await check({ path: `/${emu.control.entra.defaultTenantId}/v2.0/.well-known/openid-configuration` });
    assert.deepEqual(problems, []);
  });
});
