import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { PatLifecycleError } from '../../../src/errors';
import { LINKED_GROUP, VariableGroupStore } from '../../../src/stores/variable-group-store';
import { FakeVariableGroups } from '../devops/fake-variable-groups';

describe('VariableGroupStore: what it says when it cannot write, and how it names itself', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;
  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: 'https://d.example', organization: 'contoso', authorization: 'Bearer t' });
    svc.add(12, 'Tokens', 'Web', { FeedPat: { value: 'old', isSecret: true }, Plain: { value: 'p' } });
  });
  const store = (over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) =>
    new VariableGroupStore({ client, group: { project: 'Web', name: 'Tokens' }, variableName: 'FeedPat', describeAuth: 'user', ...over });
  const refused = (code: string, input: string, message: RegExp, hint: RegExp) => (e: PatLifecycleError) => {
    assert.equal(e.code, code);
    assert.equal(e.input, input);
    assert.match(e.message, message);
    assert.match(e.hint ?? '', hint);
    return true;
  };

  it('names the group, the variable and whose token writes it', async () => {
    assert.equal(store().describe(), "variable group 'Tokens' in project 'Web', variable 'FeedPat' (written with the signed-in user's token)");
    assert.equal(store().label(), "variable group 'Tokens', variable 'FeedPat'");
    const byId = store({ group: { project: 'Web', id: 12 }, describeAuth: 'job' });
    assert.equal(byId.describe(), "variable group id 12 in project 'Web', variable 'FeedPat' (written with the job's access token)");
    assert.equal(byId.label(), "variable group '12', variable 'FeedPat'");
    const s = store();
    await s.read();
    assert.equal(s.describe(), "variable group 'Tokens' (id 12) in project 'Web', variable 'FeedPat' (written with the signed-in user's token)");
    assert.equal(s.isVariable(12, 'FEEDPAT'), true);
    assert.equal(s.isVariable(13, 'FeedPat'), false);
    assert.equal(s.isVariable(12, 'Other'), false);
  });

  it('a missing group, or two of one name: the input, and the fix', async () => {
    await assert.rejects(store({ group: { project: 'Web', name: 'Nope' } }).read(), refused('VariableGroupNotFound', 'variableGroup', /^Variable group 'Nope' was not found in project 'Web'\.$/, /Create the variable group first/));
    svc.add(13, 'Tokens', 'Web', {});
    await assert.rejects(store().read(), refused('AmbiguousVariableGroup', 'variableGroup', /^2 variable groups are named 'Tokens' in project 'Web' \(ids 12, 13\)\.$/, /group's id instead of its name/));
  });

  it('a plain variable of the name is refused, not overwritten', async () => {
    await assert.rejects(store({ variableName: 'plain' }).write('v', { authorizationId: 'a' }), refused('VariableNotSecret', 'variableName', /^Variable 'Plain' in variable group 'Tokens' exists as a plain \(non-secret\) variable/, /Delete the plain variable 'Plain'/));
    assert.equal(svc.puts.length, 0);
  });

  it('a group linked to Key Vault: refused, naming the vault and the input that chose the group, for a PAT or the refresh token', async () => {
    const linked = svc.add(20, 'Linked', 'Web', {});
    linked.type = 'AzureKeyVault';
    (linked as { providerData?: unknown }).providerData = { vault: 'contoso-kv' };
    const ref = { group: { project: 'Web', name: 'Linked' } };
    await assert.rejects(store(ref).write('v', {}), refused(LINKED_GROUP, 'variableGroup', /^Variable group 'Linked' \(id 20\) in project 'Web' is linked to Azure Key Vault 'contoso-kv': .* cannot write the new PAT into it\.$/, /^Store the PAT in the vault itself: target: keyVault with keyVault: contoso-kv,/));
    await assert.rejects(store({ ...ref, purpose: 'refreshToken' }).write('v', {}), refused(LINKED_GROUP, 'refreshTokenVariableGroup', /cannot write the renewed refresh token into it\.$/, /^Save the refresh token in the vault itself: refreshTokenStore: keyVault with keyVault: contoso-kv,/));
    (linked as { providerData?: unknown }).providerData = undefined;
    await assert.rejects(store(ref).write('v', {}), refused(LINKED_GROUP, 'variableGroup', /is linked to Azure Key Vault: /, /keyVault: <the vault>,/));
  });

  it('a conditional write refuses when the group no longer names the PAT the run started from', async () => {
    const s = store();
    await s.write('first', { authorizationId: 'aaaa-1' });
    await assert.rejects(s.write('second', { authorizationId: 'aaaa-2' }, { storedId: 'bbbb-9' }), (e: PatLifecycleError) => e.code === 'StoreChanged' && /now names PAT aaaa-1/.test(e.message));
    await s.write('second', { authorizationId: 'aaaa-2' }, { storedId: 'AAAA-1' });
    assert.equal(svc.groups.get(12)!.stored['FeedPat.authorizationId'].value, 'aaaa-2');
  });
});
