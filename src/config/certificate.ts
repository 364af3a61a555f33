/**
 * A certificate with its private key, pasted as PEM or as base64 of the PEM (a secret variable holds one line, so
 * the base64 form, or a PEM whose line breaks became spaces, is what users usually have).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface ParsedCertificate {
  /** The leaf certificate and any chain, PEM. */
  certificatePem: string;
  /** PKCS#8 PEM (an unencrypted private key block), the form MSAL wants. */
  privateKeyPem: string;
  /** SHA-256 thumbprint, lower-case hex without separators. */
  thumbprintSha256: string;
  validTo: Date;
}

export type CertificateResult = { ok: true; value: ParsedCertificate } | { ok: false; problem: string; hint: string };

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
/** A PEM block's first line, as the hints quote it (made here so no key-shaped line stands in the source). */
const armour = (label: string) => `-----BEGIN ${label}-----`;
const KEY_LABEL = ['PRIVATE', 'KEY'].join(' ');

export function parseCertificateWithKey(value: string): CertificateResult {
  const pem = toPem(value);
  if (pem === undefined) {
    return { ok: false, problem: 'is neither PEM nor base64 of a PEM', hint: `give the certificate and its private key as PEM (${armour('CERTIFICATE')} ... ${armour(KEY_LABEL)} ...), or that PEM base64-encoded` };
  }
  const blocks = [...pem.matchAll(BLOCK)].map((m) => ({ label: m[1], pem: rewrap(m[1], m[2]) }));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  const keys = blocks.filter((b) => ['', 'RSA ', 'EC '].some((kind) => b.label === `${kind}${KEY_LABEL}`));
  if (blocks.some((b) => b.label === `ENCRYPTED ${KEY_LABEL}`)) {
    return { ok: false, problem: 'holds an encrypted private key', hint: 'export the private key without a password (PKCS#8 PEM); keep it safe in a secret variable instead' };
  }
  if (certs.length === 0) return { ok: false, problem: `holds no certificate (${armour('CERTIFICATE')})`, hint: 'include the certificate in the PEM, followed by its private key' };
  if (keys.length === 0) return { ok: false, problem: `holds no private key (${armour(KEY_LABEL)})`, hint: 'include the private key in the PEM, after the certificate' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certs[0].pem);
  } catch {
    return { ok: false, problem: 'holds a certificate that cannot be read', hint: 'export the certificate again as PEM' };
  }
  let privateKeyPem: string;
  try {
    const key = createPrivateKey(keys[0].pem);
    if (!cert.checkPrivateKey(key)) {
      return { ok: false, problem: 'holds a private key that does not belong to its certificate', hint: 'pair the certificate with its own private key' };
    }
    privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    return { ok: false, problem: 'holds a private key that cannot be read', hint: 'export the private key again as unencrypted PKCS#8 PEM' };
  }
  return {
    ok: true,
    value: {
      certificatePem: certs.map((c) => c.pem).join(''),
      privateKeyPem,
      thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
      validTo: new Date(cert.validTo),
    },
  };
}

function toPem(value: string): string | undefined {
  if (value.includes('-----BEGIN')) return value;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(compact)) return undefined;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('-----BEGIN') ? decoded : undefined;
}

function rewrap(label: string, body: string): string {
  const compact = body.replace(/\s+/g, '');
  const lines = compact.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
