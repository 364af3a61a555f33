import { strict as assert } from 'node:assert';
import { PatClient } from '../../../src/devops/pat-client';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { redeemRefreshToken } from '../../../src/entra/redeem-refresh-token';
import type { PatToken } from '../../../src/devops/types';
import { AZURE_DEVOPS_RESOURCE } from '../../emulator/index';
import { startHarness, type Harness } from '../entra/emulator-harness';

describe('Azure DevOps clients against the emulator', function () {
  this.timeout(30_000);
  let h: Harness;
  let accessToken: string;
  let registered: string[];

  before(async () => {
    h = await startHarness();
    const session = await redeemRefreshToken({
      entra: { tenantId: h.tenantId, clientId: h.publicClientId, refreshToken: h.refreshToken() },
      authorityHost: h.emu.urls.authorityHost,
      http: h.http,
      registerSecret: () => {},
    });
    accessToken = session.accessToken;
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => {
    registered = [];
  });

  const pats = (apiVersion?: string, token = accessToken) =>
    new PatClient({ http: h.http, vsspsUrl: h.emu.urls.vssps, organization: h.org, accessToken: token, apiVersion, registerSecret: (v) => registered.push(v) });

  const failure = (p: Promise<unknown>) => h.failure(p);

  async function all(gen: AsyncGenerator<PatToken>): Promise<PatToken[]> {
    const out: PatToken[] = [];
    for await (const p of gen) out.push(p);
    return out;
  }

  it('create -> get -> list -> update -> revoke -> revoke again', async () => {
    const client = pats();
    const validTo = new Date(Date.now() + 20 * 86_400_000).toISOString();
    const created = await client.create({ displayName: 'feed-reader', scope: 'vso.packaging', validTo, allOrgs: false });
    assert.ok(created.token.length > 40);
    assert.deepEqual(registered, [created.token]);
    assert.ok(h.emu.control.pats.isValid(h.org, created.token));

    const got = await client.get(created.authorizationId);
    assert.equal(got?.displayName, 'feed-reader');
    assert.equal(got?.token, null);

    const listed = await all(client.listAll());
    assert.ok(listed.some((p) => p.authorizationId === created.authorizationId));

    const newValidTo = new Date(Date.now() + 25 * 86_400_000).toISOString();
    const updated = await client.update({ authorizationId: created.authorizationId, validTo: newValidTo, allOrgs: false });
    assert.ok(Math.abs(Date.parse(updated.validTo) - Date.parse(newValidTo)) < 1000);

    assert.equal(await client.revoke(created.authorizationId), 'revoked');
    assert.equal(await client.revoke(created.authorizationId), 'notFound');
    assert.equal(await client.get('00000000-0000-0000-0000-000000000000'), undefined);
  });

  it('lists every page (250 PATs in pages of 100 and of 7)', async () => {
    for (let i = 0; i < 250; i++) h.emu.control.pats.create(h.org, h.user.userId, { displayName: `bulk-${String(i).padStart(3, '0')}`, scope: 'vso.code' });
    const bulk = (list: PatToken[]) => list.filter((p) => p.displayName.startsWith('bulk-'));
    assert.equal(bulk(await all(pats().listAll('active'))).length, 250);
    assert.equal(bulk(await all(pats().listAll('all', 7))).length, 250);
  });

  it('the service may shorten validTo: the answer is returned as it is', async () => {
    h.emu.control.devops.setPolicy(h.org, { maxLifespanDays: 10 });
    try {
      const asked = new Date(Date.now() + 60 * 86_400_000).toISOString();
      const created = await pats().create({ displayName: 'clamped', scope: 'vso.code', validTo: asked, allOrgs: false });
      assert.ok(Date.parse(created.validTo) < Date.parse(asked) - 40 * 86_400_000);
    } finally {
      h.emu.control.devops.setPolicy(h.org, { maxLifespanDays: null });
    }
  });

  it('policy refusals arrive in a 200 and become policy errors (7.2 adds the message)', async () => {
    h.emu.control.devops.setPolicy(h.org, { blockFullScope: true });
    try {
      const validTo = new Date(Date.now() + 5 * 86_400_000).toISOString();
      const err = await failure(pats('7.2-preview.1').create({ displayName: 'full', scope: 'app_token', validTo, allOrgs: false }));
      assert.equal(err.code, 'patTokenError:fullScopePatPolicyViolation');
      assert.equal(err.kind, 'policy');
      assert.match(err.hint!, /explicit scopes/);
      assert.deepEqual(registered, []);
    } finally {
      h.emu.control.devops.setPolicy(h.org, { blockFullScope: false });
    }
  });

  it('an invalid scope -> input error naming scopes', async () => {
    const validTo = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const err = await failure(pats().create({ displayName: 'bad', scope: 'vso.nonsense', validTo, allOrgs: false }));
    assert.equal(err.code, 'patTokenError:invalidScope');
    assert.equal(err.input, 'scopes');
  });

  it('a service principal token -> InvalidAccessException, a user account is required', async () => {
    const app = h.emu.control.entra.addApp({ kind: 'confidential' });
    const spToken = h.emu.core.issueAccessToken({ kind: 'app', objectId: app.objectId, appId: app.clientId, tenantId: h.tenantId, audience: AZURE_DEVOPS_RESOURCE }, AZURE_DEVOPS_RESOURCE);
    const err = await failure(all(pats(undefined, spToken).listAll()));
    assert.equal(err.code, 'InvalidAccessException');
    assert.equal(err.kind, 'auth');
    assert.match(err.hint!, /user account/);
  });

  it('a token Azure DevOps does not accept -> auth error (401 with FedAuthRedirect suppressed)', async () => {
    const err = await failure(all(pats(undefined, 'not-a-token').listAll()));
    assert.equal(err.kind, 'auth');
  });

  it('an unknown organization is an error, never "already revoked"', async () => {
    const client = new PatClient({ http: h.http, vsspsUrl: h.emu.urls.vssps, organization: 'nosuchorg', accessToken });
    const err = await failure(client.revoke('00000000-0000-0000-0000-000000000001'));
    assert.equal(err.kind, 'notFound');
    assert.equal(err.code, 'HostDoesNotExistException');
  });

  describe('variable groups', () => {
    const vg = (authorization: string, authKind: 'user' | 'job' = 'user') =>
      new VariableGroupClient({ http: h.http, devopsUrl: h.emu.urls.devops, organization: h.org, authorization, authKind });

    it('read, find by name, update through the org-level PUT, secrets kept', async () => {
      const other = h.emu.control.devops.addProject(h.org, { name: 'Api' });
      const id = h.emu.control.variableGroups.add(h.org, 'Web', {
        name: 'Shared Tokens',
        variables: { keep: { value: 'keep-secret', isSecret: true }, plain: 'p' },
        sharedWith: [other.name],
        administrators: [h.user.userId],
      });
      const client = vg(`Bearer ${accessToken}`);
      const [found] = await client.findByName('Web', 'shared tokens');
      assert.equal(found.id, id);
      const group = (await client.getById('Web', id))!;
      assert.equal(group.variables.keep.value, null);
      const next = { ...group.variables, keep: { value: null, isSecret: true }, added: { value: 'n', isSecret: true } };
      await client.update(group, next, 'Web');
      const side = h.emu.control.variableGroups.get(h.org, id);
      assert.equal(side.variables.keep.value, 'keep-secret');
      assert.equal(side.variables.added.value, 'n');
      assert.deepEqual(side.sharedWith.slice().sort(), ['Api', 'Web']);
      assert.equal(await client.getById('Web', 9999), undefined);
    });

    it('the job token without the Administrator role -> permission error naming the build service', async () => {
      const id = h.emu.control.variableGroups.add(h.org, 'Web', { name: 'Job Group', variables: { a: 'b' } });
      const job = h.emu.control.entra.issueJobToken({ org: h.org, projectId: h.project.id });
      const client = vg(`Bearer ${job.token}`, 'job');
      const group = (await client.getById('Web', id))!;
      const err = await failure(client.update(group, group.variables, 'Web'));
      assert.equal(err.kind, 'permission');
      assert.match(err.hint!, /'Web Build Service \(contoso\)' the Administrator role on variable group 'Job Group'/);
      h.emu.control.variableGroups.grant(h.org, id, h.project.buildService.objectId, 'Administrator');
      await client.update(group, { ...group.variables, c: { value: 'd' } }, 'Web');
      assert.equal(h.emu.control.variableGroups.get(h.org, id).variables.c.value, 'd');
    });

    it('an unknown project is a notFound error naming it', async () => {
      const err = await failure(vg(`Bearer ${accessToken}`).findByName('NoSuchProject', 'x'));
      assert.equal(err.kind, 'notFound');
      assert.match(err.message, /NoSuchProject/);
    });
  });
});
