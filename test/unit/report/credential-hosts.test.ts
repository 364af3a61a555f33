import { strict as assert } from 'node:assert';
import { credentialHosts } from '../../../src/report/credential-hosts';
import type { Config, KeyVaultRef, StoreTarget } from '../../../src/config/types';
import { parse } from '../config/config-fixtures';

// One plain log line per credential and host (docs/security.md): the lines are what a reader checks, so they are
// asserted whole.
function configWith(destinations: StoreTarget[], more: Partial<Config> = {}): Config {
  const base = parse();
  return { ...base, destinations, ...more };
}

const group = (auth: 'user' | 'job'): StoreTarget => ({ kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth });
const vault = (credential: KeyVaultRef['credential'], name = 'kv1', authorityHost = 'https://login.microsoftonline.us'): StoreTarget => ({
  kind: 'keyVault',
  secretName: 'feed',
  vault: { vaultUrl: `https://${name}.vault.usgovcloudapi.net`, authorityHost, dnsSuffix: 'vault.usgovcloudapi.net', credential },
});
const sp = { scheme: 'ServicePrincipal' as const, tenantId: 't', clientId: 'c', clientSecret: 's' };

describe('credentialHosts: where each credential of a run goes, host only', () => {
  it('names the sign-in host, and the Azure DevOps hosts the user token reaches for PATs and for groups', () => {
    assert.deepEqual(credentialHosts(configWith([group('user')])), [
      'The refresh token (and client secret or certificate) goes to login.microsoftonline.com.',
      "The signed-in user's access token goes to vssps.dev.azure.com (PATs) and dev.azure.com (variable groups, service connections).",
    ]);
  });

  it('leaves the groups host out when only the PAT API gets the user token', () => {
    const lines = credentialHosts(configWith([]));
    assert.equal(lines[1], "The signed-in user's access token goes to vssps.dev.azure.com (PATs).");
    assert.equal(lines.length, 2);
  });

  it("says the job's token goes to the groups host when a group is written with it, and not the user token", () => {
    const lines = credentialHosts(configWith([group('job')]));
    assert.deepEqual(lines.slice(1), [
      "The signed-in user's access token goes to vssps.dev.azure.com (PATs).",
      "The job's access token goes to dev.azure.com (variable groups).",
    ]);
  });

  it('counts the refresh token store as a destination too (a service connection store gets the user token)', () => {
    const base = parse();
    const lines = credentialHosts({
      ...base,
      destinations: [],
      refreshTokenStore: { kind: 'serviceConnection', connection: { project: 'Proj', nameOrId: 'sign-in' }, handover: { variable: 'V', key: 'k', connectionId: 'id' } } as Config['refreshTokenStore'],
    });
    assert.match(lines[1]!, /and dev\.azure\.com \(variable groups, service connections\)\.$/);
  });

  it("names each vault's sign-in host and vault host, from its own connection", () => {
    const lines = credentialHosts(configWith([vault(sp, 'kv1'), vault(sp, 'kv2', 'https://login.chinacloudapi.cn')]));
    assert.deepEqual(lines.slice(2), [
      'The Key Vault credential goes to login.microsoftonline.us; its token to kv1.vault.usgovcloudapi.net.',
      'The Key Vault credential goes to login.chinacloudapi.cn; its token to kv2.vault.usgovcloudapi.net.',
    ]);
  });

  it("says a managed identity signs in at the agent's endpoint, not at an authority host", () => {
    const lines = credentialHosts(configWith([vault({ scheme: 'ManagedServiceIdentity' })]));
    assert.equal(lines[2], "The Key Vault credential goes to the agent's managed identity endpoint; its token to kv1.vault.usgovcloudapi.net.");
  });

  it("names the OIDC host the job's token goes to for workload identity federation, before the vault line", () => {
    const wif = { scheme: 'WorkloadIdentityFederation' as const, tenantId: 't', clientId: 'c', serviceConnectionId: 'sc', systemAccessToken: 'job', oidcRequestUri: 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken' };
    const lines = credentialHosts(configWith([vault(wif)]));
    assert.deepEqual(lines.slice(2), [
      "The job's access token goes to dev.azure.com (the ID token for Key Vault's workload identity).",
      'The Key Vault credential goes to login.microsoftonline.us; its token to kv1.vault.usgovcloudapi.net.',
    ]);
  });

  it('says the same thing once: the same vault as destination and refresh token store is one line', () => {
    const v = vault(sp);
    const base = parse();
    const lines = credentialHosts({ ...base, destinations: [v], refreshTokenStore: v as Config['refreshTokenStore'] });
    assert.equal(lines.filter((l) => l.startsWith('The Key Vault credential')).length, 1);
  });

  it('shows overridden hosts with their ports', () => {
    const base = parse();
    const lines = credentialHosts({ ...base, destinations: [group('user')], urls: { authorityHost: 'https://127.0.0.1:8443/x', vsspsUrl: 'https://127.0.0.1:8444', devopsUrl: 'https://localhost:8445/org' } });
    assert.deepEqual(lines, [
      'The refresh token (and client secret or certificate) goes to 127.0.0.1:8443.',
      "The signed-in user's access token goes to 127.0.0.1:8444 (PATs) and localhost:8445 (variable groups, service connections).",
    ]);
  });

  it("names the proxy, and its user only when the agent's proxy credentials are sent", () => {
    const base = parse();
    const withUser = credentialHosts({ ...base, network: { ...base.network, proxy: { url: 'http://proxy.corp:3128', username: 'svc-build', password: 'pw', bypass: [] } } });
    assert.equal(withUser.at(-1), 'Requests go through the proxy proxy.corp:3128 (Agent.ProxyUrl), which is sent the proxy credentials of user svc-build, except those its bypass list names.');
    assert.ok(!withUser.join('\n').includes('pw'));
    const anonymous = credentialHosts({ ...base, network: { ...base.network, proxy: { url: 'http://proxy.corp:3128', bypass: [] } } });
    assert.equal(anonymous.at(-1), 'Requests go through the proxy proxy.corp:3128 (Agent.ProxyUrl), except those its bypass list names.');
    assert.ok(!credentialHosts(base).some((l) => l.includes('proxy')));
  });
});
