import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { generate } from 'selfsigned';
import type { AzureCredentialConfig, KeyVaultRef } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import { KeyVaultStore, PAT_CONTENT_TYPE, REFRESH_TOKEN_CONTENT_TYPE, VaultClients } from '../../../src/stores/key-vault-store';
import { openSecretStore } from '../../../src/stores/open-store';
import { startHarness, type Harness } from '../entra/emulator-harness';
import { startConnectProxy } from '../http/test-servers';
import { forgetManagedIdentityState } from './managed-identity-state';

// Vault host names (`{vault}.vault.emulator.test`) resolve to the emulator through the same lookup hook child
// processes preload; the product code is unchanged.
require('../../support/child-preload.cjs');

const ROOT = resolve(__dirname, '../../..');

describe('KeyVaultStore against the emulator', function () {
  this.timeout(60_000);
  let h: Harness;
  let sp: { clientId: string; secret?: string; objectId: string };
  let vaultCount = 0;
  const meta = { authorizationId: '4ab5764f-4193-4f1d-b995-64144880b7d7', validTo: '2027-03-01T12:00:00Z' };

  before(async () => {
    h = await startHarness();
    sp = h.emu.control.entra.addApp({ kind: 'confidential' });
  });
  after(async () => {
    await h?.close();
  });

  function vault(access: Record<string, 'officer' | 'user' | 'reader'>, opts: { softDelete?: boolean } = {}): { name: string; url: string } {
    return h.emu.control.keyVault.addVault({ name: `kv${++vaultCount}`, access, ...opts });
  }

  function ref(url: string, credential: AzureCredentialConfig): KeyVaultRef {
    return { vaultUrl: url, authorityHost: h.emu.urls.authorityHost, dnsSuffix: h.emu.urls.vaultDnsSuffix, credential };
  }

  const secretCredential = (over: Partial<{ clientSecret: string }> = {}): AzureCredentialConfig => ({
    scheme: 'ServicePrincipal',
    tenantId: h.tenantId,
    clientId: sp.clientId,
    clientSecret: over.clientSecret ?? sp.secret,
  });

  const store = (url: string, credential = secretCredential(), contentType = PAT_CONTENT_TYPE) =>
    new KeyVaultStore({ vault: ref(url, credential), secretName: 'feed-pat', network: h.network, contentType });

  const failure = (p: Promise<unknown>) => h.failure(p);

  it('writes a version with content type, tags and expiry, verifies it, reads the tags back', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const s = store(v.url);
    assert.deepEqual(await s.read(), { exists: false, metadata: {} });
    const receipt = await s.write('pat-value-one-xxxxxxxx', meta);
    assert.match(receipt.version ?? '', /^[0-9a-f]{32}$/);
    await s.verify(receipt, 'pat-value-one-xxxxxxxx');
    assert.deepEqual(await s.read(), { exists: true, metadata: meta });

    const side = h.emu.control.keyVault.getSecret(v.name, 'feed-pat');
    const version = side.versions.at(-1);
    assert.equal(version.value, 'pat-value-one-xxxxxxxx');
    assert.equal(version.contentType, PAT_CONTENT_TYPE);
    assert.deepEqual(version.tags, meta);
    assert.equal(version.exp, Date.parse(meta.validTo) / 1000);

    const second = await s.write('pat-value-two-yyyyyyyy', { ...meta, authorizationId: 'other' });
    assert.notEqual(second.version, receipt.version);
    // The first receipt names the first version: it still holds the first value.
    await s.verify(receipt, 'pat-value-one-xxxxxxxx');
    const err = await failure(s.verify(receipt, 'pat-value-two-yyyyyyyy'));
    assert.equal(err.kind, 'verification');
    assert.match(s.describe(), /Key Vault secret 'feed-pat' in https:\/\/kv\d+\.vault\.emulator\.test/);
  });

  it('the stores of one run share a vault client: one challenge and one sign-in for several secrets', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const clients = new VaultClients();
    const mark = h.emu.log.entries().length;
    for (const name of ['pat-a', 'pat-b', 'pat-c']) {
      const s = new KeyVaultStore({ vault: ref(v.url, secretCredential()), secretName: name, network: h.network, contentType: PAT_CONTENT_TYPE, clients });
      const receipt = await s.write(`${name}-value-xxxxxxxx`, meta);
      await s.verify(receipt, `${name}-value-xxxxxxxx`);
    }
    const log = h.emu.log.entries().slice(mark);
    assert.equal(log.filter((e) => e.service === 'keyVault' && e.status === 401).length, 1, 'one challenge');
    assert.equal(log.filter((e) => e.route === 'entra.token').length, 1, 'one sign-in');
    assert.equal(log.filter((e) => e.route === 'kv.set' && e.status === 200).length, 3);
    assert.equal(log.filter((e) => e.route === 'kv.get').length, 0, 'each write is checked on its answer');
  });

  it('a refresh token is stored as text/plain without an expiry', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const s = store(v.url, secretCredential(), REFRESH_TOKEN_CONTENT_TYPE);
    await s.write('refresh-token-value-zzzz', { issuedAt: '2026-01-01T00:00:00Z', clientId: 'c', tenantId: 't' });
    const version = h.emu.control.keyVault.getSecret(v.name, 'feed-pat').versions.at(-1);
    assert.equal(version.contentType, 'text/plain');
    assert.equal(version.exp, undefined);
  });

  it('no role on the vault -> permission error naming Key Vault Secrets Officer', async () => {
    const v = vault({});
    const err = await failure(store(v.url).write('value-abcdefgh', meta));
    assert.equal(err.kind, 'permission');
    assert.equal(err.code, 'ForbiddenByRbac');
    assert.match(err.hint!, /Key Vault Secrets Officer/);
    assert.match(err.hint!, new RegExp(v.name));
  });

  it('a reader may read tags but not write', async () => {
    const v = vault({ [sp.objectId]: 'reader' });
    const err = await failure(store(v.url).write('value-abcdefgh', meta));
    assert.equal(err.kind, 'permission');
  });

  it('a soft-deleted secret -> input error: recover or purge it', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    h.emu.control.keyVault.setSecret(v.name, 'feed-pat', 'old-value-123456');
    h.emu.control.keyVault.deleteSecret(v.name, 'feed-pat');
    const err = await failure(store(v.url).write('value-abcdefgh', meta));
    assert.equal(err.code, 'ObjectIsDeletedButRecoverable');
    assert.match(err.message, /soft-deleted/);
    assert.match(err.hint!, /[Rr]ecover.*purge/);
  });

  it('a wrong client secret -> auth error naming the service connection identity', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const err = await failure(store(v.url, secretCredential({ clientSecret: 'wrong-secret-value' })).write('value-abcdefgh', meta));
    assert.equal(err.kind, 'auth');
    assert.match(err.code, /^AADSTS7000215$|AuthenticationError/);
    assert.match(err.message, /service connection/);
  });

  it('a vault slower than the request timeout -> network error with the timeout setting', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const slow = new KeyVaultStore({ vault: ref(v.url, secretCredential()), secretName: 'slow', network: { ...h.network, timeoutMs: 300 }, contentType: PAT_CONTENT_TYPE });
    h.emu.setLatency(800);
    try {
      const err = await failure(slow.read());
      assert.equal(err.kind, 'network');
      assert.equal(err.code, 'ETIMEDOUT');
      assert.match(err.hint!, /RequestTimeoutSeconds/);
    } finally {
      h.emu.setLatency(0);
    }
  });

  it('logs each retry the Key Vault SDK makes on its own', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const lines: string[] = [];
    const s = new KeyVaultStore({ vault: ref(v.url, secretCredential()), secretName: 'feed-pat', network: h.network, contentType: PAT_CONTENT_TYPE, log: (m) => lines.push(m) });
    await s.write('pat-value-retry-xxxxxxxx', meta); // signs in first, so the faults below hit the vault call
    h.emu.faults.add({ service: 'keyVault', status: 503, retryAfterSeconds: 0, times: 2 });
    await s.write('pat-value-retry-yyyyyyyy', meta);
    const retries = lines.filter((l) => /^Key Vault: retrying PUT /.test(l));
    assert.deepEqual(retries.map((l) => /attempt (\d)/.exec(l)?.[1]), ['2', '3'], lines.join('\n'));
  });

  it('an invalid secret name is an input error before any request', () => {
    assert.throws(
      () => new KeyVaultStore({ vault: ref('https://x.vault.emulator.test', secretCredential()), secretName: 'bad_name', network: h.network, contentType: PAT_CONTENT_TYPE, secretNameInput: 'refreshTokenSecretName' }),
      (e: unknown) => e instanceof PatLifecycleError && e.kind === 'input' && e.input === 'refreshTokenSecretName',
    );
  });

  it('a certificate service principal works', async () => {
    const pems = await generate([{ name: 'commonName', value: 'kv-sp' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    const app = h.emu.control.entra.addApp({ kind: 'confidential', certificatePem: pems.cert });
    const v = vault({ [app.objectId]: 'officer' });
    const s = store(v.url, { scheme: 'ServicePrincipal', tenantId: h.tenantId, clientId: app.clientId, certificatePem: `${pems.cert}\n${pems.private}` });
    const receipt = await s.write('cert-written-value-1234', meta);
    await s.verify(receipt, 'cert-written-value-1234');
  });

  it('workload identity federation (AzurePipelinesCredential) works', async () => {
    const sc = h.emu.control.oidc.registerServiceConnection({ org: h.org, project: h.project.name, projectId: h.project.id, name: 'kv-connection' });
    const app = h.emu.control.entra.addApp({ kind: 'confidential', federatedCredentials: [{ issuer: sc.issuer, subject: sc.subject }] });
    const v = vault({ [app.objectId]: 'officer' });
    const job = h.emu.control.entra.issueJobToken({ org: h.org, projectId: h.project.id });
    const saved = process.env.SYSTEM_OIDCREQUESTURI;
    delete process.env.SYSTEM_OIDCREQUESTURI;
    try {
      const s = store(v.url, {
        scheme: 'WorkloadIdentityFederation',
        tenantId: h.tenantId,
        clientId: app.clientId,
        serviceConnectionId: sc.id,
        systemAccessToken: job.token,
        oidcRequestUri: h.emu.control.oidc.oidcRequestUri({ org: h.org, projectId: h.project.id }),
      });
      const receipt = await s.write('wif-written-value-1234', meta);
      await s.verify(receipt, 'wif-written-value-1234');
    } finally {
      if (saved === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
      else process.env.SYSTEM_OIDCREQUESTURI = saved;
    }
  });

  it('managed identity (App Service endpoint) works', async () => {
    const mi = h.emu.control.msi.addIdentity({ system: true });
    const v = vault({ [mi.objectId]: 'officer' });
    const saved = { e: process.env.IDENTITY_ENDPOINT, h: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = h.emu.urls.msiEndpoint;
    process.env.IDENTITY_HEADER = h.emu.urls.msiHeader;
    forgetManagedIdentityState();
    try {
      const s = store(v.url, { scheme: 'ManagedServiceIdentity' });
      const receipt = await s.write('msi-written-value-1234', meta);
      await s.verify(receipt, 'msi-written-value-1234');
    } finally {
      forgetManagedIdentityState();
      for (const [k, val] of [['IDENTITY_ENDPOINT', saved.e], ['IDENTITY_HEADER', saved.h]] as const) {
        if (val === undefined) delete process.env[k];
        else process.env[k] = val;
      }
    }
  });

  it('openSecretStore picks the content type by purpose', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const deps = { http: h.http, organization: h.org, devopsUrl: h.emu.urls.devops, userAccessToken: 'x', network: h.network };
    const rt = await openSecretStore({ kind: 'keyVault', vault: ref(v.url, secretCredential()), secretName: 'rt' }, { ...deps, purpose: 'refreshToken' });
    await rt.write('rt-value-abcdefgh', {});
    assert.equal(h.emu.control.keyVault.getSecret(v.name, 'rt').versions.at(-1).contentType, 'text/plain');
  });

  it('registers the Key Vault bearer token as a secret (through openSecretStore)', async () => {
    const v = vault({ [sp.objectId]: 'officer' });
    const registered: string[] = [];
    const deps = { http: h.http, organization: h.org, devopsUrl: h.emu.urls.devops, userAccessToken: 'x', network: h.network, purpose: 'pat' as const, registerSecret: (s: string) => registered.push(s) };
    const s = await openSecretStore({ kind: 'keyVault', vault: ref(v.url, secretCredential()), secretName: 'registered' }, deps);
    await s.write('pat-value-registered-1234', meta);
    assert.equal(registered.length, 1, 'one token, registered once');
    const payload = JSON.parse(Buffer.from(registered[0]!.split('.')[1]!, 'base64url').toString()) as { aud?: string };
    assert.match(payload.aud ?? '', /vault/, 'the token is the vault\'s bearer');
  });

  it('reaches the vault and Entra through the agent proxy with the agent CA, and the SDK log never shows the proxy password (child process)', async () => {
    const proxy = await startConnectProxy({ username: 'build', password: 'p@ss:w/rd' });
    try {
      const v = vault({ [sp.objectId]: 'officer' });
      const vaultRef = ref(v.url, secretCredential());
      // The emulator's CA comes only through network.caPem (Agent.CAInfo), not NODE_EXTRA_CA_CERTS: it must hold inside
      // the proxy tunnel. AZURE_LOG_LEVEL turns on every SDK client's own request log.
      const script = `
        const { KeyVaultStore } = require('./src/stores/key-vault-store');
        const store = new KeyVaultStore({ vault: ${JSON.stringify(vaultRef)}, secretName: 'via-proxy', contentType: 'x',
          network: { timeoutMs: 10000, caPem: ${JSON.stringify(h.emu.caCertPem)}, proxy: { url: ${JSON.stringify(proxy.url)}, username: 'build', password: 'p@ss:w/rd', bypass: [] } } });
        store.write('proxied-value-123456', { a: 'b' }).then((r) => store.verify(r, 'proxied-value-123456')).then(
          () => process.stdout.write('ok'),
          (e) => { process.stdout.write('fail ' + (e.describe ? e.describe() : String(e))); });
      `;
      const env: NodeJS.ProcessEnv = { ...process.env, ...h.emu.childEnv(), AZURE_LOG_LEVEL: 'verbose' };
      delete env.NODE_EXTRA_CA_CERTS;
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
      assert.equal(stdout, 'ok');
      assert.match(stderr, /azure:core-rest-pipeline/, 'the SDK log was on');
      for (const shown of ['p@ss:w/rd', encodeURIComponent('p@ss:w/rd'), 'p%40ss']) assert.ok(!stderr.includes(shown), `the SDK log shows the proxy password (${shown})`);
      const targets = proxy.connects.map((c) => c.target.split(':')[0]);
      assert.ok(targets.includes(`${v.name}.vault.emulator.test`), `CONNECTs: ${targets.join(', ')}`);
      assert.ok(targets.includes('127.0.0.1'), 'the token request for Key Vault went through the proxy too');
      assert.equal(h.emu.control.keyVault.getSecret(v.name, 'via-proxy').versions.at(-1).value, 'proxied-value-123456');
    } finally {
      await proxy.close();
    }
  });
});
