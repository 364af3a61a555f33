/**
 * The CA certificates to trust when the agent names an extra CA (`Agent.CAInfo`). Node's `ca` option replaces the
 * default trust store instead of adding to it, so the list starts from Node's bundled roots; NODE_EXTRA_CA_CERTS is
 * read again here because an explicit `ca` drops what Node loaded from it at start-up.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

export function trustedCaList(caPem: string | undefined): string[] | undefined {
  if (!caPem) return undefined;
  const list = [...rootCertificates, caPem];
  const extraPath = process.env.NODE_EXTRA_CA_CERTS;
  if (extraPath) {
    try {
      list.push(readFileSync(extraPath, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same by ignoring it.
    }
  }
  return list;
}
