/**
 * Where the renewed refresh token goes (refreshTokenStore and its inputs), and the rules that keep a PAT off it:
 * `refreshTokenCollisions` and `templateProblems` are also run at run time over the names a pattern matched.
 */
import { strict as assert } from 'node:assert';
import { parse, problems } from './config-fixtures';
import { refreshTokenCollisions, templateProblems } from '../../../src/config/destinations';
import { secretNameFor, serviceConnectionNameFor, variableNameFor } from '../../../src/config/name-template';
import type { KeyVaultRef, RefreshTokenStoreConfig, StoreTarget } from '../../../src/config/types';

function about(list: string[], input: string): string[] {
  return list.filter((l) => l.startsWith(`${input}: `)).map((l) => l.slice(input.length + 2));
}

function only(list: string[], input: string, ...fragments: string[]): void {
  const found = about(list, input);
  assert.equal(found.length, 1, `expected one problem for ${input}, got:\n${list.join('\n')}`);
  for (const f of fragments) assert.ok(found[0]!.includes(f), `expected ${input} ~ ${f}, got: ${found[0]}`);
}

const MSI = { endpoints: { arm: { scheme: 'ManagedServiceIdentity', auth: {}, data: {} } } };
const rtGroup = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
const rtVault = { refreshTokenStore: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets', refreshTokenSecretName: 'PatLifecycle-RefreshToken' };

describe('config refreshTokenStore', () => {
  it("is required, naming the choices, and nothing else is said about it when its value was already refused", () => {
    only(problems({ refreshTokenStore: undefined }), 'refreshTokenStore', 'is required: it says where the renewed refresh token is saved, and there is no default', 'set it to one of: none, variableGroup, keyVault, serviceConnection');
    only(problems({ refreshTokenStore: '$(RtStore)' }), 'refreshTokenStore', "no variable named 'RtStore'");
  });

  it('takes none, and a variable group in the destination project', () => {
    assert.deepEqual(parse({ refreshTokenStore: 'NONE' }).refreshTokenStore, { kind: 'none' });
    assert.deepEqual(parse({ ...rtGroup, refreshTokenVariableGroup: '42', destinationProject: 'Platform' }).refreshTokenStore, {
      kind: 'variableGroup',
      group: { project: 'Platform', id: 42 },
      variableName: 'PatLifecycle.RefreshToken',
      auth: 'user',
    });
  });

  it('names the missing variable group inputs with what to give', () => {
    const list = problems({ refreshTokenStore: 'variableGroup' });
    only(list, 'refreshTokenVariableGroup', "is required when refreshTokenStore is 'variableGroup'", 'Pipelines > Library');
    only(list, 'refreshTokenVariableName', "is required when refreshTokenStore is 'variableGroup'", 'e.g. PatLifecycle.RefreshToken');
    assert.equal(list.length, 2, list.join('\n'));
  });

  it('refuses {name} and a bad name in the refresh token variable', () => {
    only(problems({ ...rtGroup, refreshTokenVariableName: 'Rt.{name}' }), 'refreshTokenVariableName', 'must not contain {name}', 'one fixed variable name');
    only(problems({ ...rtGroup, refreshTokenVariableName: 'Rt Token' }), 'refreshTokenVariableName', 'not a valid variable name');
  });

  it('takes a Key Vault secret, the vault shared with the PAT destination', () => {
    const c = parse({ ...rtVault, target: 'keyVault', secretName: 'FeedPat' }, MSI);
    assert.equal(c.refreshTokenStore.kind, 'keyVault');
    if (c.refreshTokenStore.kind !== 'keyVault' || c.destinations[0]!.kind !== 'keyVault') return;
    assert.equal(c.refreshTokenStore.secretName, 'PatLifecycle-RefreshToken');
    assert.deepEqual(c.refreshTokenStore.vault, { vaultUrl: 'https://contoso-secrets.vault.azure.net', authorityHost: 'https://login.microsoftonline.com', dnsSuffix: 'vault.azure.net', credential: { scheme: 'ManagedServiceIdentity' } });
    assert.deepEqual(c.destinations[0]!.vault, c.refreshTokenStore.vault);
  });

  it('names the missing Key Vault inputs with what to give', () => {
    const list = problems({ refreshTokenStore: 'keyVault' });
    only(list, 'refreshTokenSecretName', "is required when refreshTokenStore is 'keyVault'", 'e.g. PatLifecycle-RefreshToken');
    only(list, 'keyVault', "is required when refreshTokenStore is 'keyVault'");
    only(list, 'azureSubscription', "is required when refreshTokenStore is 'keyVault'");
  });

  it('refuses {name} and a bad name in the refresh token secret', () => {
    only(problems({ ...rtVault, refreshTokenSecretName: 'Rt-{name}' }, MSI), 'refreshTokenSecretName', 'must not contain {name}', 'one fixed secret name');
    only(problems({ ...rtVault, refreshTokenSecretName: 'Rt_Token' }, MSI), 'refreshTokenSecretName', 'not a valid Key Vault secret name');
  });

  it("refuses 'serviceConnection' without signInConnection, and any unknown store", () => {
    only(problems({ refreshTokenStore: 'ServiceConnection' }), 'refreshTokenStore', "is 'serviceConnection', but signInConnection is not set", 'set signInConnection', 'or choose variableGroup or keyVault');
    only(problems({ refreshTokenStore: 'vault' }), 'refreshTokenStore', "'vault' is not one of none, variableGroup, keyVault, serviceConnection");
  });
});

describe('config: a PAT destination never lands on the refresh token', () => {
  it("refuses the refresh token's variable, and its companions, in the same group (by name in any case)", () => {
    const list = problems({ ...rtGroup, refreshTokenVariableGroup: 'TOKENS', variableName: 'patlifecycle.refreshtoken.tenantId' });
    only(list, 'variableName', "'patlifecycle.refreshtoken.tenantId' in the same variable group would overwrite the refresh token's variable 'PatLifecycle.RefreshToken' (or its companion 'patlifecycle.refreshtoken.tenantid')", 'give the PAT its own variable name');
  });

  it('expands {name} over the listed PATs to find the one that collides', () => {
    const list = problems({ ...rtGroup, refreshTokenVariableGroup: 'Tokens', refreshTokenVariableName: 'Pat.b', variableName: 'Pat.{name}', displayName: 'a\nb' });
    only(list, 'variableName', "'Pat.b' in the same variable group would overwrite the refresh token's variable 'Pat.b'");
  });

  it("refuses the refresh token's secret in the same vault, in any case, and expands {name}", () => {
    only(problems({ ...rtVault, target: 'keyVault', secretName: 'patlifecycle-REFRESHTOKEN' }, MSI), 'secretName', "'patlifecycle-REFRESHTOKEN' is the secret that holds the refresh token", 'give the PAT its own secret name');
    only(problems({ ...rtVault, target: 'keyVault', secretName: 'PatLifecycle-{name}', displayName: 'feed\nRefreshToken' }, MSI), 'secretName', "'PatLifecycle-RefreshToken' is the secret that holds the refresh token");
  });
});

describe('refreshTokenCollisions', () => {
  const vg = (group: { name?: string; id?: number }, variableName: string): StoreTarget => ({ kind: 'variableGroup', group: { project: 'P', ...group }, variableName, auth: 'user' });
  const rtVg = (group: { name?: string; id?: number }, variableName: string): RefreshTokenStoreConfig => ({ kind: 'variableGroup', group: { project: 'P', ...group }, variableName, auth: 'user' });
  const v = (vaultUrl: string): KeyVaultRef => ({ vaultUrl, authorityHost: 'https://login.microsoftonline.com', dnsSuffix: 'vault.azure.net', credential: { scheme: 'ManagedServiceIdentity' } });
  const inputs = (list: Array<{ input: string }>) => list.map((c) => c.input);

  it('compares groups by id, or by name in any case; a group by id and one by name are not known to be the same', () => {
    assert.deepEqual(inputs(refreshTokenCollisions(vg({ id: 3 }, 'Rt'), rtVg({ id: 3 }, 'Rt'), [])), ['variableName']);
    assert.deepEqual(refreshTokenCollisions(vg({ id: 3 }, 'Rt'), rtVg({ id: 4 }, 'Rt'), []), []);
    assert.deepEqual(inputs(refreshTokenCollisions(vg({ name: 'Tokens' }, 'Rt'), rtVg({ name: 'tOKENS' }, 'Rt'), [])), ['variableName']);
    assert.deepEqual(refreshTokenCollisions(vg({ name: 'Tokens' }, 'Rt'), rtVg({ name: 'Other' }, 'Rt'), []), []);
    assert.deepEqual(refreshTokenCollisions(vg({ id: 3 }, 'Rt'), rtVg({ name: 'Tokens' }, 'Rt'), []), []);
    assert.deepEqual(refreshTokenCollisions(vg({ name: 'Tokens' }, 'Rt'), rtVg({ id: 3 }, 'Rt'), []), []);
  });

  it("refuses a PAT whose companion is the refresh token's, either way round", () => {
    // The PAT's variable is a companion name of the refresh token's.
    const a = refreshTokenCollisions(vg({ id: 1 }, 'Rt.issuedAt'), rtVg({ id: 1 }, 'Rt'), []);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.message, "'Rt.issuedAt' in the same variable group would overwrite the refresh token's variable 'Rt' (or its companion 'rt.issuedat')");
    // The refresh token's variable is a companion name of the PAT's.
    const b = refreshTokenCollisions(vg({ id: 1 }, 'Rt'), rtVg({ id: 1 }, 'Rt.validTo'), []);
    assert.equal(b.length, 1);
    assert.ok(b[0]!.message.includes("(or its companion 'rt.validto')"), b[0]!.message);
    assert.ok(b[0]!.hint.includes('the refresh token must stay where the refreshToken input reads it'));
    assert.deepEqual(refreshTokenCollisions(vg({ id: 1 }, 'RtX'), rtVg({ id: 1 }, 'Rt'), []), []);
  });

  it('expands {name} for each display name, and checks a fixed name once', () => {
    const list = refreshTokenCollisions(vg({ id: 1 }, 'Pat.{name}'), rtVg({ id: 1 }, 'Pat.b_c'), ['a', 'b c', 'd']);
    assert.deepEqual(list.map((c) => c.message.split("'")[1]), ['Pat.b_c']);
    assert.deepEqual(refreshTokenCollisions(vg({ id: 1 }, 'Pat.{name}'), rtVg({ id: 1 }, 'Pat.{name}'), []), []);
  });

  it('secrets: the same vault URL and the same name in any case; {name} expanded', () => {
    const kv = (secretName: string, url = 'https://a.vault.azure.net'): StoreTarget => ({ kind: 'keyVault', vault: v(url), secretName });
    const rt: RefreshTokenStoreConfig = { kind: 'keyVault', vault: v('https://a.vault.azure.net'), secretName: 'Rt-Token' };
    assert.deepEqual(refreshTokenCollisions(kv('rt-token'), rt, []), [{ input: 'secretName', message: "'rt-token' is the secret that holds the refresh token", hint: 'give the PAT its own secret name; the refresh token must stay where the refreshToken input reads it' }]);
    assert.deepEqual(refreshTokenCollisions(kv('rt-token', 'https://b.vault.azure.net'), rt, []), []);
    assert.deepEqual(refreshTokenCollisions(kv('Rt-Tokens'), rt, []), []);
    assert.deepEqual(inputs(refreshTokenCollisions(kv('Rt-{name}'), rt, ['x', 'Token'])), ['secretName']);
    assert.deepEqual(refreshTokenCollisions(kv('Rt-{name}'), rt, ['x']), []);
  });

  it('a PAT and a refresh token in different kinds of store never collide', () => {
    const kv: StoreTarget = { kind: 'keyVault', vault: v('https://a.vault.azure.net'), secretName: 'Rt' };
    assert.deepEqual(refreshTokenCollisions(kv, rtVg({ id: 1 }, 'Rt'), []), []);
    assert.deepEqual(refreshTokenCollisions(vg({ id: 1 }, 'Rt'), { kind: 'keyVault', vault: v('https://a.vault.azure.net'), secretName: 'Rt' }, []), []);
    assert.deepEqual(refreshTokenCollisions(vg({ id: 1 }, 'Rt'), { kind: 'none' }, []), []);
  });
});

