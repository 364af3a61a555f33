import assert from 'node:assert/strict';
import { FakeCore } from './fake-core';
import { register as registerPats } from '../pats';
import { register as registerServiceEndpoints } from '../service-endpoints';
import { register as registerProjects } from '../projects';
import { responseProblemsOf } from '../../conformance/openapi';

const SPEC = 'serviceendpoint-7.1.json';

function setup() {
  const core = new FakeCore();
  registerPats(core);
  registerServiceEndpoints(core);
  registerProjects(core);
  const { devops, serviceEndpoints: se } = core.control;
  devops.addOrganization({ name: 'contoso' });
  devops.addProject('contoso', { name: 'Alpha' });
  devops.addProject('contoso', { name: 'Beta' });
  const alice = core.addUser('alice');
  const bob = core.addUser('bob');
  const id: string = se.add('contoso', 'Alpha', {
    name: 'feed',
    type: 'externalnugetfeed',
    url: 'https://pkgs.example.test/index.json',
    scheme: 'UsernamePassword',
    parameters: { username: 'u', password: 'stored-secret-1' },
    description: 'the feed',
    administrators: [alice.user.userId],
  });
  const get = (auth: string, project = 'Alpha') => core.dispatch('GET', `/contoso/${project}/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`, { headers: { Authorization: auth } });
  const byName = (auth: string, names: string) => core.dispatch('GET', `/contoso/Alpha/_apis/serviceendpoint/endpoints?endpointNames=${encodeURIComponent(names)}&api-version=7.1`, { headers: { Authorization: auth } });
  const put = (auth: string, body: object) => core.dispatch('PUT', `/contoso/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`, { headers: { Authorization: auth }, body });
  return { core, se, alice, bob, id, get, byName, put };
}

