/**
 * parseConfig's own rules: defaults, the bounds of its numbers and their hints, which actions read the destinations,
 * the scopes, and the fields a Config carries only when they were given.
 */
import { strict as assert } from 'node:assert';
import { parse, problems } from './config-fixtures';

function about(list: string[], input: string): string[] {
  return list.filter((l) => l.startsWith(`${input}: `)).map((l) => l.slice(input.length + 2));
}

function only(list: string[], input: string, ...fragments: string[]): void {
  const found = about(list, input);
  assert.equal(found.length, 1, `expected one problem for ${input}, got:\n${list.join('\n')}`);
  for (const f of fragments) assert.ok(found[0]!.includes(f), `expected ${input} ~ ${f}, got: ${found[0]}`);
}

describe('parseConfig: defaults and switches', () => {
  it('rotates when no action is given', () => {
    assert.equal(parse({ action: undefined }).action, 'rotate');
  });

  it('refuses an unknown action and still checks the rest as for rotate', () => {
    const list = problems({ action: 'rotat', variableGroup: undefined });
    only(list, 'action', "'rotat' is not one of create, rotate, update, revoke, list, check");
    only(list, 'variableGroup', "is required when target is 'variableGroup'");
  });

  it('leaves every switch at its safe default', () => {
    const c = parse();
    assert.equal(c.revokeOld, true);
    assert.equal(c.dryRun, false);
    assert.equal(c.checkPatCreation, false);
    assert.equal(c.outputRefreshToken, false);
    assert.equal(c.revokeUntracked, false);
    assert.equal(c.allowNarrowingGlobalPat, false);
    assert.equal(c.allowFullAccess, false);
    assert.ok(!('newDisplayName' in c), 'no rename');
    assert.ok(!('scopes' in c), 'no scopes');
    assert.ok(!('systemAccessToken' in c), 'no job token');
  });

  it('reads every switch that is set', () => {
    const c = parse({ revokeOld: 'false', dryRun: 'true', outputRefreshToken: 'TRUE', revokeUntracked: 'true', allowNarrowingGlobalPat: 'true', allowFullAccess: 'true' });
    assert.deepEqual(
      [c.revokeOld, c.dryRun, c.outputRefreshToken, c.revokeUntracked, c.allowNarrowingGlobalPat, c.allowFullAccess],
      [false, true, true, true, true, true],
    );
    assert.equal(parse({ action: 'check', checkPatCreation: 'true' }).checkPatCreation, true);
  });

  it('refuses checkPatCreation for any action but check, with the fix', () => {
    only(problems({ action: 'list', checkPatCreation: 'true' }), 'checkPatCreation', "is for action 'check', not 'list'", 'set action: check');
    assert.doesNotThrow(() => parse({ action: 'list', checkPatCreation: 'false' }));
  });

  it('carries the job access token when the job has one', () => {
    assert.equal(parse({}, { variables: { 'System.AccessToken': 'job-token-123456' } }).systemAccessToken, 'job-token-123456');
  });
});

