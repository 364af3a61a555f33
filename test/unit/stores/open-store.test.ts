/**
 * openSecretStore: the store each destination gets, and what it takes from the run (the user's or the job's token,
 * the run's shared views, write queue and vault clients, the identity words) and from the purpose (a PAT or the
 * refresh token).
 */
import { strict as assert } from 'node:assert';
import type { KeyVaultRef, NetworkConfig } from '../../../src/config/types';
import { SIGN_IN_ENDPOINT_TYPE } from '../../../src/config/sign-in-connection';
import type { ServiceEndpoint } from '../../../src/devops/types';
import { PatLifecycleError } from '../../../src/errors';
import { GroupViews } from '../../../src/stores/group-views';
import { VaultClients } from '../../../src/stores/key-vault-store';
import { openSecretStore, serviceEndpointClientFor, variableGroupClientFor, type OpenStoreDeps, type StoreDestination } from '../../../src/stores/open-store';
import { GroupWriteQueue } from '../../../src/stores/variable-group-store';
import { FakeHttp } from '../devops/fake-http';
import { FakeVariableGroups } from '../devops/fake-variable-groups';
import { FakeVault, installFakeVault, removeFakeVault, rest } from './key-vault-fake';

const network: NetworkConfig = { timeoutMs: 5000 };
const group = (auth: 'user' | 'job' = 'user', variableName = 'Tok'): Extract<StoreDestination, { kind: 'variableGroup' }> => ({ kind: 'variableGroup', group: { project: 'Web', name: 'Tokens' }, variableName, auth });

function depsFor(http: OpenStoreDeps['http'], over: Partial<OpenStoreDeps> = {}): OpenStoreDeps {
  return { http, organization: 'contoso', devopsUrl: 'https://d.example/', userAccessToken: 'user-token', systemAccessToken: 'job-token', network, purpose: 'pat', ...over };
}

async function failure(p: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PatLifecycleError) return err;
    throw err;
  }
  assert.fail('expected a PatLifecycleError');
}

