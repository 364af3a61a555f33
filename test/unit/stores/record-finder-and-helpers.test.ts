import { strict as assert } from 'node:assert';
import { KeyedLock } from '../../../src/stores/keyed-lock';
import { GroupViews, VIEW_REUSE_MS } from '../../../src/stores/group-views';
import { RecordFinder } from '../../../src/stores/record-finder';
import { VariableGroupStore } from '../../../src/stores/variable-group-store';
import { RECORD_PREFIX, ServiceConnectionStore } from '../../../src/stores/service-connection-store';
import type { VariableGroupClient } from '../../../src/devops/variable-group-client';
import type { ServiceEndpointClient } from '../../../src/devops/service-endpoint-client';
import type { ServiceEndpoint, VariableGroup, VariableValue } from '../../../src/devops/types';

const ID = '6f1c2d3e-0000-4000-8000-00000000abcd';
const MY_CONNECTION = '00000000-0000-4000-8000-00000000000a';
const group = (id: number, name: string, variables: Record<string, VariableValue>): VariableGroup => ({ id, name, type: 'Vsts', variables }) as VariableGroup;

describe('KeyedLock: one read-modify-write per group at a time', () => {
  it('runs work on one key in turn, on other keys at once, and goes on after a failure', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const step = (name: string, ms: number) => async () => {
      events.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lock.run('g1', step('a', 20)),
      lock.run('g1', async () => {
        events.push('b start');
        throw new Error('b failed');
      }).catch((e: Error) => e.message),
      lock.run('g1', step('c', 1)),
      lock.run('g2', step('x', 5)),
    ]);
    assert.deepEqual(results, ['a', 'b failed', 'c', 'x']);
    assert.deepEqual(events, ['a start', 'x start', 'x end', 'a end', 'b start', 'c start', 'c end']);
    assert.equal((lock as unknown as { tails: Map<string, unknown> }).tails.size, 0, 'no key is held once its work is done');
  });

  it('work queued after the first finished still waits for the second', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    let finishB!: () => void;
    const a = lock.run('g', async () => void events.push('a'));
    const b = lock.run('g', () => new Promise<void>((resolve) => (finishB = () => (events.push('b end'), resolve()))));
    await a;
    await new Promise((r) => setImmediate(r));
    const c = lock.run('g', async () => void events.push('c'));
    await new Promise((r) => setTimeout(r, 5));
    finishB();
    await Promise.all([b, c]);
    assert.deepEqual(events, ['a', 'b end', 'c']);
  });
});

describe('GroupViews: a view younger than VIEW_REUSE_MS is reused', () => {
  it('by id or by a name seen before, in any case, until VIEW_REUSE_MS has passed or the view is forgotten', () => {
    let now = 1_000_000;
    const views = new GroupViews(() => now);
    const tokens = group(12, 'Tokens', {});
    views.remember('Web', tokens);
    assert.equal(views.recent({ project: 'web', name: 'TOKENS' }, undefined), tokens);
    assert.equal(views.recent({ project: 'Web' }, 12), tokens);
    assert.equal(views.recent({ project: 'Web', name: 'Other' }, undefined), undefined);
    assert.equal(views.recent({ project: 'Api', name: 'Tokens' }, undefined), undefined, 'another project');
    assert.equal(views.recent({ project: 'Web' }, 13), undefined);
    now += VIEW_REUSE_MS - 1;
    assert.equal(views.recent({ project: 'Web' }, 12), tokens);
    now += 1;
    assert.equal(views.recent({ project: 'Web' }, 12), undefined, 'exactly VIEW_REUSE_MS old is too old');
    views.remember('Web', tokens);
    views.forget('WEB', 12);
    assert.equal(views.recent({ project: 'Web', name: 'Tokens' }, undefined), undefined);
  });
});

describe('RecordFinder: who else records a PAT, before it is revoked', () => {
  const groupsByProject: Record<string, VariableGroup[]> = {
    Web: [
      group(1, 'Tokens', { FeedPat: { value: null, isSecret: true }, 'FeedPat.AuthorizationId': { value: ID.toUpperCase() } }),
      group(2, 'Other', {
        Copy: { value: null, isSecret: true },
        'Copy.authorizationId': { value: ID },
        'Hidden.authorizationId': { value: ID, isSecret: true },
        'Else.authorizationId': { value: 'another-id' },
        authorizationId: { value: ID },
      }),
    ],
    Api: [group(3, 'ApiTokens', { 'Pat.authorizationId': { value: ID } })],
  };
  const listed: string[] = [];
  const groupClient = { listAll: async (project: string) => (listed.push(`groups ${project}`), groupsByProject[project] ?? []) } as unknown as VariableGroupClient;
  const endpoints: ServiceEndpoint[] = [
    { id: 'conn-1', name: 'Feed', description: `Feed for builds\n${RECORD_PREFIX}authorizationId=${ID}; validTo=2027-01-01` },
    { id: MY_CONNECTION, name: 'Mine', description: `${RECORD_PREFIX}authorizationId=${ID}` },
    { id: 'conn-3', name: 'Unrelated', description: `${RECORD_PREFIX}authorizationId=another-id` },
    { id: 'conn-4', name: 'Plain', description: null },
  ] as unknown as ServiceEndpoint[];
  const endpointClient = { listAll: async (project: string) => (listed.push(`connections ${project}`), endpoints) } as unknown as ServiceEndpointClient;

  it('finds plain .authorizationId records of the PAT in any case, in each project once, skipping secrets, other PATs and its own destinations', async () => {
    listed.length = 0;
    const own = new VariableGroupStore({ client: groupClient, group: { project: 'Web', name: 'Tokens', id: 1 }, variableName: 'feedpat', describeAuth: 'user' });
    const ownConnection = new ServiceConnectionStore({ client: endpointClient, connection: { project: 'Web', nameOrId: MY_CONNECTION.toUpperCase() } });
    const finder = new RecordFinder(
      [
        { client: groupClient, project: 'Web' },
        { client: groupClient, project: 'web' },
        { client: groupClient, project: 'Api' },
      ],
      [{ client: endpointClient, project: 'Web' }],
    );
    const holders = await finder.holdersOf(ID.toUpperCase(), [own, ownConnection]);
    assert.deepEqual(holders, [
      "variable group 'Other' (project 'Web', created by someone unknown), variable 'Copy'",
      "variable group 'ApiTokens' (project 'Api', created by someone unknown), variable 'Pat'",
      "service connection 'Feed' (project 'Web', created by someone unknown)",
    ]);
    assert.deepEqual(listed, ['groups Web', 'groups Api', 'connections Web'], 'one list per project');
  });

  it('without its own destinations among them, every record counts', async () => {
    const finder = new RecordFinder([{ client: groupClient, project: 'Web' }]);
    assert.deepEqual(await finder.holdersOf(ID, []), ["variable group 'Tokens' (project 'Web', created by someone unknown), variable 'FeedPat'", "variable group 'Other' (project 'Web', created by someone unknown), variable 'Copy'"]);
    assert.deepEqual(await new RecordFinder([]).holdersOf(ID, []), []);
  });
});
