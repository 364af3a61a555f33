import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { PatLifecycleError } from '../../../src/errors';
import { GroupViews } from '../../../src/stores/group-views';
import { LINKED_GROUP, VariableGroupStore } from '../../../src/stores/variable-group-store';
import { FakeVariableGroups } from '../devops/fake-variable-groups';

/** How a store finds its group (by name once, then by id), checks it before any write, and names where its record is. */
describe('VariableGroupStore: finding the group, and checking it before anything is written', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;
  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: 'https://d.example', organization: 'contoso', authorization: 'Bearer t' });
    svc.add(12, 'Tokens', 'Web', { FeedPat: { value: 'v', isSecret: true } });
  });
  const store = (over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) =>
    new VariableGroupStore({ client, group: { project: 'Web', name: 'Tokens' }, variableName: 'FeedPat', describeAuth: 'user', ...over });
  const gets = () => svc.http.requests.filter((r) => r.method === 'GET').map((r) => new URL(r.url).pathname + new URL(r.url).search);
  const linkTo = (id: number, vault: unknown) => {
    const g = svc.groups.get(id)!;
    g.type = 'AzureKeyVault';
    (g as { providerData?: unknown }).providerData = vault === undefined ? undefined : { vault };
  };

  it('finds a group by name once, then addresses it by id: a rename during the run cannot redirect the write', async () => {
    const s = store();
    assert.deepEqual(await s.found(), { id: 12, name: 'Tokens' });
    assert.match(gets()[0], /groupName=Tokens/);
    svc.groups.get(12)!.name = 'Renamed';
    svc.add(13, 'Tokens', 'Web', {});
    await s.write('new', { authorizationId: 'a' }, { storedId: '' });
    assert.match(gets()[1], /\/variablegroups\/12\?/);
    assert.equal(svc.groups.get(12)!.stored.FeedPat.value, 'new');
    assert.equal(svc.groups.get(13)!.stored.FeedPat, undefined);
    assert.equal(s.describe(), "variable group 'Tokens' (id 12) in project 'Web', variable 'FeedPat' (written with the signed-in user's token)");
  });

  it('prepare reads the group once, or not at all when the run saw it a moment ago', async () => {
    const views = new GroupViews();
    await store({ views }).prepare();
    assert.equal(gets().length, 1);
    const second = store({ views });
    await second.prepare();
    assert.deepEqual(await store({ views, variableName: 'Other' }).found(), { id: 12, name: 'Tokens' });
    assert.equal(gets().length, 1, 'the view of a moment ago served both');
    assert.match(second.describe(), /'Tokens' \(id 12\)/, 'a store that found its group in the view knows its id');
    await second.read();
    assert.match(gets()[1], /\/variablegroups\/12\?/, 'and reads it by id from then on');
  });

  it('prepare refuses a group linked to Key Vault, found by name or by id, before anything is written', async () => {
    linkTo(12, 'contoso-kv');
    for (const group of [{ project: 'Web', name: 'Tokens' }, { project: 'Web', id: 12 }]) {
      await assert.rejects(store({ group }).prepare(), (e: PatLifecycleError) => e.code === LINKED_GROUP && /'contoso-kv'/.test(e.message));
    }
    assert.equal(svc.puts.length, 0);
  });

  it('a linked group whose vault is not named, or named oddly, is refused without naming a vault', async () => {
    for (const vault of ['', 42]) {
      linkTo(12, vault);
      await assert.rejects(store().prepare(), (e: PatLifecycleError) => {
        assert.equal(e.code, LINKED_GROUP);
        assert.match(e.message, /is linked to Azure Key Vault: it lists/);
        assert.match(e.hint ?? '', /keyVault: <the vault>,/);
        return true;
      });
    }
  });

  it('a group given by id that does not exist is notFound, naming the id or the name it was given', async () => {
    const check = (name: RegExp) => (e: PatLifecycleError) => {
      assert.equal(e.kind, 'notFound');
      assert.equal(e.code, 'VariableGroupNotFound');
      assert.equal(e.input, 'variableGroup');
      assert.match(e.message, name);
      assert.match(e.hint ?? '', /at least the Reader role/);
      return true;
    };
    await assert.rejects(store({ group: { project: 'Web', id: 99 } }).read(), check(/^Variable group id 99 was not found in project 'Web'\.$/));
    await assert.rejects(store({ group: { project: 'Web', id: 99, name: 'Gone' } }).read(), check(/^Variable group 'Gone' was not found in project 'Web'\.$/));
  });

  it('names where each record key is kept, by the group\'s name or else its id', () => {
    assert.equal(store().recordName('authorizationId'), "variable 'FeedPat.authorizationId' of variable group 'Tokens'");
    assert.equal(store({ group: { project: 'Web', id: 12 } }).recordName('validTo'), "variable 'FeedPat.validTo' of variable group '12'");
  });
});
