/** Figure 1: the VSIX (bytes, files) as scripts/package.mjs makes it. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT as ROOT } from '../../test/support/task-json';
import { kb, int, naRow, oneLine, verdict, type Row } from './table';

export const VSIX_MAX_BYTES = 400 * 1024;
export const VSIX_MAX_FILES = 12;

export interface ZipEntry {
  name: string;
  size: number;
  compressed: number;
}

/** Entries of a zip from its central directory. */
export function zipEntries(file: string): ZipEntry[] {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size, compressed });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

export function vsixFigure(): Row {
  const figure = 'VSIX size / files';
  const target = `<= ${VSIX_MAX_BYTES / 1024} KiB, <= ${VSIX_MAX_FILES} files`;
  const out = mkdtempSync(join(tmpdir(), 'pat-bench-vsix-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--out-dir', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const vsix = readdirSync(out).find((f) => f.endsWith('.vsix'));
    if (r.status !== 0 || !vsix) return naRow('vsix', figure, target, `package.mjs failed: ${oneLine(r.stderr || r.stdout || String(r.error))}`);
    const path = join(out, vsix);
    const bytes = statSync(path).size;
    const entries = zipEntries(path);
    const files = entries.filter((e) => !e.name.endsWith('/'));
    const biggest = [...files].sort((a, b) => b.compressed - a.compressed).slice(0, 3);
    const details: Record<string, unknown> = {
      vsixBytes: bytes,
      files: files.length,
      folderEntries: entries.length - files.length,
      entries: files.map((e) => ({ name: e.name, bytes: e.size, compressed: e.compressed })),
    };
    const bundle = files.find((e) => e.name.endsWith('/dist/main.js'));
    const reference = bundle ? `the task bundle dist/main.js: ${kb(bundle.size)}, ${kb(bundle.compressed)} zipped` : '-';
    return {
      id: 'vsix',
      figure,
      measured: `${kb(bytes)} (${int(bytes)} B), ${files.length} files (+${entries.length - files.length} folder entries); ${biggest[0]?.name.split('/').pop() ?? '?'} ${kb(biggest[0]?.size ?? 0)} -> ${kb(biggest[0]?.compressed ?? 0)} zipped`,
      target,
      reference,
      ratio: `${((bytes / VSIX_MAX_BYTES) * 100).toFixed(0)}% of the limit`,
      verdict: verdict(bytes <= VSIX_MAX_BYTES && files.length <= VSIX_MAX_FILES),
      details,
    };
  } catch (err) {
    return naRow('vsix', figure, target, String(err instanceof Error ? err.message : err));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
