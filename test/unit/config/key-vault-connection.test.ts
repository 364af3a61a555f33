/**
 * parseKeyVault: the vault (name or URL, held to the connection's cloud) and the Azure Resource Manager connection
 * whose identity reaches it. Each broken connection is named with what to fix in it, and yields no vault.
 */
import { strict as assert } from 'node:assert';
import { generate } from 'selfsigned';
import { parseKeyVault, type JobIdentity } from '../../../src/config/key-vault';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom, type RawInputValues } from '../../../src/config/raw-inputs';
import { InputErrors } from '../../../src/errors';
import { disallowedHostProblem } from '../../../src/config/service-hosts';
import type { KeyVaultRef } from '../../../src/config/types';

const SP = 'aaaabbbb-cccc-dddd-eeee-ffff00001111';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const WHY = "when target is 'keyVault'";
const OIDC = 'https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken';

type Endpoint = NonNullable<RawInputValues['endpoints']>[string];

/** parseKeyVault over one connection `arm`; its vault ref and its problems as `input: message | hint`. */
function vaultOf(o: { inputs?: Record<string, string | undefined>; endpoint?: Endpoint; job?: JobIdentity } = {}): { vault: KeyVaultRef | undefined; problems: string[] } {
  const p = new Problems();
  const raw = rawInputsFrom({ inputs: { azureSubscription: 'arm', keyVault: 'contoso-secrets', ...o.inputs }, endpoints: o.endpoint ? { arm: o.endpoint } : {} });
  const vault = parseKeyVault(p, raw, o.job ?? {}, WHY);
  let problems: string[] = [];
  try {
    p.throwIfAny();
  } catch (err) {
    if (!(err instanceof InputErrors)) throw err;
    problems = err.errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`);
  }
  return { vault, problems };
}

function only(list: string[], input: string, ...fragments: string[]): void {
  const found = list.filter((l) => l.startsWith(`${input}: `));
  assert.equal(found.length, 1, `expected one problem for ${input}, got:\n${list.join('\n')}`);
  for (const f of fragments) assert.ok(found[0]!.includes(f), `expected ${input} ~ ${f}, got: ${found[0]}`);
}

const msi: Endpoint = { scheme: 'ManagedServiceIdentity' };
const spKey = (auth: Record<string, string> = {}, scheme: string | null = 'ServicePrincipal'): Endpoint => ({
  scheme: scheme ?? undefined,
  auth: { serviceprincipalid: SP, tenantid: TENANT, authenticationType: 'spnKey', serviceprincipalkey: 'sp-secret-value', ...auth },
});

describe('parseKeyVault: the connection', () => {
  it('needs azureSubscription (or ConnectedServiceName), saying when and what to choose', () => {
    const missing = vaultOf({ inputs: { azureSubscription: undefined }, endpoint: msi });
    assert.equal(missing.vault, undefined);
    only(missing.problems, 'azureSubscription', `is required ${WHY}`, 'an Azure Resource Manager service connection that may get and set secrets');
    assert.equal(vaultOf({ inputs: { azureSubscription: undefined, ConnectedServiceName: 'arm' }, endpoint: msi }).vault?.credential.scheme, 'ManagedServiceIdentity');
  });

  it('names a connection the pipeline was not given, and how to authorize it', () => {
    const r = vaultOf({ inputs: { azureSubscription: 'other' }, endpoint: msi });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the service connection 'other' is not available to this pipeline", 'authorize this pipeline to use it');
  });

  it("takes the cloud from the connection: its Key Vault DNS suffix (leading dots dropped, lower case) and its authority's origin", () => {
    const r = vaultOf({ endpoint: { ...msi, data: { azureKeyVaultDnsSuffix: '..Vault.UsGovCloudApi.Net', activeDirectoryAuthority: 'https://login.microsoftonline.us/tenant/' } } });
    assert.deepEqual(r.vault, { vaultUrl: 'https://contoso-secrets.vault.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us', dnsSuffix: 'vault.usgovcloudapi.net', credential: { scheme: 'ManagedServiceIdentity' } });
    const env = vaultOf({ endpoint: { ...msi, data: { environmentAuthorityUrl: 'https://login.chinacloudapi.cn/' } } });
    assert.equal(env.vault?.authorityHost, 'https://login.chinacloudapi.cn');
    assert.equal(env.vault?.dnsSuffix, 'vault.azure.net');
  });

  it('refuses an authority that is not an https URL', () => {
    for (const authority of ['http://login.microsoftonline.com', 'not a url']) {
      const r = vaultOf({ endpoint: { ...msi, data: { activeDirectoryAuthority: authority } } });
      assert.equal(r.vault, undefined);
      only(r.problems, 'azureSubscription', `the connection's Active Directory authority '${authority}' is not an https URL`, 'fix the service connection');
    }
  });
});

