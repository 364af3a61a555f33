import { strict as assert } from 'node:assert';
import { meetsCondition, storeChanged, STORE_CHANGED } from '../../../src/stores/secret-store';
import { OutputVariableStore } from '../../../src/stores/output-variable-store';

describe('a conditional write: the store must still name the PAT (and intent) the run started from', () => {
  it('matches the stored authorization ID in any case, and the pending intent exactly when one is given', () => {
    const id = 'AbCd-1';
    assert.equal(meetsCondition({ authorizationId: 'abcd-1' }, true, { storedId: id }), true);
    assert.equal(meetsCondition({ authorizationId: 'abcd-2' }, true, { storedId: id }), false);
    assert.equal(meetsCondition({ authorizationId: 'abcd-1' }, false, { storedId: id }), false, 'a record without a value names no PAT');
    assert.equal(meetsCondition({}, false, { storedId: '' }), true, 'an empty store, expected empty');
    assert.equal(meetsCondition({ authorizationId: 'abcd-1' }, true, { storedId: '' }), false);
    assert.equal(meetsCondition({ authorizationId: 'abcd-1', pending: 'v1 x' }, true, { storedId: id, pending: 'v1 x' }), true);
    assert.equal(meetsCondition({ authorizationId: 'abcd-1', pending: 'v1 y' }, true, { storedId: id, pending: 'v1 x' }), false, 'another run\'s intent');
    assert.equal(meetsCondition({ authorizationId: 'abcd-1' }, true, { storedId: id, pending: 'v1 x' }), false, 'the intent is gone');
    assert.equal(meetsCondition({ authorizationId: 'abcd-1' }, true, { storedId: id, pending: '' }), true, 'expected no intent, and there is none');
  });

  it('a changed store is reported as StoreChanged, naming what it now holds and how to avoid it', () => {
    const e = storeChanged("variable group 'Tokens'", 'abcd-2');
    assert.equal(e.code, STORE_CHANGED);
    assert.equal(e.message, "variable group 'Tokens' changed while this run worked: it now names PAT abcd-2.");
    assert.match(e.hint ?? '', /one rotation of a PAT run at a time/);
    assert.equal(storeChanged('x', undefined).message, 'x changed while this run worked: it now names no PAT.');
  });
});

describe('OutputVariableStore names', () => {
  it("describes itself as the secret output variable, by the name it was given", () => {
    const outputs: string[] = [];
    const s = new OutputVariableStore({ setOutput: (n) => void outputs.push(n) }, 'other');
    assert.equal(s.label(), "the secret output variable 'other'");
    assert.equal(new OutputVariableStore({ setOutput: () => undefined }).describe(), "the secret output variable 'token'");
    return s.write('v', {}).then(() => assert.deepEqual(outputs, ['other']));
  });
});
