/**
 * KeyVaultStore on an in-memory vault (./key-vault-fake.ts): what each store operation asks of the vault, what it
 * reports, and how failures read.
 */
import { strict as assert } from 'node:assert';
import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import type { AzureCredentialConfig, KeyVaultRef, NetworkConfig } from '../../../src/config/types';
import { PatLifecycleError } from '../../../src/errors';
import type { CredentialAdvice } from '../../../src/stores/key-vault-errors';
import { FakeVault, installFakeVault, removeFakeVault, rest } from './key-vault-fake';
import { KeyVaultStore, PAT_CONTENT_TYPE, RECORD_ONLY_CONTENT_TYPE, REFRESH_TOKEN_CONTENT_TYPE, VaultClients, type KeyVaultStoreOptions } from '../../../src/stores/key-vault-store';

let vault = new FakeVault();

const network: NetworkConfig = { timeoutMs: 4321 };
const URL_ = 'https://myvault.vault.azure.net';
const SP: AzureCredentialConfig = { scheme: 'ServicePrincipal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '3f1b0c9e-5a55-4a43-9d89-0c8f3b1c2a11', clientSecret: 'not-a-real-secret' };
const ref = (credential: AzureCredentialConfig = SP, vaultUrl = URL_): KeyVaultRef => ({ vaultUrl, authorityHost: 'https://login.microsoftonline.com', dnsSuffix: 'vault.azure.net', credential });
const PAT_ID = '4ab5764f-4193-4f1d-b995-64144880b7d7';
const META = { authorizationId: PAT_ID, validTo: '2027-03-01T12:00:00Z' };

type Extra = Partial<Omit<KeyVaultStoreOptions, 'vault' | 'credential' | 'identityDescription'>> & { vault?: KeyVaultRef; identityDescription?: string };
const store = (o: Extra = {}) => new KeyVaultStore({ vault: ref(), secretName: 'feed-pat', network, contentType: PAT_CONTENT_TYPE, ...o } as KeyVaultStoreOptions);

async function failure(p: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PatLifecycleError) return err;
    throw err;
  }
  assert.fail('expected a PatLifecycleError');
}

