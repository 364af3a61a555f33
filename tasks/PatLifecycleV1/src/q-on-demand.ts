/**
 * What azure-pipelines-task-lib's tool runner gets for `require('q')` in the task bundle (scripts/bundle-options.mjs
 * redirects that one import here; nothing else imports this module).
 *
 * Why: task-lib loads its tool runner, and with it the q promise library, whenever it loads. q formats a stack trace as
 * it loads (to learn its own line numbers for long stack traces), and in a 770 KB bundle that makes V8 work out line
 * and column positions across the whole file: about 3 ms of every start. The tool runner needs q only to run a tool
 * (`Q.defer()` in exec), which this task never does. Every use goes through to the real q, loaded on the first one.
 */
type Q = ((...args: unknown[]) => unknown) & Record<PropertyKey, unknown>;

let real: Q | undefined;
const load = (): Q => (real ??= require('q') as Q);

export = new Proxy(function q() {} as unknown as Q, {
  apply: (_target, self, args: unknown[]) => Reflect.apply(load(), self, args),
  get: (_target, key) => {
    const value = load()[key];
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(load()) : value;
  },
  has: (_target, key) => key in load(),
});
