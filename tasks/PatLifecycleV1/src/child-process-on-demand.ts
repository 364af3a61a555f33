/**
 * What azure-pipelines-task-lib gets for `require('child_process')` in the task bundle (scripts/bundle-options.mjs
 * redirects task-lib's imports here; nothing else imports this module).
 *
 * Why: task-lib requires child_process as it loads (its tool runner spawns tools; task.js shells out to cmd.exe to
 * delete folders on Windows), and loading it pulls in node's dgram and socket-list modules too: about 1 ms of every
 * start, for a task that never starts a process. Every use reaches the real module, loaded on the first one.
 */
type ChildProcess = typeof import('node:child_process');

let real: ChildProcess | undefined;
const load = (): ChildProcess => (real ??= require('node:child_process') as ChildProcess);

export = new Proxy({} as ChildProcess, {
  get: (_target, key) => Reflect.get(load(), key),
  has: (_target, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  // A proxy may report a property only as configurable when its (empty) target has none of its own.
  getOwnPropertyDescriptor: (_target, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key);
    return d && { ...d, configurable: true };
  },
});
