/**
 * Variable groups over real HTTPS: a user's Entra token, the job's System.AccessToken from the emulator's
 * Entra, and a PAT issued through the PAT Lifecycle API.
 */
import assert from 'node:assert/strict';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator, type EmulatorUser } from '../index';
import { call } from './helpers';

const ADO_SCOPE = `${AZURE_DEVOPS_RESOURCE}/.default`;

describe('emulator Variable Groups API over HTTPS', function () {
  let emu: Emulator;
  let tenant: string;
  let alice: EmulatorUser;
  let userToken: string;
  let alpha: { name: string; id: string; buildService: { objectId: string; name: string } };
  let groupId: number;

  const vg = (method: string, path: string, auth: string | undefined, body?: object, headers: Record<string, string> = {}) =>
    call(emu, { method, path: `/contoso${path}`, headers: { ...(auth ? { Authorization: auth } : {}), ...headers }, ...(body ? { body } : {}) });
  const refs = () => [{ name: 'store', description: 'd', projectReference: { id: alpha.id, name: alpha.name } }];

  before(async () => {
    emu = await startEmulator();
    tenant = emu.control.entra.defaultTenantId;
    emu.control.devops.addOrganization({ name: 'contoso' });
    alpha = emu.control.devops.addProject('contoso', { name: 'Alpha' });
    alice = emu.control.entra.addUser({ upn: 'alice@contoso.onmicrosoft.com', displayName: 'Alice' });
    const app = emu.control.entra.addApp({ kind: 'public' });
    const { refreshToken } = emu.control.entra.signIn({ userId: alice.userId, clientId: app.clientId });
    const res = await call(emu, {
      method: 'POST',
      path: `/${tenant}/oauth2/v2.0/token`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken, scope: ADO_SCOPE }).toString(),
    });
    userToken = res.json().access_token;
    groupId = emu.control.variableGroups.add('contoso', 'Alpha', {
      name: 'store',
      description: 'd',
      variables: { keep: { value: 'kept-secret-value', isSecret: true }, plain: { value: 'p' } },
      administrators: [alice.userId],
    });
  });
  after(() => emu.close());

  it('GET masks secrets; org-level PUT with null keeps them and writes the new one', async () => {
    const get = await vg('GET', `/Alpha/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, `Bearer ${userToken}`);
    assert.equal(get.status, 200);
    assert.match(get.body, /^\{"variables":\{"keep":\{"value":null,"isSecret":true\},"plain":\{"value":"p"\}\},"id":\d+,"type":"Vsts","name":"store",/);
    const put = await vg('PUT', `/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, `Bearer ${userToken}`, {
      name: 'store',
      description: 'd',
      type: 'Vsts',
      variables: { keep: { value: null, isSecret: true }, plain: { value: 'p' }, pat: { value: 'new-pat-value-123', isSecret: true } },
      variableGroupProjectReferences: refs(),
    });
    assert.equal(put.status, 200, put.body);
    const side = emu.control.variableGroups.get('contoso', groupId);
    assert.equal(side.variables.keep.value, 'kept-secret-value');
    assert.equal(side.variables.pat.value, 'new-pat-value-123');
    assert.ok(!put.body.includes('new-pat-value-123'));
  });

  it('the CLI-style project-level PUT with api-version in the Accept header', async () => {
    const res = await vg(
      'PUT',
      `/Alpha/_apis/distributedtask/variablegroups/${groupId}`,
      `Bearer ${userToken}`,
      { name: 'store', type: 'Vsts', variables: { keep: { isSecret: true }, pat: { isSecret: true }, plain: { value: 'p2' } } },
      { Accept: 'application/json;api-version=5.0-preview.1' },
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8; api-version=5.0-preview.1');
    assert.equal(emu.control.variableGroups.get('contoso', groupId).variables.pat.value, 'new-pat-value-123');
  });

  it("the job's System.AccessToken is Reader until its build service is made Administrator", async () => {
    const { token } = emu.control.entra.issueJobToken({ org: 'contoso', projectId: alpha.id });
    const body = { name: 'store', variables: { keep: { isSecret: true }, pat: { value: 'from-job-value', isSecret: true } }, variableGroupProjectReferences: refs() };
    assert.equal((await vg('GET', `/Alpha/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, `Bearer ${token}`)).status, 200);
    const denied = await vg('PUT', `/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, `Bearer ${token}`, body);
    assert.equal(denied.status, 403);
    assert.equal(denied.json().typeKey, 'AccessDeniedException');
    emu.control.variableGroups.grant('contoso', groupId, alpha.buildService.objectId, 'Administrator');
    assert.equal((await vg('PUT', `/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, `Bearer ${token}`, body)).status, 200);
    assert.equal(emu.control.variableGroups.get('contoso', groupId).variables.pat.value, 'from-job-value');
  });

  it('a PAT created through the API updates the group with Basic auth (scope vso.variablegroups_manage)', async () => {
    const created = await call(emu, {
      method: 'POST',
      path: '/contoso/_apis/tokens/pats?api-version=7.1-preview.1',
      headers: { Authorization: `Bearer ${userToken}` },
      body: { displayName: 'vg', scope: 'vso.variablegroups_manage', validTo: new Date(emu.clock.now() + 86_400_000).toISOString() },
    });
    const pat = created.json().patToken.token as string;
    const basic = `Basic ${Buffer.from(`:${pat}`).toString('base64')}`;
    const res = await vg('PUT', `/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, basic, {
      name: 'store',
      variables: { keep: { isSecret: true } },
      variableGroupProjectReferences: refs(),
    });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json().modifiedBy, { displayName: null, id: alice.userId });
    const missing = await vg('PUT', `/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, basic, { name: 'store', variables: {} });
    assert.equal(missing.status, 401);
    const anon = await vg('GET', `/Alpha/_apis/distributedtask/variablegroups/${groupId}?api-version=7.1`, undefined);
    assert.equal(anon.status, 203);
  });
});
