/**
 * Where the bundle's bytes go and where cold-start time goes.
 *
 * Bytes: the bundle is rebuilt with the options of scripts/bundle-options.mjs (what scripts/bundle.mjs uses) plus an
 * external sourcemap, into .tmp/bench/prof/task.js beside a copy of the loader; its metafile gives raw bytes per
 * package and the import graph (eager vs behind `import()` or on demand, and what dropping one direct dependency would
 * save), and the sourcemap slices the output into per-package pieces, each deflated on its own, for an estimate of
 * what each package weighs in the VSIX.
 *
 * Time: the same bundle is run with `--cpu-prof` up to its first socket connect (probe preload exits there), as a
 * first run (task.js alone, compiled from source) and as a later run (through the loader, after one complete run
 * against the emulator wrote its compile cache); sampled self time is mapped through the sourcemap to packages. Also
 * each runtime dependency's require() time unbundled, one fresh node per package.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { median, runTimed } from './proc';
import { ROOT, type Unbundled } from './unbundled';

const TASK_ENTRY_TS = 'tasks/PatLifecycleV1/src/main.ts';
const PROF_DIR = join(ROOT, '.tmp', 'bench', 'prof');
const LAZY = ['@azure/identity', '@azure/keyvault-secrets'];
/** Reached only through a require() inside src/entra/jsonwebtoken-on-demand.ts (a certificate assertion). */
const ON_DEMAND_FROM = 'src/entra/jsonwebtoken-on-demand.ts';