describe('parseConfig: numbers', () => {
  it('lifetimeDays: 30 by default, 1..366, the hint giving the range', () => {
    assert.equal(parse().lifetimeDays, 30);
    assert.equal(parse({ lifetimeDays: '8' }).lifetimeDays, 8);
    only(problems({ lifetimeDays: '0' }), 'lifetimeDays', '0 is outside 1..366', 'give a whole number of days from 1 to 366');
    only(problems({ lifetimeDays: '$(Days)' }), 'lifetimeDays', "no variable named 'Days'");
  });

  it('rotateWhenExpiresWithinDays: 7 by default, 0..366', () => {
    assert.equal(parse().rotateWhenExpiresWithinDays, 7);
    assert.equal(parse({ rotateWhenExpiresWithinDays: '0' }).rotateWhenExpiresWithinDays, 0);
    only(problems({ rotateWhenExpiresWithinDays: '-1' }), 'rotateWhenExpiresWithinDays', '-1 is outside 0..366', 'give a whole number of days, 0 to rotate on every run');
  });

  it('a rotation window not below the lifetime: refused for rotate, with a window that would work', () => {
    only(problems({ lifetimeDays: '30', rotateWhenExpiresWithinDays: '30' }), 'rotateWhenExpiresWithinDays', 'is 30, not less than lifetimeDays (30): every new PAT would be due at once', 'set it below 30 (e.g. 7), or 0');
    only(problems({ lifetimeDays: '2', rotateWhenExpiresWithinDays: '3' }), 'rotateWhenExpiresWithinDays', 'set it below 2 (e.g. 1)');
    assert.equal(parse({ lifetimeDays: '30', rotateWhenExpiresWithinDays: '29' }).rotateWhenExpiresWithinDays, 29);
  });

  it('a rotation window is not held to the lifetime for the other actions', () => {
    assert.equal(parse({ action: 'create', scopes: 'vso.code', lifetimeDays: '7', rotateWhenExpiresWithinDays: '7' }).lifetimeDays, 7);
    assert.equal(parse({ action: 'check', lifetimeDays: '7', rotateWhenExpiresWithinDays: '7' }).rotateWhenExpiresWithinDays, 7);
  });

  it('concurrency: 4 by default, 1..16', () => {
    assert.equal(parse().concurrency, 4);
    assert.equal(parse({ concurrency: '16' }).concurrency, 16);
    only(problems({ concurrency: '17' }), 'concurrency', '17 is outside 1..16', 'give a whole number from 1 to 16');
  });

  it('refreshTokenMaxAgeDays: 60 by default, 1..90', () => {
    assert.equal(parse().refreshTokenMaxAgeDays, 60);
    assert.equal(parse({ refreshTokenMaxAgeDays: '90' }).refreshTokenMaxAgeDays, 90);
    only(problems({ refreshTokenMaxAgeDays: '0' }), 'refreshTokenMaxAgeDays', '0 is outside 1..90', 'an unused refresh token lasts 90 days');
  });
});

describe('parseConfig: which actions read the PAT destinations', () => {
  const noGroup = { variableGroup: undefined };

  it('create, rotate and check need them', () => {
    for (const action of ['create', 'rotate', 'check']) only(problems({ action, scopes: 'vso.code', ...noGroup }), 'variableGroup', 'is required');
  });

  it('revoke never reads them', () => {
    assert.deepEqual(parse({ action: 'revoke', ...noGroup }).destinations, []);
  });

  it('list and update read them only when the step names a PAT variable, secret or connection', () => {
    for (const action of ['list', 'update']) {
      assert.deepEqual(parse({ action, ...noGroup, variableName: undefined }).destinations, [], action);
      only(problems({ action, ...noGroup }), 'variableGroup', 'is required');
      only(problems({ action, target: 'keyVault', ...noGroup, variableName: undefined, secretName: 'FeedPat' }), 'keyVault', 'is required');
      only(problems({ action, target: 'serviceConnection', ...noGroup, variableName: undefined, serviceConnection: 'feed' }, { variables: { 'System.TeamProject': '' } }), 'serviceConnection', 'needs the project');
    }
    const c = parse({ action: 'list' });
    assert.deepEqual(c.destinations, [{ kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth: 'user' }]);
  });

  it('list and check without refreshTokenStore save nothing, but check parses a store that is given', () => {
    assert.deepEqual(parse({ action: 'check', refreshTokenStore: undefined }).refreshTokenStore, { kind: 'none' });
    only(problems({ action: 'check', refreshTokenStore: 'variableGroup' }), 'refreshTokenVariableName', 'is required');
    only(problems({ action: 'list', refreshTokenStore: 'keyVault' }), 'refreshTokenSecretName', 'is required');
  });

  it('one name is one PAT; several names or a pattern are bulk, and need {name}', () => {
    assert.equal(parse({ displayName: 'feed' }).destinations.length, 1);
    only(problems({ displayName: 'feed\nbuild' }), 'variableName', 'would receive every selected PAT');
    only(problems({ displayName: undefined, displayNamePattern: 'f*' }), 'variableName', 'would receive every selected PAT');
  });

  it('checks each destination against the refresh token store', () => {
    const rt = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'Tokens', refreshTokenVariableName: 'FeedPat' };
    only(problems({ action: 'check', ...rt }), 'variableName', "would overwrite the refresh token's variable 'FeedPat'");
  });
});

