/**
 * ServiceConnectionStore on a fake ServiceEndpointClient that keeps connections in memory: how it finds the connection,
 * what it refuses before writing, what one PUT carries (the PAT parameter, the record line in every description), and
 * what verify() checks.
 */
import { strict as assert } from 'node:assert';
import type { ServiceEndpointClient } from '../../../src/devops/service-endpoint-client';
import type { ServiceEndpoint } from '../../../src/devops/types';
import { PatLifecycleError } from '../../../src/errors';
import { DESCRIPTION_MAX, parseRecord, PAT_ROLE, RECORD_PREFIX, ServiceConnectionStore, SIGN_IN_ROLE, UNSUPPORTED_CONNECTION, withRecord } from '../../../src/stores/service-connection-store';

const ID = '11111111-2222-3333-4444-555555555555';
const PAT_ID = '4ab5764f-4193-4f1d-b995-64144880b7d7';

type Put = { endpoint: ServiceEndpoint; project: string; recordOnly: boolean | undefined };

/** Connections in memory, answered as copies; every call recorded. */
class FakeEndpoints {
  readonly calls: string[] = [];
  readonly puts: Put[] = [];
  endpoints: ServiceEndpoint[];
  /** Thrown by the next update, once. */
  failUpdate: Error | undefined;
  /** Changes the PUT's answer (not what is stored). */
  answerWith: ((sent: ServiceEndpoint) => ServiceEndpoint) | undefined;
  /** Changes what the service keeps of a PUT. */
  keep: ((sent: ServiceEndpoint) => ServiceEndpoint) | undefined;

  constructor(...endpoints: ServiceEndpoint[]) {
    this.endpoints = endpoints.map(copy);
  }

  get client(): ServiceEndpointClient {
    return this as unknown as ServiceEndpointClient;
  }

  async getById(project: string, id: string): Promise<ServiceEndpoint | undefined> {
    this.calls.push(`get ${project} ${id}`);
    await Promise.resolve();
    const found = this.endpoints.find((e) => e.id.toLowerCase() === id.toLowerCase());
    return found && copy(found);
  }

  async findByName(project: string, name: string): Promise<ServiceEndpoint[]> {
    this.calls.push(`find ${project} ${name}`);
    await Promise.resolve();
    return this.endpoints.filter((e) => e.name.toLowerCase() === name.toLowerCase()).map(copy);
  }

  async update(endpoint: ServiceEndpoint, project: string, options: { recordOnly?: boolean } = {}): Promise<ServiceEndpoint> {
    this.calls.push(`put ${project} ${endpoint.id}`);
    this.puts.push({ endpoint: copy(endpoint), project, recordOnly: options.recordOnly });
    await Promise.resolve();
    if (this.failUpdate) {
      const err = this.failUpdate;
      this.failUpdate = undefined;
      throw err;
    }
    const kept = this.keep ? this.keep(copy(endpoint)) : copy(endpoint);
    this.endpoints = this.endpoints.map((e) => (e.id === endpoint.id ? kept : e));
    return this.answerWith ? this.answerWith(copy(endpoint)) : copy(endpoint);
  }

  get stored(): ServiceEndpoint {
    return this.endpoints[0]!;
  }
}

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function feed(over: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return {
    id: ID,
    name: 'Feed',
    type: 'externalnugetfeed',
    url: 'https://pkgs.example/feed',
    description: 'Feed for builds',
    isReady: true,
    authorization: { scheme: 'Token', parameters: { apitoken: null } },
    serviceEndpointProjectReferences: [{ name: 'Feed', description: 'Feed for builds', projectReference: { id: 'p-web', name: 'Web' } }],
    ...over,
  };
}

/** A connection whose description holds `description` at the top level and in its reference in project Web. */
function recorded(description: string, over: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return feed({ description, serviceEndpointProjectReferences: [{ name: 'Feed', description, projectReference: { id: 'p-web', name: 'Web' } }], ...over });
}

const byName = (fake: FakeEndpoints, nameOrId = 'Feed', project = 'Web') => new ServiceConnectionStore({ client: fake.client, connection: { project, nameOrId } });

async function failure(p: Promise<unknown>): Promise<PatLifecycleError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PatLifecycleError) return err;
    throw err;
  }
  assert.fail('expected a PatLifecycleError');
}

