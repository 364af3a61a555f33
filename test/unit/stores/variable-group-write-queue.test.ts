import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import type { HttpRequest } from '../../../src/http/types';
import { PatLifecycleError } from '../../../src/errors';
import { GroupViews } from '../../../src/stores/group-views';
import { GroupWriteQueue, VariableGroupStore } from '../../../src/stores/variable-group-store';
import { FakeVariableGroups } from '../devops/fake-variable-groups';
import type { Reply } from '../devops/fake-http';

/**
 * One run's writes to one variable group take turns, and whatever is queued when the group's turn comes goes out in
 * one read-modify-write: each write checked alone against the same read, the rest sharing one PUT and its outcome.
 */
describe('GroupWriteQueue: writes queued on one group go out in one PUT', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;
  let writes: GroupWriteQueue;
  let views: GroupViews;
  const meta = (id: string) => ({ authorizationId: id, validTo: '2027-01-01T00:00:00Z' });

  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: 'https://d.example', organization: 'contoso', authorization: 'Bearer t' });
    svc.add(12, 'Tokens', 'Web', {
      PatA: { value: 'old-a', isSecret: true },
      'PatA.authorizationId': { value: 'id-a0' },
      PatB: { value: 'old-b', isSecret: true },
      'PatB.authorizationId': { value: 'id-b0' },
      Keep: { value: 'keep-me', isSecret: true },
      Plain: { value: 'plain-value' },
    });
    writes = new GroupWriteQueue();
    views = new GroupViews();
  });

  const store = (variableName: string, over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) =>
    new VariableGroupStore({ client, group: { project: 'Web', name: 'Tokens' }, variableName, describeAuth: 'user', writes, views, ...over });
  const requests = (method: string) => svc.http.requests.filter((r) => r.method === method);
  const stored = () => svc.groups.get(12)!.stored;

  /** Holds each PUT until released, so more writes can queue while one is on its way. */
  const holdPuts = () => {
    const route = svc.http.route;
    const held: Array<() => void> = [];
    svc.http.route = (req: HttpRequest, url: URL): Reply | Promise<Reply> =>
      req.method === 'PUT' ? new Promise<Reply>((resolve) => held.push(() => resolve(route(req, url) as Reply))) : route(req, url);
    return {
      get count() {
        return held.length;
      },
      release: () => held.shift()!(),
    };
  };
  const settle = () => new Promise((r) => setImmediate(r));

  it('writes to two variables queued together: one GET, one PUT, both values and records stored, the rest kept', async () => {
    const a = store('PatA');
    const b = store('PatB');
    await a.read();
    const gets = requests('GET').length;
    const [ra, rb] = await Promise.all([a.write('new-a', meta('id-a1')), b.write('new-b', meta('id-b1'))]);
    assert.equal(requests('PUT').length, 1, 'one PUT for both');
    assert.equal(requests('GET').length, gets + 1, 'one read for both');
    assert.equal(stored().PatA.value, 'new-a');
    assert.equal(stored().PatB.value, 'new-b');
    assert.equal(stored()['PatA.authorizationId'].value, 'id-a1');
    assert.equal(stored()['PatB.authorizationId'].value, 'id-b1');
    assert.equal(stored().Keep.value, 'keep-me');
    assert.equal(stored().Plain.value, 'plain-value');
    // Both verify against the one PUT's answer, asking nothing more.
    const before = svc.http.requests.length;
    await a.verify(ra, 'new-a');
    await b.verify(rb, 'new-b');
    assert.equal(svc.http.requests.length, before);
    assert.equal(ra.version, '12');
    assert.deepEqual(rb.metadata, meta('id-b1'));
  });

  it('two writes to one variable queued together: the later one is what is stored', async () => {
    await Promise.all([store('PatA').write('first', meta('id-1')), store('PatA').write('second', meta('id-2'))]);
    assert.equal(requests('PUT').length, 1);
    assert.equal(stored().PatA.value, 'second');
    assert.equal(stored()['PatA.authorizationId'].value, 'id-2');
  });

  it('writes queued while a PUT is on its way wait for it, then go out together in the next PUT', async () => {
    const puts = holdPuts();
    const first = store('PatA').write('new-a', meta('id-a1'));
    await settle();
    assert.equal(puts.count, 1, 'the first write is on its way');
    const second = store('PatB').write('new-b', meta('id-b1'));
    const third = store('Other').write('new-o', meta('id-o1'));
    await settle();
    assert.equal(puts.count, 1, 'the others wait for its turn to end');
    puts.release();
    await first;
    await settle();
    assert.equal(puts.count, 1, 'then one PUT carries both');
    puts.release();
    await Promise.all([second, third]);
    assert.equal(requests('PUT').length, 2);
    assert.equal(stored().PatA.value, 'new-a', 'the second PUT did not undo the first');
    assert.equal(stored().PatB.value, 'new-b');
    assert.equal(stored().Other.value, 'new-o');
  });

  it('a write alone and unconditional starts from the view of a moment ago; writes queued together read afresh', async () => {
    await store('PatA').read();
    assert.equal(requests('GET').length, 1);
    await store('PatA').write('new-a', meta('id-a1'));
    assert.equal(requests('GET').length, 1, 'alone: the view served, no GET');
    await Promise.all([store('PatA').write('a2', meta('id-a2')), store('PatB').write('b2', meta('id-b2'))]);
    assert.equal(requests('GET').length, 2, 'two at once: one fresh GET although the PUT answer is a moment old');
  });

  it('a write whose condition finds another PAT is refused alone; the other write queued with it lands', async () => {
    await store('PatA').read();
    const [refused, landed] = await Promise.allSettled([
      store('PatA').write('new-a', meta('id-a1'), { storedId: 'someone-else' }),
      store('PatB').write('new-b', meta('id-b1'), { storedId: 'ID-B0' }),
    ]);
    assert.equal(refused.status, 'rejected');
    assert.equal(((refused as PromiseRejectedResult).reason as PatLifecycleError).code, 'StoreChanged');
    assert.match(((refused as PromiseRejectedResult).reason as Error).message, /variable 'PatA'.*now names PAT id-a0/);
    assert.equal(landed.status, 'fulfilled');
    assert.equal(requests('PUT').length, 1);
    assert.equal(stored().PatA.value, 'old-a', 'the refused write changed nothing');
    assert.equal(stored()['PatA.authorizationId'].value, 'id-a0');
    assert.equal(stored().PatB.value, 'new-b');
  });

  it('a plain variable in the way refuses only its own write', async () => {
    const [refused, landed] = await Promise.allSettled([store('Plain').write('x', meta('id-p')), store('PatA').write('new-a', meta('id-a1'))]);
    assert.equal(((refused as PromiseRejectedResult).reason as PatLifecycleError).code, 'VariableNotSecret');
    assert.equal(landed.status, 'fulfilled');
    assert.equal(stored().Plain.value, 'plain-value');
    assert.equal(stored()['Plain.authorizationId'], undefined, 'no record beside the plain variable');
    assert.equal(stored().PatA.value, 'new-a');
  });

  it('when every queued write is refused, nothing is sent', async () => {
    const results = await Promise.allSettled([
      store('Plain').write('x', meta('id-p')),
      store('PatA').write('new-a', meta('id-a1'), { storedId: 'someone-else' }),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? (r.reason as PatLifecycleError).code : r.status)),
      ['VariableNotSecret', 'StoreChanged'],
    );
    assert.equal(requests('PUT').length, 0);
  });

  it('a group that cannot be found fails every queued write, and the queue goes on with the next turn', async () => {
    const missing = (v: string) => store(v, { group: { project: 'Web', name: 'Gone' } });
    const results = await Promise.allSettled([missing('PatA').write('a', meta('1')), missing('PatB').write('b', meta('2'))]);
    for (const r of results) assert.equal(((r as PromiseRejectedResult).reason as PatLifecycleError).code, 'VariableGroupNotFound');
    assert.equal(requests('PUT').length, 0);
    svc.add(13, 'Gone', 'Web', {});
    await missing('PatA').write('a', meta('1'));
    assert.equal(svc.groups.get(13)!.stored.PatA.value, 'a');
  });

  it('a PUT that fails fails every write it carried, and the next write reads the group again', async () => {
    await store('PatA').read();
    svc.failNextPut = { status: 400, body: { message: 'bad', typeKey: 'InvalidRequestException' } };
    const results = await Promise.allSettled([store('PatA').write('a', meta('1')), store('PatB').write('b', meta('2')), store('Plain').write('p', meta('3'))]);
    const [a, b, plain] = results as PromiseRejectedResult[];
    assert.equal(a.status, 'rejected');
    assert.equal(b.reason, a.reason, 'both share the outcome of the one PUT');
    assert.match((a.reason as Error).message, /bad/);
    assert.equal((plain.reason as PatLifecycleError).code, 'VariableNotSecret', 'a refused write keeps its own reason');
    assert.equal(requests('PUT').length, 1);
    const gets = requests('GET').length;
    await store('PatA').write('a', meta('1'));
    assert.equal(requests('GET').length, gets + 1, 'the view from before the failed PUT is not used');
    assert.equal(stored().PatA.value, 'a');
  });

  it('a PUT carrying a record-only write (a mark) is sent once, never again unanswered; a PUT of values alone may be', async () => {
    await store('PatA').write('new-a', meta('id-a1'));
    assert.equal(requests('PUT')[0].retryUnanswered, undefined, 'a value write may be retried');
    await store('PatA').mark({ pending: 'v1 run' });
    assert.equal(requests('PUT')[1].retryUnanswered, false, 'a mark alone');
    await Promise.all([store('PatB').write('new-b', meta('id-b1')), store('PatA').mark({ pending: '' })]);
    assert.equal(requests('PUT').length, 3, 'the write and the mark went out together');
    assert.equal(requests('PUT')[2].retryUnanswered, false, 'a value write with a mark');
    assert.equal(stored().PatA.value, 'new-a', 'a mark keeps the value');
    assert.equal(stored()['PatA.pending'], undefined, 'REMOVE deleted the intent');
    assert.equal(stored().PatB.value, 'new-b');
  });

  it('stores naming one group in other cases share its turn; other groups do not wait', async () => {
    svc.add(14, 'Other', 'Web', { X: { value: 'x', isSecret: true } });
    const puts = holdPuts();
    const a = store('PatA', { group: { project: 'Web', name: 'Tokens' } }).write('a', meta('1'));
    const b = store('PatB', { group: { project: 'WEB', name: 'TOKENS' } }).write('b', meta('2'));
    const other = store('X', { group: { project: 'Web', name: 'Other' } }).write('x2', meta('3'));
    await settle();
    await settle();
    assert.equal(puts.count, 2, 'one PUT for Tokens, one for Other, at once');
    puts.release();
    puts.release();
    await Promise.all([a, b, other]);
    assert.equal(requests('PUT').length, 2);
    assert.equal(stored().PatA.value, 'a');
    assert.equal(stored().PatB.value, 'b');
    assert.equal(svc.groups.get(14)!.stored.X.value, 'x2');
  });

  it('a store naming the group by id and one naming it by name take the same turn: neither write is lost', async () => {
    const [byName, byId] = [store('PatA'), store('NewB', { group: { project: 'Web', id: 12 } })];
    await Promise.all([byName.write('new-a', meta('id-a1'), { storedId: 'id-a0' }), byId.write('new-b', meta('id-b1'), { storedId: '' })]);
    assert.equal(stored().PatA.value, 'new-a');
    assert.equal(stored()['PatA.authorizationId'].value, 'id-a1');
    assert.equal(stored().NewB?.value, 'new-b', 'the write by id survived the write by name');
    assert.equal(stored()['NewB.authorizationId']?.value, 'id-b1');
  });

  it('a group given by id shares its turn with other stores of that id', async () => {
    const byId = (v: string) => store(v, { group: { project: 'Web', id: 12 } });
    await Promise.all([byId('PatA').write('a', meta('1')), byId('PatB').write('b', meta('2'))]);
    assert.equal(requests('PUT').length, 1);
    assert.equal(stored().PatA.value, 'a');
    assert.equal(stored().PatB.value, 'b');
  });
});
