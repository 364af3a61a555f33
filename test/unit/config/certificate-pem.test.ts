/**
 * parseCertificateWithKey: a certificate with its private key, as PEM, PEM whose line breaks were lost, or base64 of
 * PEM. Each way it can be wrong gets its own problem and fix; a good pair comes back as standard PEM with its facts.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generate } from 'selfsigned';
import { parseCertificateWithKey, type CertificateResult } from '../../../src/config/certificate';

/** PEM labels made at run time, so no key-shaped line stands in the source. */
const KEY = ['PRIVATE', 'KEY'].join(' ');
const block = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

function refused(r: CertificateResult): { problem: string; hint: string } {
  assert.ok(!r.ok, 'expected the certificate to be refused');
  return { problem: r.problem, hint: r.hint };
}

describe('parseCertificateWithKey', () => {
  let certPem = '';
  let keyPem = '';
  let otherCertPem = '';
  let rsaCertPem = '';
  let rsaKeyPem = '';
  before(async () => {
    const a = await generate([{ name: 'commonName', value: 'leaf' }], { keyType: 'ec' });
    certPem = a.cert;
    keyPem = a.private;
    otherCertPem = (await generate([{ name: 'commonName', value: 'issuer' }], { keyType: 'ec' })).cert;
    const r = await generate([{ name: 'commonName', value: 'rsa' }], { keySize: 1024 });
    rsaCertPem = r.cert;
    rsaKeyPem = r.private;
  });

  it('gives back the certificate as standard PEM, the key as PKCS#8, the lower-case SHA-256 thumbprint and the expiry', () => {
    const r = parseCertificateWithKey(certPem + keyPem);
    assert.ok(r.ok);
    const x = new X509Certificate(certPem);
    assert.equal(r.value.certificatePem, x.toString());
    assert.equal(r.value.privateKeyPem, createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString());
    assert.equal(r.value.thumbprintSha256, x.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.match(r.value.thumbprintSha256, /^[0-9a-f]{64}$/);
    assert.equal(r.value.validTo.getTime(), new Date(x.validTo).getTime());
  });

  it('rewraps a PEM whose lines were joined into one, or broken by spaces', () => {
    const joined = (pem: string) => pem.replace(/\r?\n(?!-----END)/g, '').replace(/-----\n?$/, '-----\n');
    for (const value of [joined(certPem) + joined(keyPem), (certPem + keyPem).replace(/\n/g, ' ')]) {
      const r = parseCertificateWithKey(value);
      assert.ok(r.ok, value.slice(0, 80));
      assert.equal(r.value.certificatePem, new X509Certificate(certPem).toString());
    }
  });

  it('reads base64 of the PEM, with or without line breaks, and refuses base64 of anything else', () => {
    const b64 = Buffer.from(certPem + keyPem).toString('base64');
    assert.ok(parseCertificateWithKey(b64).ok);
    assert.ok(parseCertificateWithKey(b64.replace(/(.{76})/g, '$1\n')).ok);
    const other = refused(parseCertificateWithKey(Buffer.from('just some text').toString('base64')));
    assert.equal(other.problem, 'is neither PEM nor base64 of a PEM');
    assert.ok(other.hint.includes(`-----BEGIN CERTIFICATE----- ... -----BEGIN ${KEY}----- ...`), other.hint);
    assert.equal(refused(parseCertificateWithKey(`${b64}!`)).problem, 'is neither PEM nor base64 of a PEM');
    assert.equal(refused(parseCertificateWithKey(`!${b64}`)).problem, 'is neither PEM nor base64 of a PEM');
  });

  it('keeps a chain, leaf first, and pairs the key with the first certificate', () => {
    const r = parseCertificateWithKey(certPem + otherCertPem + keyPem);
    assert.ok(r.ok);
    assert.equal(r.value.certificatePem, new X509Certificate(certPem).toString() + new X509Certificate(otherCertPem).toString());
    assert.equal(r.value.thumbprintSha256, new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase());
    assert.equal(refused(parseCertificateWithKey(otherCertPem + certPem + keyPem)).problem, 'holds a private key that does not belong to its certificate');
  });

  it('accepts an RSA key in PKCS#1 and an EC key in SEC1, giving both back as PKCS#8', () => {
    const pkcs1 = createPrivateKey(rsaKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.ok(pkcs1.startsWith(`-----BEGIN RSA ${KEY}-----`));
    const rsa = parseCertificateWithKey(rsaCertPem + pkcs1);
    assert.ok(rsa.ok);
    assert.ok(rsa.value.privateKeyPem.startsWith(`-----BEGIN ${KEY}-----`));
    const sec1 = createPrivateKey(keyPem).export({ type: 'sec1', format: 'pem' }).toString();
    assert.ok(sec1.startsWith(`-----BEGIN EC ${KEY}-----`));
    const ec = parseCertificateWithKey(certPem + sec1);
    assert.ok(ec.ok);
    assert.ok(ec.value.privateKeyPem.startsWith(`-----BEGIN ${KEY}-----`));
  });

  it('refuses an encrypted key, saying to export it without a password', () => {
    const encrypted = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const r = refused(parseCertificateWithKey(certPem + encrypted));
    assert.equal(r.problem, 'holds an encrypted private key');
    assert.ok(r.hint.includes('export the private key without a password'));
  });

  it('names the missing certificate or key, with the block it looks for', () => {
    const noCert = refused(parseCertificateWithKey(keyPem));
    assert.equal(noCert.problem, 'holds no certificate (-----BEGIN CERTIFICATE-----)');
    assert.ok(noCert.hint.includes('include the certificate in the PEM'));
    const noKey = refused(parseCertificateWithKey(certPem + block('PUBLIC KEY', 'AAAA')));
    assert.equal(noKey.problem, `holds no private key (-----BEGIN ${KEY}-----)`);
    assert.ok(noKey.hint.includes('include the private key in the PEM'));
  });

  it('refuses a certificate or a key that cannot be read', () => {
    for (const cert of [block('CERTIFICATE', 'AAAA'), '-----BEGIN CERTIFICATE----------END CERTIFICATE-----\n']) {
      const r = refused(parseCertificateWithKey(cert + keyPem));
      assert.equal(r.problem, 'holds a certificate that cannot be read');
      assert.ok(r.hint.includes('export the certificate again as PEM'));
    }
    const badKey = refused(parseCertificateWithKey(certPem + block(KEY, 'AAAA')));
    assert.equal(badKey.problem, 'holds a private key that cannot be read');
    assert.ok(badKey.hint.includes('unencrypted PKCS#8 PEM'));
  });

  it('refuses the key of another certificate', () => {
    const r = refused(parseCertificateWithKey(otherCertPem + keyPem));
    assert.equal(r.problem, 'holds a private key that does not belong to its certificate');
    assert.ok(r.hint.includes('pair the certificate with its own private key'));
  });
});
