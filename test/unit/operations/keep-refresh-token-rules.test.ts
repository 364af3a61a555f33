/**
 * keepRefreshToken (src/operations/keep-refresh-token.ts) on its own: the rolled refresh token is saved where the next
 * run reads it (and handed to later steps of the job), the stored sign-in is pinned to its user, and every way the
 * chain can break (no store, a store that cannot be opened or written, no rolled token, an old token) is said in time.
 */
import { strict as assert } from 'node:assert';
import { keepRefreshToken, loginCommand, type KeepRefreshTokenDeps, type SignedInAccount } from '../../../src/operations/keep-refresh-token';
import { openHandover } from '../../../src/config/sign-in-handover';
import { PatLifecycleError } from '../../../src/errors';
import { DAY_MS } from '../../../src/clock';
import type { Config } from '../../../src/config/types';
import { FakeStore, RecordingHost, testConfig } from './fakes';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const ROLLED = 'rolled-refresh-token-0123456789';

type Store = Config['refreshTokenStore'];
const inGroup: Store = { kind: 'variableGroup', group: { project: 'p', name: 'signin' }, variableName: 'PatLifecycle.RefreshToken', auth: 'user' };
const inVault: Store = { kind: 'keyVault', vault: { vaultUrl: 'https://v.vault.azure.net' } as never, secretName: 'rt' };
const inConnection: Store = {
  kind: 'serviceConnection',
  connection: { project: 'p', nameOrId: 'Sign-in' },
  handover: { variable: 'PatLifecycle.SignIn.abc', key: 'token-at-job-start', connectionId: '11111111-2222-3333-4444-555555555555' },
};

interface Harness {
  host: RecordingHost;
  store: FakeStore;
  opened: number;
  /** The metadata of each write, as the task handed it over (the fake store drops '' values). */
  written: Array<Record<string, string>>;
  deps: KeepRefreshTokenDeps;
}

function harness(o: { account?: SignedInAccount; openError?: unknown } = {}): Harness {
  const host = new RecordingHost();
  const store = new FakeStore('rt');
  const h: Harness = {
    host,
    store,
    opened: 0,
    written: [],
    deps: {
      host,
      now: NOW,
      openStore: async () => {
        h.opened++;
        if (o.openError !== undefined) throw o.openError;
        return store;
      },
      ...(o.account ? { account: o.account } : {}),
    },
  };
  const write = store.write.bind(store);
  store.write = (value, metadata, condition) => {
    h.written.push({ ...metadata });
    return write(value, metadata, condition);
  };
  return h;
}

const config = (refreshTokenStore: Store, overrides: Partial<Config> = {}) => testConfig({ refreshTokenStore, ...overrides });
/** A stored refresh token issued `days` days before NOW. */
function saved(h: Harness, days: number, metadata: Record<string, string> = {}) {
  h.store.value = 'stored-refresh-token';
  h.store.metadata = { issuedAt: new Date(NOW.getTime() - days * DAY_MS).toISOString(), ...metadata };
}

describe('keepRefreshToken: refreshTokenStore none', () => {
  it('warns on every run that nothing renews the input, and opens no store', async () => {
    const h = harness();
    const c = config({ kind: 'none' });
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.equal(h.opened, 0);
    assert.equal(f.warnings.length, 1);
    assert.match(f.warnings[0]!, /^refreshTokenStore is 'none': the renewed refresh token is not saved, so the refreshToken input is never renewed and stops working at most 90 days after/);
    assert.deepEqual(f.issues, [], 'a choice made knowingly is no issue');
    assert.deepEqual(f.notes, []);
    assert.equal(f.storedIn, undefined);
    assert.deepEqual(h.host.jobVariables, {});
  });

  it('says the secret output has the renewed token only when outputRefreshToken asks for it and there is one', async () => {
    const h = harness();
    const f = await keepRefreshToken(config({ kind: 'none' }, { outputRefreshToken: true }), ROLLED, h.deps);
    assert.match(f.warnings[0]!, /not saved \(only the secret output variable refreshToken has it\), so/);
    assert.deepEqual(h.host.outputs.refreshToken, { value: ROLLED, secret: true });
    const none = harness();
    const g = await keepRefreshToken(config({ kind: 'none' }, { outputRefreshToken: true }), undefined, none.deps);
    assert.doesNotMatch(g.warnings[0]!, /only the secret output/);
    assert.equal(none.host.outputs.refreshToken, undefined, 'no rolled token, no output');
  });

  it('no rolled token: a note that says to sign in again, with the login command', async () => {
    const h = harness();
    const c = config({ kind: 'none' });
    const f = await keepRefreshToken(c, undefined, h.deps);
    assert.deepEqual(f.notes, [`Entra did not return a new refresh token. Sign in again before then: ${loginCommand(c)}`]);
    assert.deepEqual(f.issues, []);
  });
});

