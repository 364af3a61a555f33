// Microsoft's official request/response examples (copies in test/conformance/specs/examples), replayed through the
// product's own parsers (src/devops/pat-client.ts, variable-group-client.ts) as the service's answers, and checked
// against the response schemas the conformance checker uses, so neither the parsers nor the checker are stricter
// than what the service is documented to send.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatClient } from '../../src/devops/pat-client';
import { VariableGroupClient } from '../../src/devops/variable-group-client';
import type { PatTokenError, VariableGroup } from '../../src/devops/types';
import { PatLifecycleError } from '../../src/errors';
import { FakeHttp, type Reply } from '../unit/devops/fake-http';
import { SPEC_DIR, responseProblemsOf } from './openapi';

interface Example {
  'x-ms-vss-request-method': string;
  'x-ms-vss-request-url': string;
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: unknown }>;
}

const example = (name: string): Example =>
  JSON.parse(readFileSync(join(SPEC_DIR, 'examples', `${name}.json`), 'utf8').replace(/^\uFEFF/, '')) as Example;

/** The example's one answer, as the fake service sends it. */
function answer(ex: Example): Reply {
  const [status, r] = Object.entries(ex.responses)[0]!;
  return { status: Number(status), body: r.body };
}

function patClient(reply: Reply, registered: string[] = []) {
  const http = new FakeHttp(() => reply);
  return { http, pats: new PatClient({ http, vsspsUrl: 'https://vssps.dev.azure.com', organization: 'fabrikam', accessToken: 'at', registerSecret: (v) => registered.push(v) }) };
}

function groupClient(reply: Reply) {
  const http = new FakeHttp(() => reply);
  return { http, groups: new VariableGroupClient({ http, devopsUrl: 'https://dev.azure.com', organization: 'fabrikam', authorization: 'Bearer at' }) };
}

const SPECS = { pats: ['tokens-pats-7.1.json', 'tokens-pats-7.2.json'], groups: ['distributedtask-taskagent-7.1.json', 'distributedtask-taskagent-7.2.json'] };

