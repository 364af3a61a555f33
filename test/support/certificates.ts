import { generate } from 'selfsigned';

/** A self-signed certificate and its PEM with the private key (the form clientCertificate and connections take), made at run time. */
export async function certificateWithKey(): Promise<{ cert: string; pem: string; privateKey: string }> {
  const pems = await generate([{ name: 'commonName', value: 'pat-lifecycle-test' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
  return { cert: pems.cert, pem: `${pems.cert}\n${pems.private}`, privateKey: pems.private };
}
