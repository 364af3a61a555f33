/**
 * The sealed job variable that hands a rolled refresh token to the next step (config/sign-in-handover.ts): only a
 * value sealed with this connection's job-start token, for this connection, opens.
 */
import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { handoverVariableName, openHandover, sealHandover } from '../../../src/config/sign-in-handover';

const ID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
const KEY = '1.AXoA' + 'k'.repeat(200);
const TOKEN = '1.AXoB' + 't'.repeat(200) + '.part-two';

describe('sign-in hand-over', () => {
  it('names one variable per connection, from the lower-case hex digits of its id', () => {
    assert.equal(handoverVariableName(ID), 'PatLifecycle.SignIn.3f2504e04f8911d39a0c0305e82c3301');
    assert.equal(handoverVariableName('AB-cd_EF.12 z'), 'PatLifecycle.SignIn.abcdef12');
  });

  it('seals as plsi1.<HMAC-SHA256 over the lower-case id and the token, keyed with the job-start token>.<token>', () => {
    const mac = createHmac('sha256', KEY).update(`${ID.toLowerCase()}\n${TOKEN}`).digest('base64url');
    assert.equal(sealHandover(KEY, ID, TOKEN), `plsi1.${mac}.${TOKEN}`);
  });

  it('opens its own seal, whatever the case of the connection id, with dots in the token', () => {
    assert.equal(openHandover(KEY, ID.toLowerCase(), sealHandover(KEY, ID, TOKEN)), TOKEN);
    assert.equal(openHandover(KEY, ID, sealHandover(KEY, ID.toLowerCase(), 'a.b.c')), 'a.b.c');
    assert.equal(openHandover(KEY, ID, sealHandover(KEY, ID, 'no-dots-at-all')), 'no-dots-at-all');
  });

  it('refuses another key, another connection, or a changed token', () => {
    const sealed = sealHandover(KEY, ID, TOKEN);
    assert.equal(openHandover(`${KEY}x`, ID, sealed), undefined);
    assert.equal(openHandover(KEY, '00000000-0000-0000-0000-000000000000', sealed), undefined);
    assert.equal(openHandover(KEY, ID, sealed.replace('part-two', 'part-2')), undefined);
  });

  it('refuses another version, a value without token, an empty token, and a cut seal', () => {
    const sealed = sealHandover(KEY, ID, TOKEN);
    const [, mac] = sealed.split('.');
    assert.equal(openHandover(KEY, ID, sealed.replace(/^plsi1\./, 'plsi2.')), undefined);
    assert.equal(openHandover(KEY, ID, `plsi1.${mac}`), undefined);
    assert.equal(openHandover(KEY, ID, sealHandover(KEY, ID, '')), undefined);
    assert.equal(openHandover(KEY, ID, `plsi1.${mac!.slice(0, 20)}.${TOKEN}`), undefined);
    assert.equal(openHandover(KEY, ID, `plsi1..${TOKEN}`), undefined);
    assert.equal(openHandover(KEY, ID, TOKEN), undefined);
    assert.equal(openHandover(KEY, ID, 'plsi1'), undefined);
  });
});
