import assert from 'node:assert/strict';
import { FakeCore } from './fake-core';
import { register as registerPats } from '../pats';
import { register as registerVariableGroups } from '../variable-groups';

const ADO = '499b84ac-1321-427f-aa17-267ca6975798';
const GROUP_KEYS = ['variables', 'id', 'type', 'name', 'description', 'createdBy', 'createdOn', 'modifiedBy', 'modifiedOn', 'isShared', 'variableGroupProjectReferences'];

function setup() {
  const core = new FakeCore();
  registerPats(core);
  registerVariableGroups(core);
  const { devops, variableGroups: vg, pats } = core.control;
  devops.addOrganization({ name: 'contoso' });
  const alpha = devops.addProject('contoso', { name: 'Alpha' });
  const beta = devops.addProject('contoso', { name: 'Beta' });
  const alice = core.addUser('alice');
  const bob = core.addUser('bob');
  const id: number = vg.add('contoso', 'Alpha', {
    name: 'pat-store',
    description: 'PATs',
    variables: { plain: { value: 'v1' }, Secret1: { value: 's3cr3t-one', isSecret: true }, other: { value: 's3cr3t-two', isSecret: true }, ro: { value: 'r', isReadOnly: true } },
    administrators: [alice.user.userId],
  });
  const base = '/contoso';
  const get = (auth: string, project = 'Alpha', gid: number = id, version = '7.1') =>
    core.dispatch('GET', `${base}/${project}/_apis/distributedtask/variablegroups/${gid}${version ? `?api-version=${version}` : ''}`, { headers: { Authorization: auth } });
  const putOrg = (auth: string, body: object, gid: number = id, version = '7.1') =>
    core.dispatch('PUT', `${base}/_apis/distributedtask/variablegroups/${gid}?api-version=${version}`, { headers: { Authorization: auth }, body });
  const putProject = (auth: string, body: object, project = 'Alpha', gid: number = id, version = '5.0-preview.1') =>
    core.dispatch('PUT', `${base}/${project}/_apis/distributedtask/variablegroups/${gid}?api-version=${version}`, { headers: { Authorization: auth }, body });
  const refs = (...projects: Array<{ name: string; id: string }>) =>
    projects.map((p) => ({ name: 'pat-store', description: 'PATs', projectReference: { id: p.id, name: p.name } }));
  return { core, devops, vg, pats, alpha, beta, alice, bob, id, get, putOrg, putProject, refs };
}

