import { strict as assert } from 'node:assert';
import { redeemRefreshToken } from '../../../src/entra/redeem-refresh-token';
import { PatLifecycleError } from '../../../src/errors';
import { openSecretStore } from '../../../src/stores/open-store';
import { GroupWriteQueue } from '../../../src/stores/variable-group-store';
import { startHarness, type Harness } from '../entra/emulator-harness';

describe('VariableGroupStore against the emulator', function () {
  this.timeout(30_000);
  let h: Harness;
  let accessToken: string;

  before(async () => {
    h = await startHarness();
    accessToken = (
      await redeemRefreshToken({
        entra: { tenantId: h.tenantId, clientId: h.publicClientId, refreshToken: h.refreshToken() },
        authorityHost: h.emu.urls.authorityHost,
        http: h.http,
        registerSecret: () => {},
      })
    ).accessToken;
  });
  after(async () => {
    await h?.close();
  });

  const deps = (purpose: 'pat' | 'refreshToken' = 'pat', systemAccessToken?: string) => ({
    http: h.http,
    organization: h.org,
    devopsUrl: h.emu.urls.devops,
    userAccessToken: accessToken,
    systemAccessToken,
    network: h.network,
    purpose,
  });

  it('writes the PAT as a secret, keeps the other secrets and the sharing, verifies and reads back', async () => {
    const other = h.emu.control.devops.addProject(h.org, { name: 'Other' });
    const id = h.emu.control.variableGroups.add(h.org, 'Web', {
      name: 'Tokens',
      variables: { Keep: { value: 'keep-this-secret', isSecret: true }, Plain: 'plain' },
      sharedWith: [other.name],
      administrators: [h.user.userId],
    });
    const store = await openSecretStore({ kind: 'variableGroup', group: { project: 'Web', name: 'tokens' }, variableName: 'FeedPat', auth: 'user' }, deps());
    const meta = { authorizationId: 'aaaa', validTo: '2027-01-01T00:00:00Z' };
    const receipt = await store.write('the-new-pat-value-123', meta);
    await store.verify(receipt, 'the-new-pat-value-123');
    assert.deepEqual(await store.read(), { exists: true, metadata: meta });
    const side = h.emu.control.variableGroups.get(h.org, id);
    assert.equal(side.variables.FeedPat.value, 'the-new-pat-value-123');
    assert.equal(side.variables.FeedPat.isSecret, true);
    assert.equal(side.variables.Keep.value, 'keep-this-secret');
    assert.equal(side.variables.Plain.value, 'plain');
    assert.equal(side.variables['FeedPat.authorizationId'].value, 'aaaa');
    assert.deepEqual(side.sharedWith.slice().sort(), ['Other', 'Web']);
  });

  it("one run's stores of a group fold their writes into one read-modify-write, and lose none of them", async () => {
    const id = h.emu.control.variableGroups.add(h.org, 'Web', { name: 'Bulk', variables: {}, administrators: [h.user.userId] });
    const shared = { ...deps(), groupWrites: new GroupWriteQueue() };
    const names = ['Pat.a', 'Pat.b', 'Pat.c', 'Pat.d'];
    const stores = await Promise.all(names.map((variableName) => openSecretStore({ kind: 'variableGroup', group: { project: 'Web', id }, variableName, auth: 'user' }, shared)));
    const puts = () => h.emu.log.count({ route: /^variableGroups\.update/ });
    const before = puts();
    await Promise.all(stores.map((s, i) => s.write(`value-${i}-0123456789`, { authorizationId: `id-${i}`, validTo: '2027-01-01T00:00:00Z' })));
    const vars = h.emu.control.variableGroups.get(h.org, id).variables;
    for (const [i, name] of names.entries()) assert.equal(vars[name].value, `value-${i}-0123456789`, name);
    assert.ok(puts() - before < names.length, `${puts() - before} PUTs for ${names.length} writes: the queued ones went out together`);
  });

  it('with the job token: a Reader build service gets the permission error; an Administrator writes', async () => {
    const id = h.emu.control.variableGroups.add(h.org, 'Web', { name: 'JobTokens', variables: {} });
    const job = h.emu.control.entra.issueJobToken({ org: h.org, projectId: h.project.id });
    const store = await openSecretStore({ kind: 'variableGroup', group: { project: 'Web', id }, variableName: 'RT', auth: 'job' }, deps('refreshToken', job.token));
    await assert.rejects(store.write('refresh-token-value-1', {}), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'permission' && /Build Service/.test(e.hint ?? ''));
    h.emu.control.variableGroups.grant(h.org, id, h.project.buildService.objectId, 'Administrator');
    const receipt = await store.write('refresh-token-value-1', { clientId: 'c' });
    await store.verify(receipt, 'refresh-token-value-1');
  });

  it('variableGroupAuth job without System.AccessToken is an input error', async () => {
    await assert.rejects(
      openSecretStore({ kind: 'variableGroup', group: { project: 'Web', name: 'x' }, variableName: 'v', auth: 'job' }, deps()),
      (e: unknown) => e instanceof PatLifecycleError && e.input === 'variableGroupAuth',
    );
  });
});