describe('parseConfig: scopes', () => {
  it('are required to create, naming an example', () => {
    only(problems({ action: 'create', scopes: undefined }), 'scopes', 'is required to create a PAT', 'e.g. vso.packaging vso.code');
  });

  it('are optional for rotate, update and check; ignored for revoke and list', () => {
    for (const action of ['rotate', 'update', 'check']) assert.equal(parse({ action }).scopes, undefined, action);
    assert.deepEqual(parse({ action: 'update', scopes: 'vso.code' }).scopes, ['vso.code']);
    for (const action of ['revoke', 'list']) assert.ok(!('scopes' in parse({ action, scopes: 'app_token' })), action);
  });

  it('lists every unknown scope, with a suggestion where one is near', () => {
    only(problems({ scopes: 'vso.cod zzzzzz vso.build' }), 'scopes', "unknown scope(s) 'vso.cod' (did you mean vso.code?), 'zzzzzz'", 'learn.microsoft.com/azure/devops/integrate');
  });

  it('refuses a value with no scope in it', () => {
    only(problems({ scopes: ' , ' }), 'scopes', 'names no scope', 'e.g. vso.packaging');
  });

  it('refuses full access unless allowed, and then only alone', () => {
    only(problems({ scopes: 'vso.code app_token' }), 'scopes', "'app_token' gives the PAT full access", 'set allowFullAccess: true');
    only(problems({ scopes: 'vso.code app_token', allowFullAccess: 'true' }), 'scopes', "'app_token' (full access) cannot be combined with other scopes", "give 'app_token' alone");
    assert.deepEqual(parse({ scopes: 'vso.code vso.build', allowFullAccess: 'true' }).scopes, ['vso.code', 'vso.build']);
  });
});

describe('parseConfig: each problem names its own input', () => {
  const MSI = { endpoints: { arm: { scheme: 'ManagedServiceIdentity', auth: {}, data: {} } } };

  it('an unexpanded $(macro) is reported once, under the input that holds it', () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['variableGroup', {}],
      ['variableName', {}],
      ['destinationProject', {}],
      ['scopes', {}],
      ['serviceConnection', { target: 'serviceConnection' }],
      ['secretName', { target: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets' }],
      ['refreshTokenVariableGroup', { refreshTokenStore: 'variableGroup', refreshTokenVariableName: 'Rt' }],
      ['refreshTokenVariableName', { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin' }],
      ['refreshTokenSecretName', { refreshTokenStore: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets' }],
    ];
    for (const [input, extra] of cases) {
      const list = problems({ ...extra, [input]: '$(Missing.Value)' }, MSI);
      only(list, input, "no variable named 'Missing.Value'");
      assert.equal(list.length, 1, `${input}:\n${list.join('\n')}`);
    }
  });

  it('a switch that is not true or false is named', () => {
    for (const input of ['allowFullAccess', 'revokeOld', 'dryRun', 'checkPatCreation', 'outputRefreshToken', 'revokeUntracked', 'allowNarrowingGlobalPat']) {
      const list = problems({ action: 'check', [input]: 'yes' });
      only(list, input, "'yes' is not true or false", `set ${input} to true or false`);
      assert.equal(list.length, 1, `${input}:\n${list.join('\n')}`);
    }
  });
});
