import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { parseCertificateWithKey } from '../../../src/config/certificate';

/** The PKCS#8 label, made at run time so no key-shaped line stands in the source. */
const KEY_LABEL = ['PRIVATE', 'KEY'].join(' ');
import { parse, problems } from './config-fixtures';

const has = (list: string[], input: string, fragment: string) =>
  assert.ok(list.some((l) => l.startsWith(`${input}: `) && l.includes(fragment)), `expected ${input} ~ ${fragment}, got:\n${list.join('\n')}`);

const SP = '99999999-8888-7777-6666-555555555555';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const kv = (extra: Record<string, string | undefined> = {}) => ({ target: 'keyVault', azureSubscription: 'arm-conn', keyVault: 'contoso-secrets', secretName: 'FeedPat', ...extra });
const endpoint = (scheme: string, auth: Record<string, string>, data: Record<string, string> = {}) => ({ endpoints: { 'arm-conn': { scheme, auth, data } } });

describe('parseConfig: Key Vault and certificates', () => {
  let certPem = '';
  let keyPem = '';
  let otherKeyPem = '';
  let expiredCertPem = '';
  let expiredKeyPem = '';
  before(async () => {
    const a = await generate([{ name: 'commonName', value: 'pat-lifecycle-test' }], { keySize: 2048 });
    certPem = a.cert;
    keyPem = a.private;
    otherKeyPem = (await generate([{ name: 'commonName', value: 'other' }], { keySize: 2048 })).private;
    const e = await generate([{ name: 'commonName', value: 'expired' }], {
      keySize: 2048,
      notBeforeDate: new Date('2020-01-01T00:00:00Z'),
      notAfterDate: new Date('2021-01-01T00:00:00Z'),
    });
    expiredCertPem = e.cert;
    expiredKeyPem = e.private;
  });

  describe('keyVault', () => {
    it('turns a vault name into its URL under the connection DNS suffix', () => {
      const c = parse(kv(), endpoint('ServicePrincipal', { serviceprincipalid: SP, tenantid: TENANT, authenticationType: 'spnKey', serviceprincipalkey: 'sp-secret-value' }));
      assert.equal(c.destinations[0]!.kind, 'keyVault');
      if (c.destinations[0]!.kind !== 'keyVault') return;
      assert.deepEqual(c.destinations[0]!.vault, {
        vaultUrl: 'https://contoso-secrets.vault.azure.net',
        authorityHost: 'https://login.microsoftonline.com',
        dnsSuffix: 'vault.azure.net',
        credential: { scheme: 'ServicePrincipal', tenantId: TENANT, clientId: SP, clientSecret: 'sp-secret-value' },
      });
      assert.equal(c.destinations[0]!.secretName, 'FeedPat');
    });
    it('accepts a full URL (port included) under the suffix and refuses one outside it', () => {
      const e = endpoint('ManagedServiceIdentity', {}, { AzureKeyVaultDnsSuffix: 'vault.emulator.test', activeDirectoryAuthority: 'https://127.0.0.1:8443/' });
      const c = parse(kv({ keyVault: 'https://myvault.vault.emulator.test:8443/' }), e);
      assert.equal(c.destinations[0]!.kind === 'keyVault' && c.destinations[0]!.vault.vaultUrl, 'https://myvault.vault.emulator.test:8443');
      assert.equal(c.destinations[0]!.kind === 'keyVault' && c.destinations[0]!.vault.authorityHost, 'https://127.0.0.1:8443');
      has(problems(kv({ keyVault: 'https://myvault.vault.azure.net' }), e), 'keyVault', "not under 'vault.emulator.test'");
      has(problems(kv({ keyVault: 'http://myvault.vault.emulator.test' }), e), 'keyVault', 'not an https URL');
      has(problems(kv({ keyVault: 'https://myvault.vault.emulator.test/secrets/x' }), e), 'keyVault', 'path');
      has(problems(kv({ keyVault: 'my_vault' }), e), 'keyVault', 'not a valid vault name');
    });
    it('checks secret names', () => {
      const e = endpoint('ManagedServiceIdentity', {});
      has(problems(kv({ secretName: 'Feed.Pat' }), e), 'secretName', 'not a valid Key Vault secret name');
      has(problems(kv({ secretName: 'x'.repeat(128) }), e), 'secretName', 'not a valid');
      has(problems(kv({ refreshTokenStore: 'keyVault', refreshTokenSecretName: 'feedpat' }), e), 'secretName', 'holds the refresh token');
    });
    it('needs the service connection, and says so when it is not available', () => {
      has(problems(kv({ azureSubscription: undefined })), 'azureSubscription', 'is required');
      has(problems(kv()), 'azureSubscription', 'not available to this pipeline');
    });
    it('reads workload identity federation, needing System.AccessToken and System.OidcRequestUri', () => {
      const wif = endpoint('WorkloadIdentityFederation', { serviceprincipalid: SP, tenantid: TENANT });
      const list = problems(kv(), wif);
      has(list, 'azureSubscription', 'System.AccessToken');
      has(list, 'azureSubscription', 'System.OidcRequestUri');
      const c = parse(kv(), { ...wif, variables: { 'System.AccessToken': 'job-token-abcdef', 'System.OidcRequestUri': 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken' } });
      assert.deepEqual(c.destinations[0]!.kind === 'keyVault' && c.destinations[0]!.vault.credential, {
        scheme: 'WorkloadIdentityFederation', tenantId: TENANT, clientId: SP, serviceConnectionId: 'arm-conn', systemAccessToken: 'job-token-abcdef', oidcRequestUri: 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken',
      });
    });
    it("refuses a System.OidcRequestUri off Azure DevOps's hosts: the job's access token is sent there", () => {
      const wif = endpoint('WorkloadIdentityFederation', { serviceprincipalid: SP, tenantid: TENANT });
      has(problems(kv(), { ...wif, variables: { 'System.AccessToken': 'job-token-abcdef', 'System.OidcRequestUri': 'https://collector.example/oidctoken' } }), 'System.OidcRequestUri', 'collector.example');
    });
    it('reads a managed identity with an optional client id, and refuses other schemes', () => {
      const c = parse(kv(), endpoint('ManagedServiceIdentity', {}, { msiclientId: 'abc' }));
      assert.deepEqual(c.destinations[0]!.kind === 'keyVault' && c.destinations[0]!.vault.credential, { scheme: 'ManagedServiceIdentity', clientId: 'abc' });
      has(problems(kv(), endpoint('PublishProfile', {})), 'azureSubscription', "scheme 'PublishProfile'");
      has(problems(kv(), endpoint('ServicePrincipal', { serviceprincipalid: SP, tenantid: TENANT })), 'azureSubscription', 'no service principal key');
    });
    it('reads a service principal certificate (PEM with key)', () => {
      const c = parse(kv(), endpoint('ServicePrincipal', { serviceprincipalid: SP, tenantid: TENANT, authenticationType: 'spnCertificate', servicePrincipalCertificate: certPem + keyPem }));
      const cred = c.destinations[0]!.kind === 'keyVault' ? c.destinations[0]!.vault.credential : undefined;
      assert.ok(cred && cred.scheme === 'ServicePrincipal' && cred.certificatePem?.includes('BEGIN CERTIFICATE') && cred.certificatePem.includes(`BEGIN ${KEY_LABEL}`));
    });
  });

  describe('clientCertificate', () => {
    it('accepts PEM and base64 of PEM, and computes the SHA-256 thumbprint', () => {
      const expected = new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
      for (const value of [certPem + keyPem, Buffer.from(certPem + keyPem).toString('base64'), (certPem + keyPem).replace(/\n/g, ' ')]) {
        const c = parse({ clientCertificate: value });
        assert.equal(c.entra.clientCertificate?.thumbprintSha256, expected);
        assert.ok(c.entra.clientCertificate!.privateKeyPem.startsWith(`-----BEGIN ${KEY_LABEL}-----`));
      }
    });
    it('refuses a missing key, a key of another certificate, an expired certificate, junk, and a secret as well', () => {
      has(problems({ clientCertificate: certPem }), 'clientCertificate', 'no private key');
      has(problems({ clientCertificate: certPem + otherKeyPem }), 'clientCertificate', 'does not belong');
      has(problems({ clientCertificate: expiredCertPem + expiredKeyPem }), 'clientCertificate', 'expired');
      has(problems({ clientCertificate: 'not a certificate!' }), 'clientCertificate', 'neither PEM nor base64');
      has(problems({ clientCertificate: certPem + keyPem, clientSecret: 'secret-value-123' }), 'clientCertificate', 'not both');
    });
    it('parses the pair directly', () => {
      const r = parseCertificateWithKey(keyPem + certPem);
      assert.ok(r.ok);
    });
  });
});