export function packageOf(path: string): string {
  const all = [...path.split('\\').join('/').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return all.length > 0 ? all[all.length - 1][1] : '(own code)';
}

interface Metafile {
  inputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

export interface ProfiledBundle {
  file: string;
  bytes: number;
  /** Same bytes as tasks/PatLifecycleV1/dist/task.js apart from the sourcemap comment. */
  sameAsDist: boolean;
  /** A copy of the task's loader beside `file` (runs it with a compile cache). */
  loader: string;
  meta: Metafile;
  map: SourceMapIndex;
}

export async function buildProfiledBundle(): Promise<ProfiledBundle> {
  mkdirSync(PROF_DIR, { recursive: true });
  const outfile = join(PROF_DIR, 'task.js');
  const esbuild = await import('esbuild');
  const { entry, esbuildOptions } = await import('../bundle-options.mjs');
  const result = await esbuild.build(esbuildOptions(entry('task'), { sourcemap: 'external', outfile }));
  const code = readFileSync(outfile, 'utf8');
  const dist = join(ROOT, 'tasks', 'PatLifecycleV1', 'dist', 'task.js');
  const strip = (s: string) => s.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n').trimEnd();
  const sameAsDist = existsSync(dist) && strip(readFileSync(dist, 'utf8')) === strip(code);
  const loader = join(PROF_DIR, 'main.js');
  copyFileSync(join(ROOT, 'tasks', 'PatLifecycleV1', 'dist', 'main.js'), loader);
  const map = indexSourceMap(JSON.parse(readFileSync(`${outfile}.map`, 'utf8')) as RawSourceMap);
  return { file: outfile, bytes: Buffer.byteLength(code), sameAsDist, loader, meta: result.metafile as Metafile, map };
}

// ---- sourcemap ---------------------------------------------------------------------------------------------------

interface RawSourceMap {
  sources: string[];
  mappings: string;
}

export interface SourceMapIndex {
  sources: string[];
  /** Per generated line: segment start columns and their source index (-1: unmapped). */
  lines: Array<{ cols: number[]; src: number[] }>;
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

export function indexSourceMap(raw: RawSourceMap): SourceMapIndex {
  const lines: SourceMapIndex['lines'] = [];
  let src = 0;
  for (const line of raw.mappings.split(';')) {
    const cols: number[] = [];
    const srcs: number[] = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.get(ch) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += fields[0];
      if (fields.length >= 4) src += fields[1];
      cols.push(col);
      srcs.push(fields.length >= 4 ? src : -1);
    }
    lines.push({ cols, src: srcs });
  }
  return { sources: raw.sources, lines };
}

export function sourceAt(map: SourceMapIndex, line: number, col: number): string | undefined {
  const l = map.lines[line];
  if (!l || l.cols.length === 0) return undefined;
  let lo = 0;
  let hi = l.cols.length - 1;
  if (col < l.cols[0]) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (l.cols[mid] <= col) lo = mid;
    else hi = mid - 1;
  }
  const s = l.src[lo];
  return s >= 0 ? map.sources[s] : undefined;
}

// ---- bytes -------------------------------------------------------------------------------------------------------

export interface PackageBytes {
  package: string;
  raw: number;
  /** Its slices of the output deflated on their own: roughly what it adds to the VSIX. */
  deflated: number;
  loading: 'eager' | 'lazy (import() or on demand)';
}

export interface BytesAnalysis {
  bundleBytes: number;
  bundleDeflated: number;
  sameAsDist: boolean;
  packages: PackageBytes[];
  legalCommentsBytes: number;
  eagerBytes: number;
  lazyBytes: number;
  /** Raw bytes that leave the bundle if one direct dependency of our code is dropped (with everything only it pulls in). */
  dropSavings: Array<{ dependency: string; raw: number; deflated: number }>;
  ownFiles: Array<{ file: string; raw: number }>;
  lazyVerdicts: Record<string, string>;
}

export function analyseBytes(b: ProfiledBundle): BytesAnalysis {
  const code = readFileSync(b.file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  const outKey = Object.keys(b.meta.outputs).find((k) => k.endsWith('task.js'))!;
  const inOut = b.meta.outputs[outKey].inputs;
  const entry = Object.keys(b.meta.inputs).find((k) => k.endsWith(TASK_ENTRY_TS))!;

  // Slice the generated code by source package.
  const slices = new Map<string, string[]>();
  const lines = code.split('\n');
  let legal = 0;
  const legalAt = code.indexOf('/*! Bundled license information:');
  if (legalAt >= 0) legal = code.length - legalAt;
  let offset = 0;
  for (let li = 0; li < lines.length; li++) {
    const text = lines[li];
    const m = b.map.lines[li];
    const lineStart = offset;
    offset += text.length + 1;
    if (legalAt >= 0 && lineStart >= legalAt) continue;
    if (!m || m.cols.length === 0) {
      push(slices, '(unmapped)', text);
      continue;
    }
    if (m.cols[0] > 0) push(slices, '(unmapped)', text.slice(0, m.cols[0]));
    for (let s = 0; s < m.cols.length; s++) {
      const from = m.cols[s];
      const to = s + 1 < m.cols.length ? m.cols[s + 1] : text.length;
      const src = m.src[s] >= 0 ? b.map.sources[m.src[s]] : undefined;
      push(slices, src ? packageOf(src) : '(unmapped)', text.slice(from, to));
    }
  }
  const deflatedOf = (parts: string[] | undefined) => (parts ? deflateRawSync(Buffer.from(parts.join(''))).length : 0);

  // Eager vs lazy, from the import graph.
  const reach = (blocked: (from: string, to: string, kind: string) => boolean) => {
    const seen = new Set([entry]);
    const queue = [entry];
    while (queue.length > 0) {
      const cur = queue.pop()!;
      for (const imp of b.meta.inputs[cur]?.imports ?? []) {
        if (imp.external || seen.has(imp.path) || blocked(cur, imp.path, imp.kind)) continue;
        seen.add(imp.path);
        queue.push(imp.path);
      }
    }
    return seen;
  };
  const all = reach(() => false);
  const eager = reach((from, _t, kind) => kind === 'dynamic-import' || (from.endsWith(ON_DEMAND_FROM) && kind === 'require-call'));
  const perPackage = new Map<string, { raw: number; eagerRaw: number }>();
  let eagerBytes = 0;
  let lazyBytes = 0;
  for (const [input, info] of Object.entries(inOut)) {
    const pkg = packageOf(input);
    const cur = perPackage.get(pkg) ?? { raw: 0, eagerRaw: 0 };
    cur.raw += info.bytesInOutput;
    if (eager.has(input)) {
      cur.eagerRaw += info.bytesInOutput;
      eagerBytes += info.bytesInOutput;
    } else lazyBytes += info.bytesInOutput;
    perPackage.set(pkg, cur);
  }
  const packages: PackageBytes[] = [...perPackage.entries()]
    .map(([pkg, v]) => ({ package: pkg, raw: v.raw, deflated: deflatedOf(slices.get(pkg)), loading: v.eagerRaw > 0 ? ('eager' as const) : ('lazy (import() or on demand)' as const) }))
    .sort((a, c) => c.raw - a.raw);

  // What dropping each direct dependency of our own code would save.
  const direct = new Set<string>();
  for (const input of all) {
    if (packageOf(input) !== '(own code)') continue;
    for (const imp of b.meta.inputs[input]?.imports ?? []) if (!imp.external && packageOf(imp.path) !== '(own code)') direct.add(packageOf(imp.path));
  }
  const bytesOf = (set: Set<string>) => [...set].reduce((n, i) => n + (inOut[i]?.bytesInOutput ?? 0), 0);
  const total = bytesOf(all);
  const ratio = deflateRawSync(Buffer.from(code.slice(0, legalAt >= 0 ? legalAt : code.length))).length / Math.max(1, legalAt >= 0 ? legalAt : code.length);
  const dropSavings = [...direct]
    .map((dep) => {
      const kept = reach((from, to) => packageOf(to) === dep && packageOf(from) === '(own code)');
      const raw = total - bytesOf(kept);
      return { dependency: dep, raw, deflated: Math.round(raw * ratio) };
    })
    .sort((a, c) => c.raw - a.raw);
  const ownFiles = Object.entries(inOut)
    .filter(([i]) => packageOf(i) === '(own code)')
    .map(([file, v]) => ({ file, raw: v.bytesInOutput }))
    .sort((a, c) => c.raw - a.raw)
    .slice(0, 8);
  // Computed here from the graph (bundle.mjs reports the same in dist/bundle-report.task.json).
  const lazyVerdicts: Record<string, string> = {};
  for (const pkg of LAZY) {
    const inBundle = [...all].some((i) => packageOf(i) === pkg);
    lazyVerdicts[pkg] = !inBundle ? 'absent' : [...eager].some((i) => packageOf(i) === pkg) ? 'static (eager)' : 'dynamic import() only (lazy)';
  }
  return {
    bundleBytes: b.bytes,
    bundleDeflated: deflateRawSync(Buffer.from(code)).length,
    sameAsDist: b.sameAsDist,
    packages,
    legalCommentsBytes: legal,
    eagerBytes,
    lazyBytes,
    dropSavings,
    ownFiles,
    lazyVerdicts,
  };
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  if (!v) return;
  const arr = m.get(k);
  if (arr) arr.push(v);
  else m.set(k, [v]);
}

// ---- time --------------------------------------------------------------------------------------------------------

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ColdStartProfile {
  /** first run: task.js compiled from source; later runs: through the loader with the compile cache. */
  kind: 'first run (no compile cache; task.js alone, no loader)' | 'later runs (compile cache, through the loader)';
  runs: number;
  /** Median time to the first connect in the profiled runs (profiling slows it down). */
  firstConnectMs: number;
  /** Sampled self time per bucket, ms, median over runs. */
  buckets: Array<{ bucket: string; ms: number }>;
  /** Lazy packages seen in the samples (should be none on a run without Key Vault). */
  lazySampled: string[];
}

/**
 * CPU-profiles the cold start to the first connect: task.js alone (compiled from source), or, with `warmEnv`, through
 * the loader beside it after one complete run in `warmEnv` (against the emulator) wrote its compile cache.
 */
export async function profileColdStart(b: ProfiledBundle, env: Record<string, string>, runs: number, warmEnv?: Record<string, string>): Promise<ColdStartProfile> {
  const cacheDir = join(PROF_DIR, '.compile-cache');
  rmSync(cacheDir, { recursive: true, force: true });
  if (warmEnv) {
    const warm = await runTimed([b.loader], { env: warmEnv, timeoutMs: 30_000 });
    if (warm.code !== 0 || !existsSync(cacheDir) || readdirSync(cacheDir).length !== 1) throw new Error(`the warm-up run wrote no compile cache (exit ${warm.code})`);
  }
  const perRun: Array<Map<string, number>> = [];
  const connects: number[] = [];
  const lazySeen = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const dir = join(PROF_DIR, `cpu-${i}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = await runTimed(['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200', warmEnv ? b.loader : b.file], {
      env: { ...env, BENCH_EXIT_ON_CONNECT: '1' },
      probe: true,
      timeoutMs: 20_000,
    });
    if (r.probe?.firstConnectMs !== undefined) connects.push(r.probe.firstConnectMs);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) continue;
    const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const bucketOf = new Map<number, string>();
    for (const n of prof.nodes) {
      const cf = n.callFrame;
      let bucket: string;
      if (!cf.url) bucket = cf.functionName.startsWith('(') ? cf.functionName : '(native)';
      else if (cf.url.endsWith('/prof/task.js') || cf.url === `file://${b.file}`) {
        const src = sourceAt(b.map, cf.lineNumber, cf.columnNumber);
        bucket = src ? packageOf(src) : '(bundle top level / esbuild runtime)';
        if (LAZY.includes(bucket) || bucket === 'jsonwebtoken') lazySeen.add(bucket);
      } else if (cf.url.endsWith('/prof/main.js') || cf.url === `file://${b.loader}`) bucket = '(loader: read, hash, cache checks)';
      else if (cf.url === 'node:vm') bucket = '(vm.Script: compiling task.js with the code cache)';
      else if (cf.url === 'node:internal/modules/cjs/loader') bucket = warmEnv ? '(CJS loader)' : '(CJS loader: compiling task.js)';
      else if (cf.url.startsWith('node:')) bucket = '(node internals)';
      else if (cf.url.includes('child-preload') || cf.url.includes('probe.cjs')) bucket = '(test preloads)';
      else bucket = '(other)';
      bucketOf.set(n.id, bucket);
    }
    const self = new Map<string, number>();
    for (let s = 0; s < prof.samples.length; s++) {
      const bucket = bucketOf.get(prof.samples[s]) ?? '(other)';
      const dt = (prof.timeDeltas[s + 1] ?? prof.timeDeltas[s] ?? 0) / 1000;
      self.set(bucket, (self.get(bucket) ?? 0) + dt);
    }
    perRun.push(self);
  }
  const keys = new Set(perRun.flatMap((m) => [...m.keys()]));
  const buckets = [...keys].map((k) => ({ bucket: k, ms: median(perRun.map((m) => m.get(k) ?? 0)) })).sort((a, c) => c.ms - a.ms);
  rmSync(cacheDir, { recursive: true, force: true });
  return { kind: warmEnv ? 'later runs (compile cache, through the loader)' : 'first run (no compile cache; task.js alone, no loader)', runs: perRun.length, firstConnectMs: median(connects), buckets, lazySampled: [...lazySeen] };
}

