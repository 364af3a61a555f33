/**
 * What the Azure SDK clients get from us: our retry limits and network policy, a log line per real retry, every token
 * registered as a secret, and the credential each service connection scheme calls for.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as identity from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { NetworkConfig } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import { networkPolicy } from '../../../src/http/proxy';
import { forgetManagedIdentityState } from './managed-identity-state';
import { createAzureCredential, identityClientOptions, retryLogPolicy, sdkClientOptions, SDK_RETRY_OPTIONS, secretRegistering } from '../../../src/stores/azure-credential';

const network: NetworkConfig = { timeoutMs: 10_000 };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3f1b0c9e-5a55-4a43-9d89-0c8f3b1c2a11';

describe('Azure SDK client options', () => {
  it('our retry limits and our network policy, per attempt', () => {
    assert.deepEqual(SDK_RETRY_OPTIONS, { maxRetries: 4, retryDelayInMs: 1000, maxRetryDelayInMs: 20_000 });
    const options = sdkClientOptions(network);
    assert.equal(options.retryOptions, SDK_RETRY_OPTIONS);
    assert.equal(options.additionalPolicies.length, 1);
    assert.equal(options.additionalPolicies[0]!.policy, networkPolicy(network));
    assert.equal(options.additionalPolicies[0]!.position, 'perRetry');
  });

  it('the credential options: the authority, instance discovery only on a Microsoft host, and the client options', () => {
    const ms = identityClientOptions('https://login.microsoftonline.com', network);
    assert.equal(ms.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(ms.disableInstanceDiscovery, false);
    assert.equal(ms.retryOptions, SDK_RETRY_OPTIONS);
    assert.equal(ms.additionalPolicies[0]!.policy, networkPolicy(network));
    assert.equal(identityClientOptions('https://login.example.test', network).disableInstanceDiscovery, true);
  });
});

describe('retryLogPolicy', () => {
  type Res = { status: number };
  const request = () => ({ url: 'https://myvault.vault.azure.net/secrets/x?api-version=7.5', method: 'PUT' });

  function run(statuses: Array<number | Error>) {
    const lines: string[] = [];
    const { policy, position } = retryLogPolicy((m) => lines.push(m), 'Key Vault');
    const req = request();
    const send = async () => {
      const next = statuses.shift()!;
      return policy.sendRequest<Res>(req, async () => {
        if (next instanceof Error) throw next;
        return { status: next };
      });
    };
    return { lines, send, position, name: policy.name };
  }

  it('logs each resend after a throttle, a timeout answer, a server error or a lost connection, with the attempt', async () => {
    const r = run([503, 429, 408, new Error('reset'), 500, 200]);
    assert.equal(r.position, 'perRetry');
    assert.equal(r.name, 'patLifecycleRetryLog');
    assert.equal((await r.send()).status, 503);
    assert.deepEqual(r.lines, [], 'the first attempt is no retry');
    await r.send();
    await r.send();
    await assert.rejects(r.send(), /reset/);
    await r.send();
    assert.equal((await r.send()).status, 200);
    assert.deepEqual(r.lines, [2, 3, 4, 5, 6].map((n) => `Key Vault: retrying PUT myvault.vault.azure.net (attempt ${n}).`));
  });

  it('a resend after a 401 (the challenge handshake) or another answer is no retry', async () => {
    const r = run([401, 200, 404, 499, 200]);
    await r.send();
    await r.send();
    await r.send();
    await r.send();
    await r.send();
    assert.deepEqual(r.lines, []);
  });

  it('counts attempts per request: another request starts again', async () => {
    const lines: string[] = [];
    const { policy } = retryLogPolicy((m) => lines.push(m), 'Entra');
    const a = request();
    const b = { url: 'https://login.example.test/t/oauth2/v2.0/token', method: 'POST' };
    await policy.sendRequest<Res>(a, async () => ({ status: 500 }));
    await policy.sendRequest<Res>(b, async () => ({ status: 200 }));
    await policy.sendRequest<Res>(a, async () => ({ status: 200 }));
    assert.deepEqual(lines, ['Entra: retrying PUT myvault.vault.azure.net (attempt 2).']);
  });
});

describe('secretRegistering', () => {
  it('registers every token before handing it on, with the scopes and options passed through', async () => {
    const registered: string[] = [];
    const asked: unknown[] = [];
    const inner: TokenCredential = {
      async getToken(scopes, options) {
        asked.push([scopes, options]);
        return { token: `token-${asked.length}`, expiresOnTimestamp: 1 };
      },
    };
    const wrapped = secretRegistering(inner, (v) => registered.push(v));
    const options = { tenantId: 'x' };
    const token = await wrapped.getToken('https://vault.azure.net/.default', options);
    assert.deepEqual(token, { token: 'token-1', expiresOnTimestamp: 1 });
    await wrapped.getToken(['a', 'b']);
    assert.deepEqual(registered, ['token-1', 'token-2']);
    assert.deepEqual(asked, [['https://vault.azure.net/.default', options], [['a', 'b'], undefined]]);
  });

  it('no token, nothing registered', async () => {
    const registered: string[] = [];
    const none = secretRegistering({ getToken: async () => null }, (v) => registered.push(v));
    assert.equal(await none.getToken('s'), null);
    const empty = secretRegistering({ getToken: async () => ({ token: '', expiresOnTimestamp: 1 }) as AccessToken }, (v) => registered.push(v));
    await empty.getToken('s');
    assert.deepEqual(registered, []);
  });
});

describe('createAzureCredential', () => {
  const host = 'https://login.microsoftonline.com';

  it('a service principal with a certificate signs in with it, else with its secret', async () => {
    const cert = await createAzureCredential({ scheme: 'ServicePrincipal', tenantId: TENANT, clientId: CLIENT, certificatePem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', clientSecret: 'also' }, host, network);
    assert.ok(cert instanceof identity.ClientCertificateCredential);
    const secret = await createAzureCredential({ scheme: 'ServicePrincipal', tenantId: TENANT, clientId: CLIENT, clientSecret: 'shh' }, host, network);
    assert.ok(secret instanceof identity.ClientSecretCredential);
  });

  it('refuses a service principal with neither, on the azureSubscription input', async () => {
    await assert.rejects(createAzureCredential({ scheme: 'ServicePrincipal', tenantId: TENANT, clientId: CLIENT, clientSecret: '' }, host, network), (e: unknown) => {
      assert.ok(e instanceof PatLifecycleError);
      assert.equal(e.kind, 'input');
      assert.equal(e.code, 'MissingServiceConnectionCredential');
      assert.equal(e.input, 'azureSubscription');
      assert.equal(e.message, 'The Azure service connection has neither a client secret nor a certificate.');
      assert.match(e.hint!, /give it a secret or certificate, or use workload identity federation/);
      return true;
    });
  });

  describe('workload identity federation', () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.SYSTEM_OIDCREQUESTURI;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
      else process.env.SYSTEM_OIDCREQUESTURI = saved;
    });
    const wif = { scheme: 'WorkloadIdentityFederation' as const, tenantId: TENANT, clientId: CLIENT, serviceConnectionId: 'sc', systemAccessToken: 'job', oidcRequestUri: 'https://d.example/oidc' };

    it('uses AzurePipelinesCredential, filling in the OIDC endpoint when the environment lacks it', async () => {
      delete process.env.SYSTEM_OIDCREQUESTURI;
      assert.ok((await createAzureCredential(wif, host, network)) instanceof identity.AzurePipelinesCredential);
      assert.equal(process.env.SYSTEM_OIDCREQUESTURI, 'https://d.example/oidc');
    });

    it('keeps the OIDC endpoint the environment has', async () => {
      process.env.SYSTEM_OIDCREQUESTURI = 'https://agent.example/oidc';
      await createAzureCredential(wif, host, network);
      assert.equal(process.env.SYSTEM_OIDCREQUESTURI, 'https://agent.example/oidc');
    });
  });

  describe('managed identity', () => {
    let server: Server;
    const seen: URL[] = [];
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER, msi: process.env.MSI_ENDPOINT };
    before(async () => {
      server = createServer((req, res) => {
        seen.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'mi-token', expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: 'https://vault.azure.net', token_type: 'Bearer' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
      process.env.IDENTITY_HEADER = 'header-secret';
      delete process.env.MSI_ENDPOINT;
    });
    after(async () => {
      for (const [k, v] of [['IDENTITY_ENDPOINT', saved.endpoint], ['IDENTITY_HEADER', saved.header], ['MSI_ENDPOINT', saved.msi]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    beforeEach(() => {
      seen.length = 0;
      forgetManagedIdentityState();
    });
    afterEach(forgetManagedIdentityState);

    it('a user-assigned identity asks for its client id; a system-assigned one for none', async () => {
      const scope = 'https://vault.azure.net/.default';
      const user = await createAzureCredential({ scheme: 'ManagedServiceIdentity', clientId: CLIENT }, host, network);
      assert.ok(user instanceof identity.ManagedIdentityCredential);
      assert.equal((await user.getToken(scope))?.token, 'mi-token');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.searchParams.get('client_id'), CLIENT);
      const system = await createAzureCredential({ scheme: 'ManagedServiceIdentity' }, host, network);
      await system.getToken(scope);
      assert.equal(seen.length, 2);
      assert.equal(seen[1]!.searchParams.get('client_id'), null);
    });
  });
});