describe('emulator service endpoints API (unit)', () => {
  it('GET answers the endpoint of the project with secret parameters as null, as the spec declares it', async () => {
    const { alice, get } = setup();
    const res = await get(alice.bearer);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.authorization, { parameters: { username: 'u', password: null }, scheme: 'UsernamePassword' });
    assert.ok(!res.text.includes('stored-secret-1'));
    assert.deepEqual(responseProblemsOf('Endpoints_Get', SPEC, 200, res.json), []);
    assert.equal((await get(alice.bearer, 'Beta')).status, 404, 'a project the connection is not shared with does not see it');
  });

  it('lists by endpointNames in a {count, value} envelope', async () => {
    const { alice, byName } = setup();
    const res = await byName(alice.bearer, 'feed,other');
    assert.equal(res.status, 200);
    assert.equal(res.json.count, 1);
    assert.equal(res.json.value[0].name, 'feed');
    assert.deepEqual(responseProblemsOf('Endpoints_Get Service Endpoints By Names', SPEC, 200, res.json), []);
  });

  it('PUT keeps a secret sent back as null, replaces one sent with a value, and drops one left out', async () => {
    const { se, alice, get, put, id } = setup();
    const read = (await get(alice.bearer)).json;
    assert.equal((await put(alice.bearer, read)).status, 200);
    assert.equal(se.get('contoso', id).parameters.password, 'stored-secret-1');
    assert.equal((await put(alice.bearer, { ...read, authorization: { scheme: 'UsernamePassword', parameters: { username: 'u', password: 'new-secret-2' } } })).status, 200);
    assert.equal(se.get('contoso', id).parameters.password, 'new-secret-2');
    assert.equal((await put(alice.bearer, { ...read, authorization: { scheme: 'UsernamePassword', parameters: { username: 'u' } } })).status, 200);
    assert.equal(se.get('contoso', id).parameters.password, undefined);
  });

  it('PUT without url or without a project reference is refused, as the service does', async () => {
    const { alice, get, put } = setup();
    const read = (await get(alice.bearer)).json;
    const { url: _u, ...noUrl } = read;
    const res = await put(alice.bearer, noUrl);
    assert.equal(res.status, 400);
    assert.match(res.json.message, /Parameter name: endpoint\.Url/);
    assert.equal((await put(alice.bearer, { ...read, serviceEndpointProjectReferences: [] })).status, 400);
  });

  it('PUT needs the Administrator role on the connection; a User gets 403', async () => {
    const { bob, get, put } = setup();
    const read = (await get(bob.bearer)).json;
    const res = await put(bob.bearer, read);
    assert.equal(res.status, 403);
    assert.match(res.json.message, /Administrator role/);
  });

  it("a portal edit keeps the description as typed and drops data keys the type does not declare", async () => {
    const { se, id } = setup();
    se.editInPortal('contoso', id, { description: (d: string) => `${d}, edited` });
    assert.equal(se.get('contoso', id).description, 'the feed, edited');
    const git: string = se.add('contoso', 'Alpha', { name: 'git', type: 'git', url: 'https://git.example.test/r', scheme: 'UsernamePassword', parameters: { username: 'u', password: 'p-secret-3' }, data: { accessExternalGitServer: 'true', recordKey: 'x' } });
    se.editInPortal('contoso', git, {});
    assert.deepEqual(se.get('contoso', git).data, { accessExternalGitServer: 'true' });
  });

  it('keeps a description per project reference and answers a project its own at the top level', async () => {
    const { se, alice, get, put, id } = setup();
    se.grant('contoso', id, alice.user.userId, 'Administrator');
    const read = (await get(alice.bearer)).json;
    const refs = read.serviceEndpointProjectReferences.map((r: object) => ({ ...r, description: 'per reference' }));
    assert.equal((await put(alice.bearer, { ...read, description: 'top level', serviceEndpointProjectReferences: refs })).status, 200);
    const again = (await get(alice.bearer)).json;
    assert.equal(again.description, 'per reference', "a project's GET shows its reference's description at the top level");
    assert.equal(again.serviceEndpointProjectReferences[0].description, 'per reference');
    assert.equal(se.get('contoso', id).description, 'top level');
  });

  it('refuses a description longer than 1,024 characters, top level or per reference', async () => {
    const { alice, get, put } = setup();
    const read = (await get(alice.bearer)).json;
    const long = 'x'.repeat(1025);
    const top = await put(alice.bearer, { ...read, description: long });
    assert.equal(top.status, 400);
    assert.match(top.json.message, /endpoint\.Description.*1024/);
    const ref = await put(alice.bearer, { ...read, serviceEndpointProjectReferences: [{ ...read.serviceEndpointProjectReferences[0], description: long }] });
    assert.equal(ref.status, 400);
    assert.match(ref.json.message, /ServiceEndpointProjectReferences\[0\]\.Description/);
    assert.equal((await put(alice.bearer, { ...read, description: 'x'.repeat(1024) })).status, 200);
  });

  it('answers a Reader without project references and a caller without view permission only { name, id }', async () => {
    const { se, bob, get, id } = setup();
    se.grant('contoso', id, bob.user.userId, 'Reader');
    const reader = (await get(bob.bearer)).json;
    assert.equal(reader.serviceEndpointProjectReferences, undefined);
    assert.equal(reader.type, 'externalnugetfeed');
    se.grant('contoso', id, bob.user.userId, 'None');
    assert.deepEqual((await get(bob.bearer)).json, { name: 'feed', id });
  });

  it('a PUT of a shared connection needs the Administrator role in every project that references it, and names the missing ones', async () => {
    const core = setup();
    const { se, bob } = core;
    const shared: string = se.add('contoso', 'Alpha', { name: 'shared', type: 'externaltfs', url: 'https://dev.azure.com/x', scheme: 'Token', parameters: { apitoken: 'tok-secret-4' }, sharedWith: ['Beta'] });
    se.grant('contoso', shared, bob.user.userId, 'Administrator', 'Alpha');
    const read = (await core.core.dispatch('GET', `/contoso/Alpha/_apis/serviceendpoint/endpoints/${shared}?api-version=7.1`, { headers: { Authorization: bob.bearer } })).json;
    const res = await core.core.dispatch('PUT', `/contoso/_apis/serviceendpoint/endpoints/${shared}?api-version=7.1`, { headers: { Authorization: bob.bearer }, body: read });
    assert.equal(res.status, 403);
    assert.match(res.json.message, /in project\(s\) Beta/);
    se.grant('contoso', shared, bob.user.userId, 'Administrator', 'Beta');
    assert.equal((await core.core.dispatch('PUT', `/contoso/_apis/serviceendpoint/endpoints/${shared}?api-version=7.1`, { headers: { Authorization: bob.bearer }, body: read })).status, 200);
  });

  it('Projects - Get answers a project by name or id as a TeamProject, and 404 TF200016 for an unknown one', async () => {
    const { core, alice } = setup();
    const alpha = core.control.devops.list()[0].projects.find((p: { name: string }) => p.name === 'Alpha');
    const byName = await core.dispatch('GET', '/contoso/_apis/projects/Alpha?api-version=7.1', { headers: { Authorization: alice.bearer } });
    assert.equal(byName.status, 200);
    assert.equal(byName.json.id, alpha.id);
    assert.equal(byName.json.name, 'Alpha');
    assert.equal(byName.json.state, 'wellFormed');
    assert.equal((await core.dispatch('GET', `/contoso/_apis/projects/${alpha.id}?api-version=7.1`, { headers: { Authorization: alice.bearer } })).json.name, 'Alpha');
    const unknown = await core.dispatch('GET', '/contoso/_apis/projects/Nope?api-version=7.1', { headers: { Authorization: alice.bearer } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.message, /TF200016/);
  });
});
