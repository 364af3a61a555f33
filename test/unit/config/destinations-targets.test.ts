/**
 * Where the new PAT goes (target and its inputs) through parseConfig: each bad input is named with its fix, and each
 * good one comes out as the destination it means.
 */
import { strict as assert } from 'node:assert';
import { parse, problems } from './config-fixtures';

/** The problems about one input, as `message | hint`. */
function about(list: string[], input: string): string[] {
  return list.filter((l) => l.startsWith(`${input}: `)).map((l) => l.slice(input.length + 2));
}

/** The one problem about `input`, which must contain every fragment. */
function only(list: string[], input: string, ...fragments: string[]): void {
  const found = about(list, input);
  assert.equal(found.length, 1, `expected one problem for ${input}, got:\n${list.join('\n')}`);
  for (const f of fragments) assert.ok(found[0]!.includes(f), `expected ${input} ~ ${f}, got: ${found[0]}`);
}

const MSI = { endpoints: { arm: { scheme: 'ManagedServiceIdentity', auth: {}, data: {} } } };
const vault = { azureSubscription: 'arm', keyVault: 'contoso-secrets' };

describe('config destinations: target', () => {
  it('defaults to variableGroup when target is not given, or names no kind', () => {
    for (const target of [undefined, ' , ;']) {
      assert.deepEqual(parse({ target }).destinations, [{ kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth: 'user' }], String(target));
    }
  });

  it('takes several kinds separated by commas, semicolons or new lines, in any case, skipping empty items', () => {
    for (const target of ['variableGroup, keyVault', 'VARIABLEGROUP;keyvault', 'variableGroup\n keyVault\n', 'variableGroup,,keyVault,']) {
      const c = parse({ target, ...vault, secretName: 'FeedPat' }, MSI);
      assert.deepEqual(c.destinations.map((d) => d.kind), ['variableGroup', 'keyVault'], target);
    }
  });

  it('refuses an unknown kind, naming it and the choices', () => {
    only(problems({ target: 'variableGroup, vault' }), 'target', "'vault' is not a destination kind", 'give one of variableGroup, keyVault, serviceConnection, outputOnly, or several');
  });

  it('refuses a kind named twice', () => {
    only(problems({ target: 'keyVault, variableGroup, KeyVault', ...vault, secretName: 'FeedPat' }, MSI), 'target', "names 'keyVault' twice", 'name each kind once');
  });

  it('refuses outputOnly listed with other kinds', () => {
    only(problems({ target: 'outputOnly, variableGroup' }), 'target', "lists 'outputOnly' with other kinds", 'leave outputOnly out');
    only(problems({ target: 'variableGroup, outputOnly' }), 'target', "lists 'outputOnly' with other kinds");
  });

  it('outputOnly alone: no destination, and none of the destination inputs asked for', () => {
    assert.deepEqual(parse({ target: 'outputOnly', variableGroup: undefined, variableName: undefined }).destinations, []);
    assert.deepEqual(parse({ target: 'OutputOnly', variableGroup: undefined, variableName: undefined }).destinations, []);
  });

  it('outputOnly for several PATs: refused, the output variable holds one value', () => {
    only(problems({ target: 'outputOnly', displayName: 'a\nb' }), 'target', 'several PATs are selected', "'{name}' in variableName or secretName");
    only(problems({ target: 'outputOnly', displayName: undefined, displayNamePattern: 'feed-*' }), 'target', 'several PATs are selected');
  });

  it('reports the problems of every listed kind at once', () => {
    const list = problems({ target: 'variableGroup, keyVault, serviceConnection', variableGroup: undefined, secretName: undefined }, MSI);
    only(list, 'variableGroup', "is required when target includes 'variableGroup'");
    only(list, 'secretName', "is required when target includes 'keyVault'", 'e.g. FeedPat');
    only(list, 'keyVault', "is required when target includes 'keyVault'");
    only(list, 'azureSubscription', "is required when target includes 'keyVault'", 'Azure Resource Manager service connection');
    only(list, 'serviceConnection', "is required when target includes 'serviceConnection'");
  });
});

