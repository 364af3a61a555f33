/**
 * Environment switches that weaken the run, checked before anything is sent. Pipeline variables become environment
 * variables, so an earlier step (`##vso[task.setvariable]`) or whoever queues a run can set any of these.
 */
import { InputError } from '../errors';

/**
 * Variables that make a dependency print what it sends: `debug` (https-proxy-agent, agent-base: the proxy URL with its
 * credentials), @azure/logger (request details of Key Vault and @azure/identity) and @typespec/ts-http-runtime (the
 * same for the Azure SDK's HTTP core), and Q_DEBUG (task-lib's promise library). Each is read when its package loads,
 * so they are removed before anything is imported. NODE_DEBUG cannot be removed: Node reads it at start-up, before
 * any of our code; see nodeDebugProblem.
 */
export const DEBUG_SWITCHES = ['DEBUG', 'DEBUG_FD', 'DEBUG_COLORS', 'DEBUG_HIDE_DATE', 'DEBUG_SHOW_HIDDEN', 'DEBUG_DEPTH', 'AZURE_LOG_LEVEL', 'TYPESPEC_RUNTIME_LOG_LEVEL', 'Q_DEBUG'] as const;

export function removeDebugSwitches(env: NodeJS.ProcessEnv): void {
  for (const name of DEBUG_SWITCHES) delete env[name];
}

/**
 * The conventional proxy variables. The task's proxy is the agent's (Agent.ProxyUrl), given to both HTTP stacks
 * explicitly; but @azure/core-rest-pipeline falls back to these when it is given none, so a variable planted by an
 * earlier step would route Key Vault and the service connection's sign-in through a proxy of the planter's choosing.
 */
export const ENVIRONMENT_PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'] as const;

export function removeEnvironmentProxies(env: NodeJS.ProcessEnv): void {
  for (const name of ENVIRONMENT_PROXY_VARIABLES) delete env[name];
}

/** Node flags that hand the traffic or the process to someone else: TLS session keys to a file, a debugger port. */
const UNSAFE_NODE_FLAG = /^(--tls-keylog|--inspect(?:-brk|-wait|-port)?|--debug-port)(?:=|$)/;

/**
 * NODE_OPTIONS split as Node splits it (src/node.cc, ParseNodeOptionsEnvVar): on spaces outside double quotes; inside
 * them a backslash escapes the next character. So `"--tls-keylog=k.txt"` is the flag, quotes gone.
 */
export function nodeOptionsArgs(value: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted && c === '\\' && i + 1 < value.length) {
      current = (current ?? '') + value[++i];
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ' ') {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) args.push(current);
  return args;
}

/** The unsafe flag among Node arguments; Node reads `_` in an option's name as `-` (`--tls_keylog`). */
function unsafeNodeFlag(args: readonly string[]): string | undefined {
  for (const arg of args) {
    const [name, ...rest] = arg.split('=');
    const normal = name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
    const m = UNSAFE_NODE_FLAG.exec([normal, ...rest].join('='));
    if (m) return m[1];
  }
  return undefined;
}

/** Node's core modules whose NODE_DEBUG output shows what goes over the wire, headers and tokens included. */
const WIRE_MODULES = ['http', 'https', 'http2', 'net', 'tls'] as const;

/**
 * The wire modules a NODE_DEBUG value turns on, matched as Node matches it (lib/internal/util/debuglog.js): a comma
 * list of names, `*` a wildcard, case ignored. `NODE_DEBUG=*` names them all.
 */
export function nodeDebugWireModules(value: string | undefined): string[] {
  if (!value) return [];
  const pattern = value.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*').replace(/,/g, '$|^');
  const re = new RegExp(`^${pattern}$`, 'i');
  return WIRE_MODULES.filter((m) => re.test(m));
}

/** What is wrong with the environment for a run that carries credentials; empty when nothing is. */
export function environmentProblems(env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): InputError[] {
  const problems: InputError[] = [];
  if (env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
    problems.push(
      new InputError(
        'NODE_TLS_REJECT_UNAUTHORIZED',
        "is '0', which tells Node.js to accept any server certificate: the refresh token would go to whoever answers",
        'remove the variable (or the pipeline variable NODE_TLS_REJECT_UNAUTHORIZED); to trust a private CA, give the agent its certificate (./config.sh --sslcacert) or set NODE_EXTRA_CA_CERTS',
      ),
    );
  }
  const flag = unsafeNodeFlag(nodeOptionsArgs(env['NODE_OPTIONS'] ?? '')) ?? unsafeNodeFlag(execArgv);
  if (flag) {
    problems.push(new InputError('NODE_OPTIONS', `holds ${flag}, which exposes the run's TLS keys or memory to another program`, `remove ${flag} from NODE_OPTIONS`));
  }
  const wire = nodeDebugWireModules(env['NODE_DEBUG']);
  if (wire.length > 0) {
    // Node read it before any code of ours ran, so it cannot be switched off now: the only safe answer is not to run.
    problems.push(
      new InputError(
        'NODE_DEBUG',
        `turns on Node's debug output for ${wire.join(', ')}, which prints what this run sends and receives (request headers with their tokens included) to the log`,
        'remove the variable (or the pipeline variable NODE_DEBUG), or leave only modules other than http, https, http2, net and tls in it',
      ),
    );
  }
  return problems;
}
