import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { parseClientCertificate, parseEntraClient, parseRefreshToken } from '../../../src/config/entra-client';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom } from '../../../src/config/raw-inputs';
import { InputErrors } from '../../../src/errors';
import { generate } from 'selfsigned';

/** Runs one parse on a fresh Problems: what it returned and the problems, as `input: message | hint`. */
function check<T>(run: (p: Problems) => T): { value: T; problems: string[] } {
  const p = new Problems();
  const value = run(p);
  try {
    p.throwIfAny();
    return { value, problems: [] };
  } catch (err) {
    return { value, problems: (err as InputErrors).errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`) };
  }
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
/** Shaped like an Entra refresh token (opaque, starts with `1.`); not a real one. */
const REFRESH_TOKEN = '1.AXoA' + 'q'.repeat(300) + '-Zz_9';
const NOW = new Date('2026-11-30T12:00:00Z');
const SEED = 'seed a refresh token with `pat-lifecycle login` and reference its secret variable, e.g. $(PatLifecycle.RefreshToken)';

const entra = (inputs: Record<string, string | undefined>, now = NOW) =>
  check((p) => parseEntraClient(p, rawInputsFrom({ inputs: { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, ...inputs } }), now));

describe('the app registration and refresh token inputs', () => {
  it('takes the tenant, the client ID (lower-cased) and the refresh token, trimmed, with no secret or certificate', () => {
    assert.deepEqual(entra({ tenantId: ' Contoso.onmicrosoft.com ', clientId: CLIENT.toUpperCase(), refreshToken: ` ${REFRESH_TOKEN} ` }), {
      value: { tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT, refreshToken: REFRESH_TOKEN },
      problems: [],
    });
  });

  it('takes a client secret', () => {
    assert.deepEqual(entra({ clientSecret: 'app-secret' }), { value: { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, clientSecret: 'app-secret' }, problems: [] });
  });

  it('names each missing input, and returns nothing', () => {
    const r = entra({ tenantId: ' ', clientId: undefined, refreshToken: '' });
    assert.equal(r.value, undefined);
    assert.deepEqual(r.problems, [
      'tenantId: is required to sign in | give the directory (tenant) ID of the app registration that issued the refresh token',
      'clientId: is required to sign in | give the application (client) ID of the app registration that issued the refresh token',
      `refreshToken: is required | ${SEED}`,
    ]);
  });

  it('returns nothing when any one of tenant, client and refresh token is bad', () => {
    for (const bad of [{ tenantId: 'consumers' }, { clientId: 'not-a-guid' }, { refreshToken: 'has space' }]) {
      const r = entra(bad);
      assert.equal(r.value, undefined, JSON.stringify(bad));
      assert.equal(r.problems.length, 1, JSON.stringify(bad));
    }
    assert.match(entra({ clientId: 'not-a-guid' }).problems[0], /^clientId: 'not-a-guid' is not a GUID \| give the application \(client\) ID, a GUID/);
  });

  it('refuses an unexpanded $(macro) in each input once, naming that input', () => {
    const r = entra({ tenantId: '$(T)', clientId: '$(C)', refreshToken: '$(R)', clientSecret: '$(S)', clientCertificate: '$(K)' });
    assert.equal(r.value, undefined);
    assert.deepEqual(
      r.problems.map((l) => l.split(': ')[0]),
      ['tenantId', 'clientId', 'refreshToken', 'clientSecret', 'clientCertificate'],
    );
    for (const line of r.problems) assert.match(line, /the value is the macro \$\([TCRSK]\)/);
  });

  describe('client certificate', () => {
    let certificate = '';
    let validTo = new Date(0);
    before(async () => {
      // An EC key: a tenth of the time of an RSA one, and a form the certificate input takes.
      const made = await generate([{ name: 'commonName', value: 'pat-lifecycle-test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
      certificate = `${made.cert}\n${made.private}`;
      validTo = new Date(new X509Certificate(made.cert).validTo);
    });

    it('takes a client certificate with its key and thumbprint', () => {
      const r = entra({ clientCertificate: certificate });
      assert.deepEqual(r.problems, []);
      const c = r.value?.clientCertificate;
      assert.match(c?.certificatePem ?? '', /^-----BEGIN CERTIFICATE-----/);
      assert.match(c?.privateKeyPem ?? '', /^-----BEGIN PRIVATE KEY-----/);
      assert.match(c?.thumbprintSha256 ?? '', /^[0-9a-f]{64}$/);
      assert.deepEqual(Object.keys(c ?? {}).sort(), ['certificatePem', 'privateKeyPem', 'thumbprintSha256'], 'nothing else (no validTo)');
      assert.equal(r.value?.clientSecret, undefined);
    });

    it('refuses a client secret together with a certificate, naming clientCertificate', () => {
      const r = entra({ clientSecret: 'app-secret', clientCertificate: certificate });
      assert.deepEqual(r.problems, ['clientCertificate: is given together with clientSecret | give either clientSecret or clientCertificate, not both']);
    });

    it('refuses an unreadable certificate, naming the input it came from', () => {
      const r = check((p) => parseClientCertificate(p, 'signInConnection', 'not a pem', NOW));
      assert.equal(r.value, undefined);
      assert.match(r.problems[0], /^signInConnection: is neither PEM nor base64 of a PEM \| give the certificate and its private key as PEM/);
    });

    it('refuses a certificate that expired before now, with its date; valid up to and at its end', () => {
      const later = new Date(validTo.getTime() + 1000);
      assert.deepEqual(check((p) => parseClientCertificate(p, 'clientCertificate', certificate, later)), {
        value: undefined,
        problems: [`clientCertificate: the certificate expired on ${validTo.toISOString()} | upload a new certificate to the app registration and give it here`],
      });
      assert.deepEqual(check((p) => parseClientCertificate(p, 'clientCertificate', certificate, validTo)).problems, []);
      assert.match(entra({ clientCertificate: certificate }, later).problems[0], /^clientCertificate: the certificate expired on/);
    });

    it('is nothing when not given', () => {
      assert.deepEqual(check((p) => parseClientCertificate(p, 'clientCertificate', undefined, NOW)), { value: undefined, problems: [] });
    });
  });

  describe('refresh token paste mistakes (never quoting the value)', () => {
    const token = (value: string | undefined) => check((p) => parseRefreshToken(p, value));
    const pat52 = 'dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq';
    const pat84 = 'A'.repeat(40) + 'AZDO' + 'b'.repeat(40);

    it('takes an opaque token as it is', () => {
      assert.deepEqual(token(REFRESH_TOKEN), { value: REFRESH_TOKEN, problems: [] });
    });

    it('refuses spaces or line breaks inside', () => {
      for (const bad of ['1.abc def', '1.abc\ndef', '1.abc\tdef']) {
        assert.deepEqual(token(bad), { value: undefined, problems: ['refreshToken: contains spaces or line breaks, so it was not copied whole | store the refresh token again with `pat-lifecycle login`'] });
      }
    });

    it('refuses a PAT of either format, and nothing PAT-like that is not one', () => {
      const hint = 'the PAT Lifecycle API needs a Microsoft Entra sign-in: seed a refresh token with `pat-lifecycle login` and reference it here';
      for (const pat of [pat52, pat84]) assert.deepEqual(token(pat), { value: undefined, problems: [`refreshToken: holds a personal access token, not a refresh token | ${hint}`] });
      for (const other of [pat52.slice(1), `${pat52}a`, pat52.toUpperCase(), pat52.replace('d', '1'), 'A'.repeat(84), `${pat84}c`, pat84.slice(1), `-${pat84.slice(1)}`]) {
        assert.deepEqual(token(other), { value: other, problems: [] }, other);
      }
    });

    it('refuses an access token (a JWT), and nothing that only starts like one', () => {
      const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI0OTliODRhYyJ9.c2lnbmF0dXJl';
      const hint = 'seed a refresh token with `pat-lifecycle login` (it requests offline_access) and reference it here';
      for (const t of [jwt, 'eyJ.a.', 'eyJhbGc.b-_.']) {
        assert.deepEqual(token(t), { value: undefined, problems: [`refreshToken: holds an access token (a JWT), which expires within about an hour, not a refresh token | ${hint}`] }, t);
      }
      for (const other of ['eyJ.a', 'eyJ..c', 'xeyJ.a.b', 'eyJ.a.b.c', 'eyJ.a!.b', 'eyJ!.a.b', 'eyJ.a.b!']) assert.deepEqual(token(other), { value: other, problems: [] }, other);
    });

    it('a missing token is required, with the fix for where it came from; not twice for an input already refused', () => {
      assert.deepEqual(token(undefined), { value: undefined, problems: [`refreshToken: is required | ${SEED}`] });
      assert.deepEqual(check((p) => parseRefreshToken(p, undefined, 'signInConnection', 'roll the connection')).problems, ['signInConnection: is required | roll the connection']);
      assert.match(check((p) => parseRefreshToken(p, 'a b', 'signInConnection')).problems[0], /^signInConnection: contains spaces/);
      const twice = check((p) => {
        p.add('signInConnection', 'is broken', 'fix it');
        return parseRefreshToken(p, undefined, 'signInConnection');
      });
      assert.deepEqual(twice.problems, ['signInConnection: is broken | fix it']);
    });
  });
});
