/** Figure 1: the VSIX (bytes, files) against the same task folder with its dependencies unbundled. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kb, mb, int, naRow, oneLine, verdict, type Row } from './table';

const pct = (f: number) => `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`;
import { measureFolders, ROOT, type Unbundled } from './unbundled';

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

export function vsixFigure(unbundled: Unbundled | undefined, unbundledError: string | undefined): Row {
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
    let reference = `n/a (${unbundledError ?? 'not prepared'})`;
    let ratio = '-';
    if (unbundled) {
      const ub = measureFolders([unbundled.nodeModules, join(unbundled.entry, '..', '..')]);
      // The extension-level files ship either way.
      const extensionFiles = files.filter((e) => !e.name.startsWith('tasks/'));
      const extBytes = extensionFiles.reduce((n, e) => n + e.compressed + 76 + 2 * e.name.length, 0);
      const refFiles = ub.files + extensionFiles.length;
      const refZip = ub.zipEstimate + extBytes;
      details.unbundled = { folderFiles: ub.files, folderBytes: ub.bytes, zipEstimateBytes: refZip, filesWithExtension: refFiles, measured: 'folder (node_modules + transpiled JS + task.json + icon), zip size estimated by deflating each file; not packaged with tfx' };
      reference = `unbundled: ${mb(ub.bytes)} in ${int(ub.files)} files on disk (VSIX would be ~${mb(refZip)}, ${int(refFiles)} files)`;
      ratio = `${pct(bytes / refZip)} of the size, ${pct(files.length / refFiles)} of the files`;
    }
    return {
      id: 'vsix',
      figure,
      measured: `${kb(bytes)} (${int(bytes)} B), ${files.length} files (+${entries.length - files.length} folder entries); ${biggest[0]?.name.split('/').pop() ?? '?'} ${kb(biggest[0]?.size ?? 0)} -> ${kb(biggest[0]?.compressed ?? 0)} zipped`,
      target,
      reference,
      ratio,
      verdict: verdict(bytes <= VSIX_MAX_BYTES && files.length <= VSIX_MAX_FILES),
      details,
    };
  } catch (err) {
    return naRow('vsix', figure, target, String(err instanceof Error ? err.message : err));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