const LONGEST = withRecord('', PAT_ROLE.longestRecord).length;
/** The longest description that leaves room for the longest record line (plus its newline). */
const ROOM = DESCRIPTION_MAX - LONGEST - 1;

describe('ServiceConnectionStore: finding the connection', () => {
  it('looks a name up by name, then addresses the connection by its id', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake, 'feed');
    assert.equal(store.describe(), "service connection 'feed' in project 'Web'");
    assert.equal(store.label(), "service connection 'feed'");
    assert.equal(store.isConnection(ID), false, 'not known before it is found');
    await store.read();
    await store.read();
    assert.deepEqual(fake.calls, ['find Web feed', `get Web ${ID}`]);
    assert.equal(store.describe(), `service connection 'Feed' (id ${ID}) in project 'Web'`);
    assert.equal(store.label(), "service connection 'Feed'");
    assert.equal(store.isConnection(ID.toUpperCase()), true);
    assert.equal(store.isConnection('99999999-2222-3333-4444-555555555555'), false);
  });

  it('a GUID is an id: read by id from the start, and described by it alone until found', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake, ID);
    assert.equal(store.describe(), `service connection '${ID}' in project 'Web'`);
    assert.equal(store.isConnection(ID), true);
    await store.read();
    assert.deepEqual(fake.calls, [`get Web ${ID}`]);
  });

  it('refuses a name two connections share, naming their ids and the input', async () => {
    const fake = new FakeEndpoints(feed(), feed({ id: 'other-id', name: 'FEED' }));
    const err = await failure(byName(fake).read());
    assert.equal(err.kind, 'input');
    assert.equal(err.code, 'AmbiguousServiceConnection');
    assert.equal(err.input, 'serviceConnection');
    assert.equal(err.message, `2 service connections are named 'Feed' in project 'Web' (ids ${ID}, other-id).`);
    assert.equal(err.hint, "Give the connection's id instead of its name in 'serviceConnection'.");
  });

  it('a connection that is not there: not found, with the role\'s fix', async () => {
    const err = await failure(byName(new FakeEndpoints(feed()), 'Nope').read());
    assert.equal(err.kind, 'notFound');
    assert.equal(err.code, 'ServiceConnectionNotFound');
    assert.equal(err.input, 'serviceConnection');
    assert.equal(err.message, "Service connection 'Nope' was not found in project 'Web'.");
    assert.equal(err.hint, PAT_ROLE.notFoundHint);
    const byId = await failure(byName(new FakeEndpoints(feed()), '99999999-2222-3333-4444-555555555555').read());
    assert.equal(byId.code, 'ServiceConnectionNotFound');
    const signIn = await failure(new ServiceConnectionStore({ client: new FakeEndpoints().client, connection: { project: 'Web', nameOrId: 'Sign-in' }, role: SIGN_IN_ROLE }).read());
    assert.equal(signIn.input, 'signInConnection');
    assert.equal(signIn.hint, SIGN_IN_ROLE.notFoundHint);
  });

  it('refuses a type or scheme that holds no PAT, naming type, scheme and what is supported', async () => {
    const err = await failure(byName(new FakeEndpoints(feed({ type: 'AzureRM', authorization: { scheme: 'ServicePrincipal', parameters: {} } }))).read());
    assert.equal(err.kind, 'input');
    assert.equal(err.code, UNSUPPORTED_CONNECTION);
    assert.equal(err.input, 'serviceConnection');
    assert.equal(err.message, "Service connection 'Feed' (input serviceConnection) in project 'Web' is of type 'AzureRM' with scheme 'ServicePrincipal', which holds no Azure DevOps PAT the task can write. Nothing was created.");
    assert.equal(err.hint, `Supported: ${PAT_ROLE.supported}. ${PAT_ROLE.unsupportedHint}`);
    const none = await failure(byName(new FakeEndpoints(feed({ authorization: null }))).read());
    assert.match(none.message, /with scheme '\(none\)'/);
    const signIn = await failure(new ServiceConnectionStore({ client: new FakeEndpoints(feed()).client, connection: { project: 'Web', nameOrId: 'Feed' }, role: SIGN_IN_ROLE }).read());
    assert.match(signIn.message, /\(input signInConnection\).*which holds no PAT Lifecycle sign-in the task can write/);
    assert.equal(signIn.hint, `Supported: ${SIGN_IN_ROLE.supported}. ${SIGN_IN_ROLE.unsupportedHint}`);
  });

  it('matches type and scheme ignoring case, and each supported pair', async () => {
    const pairs: Array<[string, string, string]> = [
      ['ExternalTfs', 'TOKEN', 'apitoken'],
      ['externalnugetfeed', 'UsernamePassword', 'password'],
      ['externalnpmregistry', 'Token', 'apitoken'],
      ['git', 'UsernamePassword', 'password'],
      ['Generic', 'usernamepassword', 'password'],
    ];
    for (const [type, scheme, parameter] of pairs) {
      const fake = new FakeEndpoints(feed({ type, authorization: { scheme, parameters: { [parameter]: null } } }));
      assert.equal((await byName(fake).read()).exists, true, `${type}/${scheme}`);
    }
    const unsupported = await failure(byName(new FakeEndpoints(feed({ type: 'externalnpmregistry', authorization: { scheme: 'UsernamePassword', parameters: { password: null } } }))).read());
    assert.equal(unsupported.code, UNSUPPORTED_CONNECTION);
  });

  it('found(): id, name and the projects that share it (by name, else id), from what was just read', async () => {
    const fake = new FakeEndpoints(
      feed({
        serviceEndpointProjectReferences: [
          { projectReference: { id: 'p-web', name: 'Web' } },
          { projectReference: { id: 'p-api' } },
          { projectReference: {} },
        ],
      }),
    );
    const store = byName(fake);
    assert.deepEqual(await store.found(), { id: ID, name: 'Feed', projects: ['Web', 'p-api'] });
    assert.deepEqual(await store.found(), { id: ID, name: 'Feed', projects: ['Web', 'p-api'] });
    assert.deepEqual(fake.calls, ['find Web Feed'], 'one read');
    const bare = byName(new FakeEndpoints(feed({ serviceEndpointProjectReferences: null })));
    assert.deepEqual((await bare.found()).projects, ['Web']);
  });
});

