import { strict as assert } from 'node:assert';
import { OutputVariableStore } from '../../../src/stores/output-variable-store';

describe('OutputVariableStore', () => {
  it('writes the secret output variable token; nothing to read or verify', async () => {
    const outputs: [string, string, boolean][] = [];
    const s = new OutputVariableStore({ setOutput: (n, v, o) => outputs.push([n, v, o.secret]) });
    const receipt = await s.write('pat-value', { authorizationId: 'a' });
    assert.deepEqual(outputs, [['token', 'pat-value', true]]);
    assert.deepEqual(receipt.metadata, { authorizationId: 'a' });
    assert.deepEqual(await s.read(), { exists: false, metadata: {} });
    await s.verify();
    assert.ok(!s.describe().includes('pat-value'));
  });
});