describe('config destinations: variable group', () => {
  it('names the missing group and variable with what to give', () => {
    const list = problems({ variableGroup: undefined, variableName: undefined });
    only(list, 'variableGroup', "is required when target is 'variableGroup'", 'Pipelines > Library');
    only(list, 'variableName', "is required when target is 'variableGroup'", 'e.g. FeedPat');
    assert.equal(list.length, 2, list.join('\n'));
  });

  it('takes digits alone as a group id, anything else as a name', () => {
    const group = (variableGroup: string) => {
      const d = parse({ variableGroup }).destinations[0]!;
      return d.kind === 'variableGroup' ? d.group : undefined;
    };
    assert.deepEqual(group('12'), { project: 'Proj', id: 12 });
    assert.deepEqual(group('7'), { project: 'Proj', id: 7 });
    assert.deepEqual(group('Tokens2'), { project: 'Proj', name: 'Tokens2' });
    assert.deepEqual(group('12 Tokens'), { project: 'Proj', name: '12 Tokens' });
    assert.deepEqual(group('v12'), { project: 'Proj', name: 'v12' });
  });

  it('needs a project: destinationProject, else System.TeamProject', () => {
    const list = problems({}, { variables: { 'System.TeamProject': '' } });
    only(list, 'variableGroup', 'needs the project of the variable group, but neither destinationProject nor System.TeamProject is set', 'set destinationProject');
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('a missing group outside a project: only "is required", not the project as well', () => {
    const list = problems({ variableGroup: undefined }, { variables: { 'System.TeamProject': '' } });
    only(list, 'variableGroup', 'is required');
  });

  it('a bad destinationProject is the one problem, not the group as well', () => {
    const list = problems({ destinationProject: 'a:b' }, { variables: { 'System.TeamProject': '' } });
    only(list, 'destinationProject', "'a:b' is not a valid project name", 'at most 64 characters');
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('takes a good destinationProject over System.TeamProject', () => {
    const d = parse({ destinationProject: 'Platform Team' }).destinations[0]!;
    assert.deepEqual(d.kind === 'variableGroup' && d.group, { project: 'Platform Team', name: 'Tokens' });
  });

  it("variableGroupAuth: 'user' by default, 'job' with the job's token, anything else refused", () => {
    const auth = (c: ReturnType<typeof parse>) => (c.destinations[0]!.kind === 'variableGroup' ? c.destinations[0]!.auth : undefined);
    assert.equal(auth(parse()), 'user');
    assert.equal(auth(parse({ variableGroupAuth: 'JOB' }, { variables: { 'System.AccessToken': 'job-token-123456' } })), 'job');
    only(problems({ variableGroupAuth: 'job' }), 'variableGroupAuth', "is 'job', but this job has no access token (System.AccessToken)", 'SYSTEM_ACCESSTOKEN: $(System.AccessToken)', 'variableGroupAuth: user');
    only(problems({ variableGroupAuth: 'pipeline' }), 'variableGroupAuth', "'pipeline' is not one of user, job");
  });

  it('checks variableGroupAuth once when both the PAT and the refresh token use a group', () => {
    const rt = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
    only(problems({ ...rt, variableGroupAuth: 'job' }), 'variableGroupAuth', 'no access token');
    const c = parse({ ...rt, variableGroupAuth: 'job' }, { variables: { 'System.AccessToken': 'job-token-123456' } });
    assert.equal(c.refreshTokenStore.kind === 'variableGroup' && c.refreshTokenStore.auth, 'job');
  });
});

describe('config destinations: service connection', () => {
  const sc = (serviceConnection: string | undefined) => ({ target: 'serviceConnection', serviceConnection, variableGroup: undefined, variableName: undefined });

  it('takes the name as given (up to 256 characters) in the destination project', () => {
    const name = 'n'.repeat(256);
    assert.deepEqual(parse(sc(name)).destinations, [{ kind: 'serviceConnection', connection: { project: 'Proj', nameOrId: name } }]);
  });

  it('refuses a name with control characters or longer than 256, showing it printable', () => {
    only(problems(sc('feed\u0007conn')), 'serviceConnection', "'feed?conn' is not a service connection name or ID", 'Project settings > Service connections');
    only(problems(sc('n'.repeat(257))), 'serviceConnection', 'is not a service connection name or ID');
  });

  it('needs a project, as the variable group does', () => {
    const list = problems(sc('feed'), { variables: { 'System.TeamProject': '' } });
    only(list, 'serviceConnection', 'needs the project of the service connection, but neither destinationProject nor System.TeamProject is set', 'set destinationProject to the project that owns the connection');
    assert.equal(list.length, 1, list.join('\n'));
    only(problems(sc(undefined), { variables: { 'System.TeamProject': '' } }), 'serviceConnection', 'is required', 'Project settings > Service connections');
    only(problems({ ...sc('feed'), destinationProject: '.hidden' }), 'destinationProject', 'not a valid project name');
    assert.equal(problems({ ...sc('feed'), destinationProject: '.hidden' }).length, 1);
  });

  it('several PATs into one connection need {name}; with it, each name is checked', () => {
    only(problems({ ...sc('feed'), displayName: 'a\nb' }), 'serviceConnection', "'feed' would receive every selected PAT, one overwriting the other", 'e.g. Feed {name}');
    only(problems({ ...sc('Feed {name}'), displayName: 'a\nA' }), 'serviceConnection', "the PATs 'a' and 'A' would both be written to 'Feed A'");
  });
});

describe('config destinations: Key Vault', () => {
  it('several PATs into one secret need {name}', () => {
    only(problems({ target: 'keyVault', ...vault, secretName: 'FeedPat', displayName: 'a\nb' }, MSI), 'secretName', "'FeedPat' would receive every selected PAT", 'e.g. Pat-{name}');
    only(problems({ displayName: 'a\nb' }), 'variableName', "'FeedPat' would receive every selected PAT", 'e.g. Pat.{name}');
  });

  it('expands {name} for each listed PAT and refuses a secret name it makes too long', () => {
    only(problems({ target: 'keyVault', ...vault, secretName: `${'s'.repeat(100)}-{name}`, displayName: `${'a'.repeat(30)}\nb` }, MSI), 'secretName', `(for PAT '${'a'.repeat(30)}') is not a valid name`, 'shorten the template or the display name');
  });

  it('one PAT needs no {name}, and a pattern with {name} defers the check of names to run time', () => {
    const c = parse({ target: 'keyVault', ...vault, secretName: 'Pat-{name}', displayName: undefined, displayNamePattern: 'feed-*' }, MSI);
    assert.equal(c.destinations[0]!.kind === 'keyVault' && c.destinations[0]!.secretName, 'Pat-{name}');
  });

  it('parses the vault once when both the PAT and the refresh token use it, so its problem is reported once', () => {
    const list = problems({ target: 'keyVault', azureSubscription: 'arm', secretName: 'FeedPat', refreshTokenStore: 'keyVault', refreshTokenSecretName: 'signin' }, MSI);
    only(list, 'keyVault', "is required when target is 'keyVault'");
  });
});
