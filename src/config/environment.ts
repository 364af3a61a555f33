/**
 * Environment switches that weaken the run, checked before anything is sent. Pipeline variables become environment
 * variables, so an earlier step (`##vso[task.setvariable]`) or whoever queues a run can set any of these.
 */
import { InputError } from '../errors';

/**
 * Variables that make a dependency print what it sends: `debug` (https-proxy-agent, agent-base: the proxy URL with its
 * credentials) and @azure/logger (request details of Key Vault and @azure/identity). Each is read when its package
 * loads, so they are removed before anything is imported. NODE_DEBUG is not among them: Node reads it at start-up,
 * before any of our code, and its core modules (http, tls, net) print connection events, never headers or bodies.
 */
export const DEBUG_SWITCHES = ['DEBUG', 'DEBUG_FD', 'DEBUG_COLORS', 'DEBUG_HIDE_DATE', 'DEBUG_SHOW_HIDDEN', 'DEBUG_DEPTH', 'AZURE_LOG_LEVEL'] as const;

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

/** NODE_OPTIONS flags that hand the traffic or the process to someone else: TLS session keys to a file, a debugger port. */
const UNSAFE_NODE_FLAGS = /(?:^|\s)(--tls-keylog|--inspect(?:-brk|-wait|-port)?)(?:[=\s]|$)/;

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
  const flag = UNSAFE_NODE_FLAGS.exec(env['NODE_OPTIONS'] ?? '')?.[1] ?? execArgv.map((a) => UNSAFE_NODE_FLAGS.exec(a)?.[1]).find((f) => f);
  if (flag) {
    problems.push(new InputError('NODE_OPTIONS', `holds ${flag}, which exposes the run's TLS keys or memory to another program`, `remove ${flag} from NODE_OPTIONS`));
  }
  return problems;
}
