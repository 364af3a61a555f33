'use strict';
// Preloaded (NODE_OPTIONS --require) into a task run by test/task/startup-modules.test.ts: at exit, writes the node
// built-in modules the process loaded, which of them it had loaded by its first socket connect, and the files in the
// CommonJS module cache (the task's bundles among them), to the JSON file named by LOADED_BUILTINS_OUT.
const fs = require('node:fs');
const net = require('node:net');

const out = process.env.LOADED_BUILTINS_OUT;
const builtins = () => process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
let atFirstConnect;
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  atFirstConnect ??= builtins();
  return realConnect.apply(this, args);
};
process.on('exit', () => fs.writeFileSync(out, JSON.stringify({ atFirstConnect: atFirstConnect ?? [], atExit: builtins(), files: Object.keys(require.cache) })));