describe('parseKeyVault: the vault', () => {
  const url = (keyVault: string | undefined) => vaultOf({ inputs: { keyVault }, endpoint: msi });

  it('needs keyVault, saying when and in which forms', () => {
    only(url(undefined).problems, 'keyVault', `is required ${WHY}`, 'give the vault name (contoso-secrets) or its URL');
  });

  it('names keyVault and azureSubscription when either is an unexpanded macro', () => {
    only(url('$(Vault)').problems, 'keyVault', "no variable named 'Vault'");
    const r = vaultOf({ inputs: { azureSubscription: '$(Arm)' }, endpoint: msi });
    only(r.problems, 'azureSubscription', "no variable named 'Arm'");
  });

  it('turns a name into the lower-case URL; refuses a name Key Vault would not take', () => {
    assert.equal(url('Contoso-Secrets').vault?.vaultUrl, 'https://contoso-secrets.vault.azure.net');
    only(url('ab').problems, 'keyVault', "'ab' is not a valid vault name", 'use 3-24 letters, digits and dashes');
  });

  it('takes a URL under the suffix as its origin, trailing slash or not', () => {
    assert.equal(url('https://Contoso-Secrets.vault.azure.net/').vault?.vaultUrl, 'https://contoso-secrets.vault.azure.net');
    assert.equal(url('https://contoso-secrets.vault.azure.net:443').vault?.vaultUrl, 'https://contoso-secrets.vault.azure.net');
  });

  it('refuses what is not a URL, not https, or more than the vault', () => {
    only(url('https://exa mple.vault.azure.net').problems, 'keyVault', "'https://exa mple.vault.azure.net' is not a URL", 'give the vault name or a URL like');
    only(url('http://v1.vault.azure.net').problems, 'keyVault', 'is not an https URL', 'over https only');
    for (const bad of ['https://v1.vault.azure.net/x', 'https://v1.vault.azure.net/?api-version=1', 'https://v1.vault.azure.net/#top', 'https://me@v1.vault.azure.net', 'https://:pw@v1.vault.azure.net']) {
      const r = url(bad);
      assert.equal(r.vault, undefined, bad);
      only(r.problems, 'keyVault', `'${bad}' has a path, query or credentials`, 'give only the vault URL');
    }
  });

  it("refuses a host outside the connection's suffix, or the suffix itself", () => {
    for (const bad of ['https://vault.azure.net', 'https://.vault.azure.net', 'https://evilvault.azure.net', 'https://v1.vault.azure.net.evil.example']) {
      const r = url(bad);
      assert.equal(r.vault, undefined, bad);
      only(r.problems, 'keyVault', "is not under 'vault.azure.net', the Key Vault DNS suffix of the service connection's cloud", 'a service connection for the vault\'s cloud');
    }
  });
});

