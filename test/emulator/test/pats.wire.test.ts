/**
 * The PAT Lifecycle API over real HTTPS with real Entra tokens from the emulator's token endpoint, and a
 * product-like child process (undici fetch, NODE_EXTRA_CA_CERTS).
 */
import assert from 'node:assert/strict';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator, type EmulatorUser } from '../index';
import { call, childEnv, runNode } from './helpers';

const ADO_SCOPE = `${AZURE_DEVOPS_RESOURCE}/.default`;

describe('emulator PAT Lifecycle API over HTTPS', function () {
  let emu: Emulator;
  let tenant: string;
  let alice: EmulatorUser;
  let userToken: string;
  let orgId: string;

  const tokenPost = (form: Record<string, string>) =>
    call(emu, {
      method: 'POST',
      path: `/${tenant}/oauth2/v2.0/token`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  const pats = (method: string, query: string, auth: string | undefined, body?: object | string) =>
    call(emu, {
      method,
      path: `/contoso/_apis/tokens/pats?api-version=7.1-preview.1${query}`,
      headers: auth ? { Authorization: auth } : {},
      ...(body !== undefined ? { body } : {}),
    });

  before(async () => {
    emu = await startEmulator();
    tenant = emu.control.entra.defaultTenantId;
    orgId = emu.control.devops.addOrganization({ name: 'contoso' }).id;
    alice = emu.control.entra.addUser({ upn: 'alice@contoso.onmicrosoft.com', displayName: 'Alice' });
    const app = emu.control.entra.addApp({ kind: 'public' });
    const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
    const res = await tokenPost({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken, scope: `${ADO_SCOPE} offline_access` });
    assert.equal(res.status, 200, res.body);
    userToken = res.json().access_token;
  });
  after(() => emu.close());

  it('creates a PAT with a real Entra user token; raw JSON in the example property order', async () => {
    const res = await pats('POST', '', `Bearer ${userToken}`, { displayName: 'wire', scope: 'vso.variablegroups_manage', validTo: new Date(emu.clock.now() + 5 * 86_400_000).toISOString(), allOrgs: false });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8; api-version=7.1-preview.1');
    assert.ok(res.headers['x-vss-e2eid'] && res.headers['activityid']);
    assert.match(res.body, /^\{"patToken":\{"displayName":"wire","validTo":"[^"]+","scope":"vso\.variablegroups_manage","targetAccounts":\["[0-9a-f-]{36}"\],"validFrom":"[^"]+","authorizationId":"[0-9a-f-]{36}","token":"[A-Za-z0-9]{84}"\},"patTokenError":"none"\}$/);
    const t = res.json().patToken;
    assert.deepEqual(t.targetAccounts, [orgId]);
    assert.equal(emu.control.pats.findByToken(t.token).userId, alice.userId);
    assert.ok(emu.secrets().includes(t.token));
  });

  it('the new PAT authenticates with Basic until revoked through the API', async () => {
    const t = (await pats('POST', '', `Bearer ${userToken}`, { displayName: 'cred', scope: 'vso.profile', validTo: new Date(emu.clock.now() + 86_400_000).toISOString() })).json().patToken;
    const basic = `Basic ${Buffer.from(`:${t.token}`).toString('base64')}`;
    const cd = () => call(emu, { path: '/contoso/_apis/connectionData', headers: { Authorization: basic } });
    const ok = await cd();
    assert.equal(ok.status, 200);
    assert.equal(ok.json().authenticatedUser.id, alice.userId);
    const refused = await pats('GET', '', basic);
    assert.equal(refused.status, 401);
    assert.equal(refused.json().message, 'The requested operation is not allowed.');
    const del = await pats('DELETE', `&authorizationId=${t.authorizationId}`, `Bearer ${userToken}`);
    assert.equal(del.status, 204);
    assert.equal((await cd()).status, 401);
    const log = JSON.stringify(emu.log.entries());
    assert.ok(!log.includes(t.token), 'the PAT reached the request log');
  });

  it('pages a list of 250 through real query strings; the last token is ""', async () => {
    for (let i = 0; i < 250; i++) emu.control.pats.create('contoso', alice.userId, { displayName: `bulk-${String(i).padStart(3, '0')}`, scope: 'vso.code' });
    const seen = new Set<string>();
    let token = '';
    let pages = 0;
    do {
      const res = await pats('GET', `&displayFilterOption=active&sortByOption=displayDate&isSortAscending=false&$top=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`, `Bearer ${userToken}`);
      assert.equal(res.status, 200);
      const b = res.json();
      for (const p of b.patTokens) {
        assert.equal(p.token, null);
        seen.add(p.authorizationId);
      }
      token = b.continuationToken;
      pages++;
    } while (token);
    assert.ok(seen.size >= 250);
    assert.equal(pages, Math.ceil(seen.size / 100));
  });

  it('service principal token 403, job token 401, no token 203 sign-in page', async () => {
    const sp = emu.control.entra.addApp({ kind: 'confidential' });
    const spToken = (await tokenPost({ grant_type: 'client_credentials', client_id: sp.clientId, client_secret: sp.secret!, scope: ADO_SCOPE })).json().access_token;
    const r1 = await pats('GET', '', `Bearer ${spToken}`);
    assert.equal(r1.status, 403);
    assert.equal(r1.json().message, 'Service principals are not allowed to perform this action.');
    const job = emu.control.entra.issueJobToken({ org: 'contoso', projectId: emu.core.newGuid() });
    const r2 = await pats('GET', '', `Bearer ${job.token}`);
    assert.equal(r2.status, 401);
    assert.equal(r2.json().typeKey, 'InvalidAccessException');
    const r3 = await pats('GET', '', undefined);
    assert.equal(r3.status, 203);
    assert.match(String(r3.headers['content-type']), /^text\/html/);
  });

  it('a product-like child (undici fetch, NODE_EXTRA_CA_CERTS) creates and lists PATs', async () => {
    const script = `
      const [base, token] = process.argv.slice(1);
      const h = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
      (async () => {
        const c = await fetch(base + '?api-version=7.2-preview.1', { method: 'POST', headers: h, body: JSON.stringify({ displayName: 'child', scope: 'vso.code', validTo: new Date(Date.now() + 864e5).toISOString(), allOrgs: false }) });
        const created = await c.json();
        const l = await fetch(base + '?api-version=7.2-preview.1&$top=1', { headers: h });
        console.log(JSON.stringify({ status: c.status, keys: Object.keys(created), error: created.patTokenError, listStatus: l.status, listKeys: Object.keys(await l.json()) }));
      })().catch((e) => console.log(JSON.stringify({ error: String(e), cause: String(e.cause) })));
    `;
    const r = (await runNode(['-e', script, `${emu.urls.vssps}/contoso/_apis/tokens/pats`, userToken], childEnv(emu))).result();
    assert.deepEqual(r, { status: 200, keys: ['patToken', 'patTokenError', 'patTokenErrorMessage'], error: 'none', listStatus: 200, listKeys: ['continuationToken', 'patTokens'] });
  });
});