describe('ServiceConnectionStore: reading', () => {
  it('a PAT exists when the connection has its parameter (any spelling); the record comes from this project\'s reference', async () => {
    const fake = new FakeEndpoints(
      feed({
        description: `${RECORD_PREFIX}authorizationId=top-level`,
        authorization: { scheme: 'Token', parameters: { ApiToken: null } },
        serviceEndpointProjectReferences: [
          { description: `${RECORD_PREFIX}authorizationId=in-api`, projectReference: { id: 'p-api', name: 'Api' } },
          { description: `${RECORD_PREFIX}authorizationId=in-web; validTo=2027-01-01`, projectReference: { id: 'p-web', name: 'Web' } },
        ],
      }),
    );
    assert.deepEqual(await byName(fake, 'Feed', 'WEB').read(), { exists: true, metadata: { authorizationId: 'in-web', validTo: '2027-01-01' } });
    assert.deepEqual((await byName(fake, 'Feed', 'P-API').read()).metadata, { authorizationId: 'in-api' }, 'by project id');
    assert.deepEqual((await byName(fake, 'Feed', 'Other').read()).metadata, { authorizationId: 'top-level' }, 'no reference of its own: the top level');
  });

  it('no PAT parameter: nothing stored, the record still read', async () => {
    const fake = new FakeEndpoints(feed({ description: `${RECORD_PREFIX}pending=v1 x`, serviceEndpointProjectReferences: [{ projectReference: { name: 'Web' } }], authorization: { scheme: 'Token', parameters: {} } }));
    assert.deepEqual(await byName(fake).read(), { exists: false, metadata: { pending: 'v1 x' } });
    const noParameters = new FakeEndpoints(feed({ authorization: { scheme: 'Token', parameters: null } }));
    assert.equal((await byName(noParameters).read()).exists, false);
  });

  it('read({ recent: true }) answers from what it saw a moment ago; a plain read asks again', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake);
    await store.read();
    await store.read({ recent: true });
    assert.equal(fake.calls.length, 1);
    await store.read();
    assert.equal(fake.calls.length, 2);
    const fresh = new FakeEndpoints(feed());
    await byName(fresh).read({ recent: true });
    assert.equal(fresh.calls.length, 1, 'nothing seen yet: it reads');
  });
});

