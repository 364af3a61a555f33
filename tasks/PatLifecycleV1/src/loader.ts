/**
 * The task's entry point: task.json runs dist/main.js, which is this file. It runs the task bundle dist/task.js as the
 * main CommonJS module, compiled with a V8 code cache when a valid one lies beside it.
 *
 * Why: compiling the bundle (about 770 KB) takes some 20 ms of every start; with the bytecode V8 made on an earlier
 * run it takes a few. The first run on an agent (per Node version) compiles as usual and, when it has succeeded,
 * writes the cache: script.createCachedData() at exit, which holds the bytecode of every function that ran.
 *
 * Where: dist/.compile-cache/<node version>-<arch>-<key>.bin, in the task's own folder, which the agent writes
 * (whoever can write there can already replace task.js). Never a shared temp folder: V8 runs the bytecode a cache file
 * holds, so a file someone else could plant would be code running with the task's secrets. The folder is made 0700
 * and the files 0600, and on POSIX a cache is read only when the folder and the file belong to this user and nobody
 * else can write them. The key is the SHA-256 (24 hex) of task.js's path and bytes: the name changes with the Node
 * version, the CPU architecture, the bundle and its place (V8 keeps the file name a cache was made with, so a folder
 * moved with its cache would show the old path in stack traces: nodejs/node#38134). The file starts with the V8
 * version and a checksum of its data. (V8 checks its version, flags and the source length itself, but not the
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

// The CommonJS Module class, as require('node:module') exports it; that module also loads node's ES module loader and
// source maps (about 0.7 ms of every start) for nothing the loader uses.
const Module = module.constructor as typeof import('node:module');

const BUNDLE = path.join(__dirname, 'task.js');
const CACHE_DIR = path.join(__dirname, '.compile-cache');
/** Cache file: MAGIC | sha-256 of the data (32 bytes) | length of the V8 version (1 byte) | V8 version | data. */
const MAGIC = Buffer.from('PATLCC01', 'latin1');
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

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

function readCache(cacheFile: () => string): Buffer | undefined {
  let fd: number | undefined;
  try {
    // No folder (the first run): nothing to read, and the key is not needed before exit.
    const dir = fs.lstatSync(CACHE_DIR);
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

function writeCache(script: vm.Script, cacheFile: () => string): void {
  let tmp: string | undefined;
  try {
    try {
      fs.mkdirSync(CACHE_DIR, { mode: 0o700 });
    } catch (err) {
      if (reason(err) !== 'EEXIST') throw err;
    }
    const dir = fs.lstatSync(CACHE_DIR);
    if (!dir.isDirectory() || !isPrivate(dir)) throw new Error('the cache folder is not a private folder of this user');
    const file = cacheFile();
    const data = script.createCachedData();
    const v8 = Buffer.from(process.versions.v8, 'latin1');
    const checksum = crypto.createHash('sha256').update(data).digest();
    tmp = path.join(CACHE_DIR, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    fs.writeFileSync(tmp, Buffer.concat([MAGIC, checksum, Buffer.from([v8.length]), v8, data]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    tmp = undefined;
    debug(`wrote ${path.basename(file)} (${data.length} bytes)`);
    // Caches of earlier bundles for this Node version: a changed task.js never uses them again.
    const prefix = `${process.version}-${process.arch}-`;
    for (const name of fs.readdirSync(CACHE_DIR)) {
      if (name.startsWith(prefix) && name.endsWith('.bin') && name !== path.basename(file)) fs.rmSync(path.join(CACHE_DIR, name), { force: true });
    }
  } catch (err) {
    debug(`not written (${reason(err)})`);
    if (tmp !== undefined) fs.rmSync(tmp, { force: true });
  }
}

const bytes = fs.readFileSync(BUNDLE);
let cacheFileName: string | undefined;
const cacheFile = () => {
  cacheFileName ??= path.join(CACHE_DIR, `${process.version}-${process.arch}-${crypto.createHash('sha256').update(BUNDLE).update('\0').update(bytes).digest('hex').slice(0, 24)}.bin`);
  return cacheFileName;
};
const cachedData = readCache(cacheFile);
let source = bytes.toString('utf8');
if (source.startsWith('#!')) source = `//${source.slice(2)}`; // a hashbang line is not valid inside the wrapper
// The wrapper head is a line of its own and lineOffset -1 takes it back: stack traces show task.js's own positions.
const script = new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
  filename: BUNDLE,
  lineOffset: -1,
  cachedData,
  // The bundle has no import() of its own; this keeps one working should it gain one. vm.constants arrived in Node
  // 20.12: agents with an older Node 20 must not crash on reading it.
  ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
});
if (cachedData !== undefined && !script.cachedDataRejected) {
  debug(`used ${path.basename(cacheFile())}`);
} else {
  if (cachedData !== undefined) debug(`${path.basename(cacheFile())} rejected by V8; it is replaced`);
  // Only after a successful run: its cache holds the code of the whole run, not of an early failure.
  process.once('exit', (code) => {
    if (code === 0) writeCache(script, cacheFile);
  });
}

// task.js runs as node would run it as the main module: its own module object, require, __filename and __dirname.
const bundle = new Module(BUNDLE, module);
bundle.id = '.';
bundle.filename = BUNDLE;
bundle.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(__dirname);
process.mainModule = bundle;
require.cache[BUNDLE] = bundle;
const bundleRequire = Module.createRequire(BUNDLE);
bundleRequire.main = bundle;
(script.runInThisContext() as (...args: unknown[]) => void).call(bundle.exports, bundle.exports, bundleRequire, bundle, BUNDLE, __dirname);
bundle.loaded = true;
