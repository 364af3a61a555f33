'use strict';
// Preloaded into a measured child (NODE_OPTIONS --require) by the benchmark. Costs a few hundred microseconds.
//   BENCH_PROBE_OUT=<file>     on exit, write JSON: peak RSS, heap, when the first socket connect started
// Times are performance.now(): milliseconds since the process started (its time origin).
const { performance } = require('node:perf_hooks');
const net = require('node:net');
const fs = require('node:fs');

const out = process.env.BENCH_PROBE_OUT;
let firstConnect;
let connects = 0;

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  connects++;
  firstConnect ??= performance.now();
  return realConnect.apply(this, args);
};

if (out) {
  process.on('exit', (code) => {
    const ru = process.resourceUsage();
    const mem = process.memoryUsage();
    const record = { code, maxRssKb: ru.maxRSS, heapUsedKb: Math.round(mem.heapUsed / 1024), heapTotalKb: Math.round(mem.heapTotal / 1024), firstConnectMs: firstConnect, connects, exitMs: performance.now() };
    try {
      fs.writeFileSync(out, JSON.stringify(record));
    } catch {
      // nothing to do: the benchmark reports the probe as missing
    }
  });
}