describe('ServiceConnectionStore: prepare() refusals before anything is written', () => {
  it('an answer without project references: permission error naming the connection and project', async () => {
    const err = await failure(byName(new FakeEndpoints(feed({ serviceEndpointProjectReferences: [] }))).prepare());
    assert.equal(err.kind, 'permission');
    assert.equal(err.code, 'ServiceConnectionReferencesHidden');
    assert.equal(err.input, 'serviceConnection');
    assert.match(err.message, /^Azure DevOps answered service connection 'Feed' \(id [-0-9a-f]+\) in project 'Web' without its project references/);
    assert.equal(err.hint, "Give the signed-in user the Administrator role on the connection: Project settings > Service connections > 'Feed' > Security (project 'Web').");
    const missing = await failure(byName(new FakeEndpoints(feed({ serviceEndpointProjectReferences: null }))).prepare());
    assert.equal(missing.code, 'ServiceConnectionReferencesHidden');
  });

  it('a description with room for the longest record line passes; one character more is refused', async () => {
    await byName(new FakeEndpoints(feed({ description: 'x'.repeat(ROOM) }))).prepare();
    const err = await failure(byName(new FakeEndpoints(feed({ description: 'x'.repeat(ROOM + 1) }))).prepare());
    assert.equal(err.kind, 'input');
    assert.equal(err.code, 'ServiceConnectionDescriptionFull');
    assert.equal(err.input, 'serviceConnection');
    assert.equal(err.message, `The description of service connection 'Feed' (id ${ID}) in project 'Web' has ${ROOM + 1} characters; the record line the task keeps there needs up to ${LONGEST + 1} more, and Azure DevOps keeps at most ${DESCRIPTION_MAX}. Nothing was created.`);
    assert.equal(err.hint, `Shorten the description of service connection 'Feed' to at most ${ROOM} characters (Project settings > Service connections > 'Feed' > Edit), in every project it is shared with.`);
  });

  it('checks every project reference\'s description too', async () => {
    const refs = [
      { description: 'short', projectReference: { name: 'Web' } },
      { description: 'y'.repeat(ROOM + 1), projectReference: { name: 'Api' } },
    ];
    const err = await failure(byName(new FakeEndpoints(feed({ description: 'short', serviceEndpointProjectReferences: refs }))).prepare());
    assert.equal(err.code, 'ServiceConnectionDescriptionFull');
    assert.match(err.message, new RegExp(`has ${ROOM + 1} characters`));
  });

  it('the record line already there does not count against the room; an empty description needs no newline', async () => {
    const withOld = `${'x'.repeat(ROOM)}\n${RECORD_PREFIX}authorizationId=${PAT_ID}`;
    await byName(new FakeEndpoints(feed({ description: withOld, serviceEndpointProjectReferences: [{ description: withOld, projectReference: { name: 'Web' } }] }))).prepare();
    const onlyRecord = `${RECORD_PREFIX}${'authorizationId=x; '.repeat(60)}`;
    assert.ok(onlyRecord.length > ROOM);
    await byName(new FakeEndpoints(feed({ description: onlyRecord, serviceEndpointProjectReferences: [{ description: '', projectReference: { name: 'Web' } }] }))).prepare();
  });

  it('a description of blanks takes room too: the record line goes below it', async () => {
    const blanks = ' '.repeat(ROOM + 1);
    const err = await failure(byName(new FakeEndpoints(feed({ description: blanks }))).prepare());
    assert.equal(err.code, 'ServiceConnectionDescriptionFull');
  });

  it('the sign-in role measures its own, shorter record', async () => {
    const longest = withRecord('', SIGN_IN_ROLE.longestRecord).length;
    assert.ok(longest < LONGEST);
    const signIn = (description: string) =>
      new ServiceConnectionStore({
        client: new FakeEndpoints(feed({ type: 'patlifecycle-signin', authorization: { scheme: 'None', parameters: { refreshtoken: null } }, description })).client,
        connection: { project: 'Web', nameOrId: 'Feed' },
        role: SIGN_IN_ROLE,
      });
    await signIn('x'.repeat(DESCRIPTION_MAX - longest - 1)).prepare();
    const err = await failure(signIn('x'.repeat(DESCRIPTION_MAX - longest)).prepare());
    assert.equal(err.input, 'signInConnection');
  });
});

