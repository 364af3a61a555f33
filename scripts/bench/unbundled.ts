/**
 * The unbundled reference: the same task with its runtime dependencies as a production `npm ci --omit=dev` would
 * install them, and the product's TypeScript transpiled file by file (esbuild, no bundling).
 *
 *   .tmp/bench/unbundled/<lockfile hash>/node_modules     cached between runs (npm ci from the local npm cache)
 *   .tmp/bench/unbundled/<lockfile hash>/app/...          transpiled again on every run (the code changes)
 *
 * The task folder it stands for is task.json + icon.png + the transpiled JS + node_modules. It is measured as a
 * folder (bytes, files) and its zip size estimated by deflating every file; it is not packaged with tfx.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';

export const ROOT = resolve(__dirname, '..', '..');
const TASK_DIR = 'tasks/PatLifecycleV1';

export interface Unbundled {
  dir: string;
  /** The transpiled task entry, run with plain node. */
  entry: string;
  nodeModules: string;
  /** Wall time of npm ci (0 when cached). */
  installMs: number;
  transpileMs: number;
}

export async function prepareUnbundled(log: (m: string) => void): Promise<Unbundled> {
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const pkg = readFileSync(join(ROOT, 'package.json'));
  const hash = createHash('sha256').update(lock).update(pkg).digest('hex').slice(0, 12);
  const dir = join(ROOT, '.tmp', 'bench', 'unbundled', hash);
  const nodeModules = join(dir, 'node_modules');
  let installMs = 0;
  if (!existsSync(join(dir, '.installed'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    log(`  installing the runtime dependencies unbundled (npm ci --omit=dev --ignore-scripts) into ${relative(ROOT, dir)} ...`);
    const t0 = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeout: 180_000,
    });
    installMs = Date.now() - t0;
    if (r.status !== 0) throw new Error(`npm ci failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-2).join(' ')}`);
    // A marker file, not counted: it lives beside node_modules.
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, '.installed'));
  }

  const app = join(dir, 'app');
  rmSync(app, { recursive: true, force: true });
  const t1 = Date.now();
  const esbuild = await import('esbuild');
  const sources = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, TASK_DIR, 'src'))];
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: sources,
    outdir: app,
    outbase: ROOT,
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
  copyFileSync(join(ROOT, TASK_DIR, 'task.json'), join(app, TASK_DIR, 'task.json'));
  copyFileSync(join(ROOT, TASK_DIR, 'icon.png'), join(app, TASK_DIR, 'icon.png'));
  const transpileMs = Date.now() - t1;
  return { dir, entry: join(app, TASK_DIR, 'src', 'main.js'), nodeModules, installMs, transpileMs };
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

export interface FolderSize {
  files: number;
  bytes: number;
  /** Sum over files of deflated size + zip headers: what a VSIX of the folder would weigh, roughly. */
  zipEstimate: number;
}

/** Files (not folder entries) and bytes under each path; symlinks are not followed. */
export function measureFolders(paths: string[]): FolderSize {
  const total: FolderSize = { files: 0, bytes: 0, zipEstimate: 22 };
  const visit = (p: string, name: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e), `${name}/${e}`);
      return;
    }
    if (!st.isFile()) return;
    total.files++;
    total.bytes += st.size;
    const nameLen = Buffer.byteLength(name);
    const deflated = st.size === 0 ? 0 : Math.min(st.size, deflateRawSync(readFileSync(p)).length);
    total.zipEstimate += deflated + 30 + 46 + 2 * nameLen;
  };
  for (const p of paths) visit(p, p.split('/').pop() ?? p);
  return total;
}
