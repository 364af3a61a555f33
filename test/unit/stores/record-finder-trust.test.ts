import { strict as assert } from 'node:assert';
import { RecordFinder } from '../../../src/stores/record-finder';
import { RECORD_PREFIX } from '../../../src/stores/service-connection-store';
import type { VariableGroupClient } from '../../../src/devops/variable-group-client';
import type { ServiceEndpointClient } from '../../../src/devops/service-endpoint-client';
import type { IdentityRef, ServiceEndpoint, VariableGroup, VariableValue } from '../../../src/devops/types';

const ID = '6f1c2d3e-0000-4000-8000-00000000abcd';
const ME: IdentityRef = { id: 'u-1', displayName: 'Ada Lovelace', uniqueName: 'Ada@Contoso.com' };
const group = (id: number, name: string, variables: Record<string, VariableValue>, people: Partial<VariableGroup> = {}): VariableGroup =>
  ({ id, name, type: 'Vsts', variables, ...people }) as VariableGroup;
const groups = (list: VariableGroup[]) => ({ listAll: async () => list }) as unknown as VariableGroupClient;
const record = { 'Pat.authorizationId': { value: ID } };

/** Which other records may keep a PAT alive: only groups the task's own writer changed last (docs/security.md). */
describe('RecordFinder: a record counts only in a group the writer of the records changed last', () => {
  it('counts a group its writer changed last, whatever the case of the name; names the others, with who changed them', async () => {
    const ignored: string[] = [];
    const planted = group(2, 'Planted', record, { createdBy: { id: 'u-2', displayName: 'Mallory', uniqueName: 'mallory@contoso.com' }, modifiedBy: { id: 'u-2', displayName: 'Mallory', uniqueName: 'mallory@contoso.com' } });
    const mine = group(1, 'Mine', record, { createdBy: ME, modifiedBy: ME });
    const finder = new RecordFinder([{ client: groups([mine, planted]), project: 'Web' }], [], { writer: 'ADA@contoso.com', ignored: (t) => void ignored.push(t) });
    assert.deepEqual(await finder.holdersOf(ID, []), ["variable group 'Mine' (project 'Web', created by Ada Lovelace <Ada@Contoso.com>), variable 'Pat'"]);
    assert.deepEqual(ignored, [
      `variable group 'Planted' (project 'Web', created by Mallory <mallory@contoso.com>), variable 'Pat' records PAT ${ID}, but Mallory <mallory@contoso.com> changed that group last, not ADA@contoso.com, whose token writes this task's records: it was not counted as holding the PAT. Check who made that group and why.`,
    ]);
  });

  it('a group with no known last writer does not count; without a way to tell, it is dropped quietly', async () => {
    const unknown = group(3, 'Unknown', record);
    const ignored: string[] = [];
    assert.deepEqual(await new RecordFinder([{ client: groups([unknown]), project: 'Web' }], [], { writer: 'ada@contoso.com', ignored: (t) => void ignored.push(t) }).holdersOf(ID, []), []);
    assert.match(ignored[0], /but someone unknown changed that group last, not ada@contoso\.com/);
    assert.deepEqual(await new RecordFinder([{ client: groups([unknown]), project: 'Web' }], [], { writer: 'ada@contoso.com' }).holdersOf(ID, []), []);
  });

  it('without a writer every group counts, whoever changed it', async () => {
    const planted = group(2, 'Planted', record, { modifiedBy: { id: 'u-2', uniqueName: 'mallory@contoso.com' } });
    assert.equal((await new RecordFinder([{ client: groups([planted]), project: 'Web' }], [], { writer: '' }).holdersOf(ID, [])).length, 1);
    assert.equal((await new RecordFinder([{ client: groups([planted]), project: 'Web' }]).holdersOf(ID, [])).length, 1);
  });

  it('names a person by display name, unique name or id, adding the unique name when it differs', async () => {
    const by = (createdBy: IdentityRef) => group(1, 'G', record, { createdBy });
    const found = await new RecordFinder([{ client: groups([by({ id: 'id-only' }), by({ id: 'x', displayName: '', uniqueName: 'u@c.com' }), by({ id: 'x', displayName: 'Same', uniqueName: 'Same' }), by({ id: 'x', displayName: 'Name' })]), project: 'P' }]).holdersOf(ID, []);
    assert.deepEqual(
      found.map((w) => /created by (.*)\)/.exec(w)![1]),
      ['id-only', 'u@c.com', 'Same', 'Name'],
    );
  });

  it('service connections: a record line naming the PAT in any case counts, with who created the connection', async () => {
    const endpoints = [
      { id: 'c-1', name: 'Feed', description: `${RECORD_PREFIX}authorizationId=${ID.toUpperCase()}`, createdBy: ME },
      { id: 'c-2', name: 'NoRecord', description: 'just a description' },
    ] as unknown as ServiceEndpoint[];
    const connections = { listAll: async () => endpoints } as unknown as ServiceEndpointClient;
    assert.deepEqual(await new RecordFinder([], [{ client: connections, project: 'Web' }]).holdersOf(ID, []), ["service connection 'Feed' (project 'Web', created by Ada Lovelace <Ada@Contoso.com>)"]);
  });
});