describe('ServiceConnectionStore: writing', () => {
  it('one PUT: the PAT into its parameter, the record line into every description, everything else as read', async () => {
    const fake = new FakeEndpoints(
      feed({
        authorization: { scheme: 'Token', parameters: { apitoken: null, other: null } },
        serviceEndpointProjectReferences: [
          { name: 'Feed', description: 'Feed for builds', projectReference: { id: 'p-web', name: 'Web' } },
          { name: 'Feed', description: null, projectReference: { id: 'p-api', name: 'Api' } },
        ],
      }),
    );
    const store = byName(fake);
    const receipt = await store.write('pat-value', { authorizationId: PAT_ID, validTo: '2027-01-01T00:00:00Z', userName: 'not kept here' });
    assert.deepEqual(receipt, { version: ID, metadata: { authorizationId: PAT_ID, validTo: '2027-01-01T00:00:00Z' } });
    assert.equal(fake.puts.length, 1);
    const put = fake.puts[0]!;
    assert.equal(put.project, 'Web');
    assert.equal(put.recordOnly, false);
    const line = `${RECORD_PREFIX}authorizationId=${PAT_ID}; validTo=2027-01-01T00:00:00Z`;
    assert.deepEqual(put.endpoint, {
      ...feed(),
      description: `Feed for builds\n${line}`,
      authorization: { scheme: 'Token', parameters: { apitoken: 'pat-value', other: null } },
      serviceEndpointProjectReferences: [
        { name: 'Feed', description: `Feed for builds\n${line}`, projectReference: { id: 'p-web', name: 'Web' } },
        { name: 'Feed', description: line, projectReference: { id: 'p-api', name: 'Api' } },
      ],
    });
    await store.verify(receipt, 'pat-value');
  });

  it('keeps the parameter\'s own spelling, and adds the usual one when the connection has none', async () => {
    const spelled = new FakeEndpoints(feed({ authorization: { scheme: 'Token', parameters: { ApiToken: null } } }));
    await byName(spelled).write('v', { authorizationId: PAT_ID });
    assert.deepEqual(spelled.puts[0]!.endpoint.authorization!.parameters, { ApiToken: 'v' });
    const absent = new FakeEndpoints(feed({ authorization: { scheme: 'UsernamePassword', parameters: { username: 'me' } } }));
    await byName(absent).write('v', { authorizationId: PAT_ID });
    assert.deepEqual(absent.puts[0]!.endpoint.authorization!.parameters, { username: 'me', password: 'v' });
    const noParameters = new FakeEndpoints(feed({ authorization: { scheme: 'Token' } }));
    await byName(noParameters).write('v', { authorizationId: PAT_ID });
    assert.deepEqual(noParameters.puts[0]!.endpoint.authorization, { scheme: 'Token', parameters: { apitoken: 'v' } });
  });

  it('mark() changes the record only: the PAT parameter goes back as null, the PUT is record-only, other keys stay', async () => {
    const fake = new FakeEndpoints(
      feed({
        description: `Feed\n${RECORD_PREFIX}authorizationId=${PAT_ID}; validTo=2027-01-01`,
        authorization: { scheme: 'Token', parameters: { apitoken: null } },
        serviceEndpointProjectReferences: [{ description: `Feed\n${RECORD_PREFIX}authorizationId=${PAT_ID}; validTo=2027-01-01`, projectReference: { name: 'Web' } }],
      }),
    );
    const store = byName(fake);
    await store.mark({ pending: 'v1 intent', validTo: '' });
    const put = fake.puts[0]!;
    assert.equal(put.recordOnly, true);
    assert.deepEqual(put.endpoint.authorization!.parameters, { apitoken: null });
    assert.equal(put.endpoint.description, `Feed\n${RECORD_PREFIX}authorizationId=${PAT_ID}; pending=v1 intent`);
    assert.equal(put.endpoint.serviceEndpointProjectReferences![0]!.description, `Feed\n${RECORD_PREFIX}authorizationId=${PAT_ID}; pending=v1 intent`);
    assert.deepEqual(await store.read(), { exists: true, metadata: { authorizationId: PAT_ID, pending: 'v1 intent' } });
  });

  it('a plain write starts from what it just read; a conditional one reads afresh', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake);
    await store.read();
    await store.write('v1', { authorizationId: PAT_ID });
    assert.deepEqual(fake.calls, ['find Web Feed', `put Web ${ID}`]);
    await store.write('v2', { authorizationId: 'next' }, { storedId: PAT_ID });
    assert.deepEqual(fake.calls.slice(2), [`get Web ${ID}`, `put Web ${ID}`]);
  });

  it('a plain write after a write starts from the service\'s answer to it', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake);
    await store.write('v1', { authorizationId: PAT_ID, validTo: '2027-01-01' });
    await store.mark({ pending: 'v1 x' });
    assert.deepEqual(fake.calls, ['find Web Feed', `put Web ${ID}`, `put Web ${ID}`]);
    assert.deepEqual(parseRecord(fake.stored.description), { authorizationId: PAT_ID, validTo: '2027-01-01', pending: 'v1 x' });
  });

  it('a failed PUT forgets what it saw: the next plain write reads again', async () => {
    const fake = new FakeEndpoints(feed());
    const store = byName(fake);
    await store.read();
    fake.failUpdate = new Error('lost');
    await assert.rejects(store.write('v1', { authorizationId: PAT_ID }), /lost/);
    await store.write('v1', { authorizationId: PAT_ID });
    assert.deepEqual(fake.calls, ['find Web Feed', `put Web ${ID}`, `get Web ${ID}`, `put Web ${ID}`]);
  });

  it('refuses a conditional write when the record names another PAT, or none', async () => {
    const fake = new FakeEndpoints(recorded(`${RECORD_PREFIX}authorizationId=${PAT_ID}`));
    const err = await failure(byName(fake).write('v', { authorizationId: 'new' }, { storedId: 'someone-else' }));
    assert.equal(err.code, 'StoreChanged');
    assert.match(err.message, new RegExp(`now names PAT ${PAT_ID}`));
    assert.equal(fake.puts.length, 0);

    const empty = new FakeEndpoints(recorded(`${RECORD_PREFIX}authorizationId=${PAT_ID}`, { authorization: { scheme: 'Token', parameters: {} } }));
    const none = await failure(byName(empty).mark({ pending: 'x' }, { storedId: PAT_ID }));
    assert.equal(none.code, 'StoreChanged');
    assert.match(none.message, /now names no PAT/);
    assert.equal(empty.puts.length, 0);
  });

  it('writes under a condition that holds', async () => {
    const fake = new FakeEndpoints(recorded(`${RECORD_PREFIX}authorizationId=${PAT_ID}`));
    await byName(fake).write('v', { authorizationId: 'new' }, { storedId: PAT_ID.toUpperCase() });
    assert.equal(parseRecord(fake.stored.description).authorizationId, 'new');
  });

  it('refuses to write a connection whose references it cannot see, or whose description the record would overflow', async () => {
    const hidden = new FakeEndpoints(feed({ serviceEndpointProjectReferences: [] }));
    assert.equal((await failure(byName(hidden).write('v', { authorizationId: PAT_ID }))).code, 'ServiceConnectionReferencesHidden');
    assert.equal(hidden.puts.length, 0);
    const full = new FakeEndpoints(feed({ description: 'x'.repeat(DESCRIPTION_MAX - 10) }));
    assert.equal((await failure(byName(full).write('v', { authorizationId: PAT_ID }))).code, 'ServiceConnectionDescriptionFull');
    assert.equal(full.puts.length, 0);
  });

  it('writes to one connection take turns, so the second starts from the first\'s result (stores named in different case)', async () => {
    const fake = new FakeEndpoints(feed());
    const a = byName(fake, 'Feed', 'Web');
    const b = byName(fake, 'FEED', 'WEB');
    await Promise.all([a.mark({ authorizationId: PAT_ID }), b.mark({ pending: 'v1 x' })]);
    assert.deepEqual(parseRecord(fake.stored.description), { authorizationId: PAT_ID, pending: 'v1 x' });
  });

  it('the sign-in role writes the refresh token parameter and its own record keys', async () => {
    const fake = new FakeEndpoints(feed({ type: 'PatLifecycle-SignIn-dev', authorization: { scheme: 'None', parameters: { refreshtoken: null } } }));
    const store = new ServiceConnectionStore({ client: fake.client, connection: { project: 'Web', nameOrId: 'Feed' }, role: SIGN_IN_ROLE });
    const receipt = await store.write('rt', { issuedAt: '2026-12-01T00:00:00Z', clientId: 'c', tenantId: 't', userObjectId: 'u', userName: 'n', authorizationId: 'dropped' });
    assert.deepEqual(receipt.metadata, { issuedAt: '2026-12-01T00:00:00Z', clientId: 'c', tenantId: 't', userObjectId: 'u', userName: 'n' });
    assert.deepEqual(fake.stored.authorization!.parameters, { refreshtoken: 'rt' });
    await store.verify(receipt, 'rt');
  });
});

