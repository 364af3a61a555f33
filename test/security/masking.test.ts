/**
 * The agent masks only what the task registers (setsecret), text for text. A secret leaves in encoded forms too (a
 * query, a form body, a JSON error body, a proxy URL, a summary cell, base64): each must be registered, black box.
 * The forms are written out here, not taken from the product's list, so a form dropped there is a failure here.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { TaskFixture, useTaskFixture } from '../task/task-fixture';

/** A client secret with every character class that encodes differently in a URL, a form body, JSON, user info and a Markdown cell. */
const AWKWARD_SECRET = `a&b$c+d,e;f=g@h:i/j?k#l[m]n "p\\q'r<s>t|u^v~w*x-${randomBytes(6).toString('hex')}`;

function userInfo(value: string): string {
  const url = new URL('http://host');
  url.password = value;
  return url.password;
}

const EXPECTED_FORMS: Record<string, (v: string) => string> = {
  'as is': (v) => v,
  'URL-encoded (encodeURIComponent)': (v) => encodeURIComponent(v),
  'form-encoded (space as +)': (v) => new URLSearchParams({ v }).toString().slice(2),
  'URL user info': userInfo,
  'JSON-escaped': (v) => JSON.stringify(v).slice(1, -1),
  // The summary escapes HTML, the cell separator and the brackets of Markdown links and images.
  'escaped for a summary table cell': (v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\[/g, '\\[').replace(/\]/g, '\\]'),
  base64: (v) => Buffer.from(v, 'utf8').toString('base64'),
  base64url: (v) => Buffer.from(v, 'utf8').toString('base64url'),
};

describe('masking: every encoded form of a secret is registered with the agent (black box)', function () {
  this.timeout(60_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture), { shared: true });

  it('a client secret with awkward characters is registered as is, URL-, form-, user-info-, JSON-, cell-, base64- and base64url-encoded', async () => {
    const app = f.emu.control.entra.addApp({ kind: 'confidential', secret: AWKWARD_SECRET });
    const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
    f.extraSecrets.push(AWKWARD_SECRET);
    const run = await f.run({ action: 'list', clientId: app.clientId, clientSecret: AWKWARD_SECRET, refreshToken }, { secretVariables: { 'PatLifecycle.RefreshToken': refreshToken } });
    assert.equal(run.result, 'Succeeded', run.message);
    const forms = Object.entries(EXPECTED_FORMS).map(([name, encode]) => [name, encode(AWKWARD_SECRET)] as const);
    assert.equal(new Set(forms.map(([, v]) => v)).size, forms.length, 'the secret makes every form distinct');
    const missing = forms.filter(([, v]) => !run.secretsRegistered.includes(v)).map(([name]) => name);
    assert.deepEqual(missing, [], 'forms not registered');
    f.assertNoSecrets(run, [refreshToken]);
  });
});