describe('openSecretStore: variable groups', () => {
  let svc: FakeVariableGroups;
  beforeEach(() => {
    svc = new FakeVariableGroups();
    svc.add(7, 'Tokens', 'Web', {
      Tok: { value: 'secret', isSecret: true },
      'Tok.authorizationId': { value: 'pat-id' },
      'Tok.issuedAt': { value: '2026-12-01T00:00:00Z' },
      Other: { value: 'secret', isSecret: true },
    });
  });

  const authorizations = () => svc.http.requests.map((r) => r.headers?.authorization);

  it('reads with the signed-in user\'s token, or the job\'s for auth job', async () => {
    await (await openSecretStore(group('user'), depsFor(svc.http))).read();
    assert.deepEqual(authorizations(), ['Bearer user-token']);
    const store = await openSecretStore(group('job'), depsFor(svc.http));
    await store.read();
    assert.equal(authorizations().at(-1), 'Bearer job-token');
    assert.match(store.describe(), /written with the job's access token/);
    assert.match(svc.http.requests[0]!.url, /^https:\/\/d\.example\/contoso\/Web\//);
  });

  it('refuses auth job without the job\'s access token, pointing at the mapping', async () => {
    const err = await failure(openSecretStore(group('job'), depsFor(svc.http, { systemAccessToken: undefined })));
    assert.equal(err.kind, 'input');
    assert.equal(err.code, 'MissingSystemAccessToken');
    assert.equal(err.input, 'variableGroupAuth');
    assert.match(err.message, /System\.AccessToken\) is not available to the task/);
    assert.match(err.hint!, /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/);
    assert.equal(svc.http.requests.length, 0);
    assert.throws(() => variableGroupClientFor(group('user'), depsFor(svc.http, { userAccessToken: '' })), /System\.AccessToken/);
  });

  it('a PAT keeps the ownership record beside it, the refresh token its sign-in facts; other keys are not written', async () => {
    const facts = { authorizationId: 'new-id', issuedAt: '2026-12-24T00:00:00Z' };
    const pat = await openSecretStore(group(), depsFor(svc.http));
    await pat.write('pat', facts);
    assert.equal(svc.groups.get(7)!.stored['Tok.authorizationId']!.value, 'new-id');
    assert.equal(svc.groups.get(7)!.stored['Tok.issuedAt']!.value, '2026-12-01T00:00:00Z');
    const rt = await openSecretStore(group(), depsFor(svc.http, { purpose: 'refreshToken' }));
    await rt.write('rt', { ...facts, authorizationId: 'other-id' });
    assert.equal(svc.groups.get(7)!.stored['Tok.authorizationId']!.value, 'new-id');
    assert.equal(svc.groups.get(7)!.stored['Tok.issuedAt']!.value, '2026-12-24T00:00:00Z');
  });

  it('names the input by purpose when the group is linked to Key Vault', async () => {
    svc.groups.get(7)!.type = 'AzureKeyVault';
    const pat = await failure((await openSecretStore(group(), depsFor(svc.http))).prepare!());
    assert.equal(pat.input, 'variableGroup');
    const rt = await failure((await openSecretStore(group(), depsFor(svc.http, { purpose: 'refreshToken' }))).prepare!());
    assert.equal(rt.input, 'refreshTokenVariableGroup');
  });

  it('stores of one run share what they saw of a group', async () => {
    const groupViews = new GroupViews();
    await (await openSecretStore(group(), depsFor(svc.http, { groupViews }))).read();
    await (await openSecretStore(group('user', 'Other'), depsFor(svc.http, { groupViews }))).read({ recent: true });
    assert.equal(svc.http.requests.length, 1);
    await (await openSecretStore(group('user', 'Other'), depsFor(svc.http))).read({ recent: true });
    assert.equal(svc.http.requests.length, 2, 'without the run\'s views it reads');
  });

  it('stores of one run fold their writes to one group into one PUT', async () => {
    const groupWrites = new GroupWriteQueue();
    const groupViews = new GroupViews();
    const a = await openSecretStore(group(), depsFor(svc.http, { groupWrites, groupViews }));
    const b = await openSecretStore(group('user', 'Other'), depsFor(svc.http, { groupWrites, groupViews }));
    await a.read();
    await Promise.all([a.write('one', { authorizationId: 'a' }), b.write('two', { authorizationId: 'b' })]);
    assert.equal(svc.puts.length, 1);
    assert.equal(svc.groups.get(7)!.stored.Tok!.value, 'one');
    assert.equal(svc.groups.get(7)!.stored.Other!.value, 'two');
  });
});

describe('openSecretStore: service connections', () => {
  function endpoints(type: string, scheme: string, parameter: string): FakeHttp {
    const endpoint: ServiceEndpoint = {
      id: '11111111-2222-3333-4444-555555555555',
      name: 'Conn',
      type,
      authorization: { scheme, parameters: { [parameter]: null } },
      serviceEndpointProjectReferences: [{ name: 'Conn', projectReference: { id: 'p', name: 'Web' } }],
    };
    return new FakeHttp(() => ({ status: 200, body: { count: 1, value: [endpoint] } }));
  }
  const dest = { kind: 'serviceConnection' as const, connection: { project: 'Web', nameOrId: 'Conn' } };

  it('a PAT destination takes a connection holding a PAT, read with the user\'s token', async () => {
    const http = endpoints('externaltfs', 'Token', 'apitoken');
    const store = await openSecretStore(dest, depsFor(http));
    assert.equal((await store.read()).exists, true);
    assert.equal(http.requests[0]!.headers?.authorization, 'Bearer user-token');
    assert.match(http.requests[0]!.url, /^https:\/\/d\.example\/contoso\/Web\/_apis\/serviceendpoint\/endpoints\?endpointNames=Conn&/);
    const refused = await failure((await openSecretStore(dest, depsFor(endpoints(SIGN_IN_ENDPOINT_TYPE, 'None', 'refreshtoken')))).read());
    assert.equal(refused.input, 'serviceConnection');
  });

  it('the refresh token goes into the sign-in connection (its own type), not a PAT connection', async () => {
    const handover = {} as never;
    const store = await openSecretStore({ ...dest, handover }, depsFor(endpoints(SIGN_IN_ENDPOINT_TYPE, 'None', 'refreshtoken'), { purpose: 'refreshToken' }));
    assert.equal((await store.read()).exists, true);
    const refused = await failure((await openSecretStore({ ...dest, handover }, depsFor(endpoints('externaltfs', 'Token', 'apitoken'), { purpose: 'refreshToken' }))).read());
    assert.equal(refused.input, 'signInConnection');
  });

  it('the service endpoint client sends the user\'s token whatever the variable group auth', () => {
    const http = endpoints('externaltfs', 'Token', 'apitoken');
    void serviceEndpointClientFor(depsFor(http, { systemAccessToken: 'job-token' })).getById('Web', 'x');
    assert.equal(http.requests[0]!.headers?.authorization, 'Bearer user-token');
  });
});

describe('openSecretStore: Key Vault', () => {
  let vault = new FakeVault();
  before(() => installFakeVault(() => vault));
  after(removeFakeVault);
  beforeEach(() => {
    vault = new FakeVault();
  });

  const ref: KeyVaultRef = {
    vaultUrl: 'https://myvault.vault.azure.net',
    authorityHost: 'https://login.microsoftonline.com',
    dnsSuffix: 'vault.azure.net',
    credential: { scheme: 'ServicePrincipal', tenantId: 't', clientId: 'c', clientSecret: 's' },
  };
  const kv = (secretName = 'feed-pat') => ({ kind: 'keyVault' as const, vault: ref, secretName });
  const http = new FakeHttp(() => ({ status: 500 }));

  it('a PAT is written with the PAT content type, the refresh token as text/plain, each with the run\'s time limit', async () => {
    await (await openSecretStore(kv(), depsFor(http))).write('pat', { authorizationId: 'a' });
    assert.equal(vault.latest()!.contentType, 'application/vnd.azure-devops.pat');
    await (await openSecretStore(kv(), depsFor(http, { purpose: 'refreshToken' }))).write('rt', { issuedAt: 'x' });
    assert.equal(vault.latest()!.contentType, 'text/plain');
    assert.deepEqual(vault.calls[0]!.options.requestOptions, { timeout: 5000 });
  });

  it('a bad secret name is blamed on the input of its purpose', async () => {
    assert.equal((await failure(openSecretStore(kv('bad_name'), depsFor(http)))).input, 'secretName');
    assert.equal((await failure(openSecretStore(kv('bad_name'), depsFor(http, { purpose: 'refreshToken' })))).input, 'refreshTokenSecretName');
    vault.failNext.set = rest(409, 'Conflict', 'ObjectIsDeletedButRecoverable');
    const deleted = await failure((await openSecretStore(kv(), depsFor(http, { purpose: 'refreshToken' }))).write('rt', {}));
    assert.equal(deleted.input, 'refreshTokenSecretName');
  });

  it('stores of one run share the vault\'s client', async () => {
    const vaultClients = new VaultClients();
    await (await openSecretStore(kv('a'), depsFor(http, { vaultClients }))).read();
    await (await openSecretStore(kv('b'), depsFor(http, { vaultClients }))).read();
    assert.equal(new Set(vault.calls.map((c) => c.client)).size, 1);
    await (await openSecretStore(kv('c'), depsFor(http))).read();
    assert.equal(new Set(vault.calls.map((c) => c.client)).size, 2);
  });

  it('errors name the identity in the caller\'s words, with its advice; the service connection\'s by default', async () => {
    const advice = { signIn: 's', unavailable: 'u', tenant: 'use the vault tenant in AZURE_TENANT_ID', rerun: 'Run the command again' };
    vault.failNext.get = rest(401, 'Unauthorized');
    const cli = await failure((await openSecretStore(kv(), depsFor(http, { keyVaultIdentity: { description: 'the service principal in AZURE_CLIENT_ID', advice } }))).read());
    assert.match(cli.message, /did not accept the token of the service principal in AZURE_CLIENT_ID/);
    assert.equal(cli.hint, 'use the vault tenant in AZURE_TENANT_ID');
    vault.failNext.get = rest(401, 'Unauthorized');
    const task = await failure((await openSecretStore(kv(), depsFor(http))).read());
    assert.match(task.message, /token of the identity of the Azure service connection \(ServicePrincipal, client id c\)/);
  });
});
