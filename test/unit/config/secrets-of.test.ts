import { strict as assert } from 'node:assert';
import { secretsOf } from '../../../src/config/secrets';
import { basicAuthForms } from '../../../src/secret-forms';
import { testConfig } from '../operations/fakes';
import type { AzureCredentialConfig, KeyVaultRef } from '../../../src/config/types';

const vault = (credential: AzureCredentialConfig): KeyVaultRef => ({ vaultUrl: 'https://v.vault.azure.net', authorityHost: 'https://login.microsoftonline.com', dnsSuffix: 'vault.azure.net', credential });

describe('secretsOf: every secret a Config carries, for the masker', () => {
  it('the sign-in secrets, the job token, the proxy password and its Basic forms, each Key Vault credential; each once, blanks left out', () => {
    const config = testConfig({
      entra: { tenantId: 't', clientId: 'c', refreshToken: 'rt-value', clientSecret: 'client-secret', clientCertificate: { privateKeyPem: 'key-pem' } as never },
      systemAccessToken: 'job-token',
      network: { timeoutMs: 1000, proxy: { url: 'http://proxy:8080', username: 'me', password: 'proxy-pw', bypass: [] } },
      destinations: [
        { kind: 'keyVault', vault: vault({ scheme: 'ServicePrincipal', tenantId: 't', clientId: 'c', clientSecret: 'sp-secret', certificatePem: 'sp-cert' }), secretName: 'S' },
        { kind: 'keyVault', vault: vault({ scheme: 'ManagedServiceIdentity' }), secretName: 'T' },
      ],
      refreshTokenStore: { kind: 'keyVault', vault: vault({ scheme: 'WorkloadIdentityFederation', tenantId: 't', clientId: 'c', serviceConnectionId: 's', systemAccessToken: 'wif-token', oidcRequestUri: 'https://o' }), secretName: 'RT' },
    });
    const expected = ['rt-value', 'client-secret', 'key-pem', 'job-token', 'proxy-pw', ...basicAuthForms('me', 'proxy-pw'), 'sp-secret', 'sp-cert', 'wif-token'];
    assert.deepEqual(secretsOf(config), [...new Set(expected)]);
    assert.deepEqual(secretsOf(testConfig({ entra: { tenantId: 't', clientId: 'c', refreshToken: '' } })), [], 'an empty value is no secret');
  });

  it('a proxy password without a user name still gets its Basic form; the sign-in connection\'s job-start token is a secret', () => {
    const withProxy = secretsOf(testConfig({ network: { timeoutMs: 1, proxy: { url: 'http://p:1', password: 'pw-only', bypass: [] } } }));
    assert.ok(withProxy.includes(Buffer.from(':pw-only').toString('base64')));
    const handover = { key: 'job-start-token', connectionId: 'id', variable: 'v' } as never;
    assert.ok(secretsOf(testConfig({ refreshTokenStore: { kind: 'serviceConnection', connection: { project: 'p', nameOrId: 'id' }, handover } })).includes('job-start-token'));
  });
});
