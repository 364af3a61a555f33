/**
 * Finds secrets in what a run left behind (logs, the summary, files, request logs) in the forms they leak in: as they
 * are, URL-encoded (query, form, URL user info), JSON-escaped, and base64 (any alignment, so a secret inside a Basic
 * auth header or a JSON blob is found too). Failures say where and in which form, never the secret itself.
 */
import { AssertionError } from 'node:assert';
import { createHash } from 'node:crypto';

export interface ScannedText {
  /** Where the text came from, for the failure message (`stdout`, `summary`, `request log`). */
  where: string;
  text: string;
}

/** Secrets shorter than this are skipped: they would match by chance. */
export const MIN_SECRET_LENGTH = 8;

export interface SecretFinding {
  where: string;
  line: number;
  /** Index of the secret in the list given. */
  secret: number;
  form: string;
}

/**
 * What the checker has looked at in this test process, for the suite's closing line: how many captured texts (logs,
 * summaries, request logs) were scanned, for how many distinct secret values, in how many encoded forms. Distinct
 * values are remembered by a SHA-256 digest only, so the counter itself holds no secret.
 */
export const scanStats = {
  /** Calls of findSecrets/assertNoSecrets. */
  scans: 0,
  /** Captured texts handed in, over all scans. */
  texts: 0,
  /** Their total size in characters. */
  characters: 0,
  /** (secret form, text) comparisons made. */
  comparisons: 0,
  /** Findings reported (each one fails its test). */
  findings: 0,
  /** Secrets the scanner's own self-checks planted on purpose, and found. */
  plantedFound: 0,
};

export interface ScanOptions {
  /** The texts carry secrets a self-check of the scanner planted on purpose: count what is found apart. */
  planted?: boolean;
  /**
   * Look for the secrets as they are only, not in their encoded forms: for values that are already encoded forms
   * (what a task registered with the masker includes every form it formed), which would otherwise multiply the work.
   */
  asIs?: boolean;
}

const seenSecretDigests = new Set<string>();
const kindOfDigest = new Map<string, string>();

/** Distinct secret values ever checked, in total and by the kind `labelSecrets` gave them. */
export function distinctSecretsScanned(): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const digest of seenSecretDigests) {
    const kind = kindOfDigest.get(digest) ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { total: seenSecretDigests.size, byKind };
}

function digestOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Tells the counter what kind of secret a value is (`refresh token`, `PAT`...), for the closing line. Never logs it. */
export function labelSecrets(kind: string, values: readonly string[]): void {
  for (const v of values) if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) kindOfDigest.set(digestOf(v), kind);
}

/** One line for the end of a run: scans, captured texts and their size, distinct secret values by kind, findings. */
export function describeScanStats(): string {
  const distinct = distinctSecretsScanned();
  const kinds = Object.entries(distinct.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return (
    `secret scan: ${scanStats.scans} scans of ${scanStats.texts} captured texts (${(scanStats.characters / 1e6).toFixed(1)} M chars), ` +
    `${distinct.total} distinct secret values${kinds ? ` (${kinds})` : ''}, ${scanStats.comparisons} form x text comparisons, ${scanStats.findings} findings` +
    (scanStats.plantedFound ? ` (and ${scanStats.plantedFound} secrets planted by the scanner's self-checks, all found)` : '')
  );
}

export function findSecrets(texts: ReadonlyArray<string | ScannedText>, secrets: readonly string[], options: ScanOptions = {}): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const sources = texts.map((t, i) => (typeof t === 'string' ? { where: `text #${i + 1}`, text: t } : t));
  scanStats.scans++;
  scanStats.texts += sources.length;
  for (const s of sources) scanStats.characters += s.text.length;
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) return;
    seenSecretDigests.add(digestOf(secret));
    const forms: Array<[string, string]> = options.asIs ? [['as is', secret]] : formsOf(secret);
    scanStats.comparisons += forms.length * sources.length;
    for (const source of sources) {
      for (const [form, needle] of forms) {
        const at = source.text.indexOf(needle);
        if (at < 0) continue;
        findings.push({ where: source.where, line: source.text.slice(0, at).split('\n').length, secret: index, form });
        break;
      }
    }
  });
  if (options.planted) scanStats.plantedFound += findings.length;
  else scanStats.findings += findings.length;
  return findings;
}

export function assertNoSecrets(texts: ReadonlyArray<string | ScannedText>, secrets: readonly string[], options: ScanOptions = {}): void {
  const findings = findSecrets(texts, secrets, options);
  if (findings.length === 0) return;
  const lines = findings.map((f) => `secret #${f.secret + 1} (${secrets[f.secret].length} chars) appears ${f.form} in ${f.where}, line ${f.line}`);
  throw new AssertionError({ message: `secrets leaked:\n  ${lines.join('\n  ')}` });
}

function formsOf(secret: string): Array<[string, string]> {
  const forms: Array<[string, string]> = [['as is', secret]];
  const add = (name: string, value: string) => {
    if (value.length >= MIN_SECRET_LENGTH && !forms.some(([, v]) => v === value)) forms.push([name, value]);
  };
  add('URL-encoded', encodeURIComponent(secret));
  add('form-encoded', new URLSearchParams({ x: secret }).toString().slice(2));
  add('JSON-escaped', JSON.stringify(secret).slice(1, -1));
  add('URL-user-info-encoded', userInfoEncoded(secret));
  add('escaped for a Markdown table cell', secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|'));
  for (const core of base64Cores(secret)) {
    add('base64-encoded', core);
    add('base64url-encoded', core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** As the WHATWG URL parser writes a password into a URL (`&$+,` kept, `@:/;=` escaped): a proxy URL with credentials. */
function userInfoEncoded(secret: string): string {
  const url = new URL('http://host');
  url.password = secret;
  return url.password;
}

/**
 * The part of base64(prefix + secret) that depends on the secret alone, for the three possible alignments: a secret
 * embedded in a longer base64 string contains one of these.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const firstGroup = Math.ceil(offset / 3);
    const lastGroup = Math.floor((offset + bytes.length) / 3);
    if (lastGroup > firstGroup) cores.push(encoded.slice(firstGroup * 4, lastGroup * 4));
  }
  return cores;
}
