import assert from 'node:assert/strict';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator } from '../index';
import { decodeJwt } from '../tokens';
import { call, childEnv, runClient } from './helpers';

describe('emulated managed identity (App Service endpoint)', function () {
  let emu: Emulator;
  let user: { clientId: string; objectId: string };

  before(async () => {
    emu = await startEmulator();
    user = emu.control.msi.addIdentity();
  });
  after(() => emu.close());

  const get = (query: Record<string, string>, header?: string | null) =>
    call(emu, {
      path: `/msi/token?${new URLSearchParams(query)}`,
      headers: header === null ? {} : { 'X-IDENTITY-HEADER': header ?? emu.urls.msiHeader },
    });

  it('answers the documented App Service shape for the requested resource', async () => {
    const r = await get({ 'api-version': '2019-08-01', resource: emu.urls.keyVaultResource, client_id: user.clientId });
    assert.equal(r.status, 200);
    const b = r.json();
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.resource, emu.urls.keyVaultResource);
    assert.equal(b.client_id, user.clientId);
    assert.match(b.expires_on, /^\d+$/);
    const c = decodeJwt(b.access_token)!.payload;
    assert.equal(c.aud, emu.urls.keyVaultResource);
    assert.equal(c.idtyp, 'app');
    assert.equal(c.oid, user.objectId);
    const ado = (await get({ 'api-version': '2019-08-01', resource: AZURE_DEVOPS_RESOURCE })).json();
    assert.equal(decodeJwt(ado.access_token)!.payload.aud, AZURE_DEVOPS_RESOURCE, 'the only identity answers when none is named');
  });

  it('checks the header, api-version, resource and identity', async () => {
    assert.equal((await get({ 'api-version': '2019-08-01', resource: AZURE_DEVOPS_RESOURCE }, null)).status, 401);
    assert.equal((await get({ 'api-version': '2019-08-01', resource: AZURE_DEVOPS_RESOURCE }, 'wrong')).status, 401);
    assert.equal((await get({ 'api-version': '2017-09-01', resource: AZURE_DEVOPS_RESOURCE })).status, 400);
    assert.equal((await get({ 'api-version': '2019-08-01' })).status, 400);
    assert.equal((await get({ 'api-version': '2019-08-01', resource: AZURE_DEVOPS_RESOURCE, client_id: emu.core.newGuid() })).status, 400);
  });

  it('ManagedIdentityCredential (real @azure/identity) works with IDENTITY_ENDPOINT/IDENTITY_HEADER', async () => {
    const env = childEnv(emu, {
      IDENTITY_ENDPOINT: emu.urls.msiEndpoint,
      IDENTITY_HEADER: emu.urls.msiHeader,
      CLIENT_INPUT: JSON.stringify({ kind: 'msi', tenantId: '', clientId: user.clientId, scope: `${emu.urls.keyVaultResource}/.default` }),
    });
    const r = (await runClient('identity.ts', env)).result();
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const check = emu.core.verifyBearer({ headers: { authorization: `Bearer ${r.token}` } } as never, emu.urls.keyVaultResource);
    assert.ok(check.ok && check.principal.kind === 'app' && check.principal.appId === user.clientId);
    const last = emu.log.entries({ route: 'msi.token' }).at(-1)!;
    assert.match(last.query, /api-version=2019-08-01/);
    assert.match(last.query, new RegExp(`client_id=${user.clientId}`));
    assert.ok(!JSON.stringify(emu.log.entries()).includes(emu.urls.msiHeader));
  });
});