describe('parseKeyVault: service principal', () => {
  let certPem = '';
  let keyPem = '';
  before(async () => {
    const pair = await generate([{ name: 'commonName', value: 'kv-test' }], { keyType: 'ec' });
    certPem = pair.cert;
    keyPem = pair.private;
  });

  it('reads a client secret, the scheme in any case or left out, the client id in lower case', () => {
    for (const scheme of ['ServicePrincipal', 'SERVICEPRINCIPAL', null]) {
      const r = vaultOf({ endpoint: spKey({ serviceprincipalid: SP.toUpperCase() }, scheme) });
      assert.deepEqual(r.vault?.credential, { scheme: 'ServicePrincipal', tenantId: TENANT, clientId: SP, clientSecret: 'sp-secret-value' }, String(scheme));
    }
  });

  it('takes a secret when the authentication type is left out', () => {
    const r = vaultOf({ endpoint: { scheme: 'ServicePrincipal', auth: { serviceprincipalid: SP, tenantid: TENANT, serviceprincipalkey: 'k-123' } } });
    assert.deepEqual(r.vault?.credential, { scheme: 'ServicePrincipal', tenantId: TENANT, clientId: SP, clientSecret: 'k-123' });
  });

  it('needs a valid client id and a tenant id, and yields no vault without them', () => {
    for (const serviceprincipalid of ['', 'not-a-guid']) {
      const r = vaultOf({ endpoint: spKey({ serviceprincipalid }) });
      assert.equal(r.vault, undefined);
      only(r.problems, 'azureSubscription', "the service principal connection 'arm' has no valid service principal id", 'service principal (client) ID');
    }
    const r = vaultOf({ endpoint: spKey({ tenantid: '' }) });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the service principal connection 'arm' has no tenant id", 'check its tenant ID');
  });

  it('needs the key of a secret connection', () => {
    const r = vaultOf({ endpoint: spKey({ authenticationType: 'SPNKEY', serviceprincipalkey: '' }) });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the connection 'arm' has no service principal key", 'enter the client secret');
  });

  it('reads a certificate with its key as one PEM', () => {
    const r = vaultOf({ endpoint: spKey({ authenticationType: 'SpnCertificate', serviceprincipalid: SP.toUpperCase(), serviceprincipalkey: '', servicePrincipalCertificate: certPem + keyPem }) });
    const cred = r.vault?.credential;
    assert.ok(cred && cred.scheme === 'ServicePrincipal');
    assert.equal(cred.clientSecret, undefined);
    assert.equal(cred.clientId, SP);
    assert.match(cred.certificatePem ?? '', /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    assert.equal(r.problems.length, 0);
  });

  it('a certificate connection: names the missing or unusable certificate; no vault with bad ids', () => {
    const none = vaultOf({ endpoint: spKey({ authenticationType: 'spnCertificate' }) });
    only(none.problems, 'azureSubscription', "the connection 'arm' has no certificate", 'paste the certificate with its private key');
    const noKey = vaultOf({ endpoint: spKey({ authenticationType: 'spnCertificate', servicePrincipalCertificate: certPem }) });
    assert.equal(noKey.vault, undefined);
    only(noKey.problems, 'azureSubscription', "the certificate of connection 'arm' holds no private key", 'include the private key in the PEM');
    const badId = vaultOf({ endpoint: spKey({ authenticationType: 'spnCertificate', serviceprincipalid: 'x', servicePrincipalCertificate: certPem + keyPem }) });
    assert.equal(badId.vault, undefined);
    only(badId.problems, 'azureSubscription', 'no valid service principal id');
  });

  it('refuses another authentication type, naming it', () => {
    const r = vaultOf({ endpoint: spKey({ authenticationType: 'spnFederated' }) });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the connection 'arm' uses authentication type 'spnFederated'", 'workload identity federation, or a managed identity');
  });
});

describe('parseKeyVault: workload identity federation', () => {
  const wif = (auth: Record<string, string> = {}): Endpoint => ({ scheme: 'WorkloadIdentityFederation', auth: { serviceprincipalid: SP.toUpperCase(), tenantid: TENANT, ...auth } });
  const job = { systemAccessToken: 'job-token-abcdef', oidcRequestUri: OIDC };

  it("takes the job's token and OIDC URL, the connection id and its lower-case client id", () => {
    assert.deepEqual(vaultOf({ endpoint: wif(), job }).vault?.credential, { scheme: 'WorkloadIdentityFederation', tenantId: TENANT, clientId: SP, serviceConnectionId: 'arm', systemAccessToken: 'job-token-abcdef', oidcRequestUri: OIDC });
  });

  it("names each missing part of the job's identity", () => {
    const noToken = vaultOf({ endpoint: wif(), job: { oidcRequestUri: OIDC } });
    assert.equal(noToken.vault, undefined);
    only(noToken.problems, 'azureSubscription', "workload identity federation needs the job's access token (System.AccessToken)", 'SYSTEM_ACCESSTOKEN: $(System.AccessToken)');
    const noUri = vaultOf({ endpoint: wif(), job: { systemAccessToken: 'job-token-abcdef' } });
    assert.equal(noUri.vault, undefined);
    only(noUri.problems, 'azureSubscription', 'workload identity federation needs System.OidcRequestUri', 'agent version 3.227 or later');
  });

  it('names the connection ids it lacks, as a workload identity federation connection', () => {
    const r = vaultOf({ endpoint: wif({ tenantid: '' }), job });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the workload identity federation connection 'arm' has no tenant id");
  });

  it('refuses an OIDC URL off the Azure DevOps hosts, as an agent variable replaced', () => {
    const r = vaultOf({ endpoint: wif(), job: { ...job, oidcRequestUri: 'https://collector.example/oidc' } });
    assert.equal(r.vault, undefined);
    only(r.problems, 'System.OidcRequestUri', "'collector.example' is not an Azure DevOps host", 'a pipeline variable of that name');
    // The same refusal as any other URL held to the Azure DevOps hosts.
    assert.ok(r.problems[0]!.includes(disallowedHostProblem('devops', 'https://collector.example/oidc')!.message), r.problems[0]);
  });

  it("refuses an OIDC URL on an Azure DevOps host over plain http: the job's access token would cross the network in clear", () => {
    const r = vaultOf({ endpoint: wif(), job: { ...job, oidcRequestUri: OIDC.replace('https:', 'http:') } });
    assert.equal(r.vault, undefined);
    only(r.problems, 'System.OidcRequestUri', 'is not an https URL', 'a pipeline variable of that name');
  });
});

describe('parseKeyVault: managed identity and other schemes', () => {
  it('takes the optional tenant and client ids of a managed identity', () => {
    assert.deepEqual(vaultOf({ endpoint: { scheme: 'managedServiceIdentity', auth: { tenantid: TENANT }, data: { msiClientId: 'abc' } } }).vault?.credential, { scheme: 'ManagedServiceIdentity', tenantId: TENANT, clientId: 'abc' });
    assert.deepEqual(vaultOf({ endpoint: msi }).vault?.credential, { scheme: 'ManagedServiceIdentity' });
  });

  it('refuses a scheme that cannot reach Key Vault, naming it', () => {
    const r = vaultOf({ endpoint: { scheme: 'UsernamePassword', auth: {} } });
    assert.equal(r.vault, undefined);
    only(r.problems, 'azureSubscription', "the connection 'arm' uses the authorization scheme 'UsernamePassword', which cannot reach Key Vault", 'use an Azure Resource Manager connection');
  });
});