describe('keepRefreshToken: saving the renewed token', () => {
  it('writes it with when it was issued, for which app and which user, reads it back, and says where', async () => {
    const h = harness({ account: { objectId: 'OID-1', username: 'ada@contoso.com' } });
    saved(h, 10);
    const c = config(inVault);
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.equal(h.store.value, ROLLED);
    assert.deepEqual(h.store.metadata, { issuedAt: NOW.toISOString(), clientId: 'c', tenantId: 't', userObjectId: 'OID-1', userName: 'ada@contoso.com' });
    assert.equal(f.storedIn, "fake store 'rt'");
    assert.deepEqual(f.issues, []);
    assert.deepEqual(f.notes, []);
    assert.deepEqual(f.warnings, []);
    assert.ok(h.host.infos.includes("Saved the renewed refresh token to fake store 'rt'."), h.host.infos.join('\n'));
    assert.deepEqual(h.host.jobVariables, {}, 'a Key Vault secret is no job variable');
    assert.equal(h.host.outputs.refreshToken, undefined, 'no output unless outputRefreshToken');
  });

  it('records the user with an empty name when the ID token gave none, and no user at all without an object ID', async () => {
    const a = harness({ account: { objectId: 'OID-1' } });
    await keepRefreshToken(config(inVault), ROLLED, a.deps);
    assert.equal(a.written[0]?.userObjectId, 'OID-1');
    assert.equal(a.written[0]?.userName, '');
    const b = harness({ account: { username: 'ada@contoso.com' } });
    await keepRefreshToken(config(inVault), ROLLED, b.deps);
    assert.deepEqual(Object.keys(b.written[0] ?? {}).sort(), ['clientId', 'issuedAt', 'tenantId']);
  });

  it('a variable group store: later steps of the job get the renewed token as a secret job variable', async () => {
    const h = harness();
    await keepRefreshToken(config(inGroup), ROLLED, h.deps);
    assert.deepEqual(h.host.jobVariables, { 'PatLifecycle.RefreshToken': { value: ROLLED, secret: true } });
  });

  it('a sign-in connection: later steps get the renewed token sealed to that connection, as a secret', async () => {
    const h = harness();
    await keepRefreshToken(config(inConnection), ROLLED, h.deps);
    const handover = (inConnection as Extract<Store, { kind: 'serviceConnection' }>).handover;
    const v = h.host.jobVariables[handover.variable];
    assert.ok(v, JSON.stringify(h.host.jobVariables));
    assert.equal(v.secret, true);
    assert.equal(openHandover(handover.key, handover.connectionId, v.value), ROLLED);
    assert.deepEqual(Object.keys(h.host.jobVariables), [handover.variable]);
  });

  it('hands the renewed token to later steps even when its store cannot be opened', async () => {
    for (const store of [inGroup, inConnection]) {
      const h = harness({ openError: new PatLifecycleError('permission', 'HTTP 403', 'no access') });
      const f = await keepRefreshToken(config(store), ROLLED, h.deps);
      assert.equal(Object.keys(h.host.jobVariables).length, 1, store.kind);
      assert.equal(f.issues.length, 1);
    }
  });

  it('hands nothing to later steps in a dry run or when Entra rolled no token', async () => {
    for (const store of [inGroup, inConnection]) {
      const dry = harness();
      await keepRefreshToken(config(store, { dryRun: true }), ROLLED, dry.deps);
      assert.deepEqual(dry.host.jobVariables, {}, `${store.kind} dry run`);
      const none = harness();
      await keepRefreshToken(config(store), undefined, none.deps);
      assert.deepEqual(none.host.jobVariables, {}, `${store.kind} nothing rolled`);
    }
  });

  it('dry run: writes nothing, and notes that the saved token stays valid', async () => {
    const h = harness();
    saved(h, 10);
    const f = await keepRefreshToken(config(inVault, { dryRun: true }), ROLLED, h.deps);
    assert.equal(h.store.writes, 0);
    assert.equal(h.store.value, 'stored-refresh-token');
    assert.deepEqual(f.notes, ["Dry run: the new refresh token was not saved to fake store 'rt'; the saved one stays valid."]);
    assert.deepEqual(f.issues, []);
    assert.equal(f.storedIn, undefined);
  });
});