describe('the official examples, replayed through the product', () => {
  describe('validate against the response schemas of both spec versions', () => {
    const table: Array<[string, 'pats' | 'groups', string]> = [
      ['tokens-ListPats', 'pats', 'Pats_List'],
      ['tokens-GetPat', 'pats', 'Pats_Get'],
      ['tokens-CreatePat', 'pats', 'Pats_Create'],
      ['tokens-UpdatePat', 'pats', 'Pats_Update'],
      ['variablegroups-GET_VariableGroup', 'groups', 'Variablegroups_Get'],
      ['variablegroups-GET_VariableGroupsByGroupName', 'groups', 'Variablegroups_Get Variable Groups'],
      ['variablegroups-GET_VariableGroupsByActionFilter', 'groups', 'Variablegroups_Get Variable Groups'],
      ['variablegroups-GET_VariableGroupsByIds', 'groups', 'Variablegroups_Get Variable Groups By Id'],
      ['variablegroups-POST_CreateVariableGroup', 'groups', 'Variablegroups_Add'],
      ['variablegroups-PUT_UpdateVariableGroup', 'groups', 'Variablegroups_Update'],
    ];
    for (const [name, area, operationId] of table) {
      it(`${name} is a valid ${operationId} answer`, () => {
        const { status, body } = answer(example(name));
        for (const spec of SPECS[area]) assert.deepEqual(responseProblemsOf(operationId, spec, status, body), [], `${name} against ${spec}`);
      });
    }
    it('tokens-RevokePat answers 204 where the spec declares 200: a documented difference, accepted', () => {
      const { status, body } = answer(example('tokens-RevokePat'));
      assert.equal(status, 204);
      for (const spec of SPECS.pats) assert.deepEqual(responseProblemsOf('Pats_Revoke', spec, status, body), []);
      assert.notDeepEqual(responseProblemsOf('Pats_Revoke', SPECS.pats[0]!, 201, undefined), [], 'other statuses are not');
    });
  });

  describe('PatClient', () => {
    it('lists: every PAT of ListPats, and the empty continuationToken ends the paging', async () => {
      const ex = example('tokens-ListPats');
      const { http, pats } = patClient(answer(ex));
      const listed = [];
      for await (const p of pats.listAll()) listed.push(p);
      const page = ex.responses['200']!.body as { patTokens: Array<{ displayName: string; authorizationId: string; targetAccounts: string[] | null }> };
      assert.deepEqual(listed.map((p) => p.displayName), page.patTokens.map((p) => p.displayName));
      assert.deepEqual(listed.map((p) => p.targetAccounts), page.patTokens.map((p) => p.targetAccounts), 'null targetAccounts stays null');
      assert.equal(http.requests.length, 1);
    });

    it('lists: a last page without continuationToken ends the paging too', async () => {
      const body = { ...(example('tokens-ListPats').responses['200']!.body as object) } as Record<string, unknown>;
      delete body['continuationToken'];
      const { http, pats } = patClient({ status: 200, body });
      let n = 0;
      for await (const _ of pats.listAll()) n++;
      assert.ok(n > 0);
      assert.equal(http.requests.length, 1);
    });

    it('gets the PAT of GetPat', async () => {
      const ex = example('tokens-GetPat');
      const { pats } = patClient(answer(ex));
      const pat = await pats.get(ex.parameters['authorizationId'] as string);
      assert.equal(pat?.displayName, 'analytics_token');
      assert.equal(pat?.scope, 'vso.analytics');
    });

    it('creates: the value of CreatePat is returned and registered as a secret at once', async () => {
      const ex = example('tokens-CreatePat');
      const registered: string[] = [];
      const { pats } = patClient(answer(ex), registered);
      const created = await pats.create(ex.parameters['body'] as never);
      assert.equal(created.token, 'dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq');
      assert.deepEqual(registered, [created.token]);
      assert.equal(created.authorizationId, '4ab5764f-4193-4f1d-b995-64144880b7d7');
    });

    it('updates: the PAT of UpdatePat, null targetAccounts included', async () => {
      const ex = example('tokens-UpdatePat');
      const { pats } = patClient(answer(ex));
      const updated = await pats.update(ex.parameters['body'] as never);
      assert.equal(updated.displayName, 'updated_token');
      assert.equal(updated.validTo, '2020-12-25T23:46:23.32Z');
    });

    it('revokes: 204 with {} as in RevokePat, and 200 with no body as the spec declares', async () => {
      const ex = example('tokens-RevokePat');
      assert.equal(await patClient(answer(ex)).pats.revoke(ex.parameters['authorizationId'] as string), 'revoked');
      assert.equal(await patClient({ status: 200 }).pats.revoke(ex.parameters['authorizationId'] as string), 'revoked');
    });

    it('errors: every patTokenError of the 7.2 enum other than none, inside the example\'s 200, becomes a PatLifecycleError', async () => {
      const spec = JSON.parse(readFileSync(join(SPEC_DIR, 'tokens-pats-7.2.json'), 'utf8').replace(/^\uFEFF/, '')) as {
        definitions: { PatTokenResult: { properties: { patTokenError: { enum: PatTokenError[] } } } };
      };
      const values = spec.definitions.PatTokenResult.properties.patTokenError.enum.filter((v) => v !== 'none');
      assert.ok(values.length >= 36);
      const ex = example('tokens-CreatePat');
      for (const error of values) {
        const body = { patToken: null, patTokenError: error, patTokenErrorMessage: `refused: ${error}` };
        assert.deepEqual(responseProblemsOf('Pats_Create', 'tokens-pats-7.2.json', 200, body), []);
        await assert.rejects(patClient({ status: 200, body }).pats.create(ex.parameters['body'] as never), (e) => e instanceof PatLifecycleError, error);
      }
    });
  });

  describe('VariableGroupClient', () => {
    it('reads the group of GET_VariableGroup, a secret with a null value included', async () => {
      const { groups } = groupClient(answer(example('variablegroups-GET_VariableGroup')));
      const g = await groups.getById('VGDemo', 1);
      assert.equal(g?.name, 'TestVariableGroup1');
      assert.deepEqual(g?.variables['key2'], { value: null, isSecret: true });
    });

    it('finds by name in GET_VariableGroupsByGroupName, the { count, value } envelope on the wire', async () => {
      const ex = example('variablegroups-GET_VariableGroupsByGroupName');
      const body = ex.responses['200']!.body as { value: VariableGroup[] };
      const { groups } = groupClient(answer(ex));
      const found = await groups.findByName('DGDemo', body.value[0]!.name);
      assert.deepEqual(found.map((g) => g.id), [body.value[0]!.id]);
    });

    it('reads the answer of PUT_UpdateVariableGroup as the updated group', async () => {
      const ex = example('variablegroups-PUT_UpdateVariableGroup');
      const { groups } = groupClient(answer(ex));
      const group = { ...(ex.responses['200']!.body as VariableGroup), variableGroupProjectReferences: [{ name: 'TestVariableGroup1', projectReference: { id: '00000000-0000-0000-0000-000000000001', name: 'DGDemo' } }] } as VariableGroup;
      const updated = await groups.update(group, group.variables);
      assert.equal(updated.id, 1);
      assert.equal(updated.description, 'Updated variable group');
    });
  });
});
