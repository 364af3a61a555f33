import { strict as assert } from 'node:assert';
import { Problems } from '../../../src/config/problems';
import { InputError, InputErrors } from '../../../src/errors';

describe('Problems: every bad input of a run, reported at once', () => {
  it('throws nothing when no input was refused', () => {
    const p = new Problems();
    assert.doesNotThrow(() => p.throwIfAny());
    assert.equal(p.count, 0);
    assert.equal(p.has('x'), false);
  });

  it('throws one InputErrors holding each refusal in the order recorded, with its input, message and fix', () => {
    const p = new Problems();
    assert.equal(p.add('tenantId', 'is required', 'give it'), undefined, 'add returns undefined, so a check can return it');
    p.add('clientId', "'x' is not a GUID", 'give a GUID');
    assert.equal(p.count, 2);
    assert.ok(p.has('tenantId') && p.has('clientId') && !p.has('refreshToken'));
    assert.throws(
      () => p.throwIfAny(),
      (err: unknown) => {
        assert.ok(err instanceof InputErrors);
        assert.deepEqual(
          err.errors.map((e) => [e instanceof InputError, e.input, e.message, e.hint]),
          [
            [true, 'tenantId', "Input 'tenantId': is required", 'give it'],
            [true, 'clientId', "Input 'clientId': 'x' is not a GUID", 'give a GUID'],
          ],
        );
        return true;
      },
    );
  });
});
