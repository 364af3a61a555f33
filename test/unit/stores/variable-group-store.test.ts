import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { PatLifecycleError } from '../../../src/errors';
import { VariableGroupStore } from '../../../src/stores/variable-group-store';
import { GroupViews } from '../../../src/stores/group-views';
import { FakeVariableGroups } from '../devops/fake-variable-groups';

describe('VariableGroupStore', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;
  const meta = { authorizationId: 'aaaa-1', validTo: '2027-01-01T00:00:00Z' };

  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: 'https://d.example', organization: 'contoso', authorization: 'Bearer t' });
    svc.add(12, 'Tokens', 'Web', {
      FeedPat: { value: 'old-pat', isSecret: true },
      OtherSecret: { value: 'keep-me', isSecret: true },
      Locked: { value: 'ro-secret', isSecret: true, isReadOnly: true },
      Plain: { value: 'plain-value' },
    }, ['Web', 'Api']);
  });

  const store = (over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) =>
    new VariableGroupStore({ client, group: { project: 'Web', name: 'Tokens' }, variableName: 'FeedPat', describeAuth: 'user', ...over });

  it('writes the value as a secret with companions, keeping other secrets (sent as null) and plain variables', async () => {
    const s = store();
    const receipt = await s.write('new-pat-value', meta);
    assert.equal(receipt.version, '12');
    const put = svc.puts[0].body.variables as Record<string, { value?: string | null; isSecret?: boolean; isReadOnly?: boolean }>;
    assert.deepEqual(put.FeedPat, { value: 'new-pat-value', isSecret: true });
    assert.deepEqual(put.OtherSecret, { value: null, isSecret: true });
    assert.deepEqual(put.Locked, { value: null, isSecret: true, isReadOnly: true });
    assert.deepEqual(put.Plain, { value: 'plain-value' });
    assert.deepEqual(put['FeedPat.authorizationId'], { value: 'aaaa-1', isSecret: false });
    assert.deepEqual(put['FeedPat.validTo'], { value: '2027-01-01T00:00:00Z', isSecret: false });
    const refs = svc.puts[0].body.variableGroupProjectReferences as { projectReference: { name: string } }[];
    assert.deepEqual(refs.map((r) => r.projectReference.name), ['Web', 'Api'], 'shared projects kept');

    const stored = svc.groups.get(12)!.stored;
    assert.equal(stored.FeedPat.value, 'new-pat-value');
    assert.equal(stored.OtherSecret.value, 'keep-me', 'other secrets keep their values');
    assert.equal(stored.Locked.value, 'ro-secret');
    assert.equal(stored.Plain.value, 'plain-value');

    await s.verify(receipt, 'new-pat-value');
    assert.deepEqual(await s.read(), { exists: true, metadata: meta });
    assert.match(s.describe(), /variable group 'Tokens' \(id 12\) in project 'Web', variable 'FeedPat'/);
  });

  it('matches the variable name ignoring case and keeps the group\'s spelling', async () => {
    await store({ variableName: 'feedpat' }).write('v2', meta);
    const put = svc.puts[0].body.variables as Record<string, unknown>;
    assert.ok('FeedPat' in put);
    assert.ok(!('feedpat' in put));
    assert.ok('FeedPat.authorizationId' in put);
  });

  it('creates the variable when it does not exist yet', async () => {
    const s = store({ variableName: 'NewPat' });
    assert.deepEqual(await s.read(), { exists: false, metadata: {} });
    const receipt = await s.write('fresh', meta);
    await s.verify(receipt, 'fresh');
    assert.equal(svc.groups.get(12)!.stored.NewPat.value, 'fresh');
  });

  it('refuses to turn a plain variable into a secret', async () => {
    await assert.rejects(store({ variableName: 'Plain' }).write('x', meta), (e: unknown) => {
      assert.ok(e instanceof PatLifecycleError);
      assert.equal(e.kind, 'input');
      assert.equal(e.code, 'VariableNotSecret');
      assert.ok(!e.message.includes('plain-value'));
      return true;
    });
    assert.equal(svc.puts.length, 0);
  });

  it('finds the group by id', async () => {
    const s = new VariableGroupStore({ client, group: { project: 'Web', id: 12 }, variableName: 'FeedPat', describeAuth: 'job' });
    await s.write('v', meta);
    assert.match(s.describe(), /id 12/);
    assert.match(s.describe(), /job's access token/);
  });

  it('a missing group is notFound; several groups of one name is an input error', async () => {
    await assert.rejects(store({ group: { project: 'Web', name: 'Nope' } }).write('v', meta), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'notFound' && /'Nope'/.test(e.message));
    svc.add(13, 'tokens', 'Web', {});
    await assert.rejects(store().write('v', meta), (e: unknown) => e instanceof PatLifecycleError && e.code === 'AmbiguousVariableGroup');
  });

  it('verify checks the answer to the write and asks nothing more', async () => {
    const s = store();
    const receipt = await s.write('v', meta);
    const before = svc.http.requests.length;
    await s.verify(receipt, 'v');
    assert.equal(svc.http.requests.length, before, 'the PUT answer is the read back');
  });

  it('verify fails when the answer to the write names another PAT (a concurrent writer)', async () => {
    const s = store();
    const answer = svc.view(svc.groups.get(12)!);
    answer.variables['FeedPat.authorizationId'] = { value: 'someone-else' };
    answer.variables['FeedPat.validTo'] = { value: meta.validTo };
    svc.failNextPut = { status: 200, body: answer };
    const receipt = await s.write('v', meta);
    await assert.rejects(s.verify(receipt, 'v'), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'verification');
  });

  it('verify fails when the answer to the write shows the variable as plain', async () => {
    const s = store();
    const answer = svc.view(svc.groups.get(12)!);
    answer.variables.FeedPat = { value: 'shown' };
    answer.variables['FeedPat.authorizationId'] = { value: meta.authorizationId };
    answer.variables['FeedPat.validTo'] = { value: meta.validTo };
    svc.failNextPut = { status: 200, body: answer };
    const receipt = await s.write('v', meta);
    await assert.rejects(s.verify(receipt, 'v'), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'verification');
  });

  it('falls back to the project-level PUT when the group came without project references', async () => {
    svc.omitReferences = true;
    const s = store();
    const receipt = await s.write('v', meta);
    assert.match(svc.puts[0].url, /\/contoso\/Web\/_apis\/distributedtask\/variablegroups\/12\?api-version=5\.0-preview\.1/);
    await s.verify(receipt, 'v');
  });

  describe('one run\'s view of a group, shared by its stores', () => {
    const shared = (views: GroupViews, over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) => store({ views, ...over });
    const gets = () => svc.http.requests.filter((r) => r.method === 'GET').length;

    it('a store deciding what to do reads what another store just wrote, without a GET', async () => {
      const views = new GroupViews();
      await shared(views, { variableName: 'RefreshToken' }).write('rt', { issuedAt: '2026-11-29T00:00:00Z' });
      const before = gets();
      const info = await shared(views).read({ recent: true });
      assert.equal(gets(), before);
      assert.equal(info.exists, true);
    });

    it('a plain read, and a read after the view is older than two seconds, ask the service', async () => {
      let now = 1_000_000;
      const views = new GroupViews(() => now);
      await shared(views).read();
      const before = gets();
      await shared(views).read();
      assert.equal(gets(), before + 1, 'without recent: a GET');
      now += 2500;
      await shared(views).read({ recent: true });
      assert.equal(gets(), before + 2, 'a stale view: a GET');
    });

    it('a conditional write reads afresh even with a view from a moment ago', async () => {
      const views = new GroupViews();
      await shared(views).read();
      const before = gets();
      await shared(views).write('v', meta, { storedId: '' });
      assert.equal(gets(), before + 1);
    });

    it('a write whose outcome is unknown drops the view: the next write reads the group again', async () => {
      const views = new GroupViews();
      await shared(views).read();
      svc.failNextPut = { status: 503, body: { message: 'busy' } };
      await assert.rejects(shared(views).write('v', meta));
      const before = gets();
      await shared(views).write('v', meta);
      assert.equal(gets(), before + 1);
    });
  });
});
