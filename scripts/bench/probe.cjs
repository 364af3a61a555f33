'use strict';
// Preloaded into a measured child (NODE_OPTIONS --require) by the benchmark. Costs a few hundred microseconds.
//   BENCH_PROBE_OUT=<file>     on exit, write JSON: peak RSS, when the first socket connect started, phase marks
//   BENCH_EXIT_ON_CONNECT=1    exit at the first socket connect (cold-start profiling: --cpu-prof writes on exit)
// Times are performance.now(): milliseconds since the process started (its time origin).
const { performance } = require('node:perf_hooks');
const net = require('node:net');
const fs = require('node:fs');
const Module = require('node:module');

const out = process.env.BENCH_PROBE_OUT;
const exitOnConnect = process.env.BENCH_EXIT_ON_CONNECT === '1';
const marks = { preload: performance.now() };
let firstConnect;
let connects = 0;

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  connects++;
  if (firstConnect === undefined) {
    firstConnect = performance.now();
    if (exitOnConnect) process.exit(0);
  }
  return realConnect.apply(this, args);
};

// Time the main module's compile + top-level evaluation (for a bundle: all eagerly loaded packages). The first
// module compiled after the preloads is the main script.
const realCompile = Module.prototype._compile;
let mainSeen = false;
Module.prototype._compile = function compile(content, filename) {
  if (mainSeen) return realCompile.call(this, content, filename);
  mainSeen = true;
  marks.mainStart = performance.now();
  try {
    return realCompile.call(this, content, filename);
  } finally {
    marks.mainEvaluated = performance.now();
  }
};

if (out) {
  process.on('exit', (code) => {
    const ru = process.resourceUsage();
    const mem = process.memoryUsage();
    const record = { code, maxRssKb: ru.maxRSS, heapUsedKb: Math.round(mem.heapUsed / 1024), heapTotalKb: Math.round(mem.heapTotal / 1024), firstConnectMs: firstConnect, connects, marks, exitMs: performance.now() };
    try {
      fs.writeFileSync(out, JSON.stringify(record));
    } catch {
      // nothing to do: the benchmark reports the probe as missing
    }
  });
}