export interface RequireTime {
  module: string;
  ms: number;
  /** How the bundle loads it: eager, lazy (behind import()), or not in the bundle at all. */
  loading: string;
}

/**
 * require() of each runtime dependency (package.json "dependencies") from the unbundled node_modules, in a fresh
 * node each, median of `runs`. Shared sub-dependencies are counted in each.
 */
export function requireTimes(u: Unbundled, runs: number, bytes?: BytesAnalysis): RequireTime[] {
  const deps = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
  const spec = (dep: string) => (dep === 'azure-pipelines-task-lib' ? 'azure-pipelines-task-lib/task' : dep);
  // task-lib prints debug lines at require time: the number goes after a marker.
  const script = 'const {performance:p}=require("node:perf_hooks");const t=p.now();require(process.argv[1]);process.stdout.write("\\n@@"+(p.now()-t))';
  const out: RequireTime[] = [];
  for (const dep of deps) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, ['-e', script, spec(dep)], { cwd: u.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
      const v = Number(/@@([\d.]+)\s*$/.exec(r.stdout ?? '')?.[1]);
      if (r.status === 0 && Number.isFinite(v)) times.push(v);
    }
    const inBundle = bytes?.packages.find((p) => p.package === dep);
    if (times.length > 0) out.push({ module: spec(dep), ms: median(times), loading: bytes ? (inBundle ? inBundle.loading : 'not in the bundle') : '?' });
  }
  return out.sort((a, b) => b.ms - a.ms);
}

/** Files and bytes of one installed package (for the notes). */
export function installedSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const q = join(p, e.name);
      if (e.isDirectory()) walk(q);
      else if (e.isFile()) {
        files++;
        bytes += statSync(q).size;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { files, bytes };
}

export const PROFILE_DIR = resolve(PROF_DIR);