describe('templateProblems', () => {
  it('names two PATs that expand onto one name (in any case), and passes distinct ones', () => {
    assert.deepEqual(templateProblems('variableName', ['a b', 'x', 'a_b'], (n) => variableNameFor('Pat.{name}', n)), [
      { message: "the PATs 'a b' and 'a_b' would both be written to 'Pat.a_b'", hint: 'rename one of the PATs, or store them separately' },
    ]);
    assert.equal(templateProblems('secretName', ['Feed', 'FEED'], (n) => secretNameFor('Pat-{name}', n)).length, 1);
    assert.deepEqual(templateProblems('secretName', ['a', 'b'], (n) => secretNameFor('Pat-{name}', n)), []);
  });

  it('holds secret names to 1-127 letters, digits and dashes', () => {
    const bad = (name: string) => templateProblems('secretName', ['p'], () => name);
    assert.deepEqual(bad('s'.repeat(127)), []);
    assert.deepEqual(bad('s'.repeat(128)), [{ message: `'${'s'.repeat(128)}' (for PAT 'p') is not a valid name`, hint: 'shorten the template or the display name' }]);
    for (const name of ['_abc', 'abc_', 'a.b', '']) assert.equal(bad(name).length, 1, `'${name}'`);
    assert.deepEqual(bad('Az-09'), []);
  });

  it('holds variable names to 1-256 of letters, digits, dot, underscore and dash', () => {
    const bad = (name: string) => templateProblems('variableName', ['p'], () => name);
    assert.deepEqual(bad('v'.repeat(256)), []);
    assert.deepEqual(bad('Az.0_9-'), []);
    for (const name of ['v'.repeat(257), ' ab', 'ab ', 'a/b', '']) assert.equal(bad(name).length, 1, `'${name}'`);
  });

  it('holds connection names to 1-256 characters without control characters', () => {
    const bad = (name: string) => templateProblems('serviceConnection', ['p'], () => name);
    assert.deepEqual(bad('c'.repeat(256)), []);
    assert.deepEqual(bad('Feed pat/#1'), []);
    for (const name of ['c'.repeat(257), '\u0001abc', 'abc\u001f', '']) assert.equal(bad(name).length, 1, JSON.stringify(name));
    assert.deepEqual(templateProblems('serviceConnection', ['a b', 'a_b'], (n) => serviceConnectionNameFor('Feed {name}', n)), []);
  });
});
