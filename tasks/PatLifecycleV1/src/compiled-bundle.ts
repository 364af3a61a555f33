/**
 * Runs a bundle file of the task (dist/task.js, dist/azure-sdk.js) as a CommonJS module, compiled with a V8 code
 * cache when a valid one lies beside it. Used by the loader (dist/main.js, for task.js) and by task.js itself (for the
 * Azure SDK file, when a vault is used). Node built-ins only.
 *
 * Why: compiling a bundle takes some 20 ms of every start for task.js; with the bytecode V8 made on an earlier run it
 * takes a few. The first run on an agent (per Node version) compiles as usual and, when it has succeeded, writes the
 * cache: script.createCachedData() at exit, which holds the bytecode of every function that ran.
 *
 * Where: dist/.compile-cache/<prefix><node version>-<arch>-<key>.bin, in the task's own folder, which the agent writes
 * (whoever can write there can already replace the bundles). Never a shared temp folder: V8 runs the bytecode a cache
 * file holds, so a file someone else could plant would be code running with the task's secrets. The folder is made
 * 0700 and the files 0600, and on POSIX a cache is read only when the folder and the file belong to this user and
 * nobody else can write them. The key is the SHA-256 (24 hex) of the bundle's path and bytes: the name changes with
 * the Node version, the CPU architecture, the bundle and its place (V8 keeps the file name a cache was made with, so a
 * folder moved with its cache would show the old path in stack traces: nodejs/node#38134). The file starts with the
 * V8 version and a checksum of its data. (V8 checks its version, flags and the source length itself, but not the
 * source's content, nor, in release builds, a checksum of the data: it would run damaged bytecode.)
 *
 * A cache problem never fails the task: every cache error is swallowed and the bundle compiles as usual; with
 * System.Debug on, one debug line tells what happened. The cache never holds run-time values (inputs, secrets): V8
 * code caches hold compiled code of the source.
 */
import crypto = require('node:crypto');
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');

/** Cache file: MAGIC | sha-256 of the data (32 bytes) | length of the V8 version (1 byte) | V8 version | data. */
const MAGIC = Buffer.from('PATLCC01', 'latin1');
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

// The CommonJS Module class, as require('node:module') exports it; that module also loads node's ES module loader and
// source maps (about 0.7 ms of every start) for nothing used here.
const Module = module.constructor as typeof import('node:module');

const debugging = /^true$/i.test(process.env['SYSTEM_DEBUG'] ?? '');
function debug(message: string): void {
  if (debugging) process.stdout.write(`##vso[task.debug]compile cache: ${message.replace(/[\r\n%]/g, ' ')}\n`);
}
const reason = (err: unknown) => (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.message : String(err));

/** POSIX: owned by this user and writable by nobody else. Windows: the folder's ACL decides (the agent's folder). */
function isPrivate(st: fs.Stats): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

function readCache(cacheDir: string, cacheFile: () => string): Buffer | undefined {
  let fd: number | undefined;
  try {
    // No folder (the first run): nothing to read, and the key is not needed before exit.
    const dir = fs.lstatSync(cacheDir);
    if (!dir.isDirectory() || !isPrivate(dir)) {
      debug('ignored: the cache folder is not a private folder of this user');
      return undefined;
    }
    const file = cacheFile();
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !isPrivate(st)) {
      debug(`ignored ${path.basename(file)}: not a private file of this user`);
      return undefined;
    }
    const buf = Buffer.allocUnsafe(st.size);
    let read = 0;
    while (read < buf.length) {
      const n = fs.readSync(fd, buf, read, buf.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const v8Length = buf.length > MAGIC.length + 32 ? buf[MAGIC.length + 32] : 0;
    const dataStart = MAGIC.length + 33 + v8Length;
    const data = buf.subarray(dataStart, read);
    if (
      read !== buf.length ||
      data.length === 0 ||
      !buf.subarray(0, MAGIC.length).equals(MAGIC) ||
      buf.toString('latin1', MAGIC.length + 33, dataStart) !== process.versions.v8 ||
      !crypto.createHash('sha256').update(data).digest().equals(buf.subarray(MAGIC.length, MAGIC.length + 32))
    ) {
      debug(`ignored ${path.basename(file)}: damaged or from another V8; it is replaced`);
      return undefined;
    }
    return data;
  } catch (err) {
    debug(reason(err) === 'ENOENT' ? 'none yet' : `ignored (${reason(err)})`);
    return undefined;
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // nothing to do
      }
    }
  }
}

