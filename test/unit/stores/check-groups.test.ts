import { strict as assert } from 'node:assert';
import { checkGroups, connectionsToCheck, groupsToCheck, type GroupCheck } from '../../../src/stores/check-groups';
import { PatLifecycleError } from '../../../src/errors';
import { LINKED_GROUP } from '../../../src/stores/variable-group-store';
import type { SecretStore } from '../../../src/stores/secret-store';
import type { Config } from '../../../src/config/types';

const group = (name: string, auth: 'user' | 'job') => ({ kind: 'variableGroup' as const, group: { project: 'Proj', name }, variableName: 'V', auth });
const failing = (code: string): SecretStore => ({ prepare: () => Promise.reject(new PatLifecycleError('notFound', code, code)) }) as unknown as SecretStore;

describe('checkGroups: the groups a run writes, read before anything is written', () => {
  it('checks the groups read with the given identity only, the refresh token store first', () => {
    const config = { refreshTokenStore: group('signin', 'user'), destinations: [group('Tokens', 'user')] } as unknown as Config;
    assert.deepEqual(groupsToCheck(config, 'user').map((c) => `${c.purpose}:${c.destination.group.name}`), ['refreshToken:signin', 'pat:Tokens']);
    assert.deepEqual(groupsToCheck(config, 'job'), []);
    const outputOnly = { refreshTokenStore: { kind: 'none' }, destinations: [] } as unknown as Config;
    assert.deepEqual(groupsToCheck(outputOnly, 'user'), []);
  });

  it('stops the run for a linked group in either role, and for a PAT group it cannot read', async () => {
    const rt: GroupCheck = { destination: group('signin', 'user'), purpose: 'refreshToken' };
    const pat: GroupCheck = { destination: group('Tokens', 'user'), purpose: 'pat' };
    await assert.rejects(checkGroups([rt], async () => failing(LINKED_GROUP)), { code: LINKED_GROUP });
    await assert.rejects(checkGroups([pat], async () => failing(LINKED_GROUP)), { code: LINKED_GROUP });
    await assert.rejects(checkGroups([pat], async () => failing('VariableGroupNotFound')), { code: 'VariableGroupNotFound' });
  });

  it('leaves other troubles of the refresh token store to keepRefreshToken (a warning there, not a failure)', async () => {
    const rt: GroupCheck = { destination: group('signin', 'user'), purpose: 'refreshToken' };
    const pat: GroupCheck = { destination: group('Tokens', 'user'), purpose: 'pat' };
    const prepared: string[] = [];
    const fine: SecretStore = { prepare: async () => void prepared.push('Tokens') } as unknown as SecretStore;
    // A refresh token store that refuses the read, or cannot even be opened: the PAT group after it is still checked.
    await assert.doesNotReject(checkGroups([rt, pat], async (c) => (c === rt ? failing('HTTP 403') : fine)));
    await assert.doesNotReject(
      checkGroups([rt, pat], async (c) => {
        if (c === rt) throw new PatLifecycleError('permission', 'HTTP 403', 'denied');
        return fine;
      }),
    );
    assert.deepEqual(prepared, ['Tokens', 'Tokens']);
    // ...and a PAT group's trouble after it still stops the run.
    await assert.rejects(checkGroups([rt, pat], async (c) => failing(c === rt ? 'HTTP 403' : 'VariableGroupNotFound')), { code: 'VariableGroupNotFound' });
  });

  it('a store with nothing to check before writing passes, and the groups after it are still checked', async () => {
    const pat = (name: string): GroupCheck => ({ destination: group(name, 'user'), purpose: 'pat' });
    const opened: string[] = [];
    await checkGroups([pat('A'), pat('B')], async (c) => {
      opened.push(c.destination.group.name!);
      return (c.destination.group.name === 'A' ? {} : failing('VariableGroupNotFound')) as SecretStore;
    }).then(
      () => assert.fail('B cannot be read'),
      (e: PatLifecycleError) => assert.equal(e.code, 'VariableGroupNotFound'),
    );
    assert.deepEqual(opened, ['A', 'B']);
  });

  it('checks the fixed service connections of a create or rotate only; a {name} template is checked per PAT later', () => {
    const fixed = { kind: 'serviceConnection', connection: { project: 'P', nameOrId: 'Feed' } };
    const template = { kind: 'serviceConnection', connection: { project: 'P', nameOrId: 'Feed {name}' } };
    const config = (action: string) => ({ action, destinations: [fixed, template, group('Tokens', 'user')] }) as unknown as Config;
    assert.deepEqual(connectionsToCheck(config('rotate')), [fixed]);
    assert.deepEqual(connectionsToCheck(config('create')), [fixed]);
    for (const action of ['update', 'revoke', 'list', 'check']) assert.deepEqual(connectionsToCheck(config(action)), [], action);
  });
});
