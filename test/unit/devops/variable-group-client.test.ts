import { strict as assert } from 'node:assert';
import { VariableGroupClient } from '../../../src/devops/variable-group-client';
import { PatLifecycleError } from '../../../src/errors';
import { FakeVariableGroups } from './fake-variable-groups';

const DEVOPS = 'https://devops.example.test';

describe('VariableGroupClient', () => {
  let svc: FakeVariableGroups;
  let client: VariableGroupClient;

  beforeEach(() => {
    svc = new FakeVariableGroups();
    client = new VariableGroupClient({ http: svc.http, devopsUrl: DEVOPS, organization: 'contoso', authorization: 'Bearer user-token' });
    svc.add(1, 'Tokens', 'Web', { a: { value: '1' }, s: { value: 'hidden', isSecret: true } }, ['Web', 'Api']);
    svc.add(2, 'tokens-archive', 'Web', {});
    svc.add(3, 'TOKENS', 'Api', {});
  });

  it('getById returns the group with secrets as null', async () => {
    const g = await client.getById('Web', 1);
    assert.equal(g?.name, 'Tokens');
    assert.deepEqual(g?.variables.s, { value: null, isSecret: true });
    const url = new URL(svc.http.requests[0].url);
    assert.equal(url.pathname, '/contoso/Web/_apis/distributedtask/variablegroups/1');
    assert.equal(url.searchParams.get('api-version'), '7.1');
    assert.equal(svc.http.requests[0].headers?.authorization, 'Bearer user-token');
  });

  it('getById: an unknown id is undefined; an unknown project is a notFound error naming it', async () => {
    assert.equal(await client.getById('Web', 99), undefined);
    await assert.rejects(client.getById('missing', 1), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'notFound' && /Project 'missing'/.test(e.message));
  });

  it('findByName matches the exact name ignoring case, not wildcard neighbours', async () => {
    const found = await client.findByName('Web', 'tokens');
    assert.deepEqual(found.map((g) => g.id), [1]);
    assert.equal(new URL(svc.http.requests[0].url).searchParams.get('groupName'), 'tokens');
    const star = await client.findByName('Web', 'Tok*');
    assert.deepEqual(star, [], 'a * in the name is not a wildcard for us');
  });

  it('findByName follows x-ms-continuationtoken', async () => {
    let call = 0;
    const paging = new VariableGroupClient({
      http: {
        request: async (req) => {
          call++;
          const page = call === 1 ? [{ id: 7, name: 'x', type: 'Vsts', variables: {} }] : [{ id: 8, name: 'X', type: 'Vsts', variables: {} }];
          const headers: Record<string, string> = call === 1 ? { 'x-ms-continuationtoken': '8' } : {};
          assert.equal(new URL(req.url).searchParams.get('continuationToken'), call === 1 ? null : '8');
          const text = JSON.stringify({ count: 1, value: page });
          return { status: 200, headers, text, url: req.url, json: <T>() => JSON.parse(text) as T };
        },
      },
      devopsUrl: DEVOPS,
      organization: 'contoso',
      authorization: 'Bearer t',
    });
    assert.deepEqual((await paging.findByName('P', 'x')).map((g) => g.id), [7, 8]);
  });

  it('update uses the org-level 7.1 PUT with every project reference', async () => {
    const g = (await client.getById('Web', 1))!;
    await client.update(g, { ...g.variables, b: { value: '2' } }, 'Web');
    const put = svc.puts[0];
    const url = new URL(put.url);
    assert.equal(url.pathname, '/contoso/_apis/distributedtask/variablegroups/1');
    assert.equal(url.searchParams.get('api-version'), '7.1');
    const refs = put.body.variableGroupProjectReferences as { projectReference: { name: string } }[];
    assert.deepEqual(refs.map((r) => r.projectReference.name), ['Web', 'Api']);
    assert.equal(put.body.name, 'Tokens');
    assert.equal(put.body.type, 'Vsts');
  });

  it('update falls back to the project-level 5.0 PUT when the GET had no project references', async () => {
    svc.omitReferences = true;
    const g = (await client.getById('Web', 1))!;
    await client.update(g, g.variables, 'Web');
    const url = new URL(svc.puts[0].url);
    assert.equal(url.pathname, '/contoso/Web/_apis/distributedtask/variablegroups/1');
    assert.equal(url.searchParams.get('api-version'), '5.0-preview.1');
    assert.equal('variableGroupProjectReferences' in svc.puts[0].body, false);
  });

  it('403 on update names the Administrator role, for the user and for the job identity', async () => {
    const forbidden = { status: 403, body: { message: 'Access denied.', typeKey: 'AccessCheckException' } };
    const g = (await client.getById('Web', 1))!;
    svc.failNextPut = forbidden;
    await assert.rejects(client.update(g, g.variables, 'Web'), (e: unknown) => {
      assert.ok(e instanceof PatLifecycleError);
      assert.equal(e.kind, 'permission');
      assert.match(e.hint!, /Administrator role on variable group 'Tokens'/);
      assert.match(e.hint!, /Library/);
      return true;
    });
    const job = new VariableGroupClient({ http: svc.http, devopsUrl: DEVOPS, organization: 'contoso', authorization: 'Bearer job', authKind: 'job' });
    svc.failNextPut = forbidden;
    await assert.rejects(job.update(g, g.variables, 'Web'), (e: unknown) => {
      assert.ok(e instanceof PatLifecycleError);
      assert.match(e.hint!, /'Web Build Service \(contoso\)' the Administrator role on variable group 'Tokens'/);
      return true;
    });
  });

  it('a sign-in page on GET is an auth error', async () => {
    const html = new VariableGroupClient({
      http: { request: async (req) => ({ status: 203, headers: { 'content-type': 'text/html' }, text: '<html/>', url: req.url, json: () => ({}) as never }) },
      devopsUrl: DEVOPS,
      organization: 'contoso',
      authorization: 'Bearer t',
    });
    await assert.rejects(html.getById('Web', 1), (e: unknown) => e instanceof PatLifecycleError && e.kind === 'auth' && /sign-in page/.test(e.message));
  });
});