describe('emulator Variable Groups API (unit)', () => {
  describe('GET', () => {
    it('masks secrets exactly as the recording: {value:null,isSecret:true}; plain {value}', async () => {
      const { alice, get, alpha } = setup();
      const res = await get(alice.bearer);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json), GROUP_KEYS);
      assert.deepEqual(res.json.variables, {
        plain: { value: 'v1' },
        Secret1: { value: null, isSecret: true },
        other: { value: null, isSecret: true },
        ro: { value: 'r', isReadOnly: true },
      });
      assert.ok(!res.text.includes('s3cr3t'));
      assert.equal(res.json.type, 'Vsts');
      assert.equal(res.json.isShared, false);
      assert.deepEqual(res.json.variableGroupProjectReferences, [{ projectReference: { id: alpha.id, name: 'Alpha' }, name: 'pat-store', description: 'PATs' }]);
      assert.deepEqual(Object.keys(res.json.createdBy), ['displayName', 'url', 'id', 'uniqueName', 'imageUrl']);
      assert.match(res.json.createdOn, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8; api-version=7.1');
    });

    it('404 for an unknown id, a group not shared with the project, an unknown project', async () => {
      const { alice, get } = setup();
      assert.equal((await get(alice.bearer, 'Alpha', 999)).status, 404);
      assert.equal((await get(alice.bearer, 'Beta')).status, 404);
      const p = await get(alice.bearer, 'Nope');
      assert.equal(p.status, 404);
      assert.match(p.json.message, /^TF200016: The following project does not exist: Nope\./);
    });

    it('GET without api-version is served at the latest GA version; the project may be named by id', async () => {
      const { alice, get, alpha } = setup();
      const res = await get(alice.bearer, 'Alpha', undefined, '');
      assert.equal(res.status, 200);
      assert.equal((await get(alice.bearer, alpha.id)).status, 200);
    });
  });

  describe('list', () => {
    it('answers {count, value}; groupName wildcards, groupIds, order, $top with X-MS-ContinuationToken', async () => {
      const { core, vg, alice } = setup();
      vg.add('contoso', 'Alpha', { name: 'Test-1', variables: { a: 'b' } });
      vg.add('contoso', 'Alpha', { name: 'test-2', variables: { a: 'b' } });
      vg.add('contoso', 'Beta', { name: 'Test-3', variables: { a: 'b' } });
      const list = (q: string) => core.dispatch('GET', `/contoso/Alpha/_apis/distributedtask/variablegroups?api-version=7.1${q}`, { headers: { Authorization: alice.bearer } });
      const all = await list('');
      assert.deepEqual(Object.keys(all.json), ['count', 'value']);
      assert.equal(all.json.count, 3);
      assert.deepEqual(all.json.value.map((g: { id: number }) => g.id), [3, 2, 1]);
      assert.deepEqual((await list('&groupName=test*')).json.value.map((g: { name: string }) => g.name), ['test-2', 'Test-1']);
      assert.deepEqual((await list('&groupIds=1,3&queryOrder=idAscending')).json.value.map((g: { id: number }) => g.id), [1, 3]);
      const p1 = await list('&$top=2');
      assert.equal(p1.json.count, 2);
      assert.equal(p1.headers['x-ms-continuationtoken'], '1');
      const p2 = await list('&$top=2&continuationToken=1');
      assert.deepEqual(p2.json.value.map((g: { id: number }) => g.id), [1]);
      assert.equal(p2.headers['x-ms-continuationtoken'], undefined);
      assert.deepEqual((await list('&actionFilter=manage')).json.value.map((g: { id: number }) => g.id), [1]);
    });
  });

  describe('org-level PUT (6.0+)', () => {
    it('replaces the whole set; null or absent secret values keep the stored value; names are case-insensitive', async () => {
      const { vg, alice, putOrg, refs, alpha, id, core } = setup();
      const res = await putOrg(alice.bearer, {
        name: 'pat-store',
        description: 'PATs',
        type: 'Vsts',
        variables: {
          plain: { value: 'v2' },
          secret1: { value: null, isSecret: true },
          other: { isSecret: true },
          NewSecret: { value: 'n3w-s3cr3t', isSecret: true },
        },
        variableGroupProjectReferences: refs(alpha),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.json), GROUP_KEYS);
      assert.deepEqual(res.json.variables, {
        plain: { value: 'v2' },
        secret1: { value: null, isSecret: true },
        other: { value: null, isSecret: true },
        NewSecret: { value: null, isSecret: true },
      });
      assert.deepEqual(res.json.modifiedBy, { displayName: null, id: alice.user.userId });
      const side = vg.get('contoso', id);
      assert.deepEqual(side.variables, {
        plain: { value: 'v2', isSecret: false, isReadOnly: false },
        secret1: { value: 's3cr3t-one', isSecret: true, isReadOnly: false },
        other: { value: 's3cr3t-two', isSecret: true, isReadOnly: false },
        NewSecret: { value: 'n3w-s3cr3t', isSecret: true, isReadOnly: false },
      });
      assert.equal('ro' in side.variables, false, 'absent variables are deleted');
      assert.ok(core.secrets.includes('n3w-s3cr3t'));
    });

    it('a value sent for a secret overwrites it; a renamed secret without value is empty', async () => {
      const { vg, alice, putOrg, refs, alpha, id } = setup();
      await putOrg(alice.bearer, {
        name: 'pat-store',
        variables: { Secret1: { value: 'replaced', isSecret: true }, renamed: { value: null, isSecret: true } },
        variableGroupProjectReferences: refs(alpha),
      });
      const side = vg.get('contoso', id);
      assert.equal(side.variables.Secret1.value, 'replaced');
      assert.equal(side.variables.renamed.value, '');
    });

    it('the references in the body become the sharing set', async () => {
      const { alice, putOrg, get, refs, alpha, beta, vg, id } = setup();
      const body = (r: object[]) => ({ name: 'pat-store', variables: { plain: { value: 'v' } }, variableGroupProjectReferences: r });
      const shared = await putOrg(alice.bearer, body(refs(alpha, beta)));
      assert.equal(shared.json.isShared, true);
      assert.equal((await get(alice.bearer, 'Beta')).status, 200);
      await putOrg(alice.bearer, body(refs(beta)));
      assert.equal((await get(alice.bearer, 'Alpha')).status, 404);
      assert.deepEqual(vg.get('contoso', id).sharedWith, ['Beta']);
    });

    it('without project references: 401; with a wrong project name: 400 "Project information name is not valid…"', async () => {
      const { alice, putOrg, alpha } = setup();
      const noRefs = await putOrg(alice.bearer, { name: 'pat-store', variables: { plain: { value: 'v' } } });
      assert.equal(noRefs.status, 401);
      const emptyName = await putOrg(alice.bearer, { name: 'pat-store', variables: {}, variableGroupProjectReferences: [{ name: 'pat-store', projectReference: { id: alpha.id, name: '' } }] });
      assert.equal(emptyName.status, 401);
      const wrong = await putOrg(alice.bearer, { name: 'pat-store', variables: {}, variableGroupProjectReferences: [{ name: 'pat-store', projectReference: { id: alpha.id, name: 'Wrong' } }] });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.json.message, 'Project information name is not valid for variable group.');
      assert.equal(wrong.json.typeKey, 'ArgumentException');
    });

    it('needs the Administrator role: a Reader gets 403 until granted', async () => {
      const { vg, bob, putOrg, refs, alpha, id } = setup();
      const body = { name: 'pat-store', variables: { plain: { value: 'x' } }, variableGroupProjectReferences: refs(alpha) };
      const denied = await putOrg(bob.bearer, body);
      assert.equal(denied.status, 403);
      assert.equal(denied.json.typeKey, 'AccessDeniedException');
      assert.equal(vg.get('contoso', id).variables.plain.value, 'v1');
      vg.grant('contoso', id, bob.user.userId, 'User');
      assert.equal((await putOrg(bob.bearer, body)).status, 403);
      vg.grant('contoso', id, bob.user.userId, 'Administrator');
      assert.equal((await putOrg(bob.bearer, body)).status, 200);
    });

    it('is refused at 5.x (route mismatch), and needs an api-version', async () => {
      const { alice, putOrg, refs, alpha, core, id } = setup();
      const body = { name: 'pat-store', variables: {}, variableGroupProjectReferences: refs(alpha) };
      assert.equal((await putOrg(alice.bearer, body, undefined, '5.0-preview.1')).status, 400);
      const none = await core.dispatch('PUT', `/contoso/_apis/distributedtask/variablegroups/${id}`, { headers: { Authorization: alice.bearer }, body });
      assert.equal(none.status, 400);
      assert.equal(none.json.typeKey, 'VssVersionNotSpecifiedException');
      for (const v of ['6.0-preview.2', '7.0', '7.1', '7.2-preview.2']) assert.equal((await putOrg(alice.bearer, body, undefined, v)).status, 200, v);
    });
  });

  describe('groups linked to Azure Key Vault (type AzureKeyVault)', () => {
    const ENDPOINT = '0f8fad5b-d9cb-469f-a165-70867728950e';
    function linked() {
      const t = setup();
      const lid: number = t.vg.add('contoso', 'Alpha', {
        name: 'from-vault',
        variables: {},
        administrators: [t.alice.user.userId],
        keyVault: { serviceEndpointId: ENDPOINT, vault: 'contoso-secrets', secrets: { FeedPat: { contentType: 'text/plain', expires: '2027-01-01T00:00:00Z' }, Other: { enabled: false } } },
      });
      const body = (variables: object, extra: object = {}) => ({
        name: 'from-vault',
        type: 'AzureKeyVault',
        providerData: { serviceEndpointId: ENDPOINT, vault: 'contoso-secrets' },
        variables,
        variableGroupProjectReferences: [{ name: 'from-vault', projectReference: { id: t.alpha.id, name: 'Alpha' } }],
        ...extra,
      });
      return { ...t, lid, body };
    }

    it('GET shows the type, providerData {serviceEndpointId, vault} and secret names with their attributes, never values', async () => {
      const { alice, get, lid } = linked();
      const res = await get(alice.bearer, 'Alpha', lid);
      assert.equal(res.status, 200);
      assert.equal(res.json.type, 'AzureKeyVault');
      assert.equal(res.json.providerData.serviceEndpointId, ENDPOINT);
      assert.equal(res.json.providerData.vault, 'contoso-secrets');
      assert.match(res.json.providerData.lastRefreshedOn, /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual(res.json.variables.FeedPat, { enabled: true, contentType: 'text/plain', expires: '2027-01-01T00:00:00Z', value: null, isSecret: true });
      assert.deepEqual(res.json.variables.Other, { enabled: false, contentType: null, expires: null, value: null, isSecret: true });
    });

    it('refuses a PUT that gives a variable a value (400), so no write passes for a stored secret; the group is unchanged', async () => {
      const { vg, alice, putOrg, lid, body } = linked();
      const res = await putOrg(alice.bearer, body({ FeedPat: { value: 'n3w-pat-value', isSecret: true }, Other: { isSecret: true } }), lid);
      assert.equal(res.status, 400);
      assert.equal(res.json.typeKey, 'ArgumentException');
      assert.match(res.json.message, /linked to Azure Key Vault 'contoso-secrets'.*'FeedPat' was sent with a value/);
      assert.ok(!res.text.includes('n3w-pat-value'));
      assert.deepEqual(Object.keys(vg.get('contoso', lid).variables), ['FeedPat', 'Other']);
      assert.equal(vg.get('contoso', lid).variables.FeedPat.value, '');
    });

    it('refuses turning it into a plain group (type Vsts, or no type) with values', async () => {
      const { alice, putOrg, lid, body } = linked();
      for (const type of ['Vsts', undefined]) {
        const res = await putOrg(alice.bearer, body({ FeedPat: { value: 'plain-value' } }, { type }), lid);
        assert.equal(res.status, 400, String(type));
        assert.match(res.json.message, /linked to Azure Key Vault 'contoso-secrets'; it cannot be changed to type 'Vsts'/);
      }
    });

    it('takes a PUT of secret names alone: the names sent stay, with the attributes the vault reported', async () => {
      const { vg, alice, putOrg, lid, body } = linked();
      const res = await putOrg(alice.bearer, body({ FeedPat: { isSecret: true, value: null } }), lid);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.json.variables), ['FeedPat']);
      assert.equal(res.json.variables.FeedPat.contentType, 'text/plain');
      assert.equal(vg.get('contoso', lid).type, 'AzureKeyVault');
      assert.deepEqual(vg.get('contoso', lid).providerData, { serviceEndpointId: ENDPOINT, vault: 'contoso-secrets' });
    });

    it('is not created or linked through the API (seeded only)', async () => {
      const { alice, core, putOrg, refs, alpha } = linked();
      const created = await core.dispatch('POST', '/contoso/_apis/distributedtask/variablegroups?api-version=7.1', {
        headers: { Authorization: alice.bearer },
        body: { name: 'new-linked', type: 'AzureKeyVault', variables: {}, variableGroupProjectReferences: refs(alpha) },
      });
      assert.equal(created.status, 400);
      const relink = await putOrg(alice.bearer, { name: 'pat-store', description: 'PATs', type: 'AzureKeyVault', variables: {}, variableGroupProjectReferences: refs(alpha) });
      assert.equal(relink.status, 400);
      assert.match(relink.json.message, /linking it to Azure Key Vault through the API is not served/);
    });
  });

  describe('project-level PUT (5.0-preview.1)', () => {
    it('needs no references and leaves the sharing set alone; content type carries the version', async () => {
      const { vg, alice, putProject, id, alpha } = setup();
      const res = await putProject(alice.bearer, { name: 'pat-store', variables: { Secret1: { isSecret: true }, added: { value: 'a' } } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8; api-version=5.0-preview.1');
      assert.deepEqual(res.json.variableGroupProjectReferences.map((r: { projectReference: { id: string } }) => r.projectReference.id), [alpha.id]);
      assert.equal(vg.get('contoso', id).variables.Secret1.value, 's3cr3t-one');
      assert.equal((await putProject(alice.bearer, { name: 'pat-store', variables: {} }, 'Alpha', id, '7.1')).status, 400);
      assert.equal((await putProject(alice.bearer, { name: 'pat-store', variables: {} }, 'Beta')).status, 404);
    });
  });

  describe('callers', () => {
    it('job token: Reader on groups of its project, Administrator when granted, nothing elsewhere', async () => {
      const { core, devops, vg, get, putOrg, refs, alpha, id } = setup();
      const job = core.bearerFor(devops.buildServicePrincipal('contoso', 'Alpha'), ADO);
      assert.equal((await get(job)).status, 200);
      const body = { name: 'pat-store', variables: { plain: { value: 'from-job' } }, variableGroupProjectReferences: refs(alpha) };
      assert.equal((await putOrg(job, body)).status, 403);
      vg.grant('contoso', id, alpha.buildService.objectId, 'Administrator');
      const ok = await putOrg(job, body);
      assert.equal(ok.status, 200);
      assert.equal(vg.get('contoso', id).modifiedBy.displayName, 'Alpha Build Service (contoso)');
      const betaJob = core.bearerFor(devops.buildServicePrincipal('contoso', 'Beta'), ADO);
      assert.equal((await get(betaJob)).status, 404);
    });

    it('PAT via Basic: scopes enforced (read for GET, manage for PUT); dead PATs 401', async () => {
      const { core, pats, alice, get, putOrg, refs, alpha } = setup();
      const basic = (t: string) => 'Basic ' + Buffer.from(`:${t}`).toString('base64');
      const read = pats.create('contoso', alice.user.userId, { displayName: 'r', scope: 'vso.variablegroups_read' });
      const manage = pats.create('contoso', alice.user.userId, { displayName: 'm', scope: 'vso.variablegroups_manage', lifetimeDays: 1 });
      const body = { name: 'pat-store', variables: { plain: { value: 'x' } }, variableGroupProjectReferences: refs(alpha) };
      assert.equal((await get(basic(read.token))).status, 200);
      const denied = await putOrg(basic(read.token), body);
      assert.equal(denied.status, 401);
      assert.equal(denied.json.typeKey, 'UnauthorizedRequestException');
      assert.equal((await get(basic(manage.token))).status, 200);
      assert.equal((await putOrg(basic(manage.token), body)).status, 200);
      core.clock.advance(2 * 86_400_000);
      assert.equal((await get(basic(manage.token))).status, 401);
      assert.equal((await get(basic('not-a-pat'))).status, 401);
    });

    it('anonymous or wrong-audience callers get the 203 sign-in page', async () => {
      const { core, alice, get } = setup();
      const anon = await core.dispatch('GET', '/contoso/Alpha/_apis/distributedtask/variablegroups/1?api-version=7.1');
      assert.equal(anon.status, 203);
      assert.match(anon.headers['content-type']!, /^text\/html/);
      assert.equal((await get(core.bearerFor(alice.principal, 'https://vault.emulator.test'))).status, 203);
    });
  });

  describe('POST create', () => {
    it('org-level with references; the creator becomes Administrator; no references: 401', async () => {
      const { core, vg, bob, alpha } = setup();
      const post = (body: object, path = '/contoso/_apis/distributedtask/variablegroups?api-version=7.1') =>
        core.dispatch('POST', path, { headers: { Authorization: bob.bearer }, body });
      const res = await post({
        name: 'new-group',
        type: 'Vsts',
        variables: { k: { value: 'v' }, s: { value: 'hidden-value', isSecret: true } },
        variableGroupProjectReferences: [{ name: 'new-group', projectReference: { id: alpha.id, name: 'Alpha' } }],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.variables, { k: { value: 'v' }, s: { value: null, isSecret: true } });
      assert.equal(vg.get('contoso', res.json.id).roles[bob.user.userId], 'Administrator');
      assert.equal((await post({ name: 'x', variables: { a: { value: 'b' } } })).status, 401);
      const dup = await post({ name: 'NEW-GROUP', variables: {}, variableGroupProjectReferences: [{ name: 'n', projectReference: { id: alpha.id, name: 'Alpha' } }] });
      assert.equal(dup.status, 409);
      const legacy = await post({ name: 'legacy', variables: { a: { value: 'b' } } }, '/contoso/Beta/_apis/distributedtask/variablegroups?api-version=5.0-preview.1');
      assert.equal(legacy.status, 200);
      assert.deepEqual(vg.get('contoso', legacy.json.id).sharedWith, ['Beta']);
    });
  });

  describe('side door', () => {
    it('get returns real values and references; grant and remove work', async () => {
      const { vg, id, alpha, bob, alice, get } = setup();
      const g = vg.get('contoso', id);
      assert.equal(g.variables.Secret1.value, 's3cr3t-one');
      assert.deepEqual(g.projectReferences, [{ projectId: alpha.id, projectName: 'Alpha', name: 'pat-store', description: 'PATs' }]);
      vg.grant('contoso', id, bob.user.userId, 'Reader');
      assert.equal(vg.get('contoso', id).roles[bob.user.userId], 'Reader');
      assert.equal(vg.remove('contoso', id), true);
      assert.equal((await get(alice.bearer)).status, 404);
      assert.equal(vg.get('contoso', id), undefined);
    });
  });
});
