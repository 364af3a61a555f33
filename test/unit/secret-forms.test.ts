/**
 * Every form a secret takes where the product or a dependency writes it is in `secretForms`, so the masker and the
 * redactors catch it. Each case forms the text the way the real code path does, then checks it is masked whole.
 */
import { strict as assert } from 'node:assert';
import { basicAuthForms, redact, secretForms } from '../../src/secret-forms';
import { cell } from '../../src/report/summary';

/** A PEM-shaped text around made-up lines (no key): the armour is built here so no key-shaped block sits in the repository. */
const fakePem = (body: string) => ['BEGIN', 'END'].map((edge) => `-----${edge} ${['PRIVATE', 'KEY'].join(' ')}-----`).join(`\n${body}\n`) + '\n';

/** A password with every awkward class: URL-userinfo specials, form specials, JSON escapes, spaces, non-ASCII. */
const AWKWARD = `a&b$c+d,e;f=g@h:i/j?k#l[m]n%o "p\\q'r<s>t|u^v\`w{x}y~z é€`;

describe('secret forms', () => {
  const cases: Array<[string, (s: string) => string]> = [
    ['as is', (s) => s],
    ['encodeURIComponent (a query string)', (s) => encodeURIComponent(s)],
    ['form-urlencoded with + (the token request body)', (s) => new URLSearchParams({ refresh_token: s }).toString().split('=').slice(1).join('=')],
    [
      'URL user info as WHATWG URL writes it (a proxy URL with credentials)',
      (s) => {
        const u = new URL('http://proxy.example:8080');
        u.username = 'bob';
        u.password = s;
        return u.href;
      },
    ],
    ['JSON-escaped (an error body)', (s) => JSON.stringify({ error_description: s })],
    ['escaped for a cell of the run summary', (s) => `| ${cell(s)} |`],
    ['base64', (s) => Buffer.from(s, 'utf8').toString('base64')],
    ['base64url', (s) => Buffer.from(s, 'utf8').toString('base64url')],
  ];
  for (const [name, form] of cases) {
    it(`masks a secret written ${name}`, () => {
      const text = `before ${form(AWKWARD)} after`;
      const out = redact(text, secretForms(AWKWARD));
      for (const f of secretForms(AWKWARD)) assert.ok(!out.includes(f), `${name}: a form is left in '${out}'`);
      assert.match(out, /^before .*\*\*\*.* after$/);
      assert.ok(!out.includes('p\\\\q') && !out.includes('é€'), out);
    });
  }

  it('masks the Basic credentials a proxy CONNECT carries, user:password in base64', () => {
    const header = `Proxy-Authorization: Basic ${Buffer.from(`bob:${AWKWARD}`, 'utf8').toString('base64')}`;
    assert.equal(redact(header, basicAuthForms('bob', AWKWARD)), 'Proxy-Authorization: Basic ***');
  });

  it('takes a PEM line by line, without the public armour lines', () => {
    const forms = secretForms(fakePem('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nab/+=='));
    assert.ok(forms.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'));
    assert.ok(forms.includes('ab/+=='));
    assert.ok(!forms.some((f) => f.includes('-----')));
  });

  it('masks the longest form first, so a secret containing another is masked whole', () => {
    assert.equal(redact('x abcdef123 y', ['abcd', 'abcdef123']), 'x *** y');
  });

  it('ignores strings too short to be a secret', () => {
    assert.deepEqual(secretForms('abc'), []);
    assert.equal(redact('a b c', ['a']), 'a b c');
  });
});
