import assert from 'node:assert/strict';
import { startEmulator, AZURE_DEVOPS_RESOURCE, type Emulator } from '../index';
import { decodeJwt } from '../tokens';
import { call, childEnv, runClient } from './helpers';

describe('emulated Azure Pipelines OIDC token endpoint', function () {
  let emu: Emulator;
  let sc: { id: string; issuer: string; subject: string };
  const projectId = '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c';

  before(async () => {
    emu = await startEmulator();
    sc = emu.control.oidc.registerServiceConnection({ org: 'fabrikam', project: 'Payments', projectId, name: 'kv-connection' });
  });
  after(() => emu.close());

  const post = (opts: { token?: string; scId?: string | null; suppress?: boolean; org?: string; project?: string }) => {
    const qs = new URLSearchParams({ 'api-version': '7.1-preview.1' });
    if (opts.scId !== null) qs.set('serviceConnectionId', opts.scId ?? sc.id);
    return call(emu, {
      method: 'POST',
      path: `/${opts.org ?? 'fabrikam'}/${opts.project ?? projectId}/_apis/distributedtask/hubs/build/plans/${emu.core.newGuid()}/jobs/${emu.core.newGuid()}/oidctoken?${qs}`,
      headers: {
        'Content-Type': 'application/json',
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.suppress ? { 'X-TFS-FedAuthRedirect': 'Suppress' } : {}),
      },
      body: '{}',
    });
  };

  it('exchanges the job token for an OIDC token naming the service connection', async () => {
    const { token } = emu.control.entra.issueJobToken({ org: 'fabrikam', projectId });
    const r = await post({ token });
    assert.equal(r.status, 200);
    const { oidcToken } = r.json();
    const c = decodeJwt(oidcToken)!.payload;
    assert.equal(c.iss, `https://vstoken.dev.azure.com/${emu.control.oidc.orgId('fabrikam')}`);
    assert.equal(c.iss, sc.issuer);
    assert.equal(c.sub, 'sc://fabrikam/Payments/kv-connection');
    assert.equal(c.sub, sc.subject);
    assert.equal(c.aud, 'api://AzureADTokenExchange');
    assert.ok((c.exp as number) > Date.now() / 1000);
    assert.ok(emu.secrets().includes(oidcToken));
  });

  it('refuses callers the way Azure DevOps does', async () => {
    assert.equal((await post({})).status, 203, 'no token, redirects not suppressed: the sign-in page');
    assert.equal((await post({ suppress: true })).status, 401);
    const user = emu.core.issueAccessToken(
      { kind: 'user', userId: 'u', objectId: 'u', upn: 'a@b', tenantId: 't', clientId: 'c', audience: AZURE_DEVOPS_RESOURCE, scopes: ['user_impersonation'] },
      AZURE_DEVOPS_RESOURCE,
    );
    assert.equal((await post({ token: user })).status, 403);
    const otherProject = emu.control.entra.issueJobToken({ org: 'fabrikam', projectId: emu.core.newGuid() }).token;
    assert.equal((await post({ token: otherProject })).status, 403);
    const job = emu.control.entra.issueJobToken({ org: 'fabrikam', projectId }).token;
    assert.equal((await post({ token: job, scId: null })).status, 400);
    const unknown = await post({ token: job, scId: emu.core.newGuid() });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().typeKey, 'ServiceEndpointNotFoundException');
  });

  it('AzurePipelinesCredential (real @azure/identity) gets a Key Vault token through it', async () => {
    const app = emu.control.entra.addApp({ kind: 'confidential', federatedCredentials: [{ issuer: sc.issuer, subject: sc.subject }] });
    const { token: jobToken } = emu.control.entra.issueJobToken({ org: 'fabrikam', projectId });
    const input = (clientId: string) =>
      JSON.stringify({
        kind: 'pipelines',
        tenantId: emu.control.entra.defaultTenantId,
        clientId,
        serviceConnectionId: sc.id,
        systemAccessToken: jobToken,
        scope: `${emu.urls.keyVaultResource}/.default`,
        authorityHost: emu.urls.authorityHost,
        disableInstanceDiscovery: true,
      });
    const env = { SYSTEM_OIDCREQUESTURI: emu.control.oidc.oidcRequestUri({ org: 'fabrikam', projectId }) };
    const r = (await runClient('identity.ts', childEnv(emu, { ...env, CLIENT_INPUT: input(app.clientId) }))).result();
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const check = emu.core.verifyBearer({ headers: { authorization: `Bearer ${r.token}` } } as never, emu.urls.keyVaultResource);
    assert.ok(check.ok && check.principal.kind === 'app' && check.principal.appId === app.clientId);
    const oidcCall = emu.log.entries({ route: 'oidc.token' }).at(-1)!;
    assert.match(oidcCall.query, /api-version=7\.1/);
    assert.match(oidcCall.query, new RegExp(`serviceConnectionId=${sc.id}`));

    // An app that does not trust this subject: AADSTS70021.
    const stranger = emu.control.entra.addApp({ kind: 'confidential', federatedCredentials: [{ issuer: sc.issuer, subject: 'sc://fabrikam/Payments/other' }] });
    const denied = (await runClient('identity.ts', childEnv(emu, { ...env, CLIENT_INPUT: input(stranger.clientId) }))).result();
    assert.equal(denied.ok, false);
    assert.match(denied.error.message, /AADSTS70021/);
  });
});