describe('KeyVaultStore on an in-memory vault', () => {
  before(() => installFakeVault(() => vault));
  after(removeFakeVault);
  beforeEach(() => {
    vault = new FakeVault();
  });

  describe('the secret name and how the store names itself', () => {
    it('refuses an invalid name before any request, on the input that named it', () => {
      for (const bad of ['bad_name', '', 'x'.repeat(128), 'name with space', 'ünïcode']) {
        assert.throws(
          () => store({ secretName: bad }),
          (e: unknown) => e instanceof PatLifecycleError && e.kind === 'input' && e.code === 'InvalidSecretName' && e.input === 'secretName' && e.message === `Input 'secretName': '${bad}' is not a valid Key Vault secret name.` && e.hint === 'Use 1-127 letters, digits and hyphens.',
          JSON.stringify(bad),
        );
      }
      assert.throws(() => store({ secretName: 'a.b', secretNameInput: 'refreshTokenSecretName' }), (e: unknown) => e instanceof PatLifecycleError && e.input === 'refreshTokenSecretName' && /^Input 'refreshTokenSecretName'/.test(e.message));
      store({ secretName: `A-${'z9'.repeat(62)}x` });
      store({ secretName: '0' });
      assert.equal(vault.calls.length, 0);
    });

    it('describes the secret with the vault URL; labels it with the vault name', () => {
      const s = store();
      assert.equal(s.describe(), "Key Vault secret 'feed-pat' in https://myvault.vault.azure.net");
      assert.equal(s.label(), "Key Vault 'myvault', secret 'feed-pat'");
    });
  });

  describe('read()', () => {
    it('an empty secret: nothing stored, no record', async () => {
      assert.deepEqual(await store().read(), { exists: false, metadata: {} });
    });

    it('the latest version\'s tags as the record; every request with the run\'s time limit', async () => {
      vault.add({ value: 'old', tags: { authorizationId: 'old' } });
      vault.add({ value: 'pat', tags: META });
      assert.deepEqual(await store().read(), { exists: true, metadata: META });
      assert.deepEqual(vault.calls[0]!.options, { requestOptions: { timeout: 4321 } });
      vault.add({ value: 'untagged' });
      assert.deepEqual(await store().read(), { exists: true, metadata: {} });
    });

    it('a record-only version: no value, but its record', async () => {
      vault.add({ value: 'pat', tags: { authorizationId: 'old' } });
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { pending: 'v1 x' } });
      assert.deepEqual(await store().read(), { exists: false, metadata: { pending: 'v1 x' } });
    });

    it('a disabled latest version is read from the version list: the newest by creation time', async () => {
      vault.add({ value: 'a', tags: { authorizationId: 'first' } });
      vault.add({ value: 'b', tags: { authorizationId: 'newest' }, enabled: false });
      vault.add({ value: 'c', tags: { authorizationId: 'middle' }, createdOn: new Date(Date.UTC(2026, 0, 1, 0, 0, 2)) }, 'other');
      vault.listOrder = (v) => [v[1]!, v[0]!];
      assert.deepEqual(await store().read(), { exists: true, metadata: { authorizationId: 'newest' } });
      assert.deepEqual(vault.ops(), ['get', 'list']);
      assert.deepEqual(vault.calls[1]!.options, { requestOptions: { timeout: 4321 } });
      vault.listOrder = (v) => [v[0]!, v[1]!];
      assert.deepEqual((await store().read()).metadata, { authorizationId: 'newest' });
    });

    it('versions without a creation time: the last listed wins', async () => {
      vault.add({ value: 'a', tags: { authorizationId: 'first' }, createdOn: undefined as unknown as Date });
      vault.add({ value: 'b', tags: { authorizationId: 'second' }, enabled: false, createdOn: undefined as unknown as Date });
      assert.deepEqual((await store().read()).metadata, { authorizationId: 'second' });
    });

    it('a disabled record-only version is no value; a disabled version without tags has an empty record', async () => {
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { pending: 'v1 x' }, enabled: false });
      assert.deepEqual(await store().read(), { exists: false, metadata: { pending: 'v1 x' } });
      vault.add({ value: 'by hand', enabled: false, tags: undefined as unknown as Record<string, string> });
      assert.deepEqual(await store().read(), { exists: true, metadata: {} });
    });

    it('a failure to read is translated with the operation and the identity', async () => {
      vault.failNext.get = rest(403, 'Forbidden', 'ForbiddenByRbac');
      const err = await failure(store().read());
      assert.equal(err.kind, 'permission');
      assert.equal(err.message, "the identity of the Azure service connection (ServicePrincipal, client id 3f1b0c9e-5a55-4a43-9d89-0c8f3b1c2a11) may not 'get secret' on Key Vault secret 'feed-pat' in myvault.vault.azure.net.");
    });

    it('a failure to list the versions is translated as such', async () => {
      vault.add({ value: 'b', enabled: false });
      vault.failNext.list = rest(403, 'Forbidden', 'ForbiddenByRbac');
      const err = await failure(store().read());
      assert.match(err.message, /may not 'list secret versions' on Key Vault secret 'feed-pat'/);
    });
  });

  describe('write()', () => {
    it('writes a version with the content type, the record as tags and the expiry of validTo; the receipt names it', async () => {
      const receipt = await store().write('pat-value', { ...META, pending: '' });
      const v = vault.latest()!;
      assert.equal(v.value, 'pat-value');
      assert.equal(v.contentType, PAT_CONTENT_TYPE);
      assert.deepEqual(v.tags, META, 'a removed key is no tag');
      assert.equal(v.expiresOn?.toISOString(), '2027-03-01T12:00:00.000Z');
      assert.deepEqual(receipt, { version: v.version, metadata: { ...META, pending: '' } });
      assert.deepEqual(vault.calls[0]!.options, { contentType: PAT_CONTENT_TYPE, tags: META, expiresOn: new Date(META.validTo), requestOptions: { timeout: 4321 } });
    });

    it('no expiry without a validTo, or with one that is no date', async () => {
      await store({ contentType: REFRESH_TOKEN_CONTENT_TYPE }).write('rt', { issuedAt: '2026-12-01T00:00:00Z' });
      assert.equal(vault.latest()!.contentType, 'text/plain');
      assert.equal('expiresOn' in vault.calls[0]!.options, false);
      await store().write('pat', { validTo: 'someday' });
      assert.equal('expiresOn' in vault.calls[1]!.options, false);
    });

    it('the receipt keeps the record as written, whatever the caller does to its object later', async () => {
      const metadata: Record<string, string> = { ...META };
      const receipt = await store().write('pat', metadata);
      metadata.authorizationId = 'changed';
      assert.equal(receipt.metadata.authorizationId, PAT_ID);
    });

    it('with a condition: writes while the record names the expected PAT', async () => {
      vault.add({ value: 'old', tags: { authorizationId: PAT_ID } });
      await store().write('new', { authorizationId: 'next' }, { storedId: PAT_ID.toUpperCase() });
      assert.deepEqual(vault.ops(), ['get', 'set']);
    });

    it('with a condition: refuses, before writing, a record that names another PAT', async () => {
      vault.add({ value: 'old', tags: { authorizationId: 'someone-else' } });
      const err = await failure(store().write('new', { authorizationId: 'next' }, { storedId: PAT_ID }));
      assert.equal(err.code, 'StoreChanged');
      assert.match(err.message, /^Key Vault secret 'feed-pat' in https:\/\/myvault\.vault\.azure\.net changed while this run worked: it now names PAT someone-else\./);
      assert.deepEqual(vault.ops(), ['get']);
    });

    it('with a condition on an empty secret: a record-only version counts as nothing stored', async () => {
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { authorizationId: PAT_ID, pending: 'v1 x' } });
      await store().write('first', META, { storedId: '', pending: 'v1 x' });
      assert.equal(vault.latest()!.value, 'first');
      const err = await failure(store().write('second', META, { storedId: 'x' }));
      assert.match(err.message, /now names PAT 4ab5764f/);
    });

    it('a failed write is translated with the operation, the input and the caller\'s identity words', async () => {
      vault.failNext.set = rest(409, 'Conflict', 'ObjectIsDeletedButRecoverable');
      const err = await failure(store({ secretNameInput: 'refreshTokenSecretName' }).write('v', META));
      assert.equal(err.code, 'ObjectIsDeletedButRecoverable');
      assert.equal(err.input, 'refreshTokenSecretName');
      vault.failNext.set = rest(401, 'Unauthorized');
      const auth = await failure(store({ identityDescription: 'the pipeline identity' }).write('v', META));
      assert.equal(auth.message, "Key Vault myvault.vault.azure.net did not accept the token of the pipeline identity ('set secret').");
    });

    it('a timeout names the run\'s time limit', async () => {
      vault.failNext.set = { name: 'AbortError', message: 'aborted' };
      const err = await failure(store().write('v', META));
      assert.match(err.message, /timed out after 4\.3 s: 'set secret'/);
    });
  });

  describe('verify()', () => {
    it('checks the service\'s answer to the write, with no further request', async () => {
      const s = store();
      const receipt = await s.write('pat-value', { ...META, pending: '' });
      await s.verify(receipt, 'pat-value');
      assert.deepEqual(vault.ops(), ['set']);
    });

    it('refuses an answer with another value, naming the version', async () => {
      vault.answer = (v) => ({ ...v, value: 'something else' });
      const s = store();
      const receipt = await s.write('pat-value', META);
      const err = await failure(s.verify(receipt, 'pat-value'));
      assert.equal(err.kind, 'verification');
      assert.equal(err.code, 'VerificationFailed');
      assert.equal(err.message, `Key Vault secret 'feed-pat' in https://myvault.vault.azure.net (version ${receipt.version}) does not hold the value just written.`);
      assert.equal(err.hint, 'Run the pipeline again; if it persists, check who else writes to this secret.');
    });

    it('refuses an answer whose tag differs, or keeps a tag that was removed, naming the tag', async () => {
      vault.answer = (v) => ({ ...v, tags: { ...v.tags, validTo: '2099-01-01' } });
      const s = store({ advice: { signIn: '', unavailable: '', tenant: '', rerun: 'Run it again' } as CredentialAdvice });
      const receipt = await s.write('pat-value', META);
      const err = await failure(s.verify(receipt, 'pat-value'));
      assert.equal(err.message, `Key Vault secret 'feed-pat' in https://myvault.vault.azure.net (version ${receipt.version}) has tag 'validTo' different from what was written.`);
      assert.equal(err.hint, 'Run it again; if it persists, check who else writes to this secret.');
      vault.answer = (v) => ({ ...v, tags: { ...v.tags, pending: 'v1 x' } });
      const removed = await s.write('pat-value', { ...META, pending: '' });
      assert.match((await failure(s.verify(removed, 'pat-value'))).message, /has tag 'pending' different/);
      vault.answer = (v) => ({ ...v, tags: undefined as unknown as Record<string, string> });
      const bare = await s.write('pat-value', META);
      assert.match((await failure(s.verify(bare, 'pat-value'))).message, /has tag 'authorizationId' different/);
    });

    it('a receipt it did not write (another process\'s) is checked on a read of that version', async () => {
      const v = vault.add({ value: 'pat-value', tags: META });
      const s = store();
      await s.verify({ version: v.version, metadata: META }, 'pat-value');
      assert.deepEqual(vault.ops(), [`get ${v.version}`]);
      assert.deepEqual(vault.calls[0]!.options, { version: v.version, requestOptions: { timeout: 4321 } });
      const err = await failure(s.verify({ version: v.version, metadata: META }, 'other'));
      assert.match(err.message, /does not hold the value just written/);
      vault.add({ value: 'untagged' });
      assert.match((await failure(s.verify({ metadata: { a: 'b' } }, 'untagged'))).message, /\(version latest\) has tag 'a'/);
      assert.deepEqual(vault.calls.at(-1)!.options, { requestOptions: { timeout: 4321 } });
    });

    it('a version missing on that read is a verification failure; other failures are translated', async () => {
      const s = store();
      const err = await failure(s.verify({ version: 'gone', metadata: META }, 'x'));
      assert.equal(err.kind, 'verification');
      assert.equal(err.message, "Key Vault secret 'feed-pat' in https://myvault.vault.azure.net (version gone) is missing right after it was written.");
      assert.match((await failure(s.verify({ metadata: META }, 'x'))).message, /\(version latest\) is missing/);
      vault.failNext.get = rest(503, 'ServiceUnavailable');
      const busy = await failure(s.verify({ version: 'v1', metadata: META }, 'x'));
      assert.equal(busy.kind, 'service');
      assert.match(busy.message, /could not 'get secret'/);
    });
  });

  describe('mark()', () => {
    it('changes the tags of the latest version in place: given keys replace, removed keys go, others stay', async () => {
      const v = vault.add({ value: 'pat', tags: { authorizationId: PAT_ID, validTo: '2027-01-01T00:00:00Z', pending: 'v1 x' } });
      await store().mark({ pending: '', replaced: 'old-id' });
      assert.equal(vault.versions().length, 1, 'no new version');
      assert.deepEqual(v.tags, { authorizationId: PAT_ID, validTo: '2027-01-01T00:00:00Z', replaced: 'old-id' });
      assert.equal(v.value, 'pat');
      assert.deepEqual(vault.ops(), ['get', `update ${v.version}`]);
      assert.deepEqual(vault.calls[1]!.options, { tags: v.tags, requestOptions: { timeout: 4321 } });
    });

    it('a new validTo moves the expiry of a version holding a PAT; one that is no date does not', async () => {
      const v = vault.add({ value: 'pat', tags: { authorizationId: PAT_ID } });
      await store().mark({ validTo: '2027-06-01T00:00:00Z' });
      assert.equal(v.expiresOn?.toISOString(), '2027-06-01T00:00:00.000Z');
      await store().mark({ validTo: 'unknown' });
      assert.equal('expiresOn' in vault.calls.at(-1)!.options, false);
    });

    it('a record-only version keeps no expiry', async () => {
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { pending: 'v1 x' }, enabled: false });
      await store().mark({ validTo: '2027-06-01T00:00:00Z' });
      assert.equal('expiresOn' in vault.calls.at(-1)!.options, false);
      assert.deepEqual(vault.latest()!.tags, { pending: 'v1 x', validTo: '2027-06-01T00:00:00Z' });
    });

    it('an empty secret gets a disabled, record-only version carrying the record', async () => {
      await store().mark({ pending: 'v1 intent', authorizationId: '' });
      const v = vault.latest()!;
      assert.equal(v.enabled, false);
      assert.equal(v.contentType, RECORD_ONLY_CONTENT_TYPE);
      assert.deepEqual(v.tags, { pending: 'v1 intent' });
      assert.equal(v.value, 'no PAT stored yet: PAT Lifecycle is creating one');
      assert.deepEqual(vault.calls.at(-1)!.options, { contentType: RECORD_ONLY_CONTENT_TYPE, enabled: false, tags: { pending: 'v1 intent' }, requestOptions: { timeout: 4321 } });
      assert.deepEqual(await store().read(), { exists: false, metadata: { pending: 'v1 intent' } });
    });

    it('with a condition: marks while the record names the PAT, refuses otherwise without writing', async () => {
      vault.add({ value: 'pat', tags: { authorizationId: PAT_ID } });
      await store().mark({ pending: 'v1 x' }, { storedId: PAT_ID, pending: '' });
      const err = await failure(store().mark({ pending: 'v1 y' }, { storedId: PAT_ID, pending: '' }));
      assert.equal(err.code, 'StoreChanged');
      assert.deepEqual(vault.ops(), ['get', 'update v1', 'get']);
    });

    it('with a condition: a record-only version names no PAT', async () => {
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { authorizationId: PAT_ID } });
      const err = await failure(store().mark({ pending: 'v1 y' }, { storedId: PAT_ID }));
      assert.match(err.message, /now names PAT 4ab5764f/);
      await store().mark({ pending: 'v1 y' }, { storedId: '' });
      const empty = new FakeVault();
      vault = empty;
      await store().mark({ pending: 'v1 z' }, { storedId: '' });
      assert.equal(empty.ops().at(-1), 'set');
    });

    it('a failed tag update is translated as such', async () => {
      vault.add({ value: 'pat' });
      vault.failNext.update = rest(403, 'Forbidden', 'ForbiddenByRbac');
      assert.match((await failure(store().mark({ pending: 'x' }))).message, /may not 'update secret tags'/);
      vault = Object.assign(new FakeVault(), { failNext: { set: rest(403, 'Forbidden', 'ForbiddenByRbac') } });
      assert.match((await failure(store().mark({ pending: 'x' }))).message, /may not 'update secret tags'/);
    });
  });

  describe('restore()', () => {
    it('writes the replaced version\'s value, content type, tags and expiry back as the latest version', async () => {
      const old = vault.add({ value: 'old-pat', contentType: 'application/x-old', tags: { authorizationId: 'old-id' }, expiresOn: new Date('2027-01-01T00:00:00Z') });
      const s = store();
      await s.read();
      const receipt = await s.write('new-pat', META);
      assert.equal(await s.restore(receipt), true);
      const back = vault.latest()!;
      assert.equal(back.value, 'old-pat');
      assert.equal(back.contentType, 'application/x-old');
      assert.deepEqual(back.tags, { authorizationId: 'old-id' });
      assert.equal(back.expiresOn?.toISOString(), '2027-01-01T00:00:00.000Z');
      assert.deepEqual(vault.calls.at(-2)!.options, { version: old.version, requestOptions: { timeout: 4321 } });
      assert.deepEqual(vault.calls.at(-1)!.options, { contentType: 'application/x-old', tags: { authorizationId: 'old-id' }, expiresOn: old.expiresOn, requestOptions: { timeout: 4321 } });
    });

    it('a replaced version without content type, tags or expiry comes back without them', async () => {
      vault.add({ value: 'old-pat', tags: undefined as unknown as Record<string, string> });
      const s = store();
      await s.read();
      assert.equal(await s.restore(await s.write('new-pat', META)), true);
      assert.deepEqual(vault.calls.at(-1)!.options, { tags: {}, requestOptions: { timeout: 4321 } });
    });

    it('replaces what the conditional write read, too', async () => {
      vault.add({ value: 'old-pat', tags: { authorizationId: PAT_ID } });
      const s = store();
      assert.equal(await s.restore(await s.write('new-pat', META, { storedId: PAT_ID })), true);
      assert.equal(vault.latest()!.value, 'old-pat');
    });

    it('nothing to put back: a first value, one that replaced only a record, or a disabled version', async () => {
      const s = store();
      await s.read();
      assert.equal(await s.restore(await s.write('first', META)), false);

      vault = new FakeVault();
      vault.add({ value: 'placeholder', contentType: RECORD_ONLY_CONTENT_TYPE, tags: { pending: 'v1 x' } });
      const r = store();
      await r.read();
      assert.equal(await r.restore(await r.write('first', META)), false);

      vault = new FakeVault();
      vault.add({ value: 'by hand', enabled: false });
      const d = store();
      await d.read();
      assert.equal(await d.restore(await d.write('first', META)), false);

      vault = new FakeVault();
      vault.add({ value: 'old' });
      const n = store();
      await n.read();
      vault.secrets.clear();
      await n.read();
      assert.equal(await n.restore(await n.write('first', META)), false, 'read again after the secret was deleted');
      assert.deepEqual(vault.ops().slice(-1), ['set']);
    });

    it('a receipt of another store, or no value on the old version: false', async () => {
      vault.add({ value: 'old' });
      const s = store();
      assert.equal(await s.restore({ version: 'v1', metadata: {} }), false);
      await s.read();
      const receipt = await s.write('new', META);
      const proto = SecretClient.prototype as unknown as Record<string, unknown>;
      const get = proto.getSecret as (...a: unknown[]) => Promise<{ value?: string }>;
      proto.getSecret = async function (this: unknown, ...a: unknown[]) {
        return { ...(await get.apply(this, a)), value: undefined };
      };
      try {
        assert.equal(await s.restore(receipt), false);
      } finally {
        proto.getSecret = get;
      }
      assert.equal(vault.latest()!.value, 'new');
    });

    it('a failure is translated as restoring the previous version', async () => {
      vault.add({ value: 'old' });
      const s = store();
      await s.read();
      const receipt = await s.write('new', META);
      vault.failNext.set = rest(403, 'Forbidden', 'ForbiddenByRbac');
      assert.match((await failure(s.restore(receipt))).message, /may not 'restore the previous secret version'/);
    });
  });

  describe('the client and the identity', () => {
    it('one SecretClient per store, made on first use', async () => {
      const s = store();
      await s.read();
      await s.write('v', META);
      await s.read();
      assert.equal(new Set(vault.calls.map((c) => c.client)).size, 1);
      await store().read();
      assert.equal(new Set(vault.calls.map((c) => c.client)).size, 2);
    });

    it('stores sharing VaultClients share one client per vault and identity', async () => {
      const clients = new VaultClients();
      await store({ clients, secretName: 'a' }).read();
      await store({ clients, secretName: 'b' }).read();
      assert.equal(new Set(vault.calls.map((c) => c.client)).size, 1);
      await store({ clients, vault: ref({ ...SP, clientId: 'another-client' }) }).read();
      await store({ clients, vault: { ...ref(), authorityHost: 'https://login.microsoftonline.us' } }).read();
      await store({ clients, vault: ref(SP, 'https://othervault.vault.azure.net') }).read();
      assert.equal(new Set(vault.calls.map((c) => c.client)).size, 4);
    });

    it('names the service connection by scheme and client id; a managed identity without one by its scheme', async () => {
      vault.failNext.get = rest(401, 'Unauthorized');
      const sp = await failure(store().read());
      assert.match(sp.message, /the token of the identity of the Azure service connection \(ServicePrincipal, client id 3f1b0c9e-5a55-4a43-9d89-0c8f3b1c2a11\)/);
      assert.equal(sp.hint, "Check that the service connection's tenant is the vault's tenant.");
      vault.failNext.get = rest(401, 'Unauthorized');
      const mi = await failure(store({ vault: ref({ scheme: 'ManagedServiceIdentity' }) }).read());
      assert.match(mi.message, /the token of the identity of the Azure service connection \(ManagedServiceIdentity\) \('get secret'\)/);
      vault.failNext.get = rest(401, 'Unauthorized');
      const named = await failure(store({ identityDescription: 'connection X', advice: { signIn: 's', unavailable: 'u', tenant: 'cli tenant advice', rerun: 'r' } }).read());
      assert.match(named.message, /token of connection X/);
      assert.equal(named.hint, 'cli tenant advice');
    });

    it('a credential of the caller\'s: made once, on first use; a failure to make it is a connect error, tried again next time', async () => {
      let made = 0;
      const credential = async (): Promise<TokenCredential> => {
        made++;
        if (made === 1) throw Object.assign(new Error('no az login'), { name: 'CredentialUnavailableError' });
        return { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
      };
      const s = new KeyVaultStore({ vault: { vaultUrl: URL_ }, credential, identityDescription: 'your Azure CLI sign-in', secretName: 'feed-pat', network, contentType: PAT_CONTENT_TYPE, advice: { signIn: 's', unavailable: 'run az login', tenant: 't', rerun: 'r' } });
      const err = await failure(s.read());
      assert.equal(err.kind, 'auth');
      assert.equal(err.code, 'CredentialUnavailableError');
      assert.equal(err.message, 'your Azure CLI sign-in could not sign in to Microsoft Entra for Key Vault (CredentialUnavailableError).');
      assert.equal(err.hint, 'run az login');
      assert.equal(vault.calls.length, 0);
      await s.read();
      await s.read();
      assert.equal(made, 2);
      assert.equal(vault.calls.length, 2);
    });

    it('a credential that cannot be made for another reason is reported as the connect step', async () => {
      const s = new KeyVaultStore({ vault: { vaultUrl: URL_ }, credential: async () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), identityDescription: 'you', secretName: 'feed-pat', network, contentType: PAT_CONTENT_TYPE });
      const err = await failure(s.read());
      assert.equal(err.message, "Could not reach Key Vault myvault.vault.azure.net ('connect', ECONNREFUSED).");
    });

    it('a service connection without a secret or certificate is refused when the client is made', async () => {
      const err = await failure(store({ vault: ref({ scheme: 'ServicePrincipal', tenantId: 't', clientId: 'c' }) }).read());
      assert.equal(err.code, 'MissingServiceConnectionCredential');
      assert.equal(vault.calls.length, 0);
    });
  });
});

describe('VaultClients', () => {
  it('makes one client per key and hands the same one out again', async () => {
    const clients = new VaultClients();
    let made = 0;
    const make = async () => ({ n: ++made }) as unknown as SecretClient;
    const a = await clients.get('k1', make);
    assert.equal(await clients.get('k1', make), a);
    assert.notEqual(await clients.get('k2', make), a);
    assert.equal(made, 2);
  });

  it('forgets a client that could not be made, so the next store tries again', async () => {
    const clients = new VaultClients();
    let made = 0;
    const make = async () => {
      made++;
      if (made === 1) throw new Error('sign-in failed');
      return {} as SecretClient;
    };
    await assert.rejects(clients.get('k', make), /sign-in failed/);
    await clients.get('k', make);
    await clients.get('k', make);
    assert.equal(made, 2);
  });
});