function writeCache(script: vm.Script, cacheDir: string, cacheFile: () => string, namePrefix: string): void {
  let tmp: string | undefined;
  try {
    try {
      fs.mkdirSync(cacheDir, { mode: 0o700 });
    } catch (err) {
      if (reason(err) !== 'EEXIST') throw err;
    }
    const dir = fs.lstatSync(cacheDir);
    if (!dir.isDirectory() || !isPrivate(dir)) throw new Error('the cache folder is not a private folder of this user');
    const file = cacheFile();
    const data = script.createCachedData();
    const v8 = Buffer.from(process.versions.v8, 'latin1');
    const checksum = crypto.createHash('sha256').update(data).digest();
    tmp = path.join(cacheDir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    fs.writeFileSync(tmp, Buffer.concat([MAGIC, checksum, Buffer.from([v8.length]), v8, data]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    tmp = undefined;
    debug(`wrote ${path.basename(file)} (${data.length} bytes)`);
    // Caches of earlier builds of this bundle for this Node version: a changed bundle never uses them again.
    const prefix = `${namePrefix}${process.version}-${process.arch}-`;
    for (const name of fs.readdirSync(cacheDir)) {
      if (name.startsWith(prefix) && name.endsWith('.bin') && name !== path.basename(file)) fs.rmSync(path.join(cacheDir, name), { force: true });
    }
  } catch (err) {
    debug(`not written (${reason(err)})`);
    if (tmp !== undefined) fs.rmSync(tmp, { force: true });
  }
}

export interface RunBundleOptions {
  /**
   * Starts the bundle's cache file names, so the bundles of one folder keep their caches apart: '' for task.js (its
   * names predate other bundles), 'azure-sdk-' for the Azure SDK file.
   */
  cacheNamePrefix: string;
  /** The module that loads it: its parent, or for the main bundle the loader, whose place it takes as the main module. */
  parent: NodeJS.Module;
  /** Runs it as the process's main module, as `node task.js` would (task.js). */
  main?: boolean;
  /** Modules it shares with its loader instead of carrying its own copy: its require() answers these by name. */
  shared?: Readonly<Record<string, unknown>>;
}

/** Compiles and runs `file` (a CommonJS bundle) and returns its module.exports. */
export function runBundle(file: string, o: RunBundleOptions): unknown {
  const cacheDir = path.join(path.dirname(file), '.compile-cache');
  const bytes = fs.readFileSync(file);
  let cacheFileName: string | undefined;
  const cacheFile = () => {
    cacheFileName ??= path.join(cacheDir, `${o.cacheNamePrefix}${process.version}-${process.arch}-${crypto.createHash('sha256').update(file).update('\0').update(bytes).digest('hex').slice(0, 24)}.bin`);
    return cacheFileName;
  };
  const cachedData = readCache(cacheDir, cacheFile);
  let source = bytes.toString('utf8');
  if (source.startsWith('#!')) source = `//${source.slice(2)}`; // a hashbang line is not valid inside the wrapper
  // The wrapper head is a line of its own and lineOffset -1 takes it back: stack traces show the bundle's own positions.
  const script = new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
    filename: file,
    lineOffset: -1,
    cachedData,
    // The bundles have no import() of their own; this keeps one working should they gain one. vm.constants arrived in
    // Node 20.12: agents with an older Node 20 must not crash on reading it.
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  if (cachedData !== undefined && !script.cachedDataRejected) {
    debug(`used ${path.basename(cacheFile())}`);
  } else {
    if (cachedData !== undefined) debug(`${path.basename(cacheFile())} rejected by V8; it is replaced`);
    // Only after a successful run: its cache holds the code of the whole run, not of an early failure.
    process.once('exit', (code) => {
      if (code === 0) writeCache(script, cacheDir, cacheFile, o.cacheNamePrefix);
    });
  }

  // The bundle runs as node would run it: its own module object, require, __filename and __dirname.
  const bundle = new Module(file, o.parent);
  bundle.filename = file;
  bundle.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const resolve = Module.createRequire(file);
  let bundleRequire: NodeJS.Require = resolve;
  if (o.shared) {
    const shared = o.shared;
    bundleRequire = Object.assign((id: string) => (Object.hasOwn(shared, id) ? shared[id] : resolve(id)), resolve);
  }
  if (o.main) {
    bundle.id = '.';
    process.mainModule = bundle;
    bundleRequire.main = bundle;
  }
  require.cache[file] = bundle;
  (script.runInThisContext() as (...args: unknown[]) => void).call(bundle.exports, bundle.exports, bundleRequire, bundle, file, path.dirname(file));
  bundle.loaded = true;
  return bundle.exports;
}
