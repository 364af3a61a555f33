/**
 * The task's entry point: task.json runs dist/main.js, which is this file. It runs the task bundle dist/task.js as the
 * main CommonJS module, compiled with a V8 code cache when a valid one lies beside it (compiled-bundle.ts says why,
 * where and how safely).
 */
import path = require('node:path');
import { runBundle } from './compiled-bundle';

runBundle(path.join(__dirname, 'task.js'), { cacheNamePrefix: '', parent: module, main: true });
