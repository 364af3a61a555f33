import { strict as assert } from 'node:assert';
import { loginCommand } from '../../../src/operations/keep-refresh-token';
import { testConfig } from './fakes';
import type { Config } from '../../../src/config/types';

const base = 'pat-lifecycle login --tenant-id t --client-id c';

describe('loginCommand: the command that seeds a new refresh token into the same store', () => {
  const at = (refreshTokenStore: Config['refreshTokenStore']) => loginCommand(testConfig({ refreshTokenStore, organization: 'pats-org', destinationOrganization: 'pipeline-org' }));

  it('a variable group (by name or id) or a sign-in connection: the pipeline organization, the project and the place', () => {
    assert.equal(at({ kind: 'variableGroup', group: { project: 'My Proj', name: 'Sign in' }, variableName: 'RT', auth: 'user' }), `${base} --organization pipeline-org --project "My Proj" --variable-group "Sign in" --variable RT`);
    assert.equal(at({ kind: 'variableGroup', group: { project: 'P', id: 7 }, variableName: 'RT', auth: 'job' }), `${base} --organization pipeline-org --project "P" --variable-group "7" --variable RT`);
    const handover = {} as Extract<Config['refreshTokenStore'], { kind: 'serviceConnection' }>['handover'];
    assert.equal(at({ kind: 'serviceConnection', connection: { project: 'P', nameOrId: 'Sign-in' }, handover }), `${base} --organization pipeline-org --project "P" --service-connection Sign-in`);
  });

  it("a Key Vault secret or no store: the PATs' organization", () => {
    assert.equal(at({ kind: 'keyVault', vault: { vaultUrl: 'https://v.vault.azure.net' } as never, secretName: 'RT' }), `${base} --organization pats-org --key-vault https://v.vault.azure.net --secret RT`);
    assert.equal(at({ kind: 'none' }), `${base} --organization pats-org`);
  });
});
