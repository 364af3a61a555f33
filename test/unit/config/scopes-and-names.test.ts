import { strict as assert } from 'node:assert';
import { hasFullAccess, normalizeScopes, sameScopes, splitScopeString } from '../../../src/config/scopes';
import { destinationFor, destinationName, destinationUsesName, hasNamePlaceholder, secretNameFor, serviceConnectionNameFor, variableNameFor } from '../../../src/config/name-template';
import type { StoreTarget } from '../../../src/config/types';

describe('scopes', () => {
  it('normalizes: spaces and commas, any case, vso. added back, duplicates dropped, order kept', () => {
    assert.deepEqual(normalizeScopes(' Code_Write, vso.PACKAGING  vso.code_write,,app_token '), { ok: true, scopes: ['vso.code_write', 'vso.packaging', 'app_token'] });
    assert.deepEqual(normalizeScopes(''), { ok: true, scopes: [] });
  });

  it('an unknown scope is named with the nearest known one, within three edits; nothing near, no suggestion', () => {
    assert.deepEqual(normalizeScopes('vso.cod vso.build xyzzy-nothing-like-it'), { ok: false, unknown: ['vso.cod', 'xyzzy-nothing-like-it'], suggestions: { 'vso.cod': 'vso.code' } });
    assert.deepEqual(normalizeScopes('packagin'), { ok: false, unknown: ['packagin'], suggestions: { packagin: 'vso.packaging' } }, 'without the prefix too');
    assert.deepEqual(normalizeScopes('vso.wxyz'), { ok: false, unknown: ['vso.wxyz'], suggestions: { 'vso.wxyz': 'vso.wiki' } }, 'three edits; the first of the nearest');
    assert.deepEqual(normalizeScopes('vso.vwxyz'), { ok: false, unknown: ['vso.vwxyz'], suggestions: {} }, 'four edits is not near');
    assert.deepEqual(normalizeScopes('vso.wxyzq'), { ok: false, unknown: ['vso.wxyzq'], suggestions: {} }, 'the last character counts too');
  });

  it('a typo of app_token, the one scope without vso., is named with app_token (it was measured as vso.app_tokn)', () => {
    assert.deepEqual(normalizeScopes('app_tokn'), { ok: false, unknown: ['app_tokn'], suggestions: { app_tokn: 'app_token' } });
    assert.deepEqual(normalizeScopes('APP-TOKEN vso.code'), { ok: false, unknown: ['APP-TOKEN'], suggestions: { 'APP-TOKEN': 'app_token' } }, 'any case, the word as given');
    assert.deepEqual(normalizeScopes('Code_Wrte'), { ok: false, unknown: ['Code_Wrte'], suggestions: { Code_Wrte: 'vso.code_write' } }, 'a word without vso. is still measured with it');
  });

  it('splits a PAT scope string, knows full access, compares as sets', () => {
    assert.deepEqual(splitScopeString('  vso.code \n vso.build '), ['vso.code', 'vso.build']);
    assert.deepEqual(splitScopeString(null), []);
    assert.equal(hasFullAccess(['vso.code', 'app_token']), true);
    assert.equal(hasFullAccess(['vso.code']), false);
    assert.equal(sameScopes(['vso.Code', 'vso.build'], ['vso.build', 'vso.code']), true);
    assert.equal(sameScopes(['vso.code'], ['vso.code', 'vso.build']), false);
    assert.equal(sameScopes(['vso.code', 'vso.work'], ['vso.code', 'vso.build']), false);
    assert.equal(sameScopes(['vso.code', 'vso.code'], ['vso.code']), true);
  });
});

describe('{name} in destination names', () => {
  it('fills {name} (every occurrence) with the display name made safe for each store', () => {
    assert.equal(hasNamePlaceholder('Pat.{name}'), true);
    assert.equal(hasNamePlaceholder('Pat.{Name}'), false);
    assert.equal(variableNameFor('Pat.{name}.{name}', 'feed reader/ü 1.x_y-z'), 'Pat.feed_reader_1.x_y-z.feed_reader_1.x_y-z');
    assert.equal(secretNameFor('Pat-{name}', 'feed reader/ü 1.x_y-z'), 'Pat-feed-reader-1-x-y-z');
    assert.equal(serviceConnectionNameFor('Feed {name}', 'a/b c'), 'Feed a/b c');
  });

  it('per destination kind, and whether any destination needs a name', () => {
    const group: StoreTarget = { kind: 'variableGroup', group: { project: 'p', name: 'g' }, variableName: 'P.{name}', auth: 'user' };
    const vault = { kind: 'keyVault', vault: {}, secretName: 'S-{name}' } as unknown as StoreTarget;
    const connection = { kind: 'serviceConnection', connection: { project: 'p', nameOrId: 'C {name}' } } as unknown as StoreTarget;
    assert.equal((destinationFor(group, 'a b') as { variableName: string }).variableName, 'P.a_b');
    assert.equal((destinationFor(vault, 'a b') as { secretName: string }).secretName, 'S-a-b');
    assert.equal((destinationFor(connection, 'a b') as { connection: { nameOrId: string } }).connection.nameOrId, 'C a b');
    assert.deepEqual([group, vault, connection].map(destinationName), ['P.{name}', 'S-{name}', 'C {name}']);
    assert.equal(destinationUsesName([{ ...group, variableName: 'Fixed' }, connection]), true);
    assert.equal(destinationUsesName([{ ...group, variableName: 'Fixed' }]), false);
    assert.equal(destinationUsesName([]), false);
  });
});