describe('ServiceConnectionStore: verify()', () => {
  async function written(fake: FakeEndpoints, store = byName(fake)) {
    const receipt = await store.write('pat-value', { authorizationId: PAT_ID });
    return { store, receipt };
  }

  it('refuses an answer with another scheme (case aside), other parameters, or not ready', async () => {
    const scheme = new FakeEndpoints(feed());
    scheme.answerWith = (sent) => ({ ...sent, authorization: { ...sent.authorization, scheme: 'UsernamePassword' } });
    const a = await written(scheme);
    const err = await failure(a.store.verify(a.receipt, 'pat-value'));
    assert.equal(err.kind, 'verification');
    assert.equal(err.code, 'VerificationFailed');
    assert.match(err.message, /answered the update with scheme 'UsernamePassword', not 'Token'\.$/);
    assert.match(err.hint!, /check who else edits the service connection/);

    const cased = new FakeEndpoints(feed());
    cased.answerWith = (sent) => ({ ...sent, authorization: { scheme: 'TOKEN', parameters: { APITOKEN: null } } });
    const ok = await written(cased);
    await ok.store.verify(ok.receipt, 'pat-value');

    const noScheme = new FakeEndpoints(feed());
    noScheme.answerWith = (sent) => ({ ...sent, authorization: null });
    const n = await written(noScheme);
    assert.match((await failure(n.store.verify(n.receipt, 'pat-value'))).message, /with scheme '', not 'Token'/);

    const params = new FakeEndpoints(feed());
    params.answerWith = (sent) => ({ ...sent, authorization: { scheme: 'Token', parameters: { apitoken: null, extra: null } } });
    const p = await written(params);
    assert.match((await failure(p.store.verify(p.receipt, 'pat-value'))).message, /with the parameters \[apitoken,extra\], not \[apitoken\]\.$/);

    const notReady = new FakeEndpoints(feed());
    notReady.answerWith = (sent) => ({ ...sent, isReady: false });
    const r = await written(notReady);
    assert.match((await failure(r.store.verify(r.receipt, 'pat-value'))).message, /is not ready after the update \(isReady false\)\.$/);

    const reordered = new FakeEndpoints(feed({ authorization: { scheme: 'UsernamePassword', parameters: { username: 'me', password: null } } }));
    reordered.answerWith = (sent) => ({ ...sent, authorization: { scheme: 'UsernamePassword', parameters: { Password: null, UserName: 'me' } } });
    const o = await written(reordered);
    await o.store.verify(o.receipt, 'pat-value');

    const unknown = new FakeEndpoints(feed());
    unknown.answerWith = (sent) => ({ ...sent, isReady: undefined });
    const u = await written(unknown);
    await u.store.verify(u.receipt, 'pat-value');
  });

  it('reads again and refuses a connection that lost its PAT parameter', async () => {
    const fake = new FakeEndpoints(feed());
    fake.keep = (sent) => ({ ...sent, authorization: { scheme: 'Token', parameters: {} } });
    const { store, receipt } = await written(fake);
    const err = await failure(store.verify(receipt, 'pat-value'));
    assert.match(err.message, /has no PAT parameter after the update\.$/);
    assert.equal(fake.calls.at(-1), `get Web ${ID}`);

    const rt = new FakeEndpoints(feed({ type: 'patlifecycle-signin', authorization: { scheme: 'None', parameters: { refreshtoken: null } } }));
    rt.keep = (sent) => ({ ...sent, authorization: { scheme: 'None', parameters: {} } });
    const signIn = new ServiceConnectionStore({ client: rt.client, connection: { project: 'Web', nameOrId: 'Feed' }, role: SIGN_IN_ROLE });
    const r = await signIn.write('rt', { issuedAt: 'x' });
    assert.match((await failure(signIn.verify(r, 'rt'))).message, /has no refresh token parameter after the update/);
  });

  it('refuses when the fresh read lacks the record at the top level', async () => {
    const fake = new FakeEndpoints(feed());
    fake.keep = (sent) => ({ ...sent, description: 'Feed for builds' });
    const { store, receipt } = await written(fake);
    const err = await failure(store.verify(receipt, 'pat-value'));
    assert.equal(err.kind, 'verification');
    assert.match(err.message, /^Read again after the update, its description of service connection 'Feed' .* does not hold the record's 'authorizationId' just written; /);
  });

  it('refuses when one project reference lost the record, naming that project (or its id)', async () => {
    const refs = [
      { description: '', projectReference: { id: 'p-web', name: 'Web' } },
      { description: '', projectReference: { id: 'p-api' } },
    ];
    const fake = new FakeEndpoints(feed({ serviceEndpointProjectReferences: refs }));
    fake.keep = (sent) => ({ ...sent, serviceEndpointProjectReferences: sent.serviceEndpointProjectReferences!.map((r, i) => (i === 1 ? { ...r, description: 'cut' } : r)) });
    const { store, receipt } = await written(fake);
    assert.match((await failure(store.verify(receipt, 'pat-value'))).message, /the description of its reference in project 'p-api' of service connection/);

    const named = new FakeEndpoints(feed({ serviceEndpointProjectReferences: refs }));
    named.keep = (sent) => ({ ...sent, serviceEndpointProjectReferences: sent.serviceEndpointProjectReferences!.map((r, i) => (i === 0 ? { ...r, description: 'cut' } : r)) });
    const w = await written(named);
    assert.match((await failure(w.store.verify(w.receipt, 'pat-value'))).message, /the description of its reference in project 'Web' of service connection/);

    const nameless = new FakeEndpoints(feed({ serviceEndpointProjectReferences: [{ description: '', projectReference: {} }] }));
    nameless.keep = (sent) => ({ ...sent, serviceEndpointProjectReferences: [{ description: 'cut', projectReference: {} }] });
    const n = await written(nameless);
    assert.match((await failure(n.store.verify(n.receipt, 'pat-value'))).message, /its reference in project '\?'/);
  });

  it('a removed key must be gone after the write', async () => {
    const fake = new FakeEndpoints(recorded(`${RECORD_PREFIX}authorizationId=${PAT_ID}; pending=v1 x`));
    const store = byName(fake);
    await store.mark({ pending: '' });
    const receipt = { version: ID, metadata: { pending: '' } };
    await store.verify(receipt, '');
    fake.endpoints = [recorded(`${RECORD_PREFIX}authorizationId=${PAT_ID}; pending=v1 x`)];
    assert.match((await failure(store.verify(receipt, ''))).message, /does not hold the record's 'pending'/);
  });
});

describe('the record line', () => {
  it('the last record line counts; pairs without a key or "=" are skipped, blanks trimmed', () => {
    const d = `${RECORD_PREFIX}authorizationId=old\ntext\n${RECORD_PREFIX} authorizationId = new ; =nokey; junk; validTo=a=b`;
    assert.deepEqual(parseRecord(d), { authorizationId: 'new', validTo: 'a=b' });
  });

  it('goes alone into an empty description, and replaces the last of several record lines', () => {
    assert.equal(withRecord('', { a: '1', b: '' }), `${RECORD_PREFIX}a=1`);
    assert.equal(withRecord(undefined, { a: '1' }), `${RECORD_PREFIX}a=1`);
    assert.equal(withRecord(`${RECORD_PREFIX}a=0\nmid\n${RECORD_PREFIX}a=1`, { a: '2' }), `${RECORD_PREFIX}a=0\nmid\n${RECORD_PREFIX}a=2`);
    assert.equal(withRecord('keep', {}), 'keep');
  });
});
