// The task GUID scheme of scripts/package.mjs (UUID v5 of "<publisher>.<extensionId>.<taskName>" in the Marketplace
// namespace), written again independently so the packaging tests check the script's output rather than reuse it.
import { createHash } from 'node:crypto';

export function uuidV5(name: string, ns: string): string {
  const b = createHash('sha1').update(Buffer.from(ns.replace(/-/g, ''), 'hex')).update(name).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  return b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

export const MARKETPLACE_NAMESPACE = uuidV5('https://marketplace.visualstudio.com/vsts', '6ba7b811-9dad-11d1-80b4-00c04fd430c8');

export function expectedTaskId(publisher: string, extensionId: string, taskName: string): string {
  return uuidV5(`${publisher}.${extensionId}.${taskName}`, MARKETPLACE_NAMESPACE);
}
