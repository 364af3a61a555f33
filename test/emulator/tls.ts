import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface EmulatorTls {
  /** PEM of the CA that signed the server certificate: what clients put in NODE_EXTRA_CA_CERTS. */
  caCertPem: string;
  caCertPath: string;
  /** Server certificate chain (leaf + CA) and its key, kept in memory only. */
  certPem: string;
  keyPem: string;
  dir: string;
  dispose(): void;
}

/** Host names the server certificate covers. Key Vault names need their own wildcard: a `*` covers one label only. */
export const CERT_DNS_NAMES = ['localhost', '*.emulator.test', '*.vault.emulator.test'];
export const CERT_IPS = ['127.0.0.1'];

/**
 * A throw-away CA and a server certificate signed by it, generated at every start so that no private key ever
 * lives in the repository. Only the CA certificate (public) is written to disk, for NODE_EXTRA_CA_CERTS.
 */
export async function createTls(): Promise<EmulatorTls> {
  // Validity brackets real time widely: child processes may run with a shifted JS clock, but TLS uses the OS clock.
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfterDate = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'PAT Lifecycle emulator test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'emulator.test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...CERT_IPS.map((ip) => ({ type: 7 as const, ip })),
          ...CERT_DNS_NAMES.map((value) => ({ type: 2 as const, value })),
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'pat-emulator-'));
  const caCertPath = join(dir, 'emulator-ca.pem');
  writeFileSync(caCertPath, ca.cert);
  return {
    caCertPem: ca.cert,
    caCertPath,
    certPem: leaf.cert + (leaf.cert.endsWith('\n') ? '' : '\n') + ca.cert,
    keyPem: leaf.private,
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
