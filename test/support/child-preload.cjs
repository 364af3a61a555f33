'use strict';
// Preloaded (NODE_OPTIONS=--require) into processes that talk to the test emulator, so the product runs unchanged:
// 1. names under .emulator.test, and localhost, resolve to the emulator on 127.0.0.1 (Key Vault needs a real-looking
//    host name);
// 2. the process clock agrees with the emulator's moved clock (EMULATOR_CLOCK_OFFSET_MS).
// Plain CommonJS without dependencies: it runs before any loader.

const dns = require('node:dns');
const util = require('node:util');

const SUFFIX = '.emulator.test';
const ADDRESS = '127.0.0.1';

function isEmulatorHost(hostname) {
  if (typeof hostname !== 'string') return false;
  const h = hostname.toLowerCase().replace(/\.$/, '');
  // localhost too: the emulator listens on 127.0.0.1 only, and the system resolver may answer ::1 first.
  return h === 'emulator.test' || h.endsWith(SUFFIX) || h === 'localhost';
}

function answer(options) {
  const all = typeof options === 'object' && options !== null && options.all === true;
  return all ? [{ address: ADDRESS, family: 4 }] : { address: ADDRESS, family: 4 };
}

const realLookup = dns.lookup;
function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  if (!isEmulatorHost(hostname)) {
    return options === undefined ? realLookup.call(this, hostname, callback) : realLookup.call(this, hostname, options, callback);
  }
  const result = answer(options);
  process.nextTick(() => (Array.isArray(result) ? callback(null, result) : callback(null, result.address, result.family)));
  return {};
}
const realPromisesLookup = dns.promises.lookup;
async function promisesLookup(hostname, options) {
  if (!isEmulatorHost(hostname)) return realPromisesLookup.call(this, hostname, options);
  return answer(options);
}
lookup[util.promisify.custom] = promisesLookup;
dns.lookup = lookup;
dns.promises.lookup = promisesLookup;
try {
  require('node:dns/promises').lookup = promisesLookup;
} catch {
  // older Node without dns/promises as a module: nothing more to patch
}

const offset = Number(process.env.EMULATOR_CLOCK_OFFSET_MS);
if (process.env.EMULATOR_CLOCK_OFFSET_MS && Number.isFinite(offset) && offset !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const now = () => realNow() + offset;
  RealDate.now = now;
  globalThis.Date = new Proxy(RealDate, {
    // Only "now" moves: new Date(x) and Date.UTC/parse stay exact.
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
    },
    apply() {
      return new RealDate(now()).toString();
    },
  });
}
