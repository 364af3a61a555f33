import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { PatLifecycleError } from '../../../src/errors';
import { PAT_METADATA_KEYS, REMOVE } from '../../../src/stores/secret-store';
import { findVariableKey, VariableGroupStore } from '../../../src/stores/variable-group-store';
import { FakeVariableGroups } from '../devops/fake-variable-groups';

/** The record beside a variable group secret: its companion plain variables `<name>.<key>`, written and read back. */
describe('VariableGroupStore records: companion variables beside the secret', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;
  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: 'https://d.example', organization: 'contoso', authorization: 'Bearer t' });
  });
  const store = (over: Partial<ConstructorParameters<typeof VariableGroupStore>[0]> = {}) =>
    new VariableGroupStore({ client, group: { project: 'Web', name: 'Tokens' }, variableName: 'FeedPat', describeAuth: 'user', ...over });
  const stored = () => svc.groups.get(12)!.stored;
  const verificationFailure = (message: RegExp) => (e: unknown) => {
    assert.ok(e instanceof PatLifecycleError);
    assert.equal(e.kind, 'verification');
    assert.equal(e.code, 'VerificationFailed');
    assert.match(e.message, message);
    assert.match(e.hint ?? '', /who else writes to the variable group/);
    return true;
  };

  it('reads as metadata only the plain variables named `<variable>.<key>`, in any case', async () => {
    svc.add(12, 'Tokens', 'Web', {
      FeedPat: { value: 'v', isSecret: true },
      'feedpat.AuthorizationId': { value: 'id-1' },
      'FeedPat.validTo': { value: '2027-01-01' },
      'FeedPat.secretNote': { value: 'hidden', isSecret: true },
      'FeedPatOld.authorizationId': { value: 'id-old' },
      'Other.authorizationId': { value: 'id-other' },
      FeedPatX: { value: 'x' },
    });
    assert.deepEqual(await store().read(), { exists: true, metadata: { AuthorizationId: 'id-1', validTo: '2027-01-01' } });
  });

  it('a record without its secret names what it recorded, but no value exists', async () => {
    svc.add(12, 'Tokens', 'Web', { 'FeedPat.authorizationId': { value: 'id-1' } });
    assert.deepEqual(await store().read(), { exists: false, metadata: { authorizationId: 'id-1' } });
  });

  it('a record without its secret names no PAT for a conditional write, and a mark beside it creates no secret', async () => {
    svc.add(12, 'Tokens', 'Web', { 'FeedPat.authorizationId': { value: 'id-1' } });
    await assert.rejects(store().write('v', { authorizationId: 'id-2' }, { storedId: 'id-1' }), (e: PatLifecycleError) => e.code === 'StoreChanged');
    await store().mark({ pending: 'v1 run' });
    assert.deepEqual(Object.keys(stored()).sort(), ['FeedPat.authorizationId', 'FeedPat.pending']);
    await store().write('v', { authorizationId: 'id-2' }, { storedId: '' });
    assert.equal(stored().FeedPat.value, 'v');
  });

  it('replaces a companion spelled in another case instead of adding a second one, and keeps read-only marks', async () => {
    svc.add(12, 'Tokens', 'Web', {
      FeedPat: { value: 'old', isSecret: true, isReadOnly: true },
      'FEEDPAT.AUTHORIZATIONID': { value: 'id-0', isReadOnly: true },
      'FeedPat.validTo': { value: '2026-01-01' },
    });
    await store().write('new', { authorizationId: 'id-1', validTo: '2027-01-01' });
    const put = svc.puts[0].body.variables as Record<string, unknown>;
    assert.deepEqual(Object.keys(put).sort(), ['FEEDPAT.AUTHORIZATIONID', 'FeedPat', 'FeedPat.validTo']);
    assert.deepEqual(put.FeedPat, { value: 'new', isSecret: true, isReadOnly: true });
    assert.deepEqual(put['FEEDPAT.AUTHORIZATIONID'], { value: 'id-1', isSecret: false, isReadOnly: true });
    assert.deepEqual(put['FeedPat.validTo'], { value: '2027-01-01', isSecret: false });
  });

  it('a metadata value of REMOVE deletes its companion; a mark keeps the secret and the other companions', async () => {
    svc.add(12, 'Tokens', 'Web', { FeedPat: { value: 'v', isSecret: true }, 'FeedPat.authorizationId': { value: 'id-1' }, 'FeedPat.Pending': { value: 'v1 run' } });
    await store().mark({ pending: REMOVE });
    assert.deepEqual(Object.keys(stored()).sort(), ['FeedPat', 'FeedPat.authorizationId']);
    assert.equal(stored().FeedPat.value, 'v');
    await store().mark({ replaced: 'id-0' });
    assert.deepEqual(stored()['FeedPat.replaced'], { value: 'id-0', isSecret: false });
    assert.equal(stored()['FeedPat.authorizationId'].value, 'id-1');
  });

  it('writes only the companion keys it was given room for', async () => {
    svc.add(12, 'Tokens', 'Web', { FeedPat: { value: 'v', isSecret: true } });
    const receipt = await store({ companionKeys: PAT_METADATA_KEYS }).write('new', { authorizationId: 'id-1', scope: 'vso.packaging' });
    assert.deepEqual(receipt.metadata, { authorizationId: 'id-1' });
    assert.deepEqual(Object.keys(stored()).sort(), ['FeedPat', 'FeedPat.authorizationId']);
  });

  it('verifies a receipt it holds no answer for by reading the group, a removed key as absent', async () => {
    svc.add(12, 'Tokens', 'Web', { FeedPat: { value: 'v', isSecret: true }, 'FeedPat.authorizationId': { value: 'id-1' } });
    const s = store();
    const gets = () => svc.http.requests.filter((r) => r.method === 'GET').length;
    await s.verify({ version: '12', metadata: { authorizationId: 'id-1', pending: REMOVE } }, 'v');
    assert.equal(gets(), 1, 'one read');
    await assert.rejects(s.verify({ version: '12', metadata: { authorizationId: 'id-2' } }, 'v'), verificationFailure(/^Variable 'FeedPat\.authorizationId' in variable group 'Tokens' \(id 12\) does not hold the value just written; another run may have changed the group/));
    await assert.rejects(s.verify({ version: '12', metadata: { pending: 'v1 run' } }, 'v'), verificationFailure(/'FeedPat\.pending'/));
  });

  it('verify names a variable missing after the write, or one found plain', async () => {
    svc.add(12, 'Tokens', 'Web', { Plain: { value: 'p' } });
    await assert.rejects(store().verify({ metadata: {} }, 'v'), verificationFailure(/^Variable 'FeedPat' is missing from variable group 'Tokens' \(id 12\) after writing it\.$/));
    await assert.rejects(store({ variableName: 'plain' }).verify({ metadata: {} }, 'v'), verificationFailure(/^Variable 'Plain' in variable group 'Tokens' \(id 12\) is not secret after writing it as a secret\.$/));
  });

  it('findVariableKey: the exact name first, else the group\'s spelling of it in another case', () => {
    const vars = { feedpat: { value: 'a' }, FeedPat: { value: 'b' }, Other: { value: 'c' } };
    assert.equal(findVariableKey(vars, 'FeedPat'), 'FeedPat');
    assert.equal(findVariableKey(vars, 'feedpat'), 'feedpat');
    assert.equal(findVariableKey(vars, 'OTHER'), 'Other');
    assert.equal(findVariableKey(vars, 'Missing'), undefined);
    assert.equal(findVariableKey({}, 'toString'), undefined, 'not a property every object has');
  });
});