describe('keepRefreshToken: the stored sign-in is pinned to its user', () => {
  const pinned = { userObjectId: 'AAAA-1111', userName: 'ada@contoso.com', tenantId: 'tenant-a' };

  it('refuses a refresh token of another user: nothing written, nothing handed on, both accounts named', async () => {
    const h = harness({ account: { objectId: 'BBBB-2222', username: 'eve@contoso.com', tenantId: 'tenant-b' } });
    saved(h, 10, pinned);
    const c = config(inGroup);
    await assert.rejects(keepRefreshToken(c, ROLLED, h.deps), (err: unknown) => {
      assert.ok(err instanceof PatLifecycleError);
      assert.equal(err.code, 'SignInAccountChanged');
      assert.equal(err.kind, 'input');
      assert.equal(err.input, 'refreshToken');
      assert.match(err.message, /^This run signed in as eve@contoso\.com \(object ID BBBB-2222, tenant tenant-b\), but fake store 'rt' keeps the sign-in of ada@contoso\.com \(object ID AAAA-1111, tenant tenant-a\)\./);
      assert.match(err.message, /nothing was written/);
      assert.ok(err.hint!.includes(loginCommand(c)), err.hint);
      assert.match(err.hint!, /delete the record 'userObjectId'/);
      return true;
    });
    assert.equal(h.store.writes, 0);
    assert.equal(h.store.value, 'stored-refresh-token');
    assert.deepEqual(h.host.jobVariables, {}, 'the other user\'s token reaches no later step');
  });

  it('names the accounts generically when the record or the ID token has no user name or tenant', async () => {
    const h = harness({ account: { objectId: 'BBBB-2222' } });
    saved(h, 10, { userObjectId: 'AAAA-1111' });
    await assert.rejects(keepRefreshToken(config(inVault), ROLLED, h.deps), (err: Error) => {
      assert.match(err.message, /^This run signed in as another account \(object ID BBBB-2222\), but fake store 'rt' keeps the sign-in of the account \(object ID AAAA-1111\)\./);
      return true;
    });
  });

  it('the same user (object IDs compared without case), or no object ID on either side, is saved as usual', async () => {
    const cases: Array<[string, SignedInAccount | undefined, Record<string, string>]> = [
      ['same user, other case', { objectId: 'aaaa-1111' }, pinned],
      ['no account from the ID token', undefined, pinned],
      ['an account without object ID', { username: 'eve@contoso.com' }, pinned],
      ['no user recorded', { objectId: 'BBBB-2222' }, {}],
    ];
    for (const [what, account, metadata] of cases) {
      const h = harness(account ? { account } : {});
      saved(h, 10, metadata);
      const f = await keepRefreshToken(config(inVault), ROLLED, h.deps);
      assert.equal(h.store.value, ROLLED, what);
      assert.equal(f.storedIn, "fake store 'rt'", what);
    }
  });
});

