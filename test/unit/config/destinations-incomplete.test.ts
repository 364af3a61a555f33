/**
 * The parsers below parseConfig give a destination, a store or a sign-in only when every part of it was good: a part
 * refused (and reported) leaves nothing half-made behind for a caller to use.
 */
import { strict as assert } from 'node:assert';
import { DestinationInputs, parsePatDestinations, parseRefreshTokenStore } from '../../../src/config/destinations';
import { parseSignInConnection } from '../../../src/config/sign-in-connection';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom, type RawInputValues } from '../../../src/config/raw-inputs';
import { CLIENT, NOW, REFRESH_TOKEN, TENANT } from './config-fixtures';

const MSI = { arm: { scheme: 'ManagedServiceIdentity', auth: {}, data: {} } };
const one = { displayNames: ['feed'], bulk: false };

function setup(inputs: Record<string, string | undefined>, variables: Record<string, string | undefined> = { 'System.TeamProject': 'Proj' }) {
  const p = new Problems();
  const raw = rawInputsFrom({ inputs, variables, endpoints: MSI });
  return { p, raw, shared: new DestinationInputs(p, raw, {}) };
}

function destinations(inputs: Record<string, string | undefined>, variables?: Record<string, string | undefined>) {
  const { p, raw, shared } = setup(inputs, variables);
  return { result: parsePatDestinations(p, raw, shared, one), problems: p.count };
}

function store(inputs: Record<string, string | undefined>) {
  const { p, raw, shared } = setup(inputs);
  return { result: parseRefreshTokenStore(p, raw, shared), problems: p.count };
}

const group = { target: 'variableGroup', variableGroup: 'Tokens', variableName: 'FeedPat' };
const vault = { target: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets', secretName: 'FeedPat' };

describe('parsePatDestinations: all or nothing', () => {
  it('gives every destination when all are good', () => {
    assert.deepEqual(destinations(group), { result: [{ kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth: 'user' }], problems: 0 });
    assert.equal(destinations({ ...vault, ...group, target: 'variableGroup, keyVault' }).result?.length, 2);
  });

  it('gives none when any part of a variable group destination was refused', () => {
    for (const bad of [{ variableGroup: undefined }, { variableName: undefined }, { variableGroupAuth: 'pipeline' }]) {
      const r = destinations({ ...group, ...bad });
      assert.equal(r.result, undefined, JSON.stringify(bad));
      assert.equal(r.problems, 1, JSON.stringify(bad));
    }
    const outside = destinations(group, {});
    assert.equal(outside.result, undefined);
    assert.equal(outside.problems, 1);
  });

  it('gives none when any part of a Key Vault destination was refused', () => {
    for (const bad of [{ keyVault: undefined }, { secretName: undefined }]) {
      const r = destinations({ ...vault, ...bad });
      assert.equal(r.result, undefined, JSON.stringify(bad));
      assert.equal(r.problems, 1, JSON.stringify(bad));
    }
  });

  it('gives none when one of several kinds was refused, though the others are good', () => {
    const r = destinations({ ...vault, ...group, target: 'variableGroup, keyVault', secretName: 'Feed_Pat' });
    assert.equal(r.result, undefined);
    assert.equal(r.problems, 1);
  });
});

describe('DestinationInputs: a group or connection only with its project', () => {
  it('gives no group without a value or without a project', () => {
    assert.equal(setup({ variableGroup: 'Tokens' }, {}).shared.variableGroup('variableGroup', 'now'), undefined);
    assert.equal(setup({}).shared.variableGroup('variableGroup', 'now'), undefined);
    assert.deepEqual(setup({ variableGroup: 'Tokens' }).shared.variableGroup('variableGroup', 'now'), { project: 'Proj', name: 'Tokens' });
  });

  it('gives no group or connection when destinationProject was refused (that problem alone is reported)', () => {
    const { p, shared } = setup({ variableGroup: 'Tokens', serviceConnection: 'feed', destinationProject: 'a:b' }, {});
    assert.equal(shared.variableGroup('variableGroup', 'now'), undefined);
    assert.equal(shared.serviceConnection('now'), undefined);
    assert.equal(p.count, 1);
    assert.ok(p.has('destinationProject'));
  });

  it('gives no connection without a value or without a project', () => {
    assert.equal(setup({ serviceConnection: 'feed' }, {}).shared.serviceConnection('now'), undefined);
    assert.equal(setup({}).shared.serviceConnection('now'), undefined);
    assert.deepEqual(setup({ serviceConnection: 'feed' }).shared.serviceConnection('now'), { project: 'Proj', nameOrId: 'feed' });
  });
});

describe('parseRefreshTokenStore: all or nothing', () => {
  const rtGroup = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'Rt' };
  const rtVault = { refreshTokenStore: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets', refreshTokenSecretName: 'Rt' };

  it('gives the store when all is good', () => {
    assert.equal(store(rtGroup).result?.kind, 'variableGroup');
    assert.equal(store(rtVault).result?.kind, 'keyVault');
  });

  it('gives none when a part of the variable group store was refused', () => {
    for (const bad of [{ refreshTokenVariableGroup: undefined }, { refreshTokenVariableName: undefined }, { variableGroupAuth: 'pipeline' }]) {
      const r = store({ ...rtGroup, ...bad });
      assert.equal(r.result, undefined, JSON.stringify(bad));
      assert.equal(r.problems, 1, JSON.stringify(bad));
    }
  });

  it('gives none when a part of the Key Vault store was refused', () => {
    for (const bad of [{ keyVault: undefined }, { refreshTokenSecretName: undefined }]) {
      const r = store({ ...rtVault, ...bad });
      assert.equal(r.result, undefined, JSON.stringify(bad));
      assert.equal(r.problems, 1, JSON.stringify(bad));
    }
  });

  it('an unknown store: that one problem, and no inputs of any store asked for', () => {
    assert.deepEqual(store({ refreshTokenStore: 'vault' }), { result: undefined, problems: 1 });
  });
});

describe('parseSignInConnection: all or nothing', () => {
  const ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
  function signIn(o: { url?: string | null; auth?: Record<string, string>; variables?: Record<string, string> } = {}) {
    const p = new Problems();
    const values: RawInputValues = {
      inputs: { signInConnection: ID },
      variables: { 'System.TeamProject': 'Proj', ...o.variables },
      endpoints: { [ID]: { url: o.url === null ? undefined : (o.url ?? 'https://login.microsoftonline.com/'), scheme: 'None', auth: { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, ...o.auth } } },
    };
    return { result: parseSignInConnection(p, rawInputsFrom(values), NOW), problems: p.count };
  }

  it('gives the sign-in when all is good', () => {
    const r = signIn();
    assert.equal(r.problems, 0);
    assert.deepEqual(r.result?.entra, { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN });
    assert.equal(r.result?.authorityHost, 'https://login.microsoftonline.com');
  });

  it('gives none when any part was refused', () => {
    const cases: Array<[string, Parameters<typeof signIn>[0]]> = [
      ['tenant', { auth: { tenantId: '' } }],
      ['client', { auth: { clientId: 'x' } }],
      ['refresh token', { auth: { refreshToken: 'with space' } }],
      ['URL', { url: null }],
      ['project', { variables: { 'System.TeamProject': '' } }],
    ];
    for (const [what, o] of cases) {
      const r = signIn(o);
      assert.equal(r.result, undefined, what);
      assert.equal(r.problems, 1, what);
    }
  });
});