describe('keepRefreshToken: when the chain may break', () => {
  it('a store that cannot be opened or read: an issue with the cause and the login command; the run goes on', async () => {
    const c = config(inVault);
    const h = harness({ openError: new PatLifecycleError('permission', 'HTTP 403', 'no access to the vault') });
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.equal(f.issues.length, 1);
    assert.match(f.issues[0]!, /^The refresh token store could not be opened \(no access to the vault/);
    assert.match(f.issues[0]!, /the run continues with the token in memory, but the next run reads the old one/);
    assert.ok(f.issues[0]!.endsWith(`sign in again: ${loginCommand(c)}`), f.issues[0]);
    assert.equal(f.storedIn, undefined);

    const unreadable = harness();
    unreadable.store.faults.add({ op: 'read', error: new PatLifecycleError('network', 'ETIMEDOUT', 'the read timed out') });
    const g = await keepRefreshToken(c, ROLLED, unreadable.deps);
    assert.match(g.issues[0]!, /^The refresh token store could not be opened \(the read timed out/);
    assert.equal(unreadable.store.writes, 0, 'nothing is written over a store that could not be read');
  });

  it('no rolled token: an issue naming the store, the age and the days left, and the login command', async () => {
    const h = harness();
    saved(h, 30);
    const c = config(inVault);
    const f = await keepRefreshToken(c, undefined, h.deps);
    assert.deepEqual(f.issues, [
      `Entra did not return a new refresh token, so the one in fake store 'rt' was not renewed. It was saved 30 days ago, so it stops working in about 60 days. Sign in again before then: ${loginCommand(c)}`,
    ]);
    assert.equal(h.store.writes, 0);
  });

  it('no rolled token and no readable issue date: the 90-day limit, not an invented age', async () => {
    for (const metadata of [{}, { issuedAt: 'not a date' }] as Array<Record<string, string>>) {
      const h = harness();
      h.store.value = 'stored';
      h.store.metadata = metadata;
      const f = await keepRefreshToken(config(inVault), undefined, h.deps);
      assert.match(f.issues[0]!, /was not renewed\. It stops working at most 90 days after it was issued\. Sign in again before then: /, JSON.stringify(metadata));
    }
  });

  it('an old token is renewed, with an issue saying for how long it was not (more than refreshTokenMaxAgeDays)', async () => {
    const h = harness();
    saved(h, 70);
    const c = config(inVault, { refreshTokenMaxAgeDays: 60 });
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.equal(h.store.value, ROLLED);
    assert.equal(f.storedIn, "fake store 'rt'");
    assert.deepEqual(f.issues, [
      `The refresh token in fake store 'rt' had not been renewed for 70 days (more than refreshTokenMaxAgeDays, 60); it had about 20 days left of its 90. It is renewed now, but check why earlier runs did not renew it (runs failing or not scheduled, or the store not writable); if it runs out, sign in again: ${loginCommand(c)}`,
    ]);
  });

  it('stale means older than refreshTokenMaxAgeDays by the exact age: exactly that many days is not stale', async () => {
    const exactly = harness();
    saved(exactly, 60);
    assert.deepEqual((await keepRefreshToken(config(inVault, { refreshTokenMaxAgeDays: 60 }), ROLLED, exactly.deps)).issues, []);
    const justOver = harness();
    justOver.store.value = 'stored';
    justOver.store.metadata = { issuedAt: new Date(NOW.getTime() - 60 * DAY_MS - 1000).toISOString() };
    const f = await keepRefreshToken(config(inVault, { refreshTokenMaxAgeDays: 60 }), ROLLED, justOver.deps);
    assert.equal(f.issues.length, 1);
    assert.match(f.issues[0]!, /had not been renewed for 60 days \(more than refreshTokenMaxAgeDays, 60\)/);
  });

  it('an old token in a dry run: the issue says to sign in again, and nothing is written', async () => {
    const h = harness();
    saved(h, 70);
    const c = config(inVault, { dryRun: true, refreshTokenMaxAgeDays: 60 });
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.deepEqual(f.issues, [
      `The refresh token in fake store 'rt' had not been renewed for 70 days (more than refreshTokenMaxAgeDays, 60); it had about 20 days left of its 90. Sign in again before then: ${loginCommand(c)}`,
    ]);
    assert.equal(f.notes.length, 1);
    assert.equal(h.store.writes, 0);
  });

  it('a write that fails: an issue with the cause and how long the older token lasts; the run goes on', async () => {
    const h = harness();
    saved(h, 30);
    h.store.faults.add({ op: 'write', error: new PatLifecycleError('permission', 'HTTP 403', 'not allowed to write') });
    const c = config(inVault);
    const f = await keepRefreshToken(c, ROLLED, h.deps);
    assert.equal(f.storedIn, undefined);
    assert.equal(f.issues.length, 1);
    assert.match(f.issues[0]!, /^The renewed refresh token could not be saved to fake store 'rt' \(not allowed to write/);
    assert.match(f.issues[0]!, /This run continues with it; the next run reads the older one, which stops working in about 60 days\. /);
    assert.ok(f.issues[0]!.endsWith(`sign in again: ${loginCommand(c)}`));
    assert.ok(!h.host.infos.some((l) => l.startsWith('Saved')), 'never says it was saved');
  });

  it('a write that does not read back is not saved; without an issue date no days are guessed', async () => {
    const h = harness();
    h.store.value = 'stored';
    h.store.faults.add({ op: 'verify', error: new PatLifecycleError('verification', 'VerificationFailed', 'the value did not read back') });
    const f = await keepRefreshToken(config(inVault), ROLLED, h.deps);
    assert.equal(f.storedIn, undefined);
    assert.match(f.issues[0]!, /could not be saved to fake store 'rt' \(the value did not read back/);
    assert.match(f.issues[0]!, /the next run reads the older one\. Fix the store's permissions/);
  });

  it('an old token whose renewal cannot be saved: both issues, the age first', async () => {
    const h = harness();
    saved(h, 70);
    h.store.faults.add({ op: 'write', error: new PatLifecycleError('permission', 'HTTP 403', 'not allowed to write') });
    const f = await keepRefreshToken(config(inVault, { refreshTokenMaxAgeDays: 60 }), ROLLED, h.deps);
    assert.equal(f.issues.length, 2);
    assert.equal(f.issues[0], "The refresh token in fake store 'rt' had not been renewed for 70 days (more than refreshTokenMaxAgeDays, 60); it had about 20 days left of its 90.");
    assert.match(f.issues[1]!, /could not be saved .*which stops working in about 20 days/);
  });
});
