/**
 * `pat-lifecycle run`: one of the task's operations, run from this machine through the same core `run()` the
 * pipeline task uses, with a console Host. Flags are the task's inputs in kebab case (`--pat-name`,
 * `--rotate-when-expires-within-days`); inputs not given take their task.json defaults, as on the agent.
 *
 * Secrets are never flag values: `--refresh-token-env VAR`, `--client-secret-env VAR` and
 * `--client-certificate-env VAR` name environment variables. What a pipeline gets from variables comes from flags
 * or the environment: `--project` (System.TeamProject), the PATLIFECYCLE_* seams, the proxy. A Key Vault store or
 * target signs in with a service principal from AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, standing in
 * for the task's Azure Resource Manager service connection.
 */
import taskJson from '../tasks/PatLifecycleV1/task.json';
import { parseConfig } from '../src/config/parse-config';
import type { Config } from '../src/config/types';
import { InputError, InputErrors } from '../src/errors';
import { rawInputsFrom, type RawInputValues } from '../src/config/raw-inputs';
import { run } from '../src/run';
import { EXIT, UsageError } from './args';
import { cliWords, kebab } from './cli-words';
import { ConsoleHost } from './console-host';
import type { Output } from './output';

interface TaskInput {
  name: string;
  type: string;
  defaultValue?: string;
  aliases?: string[];
}

const INPUTS = (taskJson as { inputs: TaskInput[] }).inputs;
/** Read from an environment variable only. */
const SECRET_INPUTS = new Set(['refreshToken', 'clientSecret', 'clientCertificate']);
/** The local stand-in for the azureSubscription service connection. */
const LOCAL_CONNECTION = 'local-service-principal';

/** `run` signs in to Key Vault as this service principal; errors name it and its variables, not a service connection. */
export const LOCAL_KEY_VAULT_IDENTITY = {
  description: 'the service principal in AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET',
  advice: {
    signIn: 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET: the secret may have expired or belong to another app.',
    unavailable: 'Export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal that may get and set secrets in the vault.',
    tenant: "Set AZURE_TENANT_ID to the vault's tenant.",
    rerun: 'Run the command again',
  },
};
const SERVICE_PRINCIPAL_VARIABLES = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'];

export const RUN_HELP = `pat-lifecycle run: run one of the task's operations from this machine (the same code as the task).

Usage:
  pat-lifecycle run --action list|create|rotate|update|revoke|check --tenant-id ID --client-id ID \\
      --organization ORG --refresh-token-env VAR [task inputs as --kebab-case flags] [options]

Task inputs (defaults as in task.json):
${INPUTS.filter((i) => !SECRET_INPUTS.has(i.name))
  .map((i) => `  --${kebab(i.name)}${i.type === 'boolean' ? '[=true|false]' : ' VALUE'}${i.defaultValue ? ` (default ${i.defaultValue})` : ''}`)
  .join('\n')}

Secrets (names of environment variables, never the values):
  --refresh-token-env VAR       the refresh token                                          [required]
  --client-secret-env VAR       confidential app registrations
  --client-certificate-env VAR  PEM certificate with its private key, instead of a secret

Pipeline variables and options:
  --project NAME              System.TeamProject: the project of the variable groups
  --authority-host URL        PatLifecycle.AuthorityHost (env PATLIFECYCLE_AUTHORITYHOST)
  --vssps-url URL             PatLifecycle.VsspsUrl (env PATLIFECYCLE_VSSPSURL)
  --devops-url URL            PatLifecycle.DevOpsUrl (env PATLIFECYCLE_DEVOPSURL)
  --proxy URL                 Agent.ProxyUrl (default HTTPS_PROXY)
  --summary-file FILE         write the Markdown run summary there (default: print it)
  -v, --verbose               debug output (secrets stay masked)

Key Vault (target keyVault or refreshTokenStore keyVault): a service principal from AZURE_TENANT_ID,
AZURE_CLIENT_ID and AZURE_CLIENT_SECRET stands in for the service connection; --key-vault-dns-suffix SFX
for other clouds.

Note: the run redeems the refresh token, and Entra issues a new one. Configure --refresh-token-store (as the
pipeline does) so the new one is kept; the old one keeps working until it is unused for 90 days.

--action check (or 'pat-lifecycle doctor'): signs in, reads every prerequisite of the step the other flags
describe, writes nothing and does not save the new refresh token (the stored one stays valid); exit code 1 when a
prerequisite is missing.

Exit codes: 0 succeeded, 1 failed, 2 bad command line, 3 succeeded with issues.`;

interface RunFlags {
  inputs: Record<string, string>;
  variables: Record<string, string>;
  secretEnv: Record<string, string>;
  summaryFile?: string;
  keyVaultDnsSuffix?: string;
  help: boolean;
}

export function parseRunFlags(argv: string[], env: Record<string, string | undefined>): RunFlags {
  const problems: string[] = [];
  const flags: RunFlags = { inputs: {}, variables: {}, secretEnv: {}, help: false };
  const byFlag = new Map<string, TaskInput>();
  for (const i of INPUTS) {
    byFlag.set(kebab(i.name), i);
    byFlag.set(i.name.toLowerCase(), i);
    for (const a of i.aliases ?? []) byFlag.set(kebab(a).replace(/^-/, ''), i);
  }
  const variableFlags: Record<string, string> = {
    project: 'System.TeamProject',
    'authority-host': 'PatLifecycle.AuthorityHost',
    'vssps-url': 'PatLifecycle.VsspsUrl',
    'devops-url': 'PatLifecycle.DevOpsUrl',
    proxy: 'Agent.ProxyUrl',
  };
  const secretFlags: Record<string, string> = {
    'refresh-token-env': 'refreshToken',
    'client-secret-env': 'clientSecret',
    'client-certificate-env': 'clientCertificate',
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      flags.help = true;
      continue;
    }
    if (arg === '-v' || arg === '--verbose') continue;
    const m = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      problems.push(`Unexpected argument '${arg}': flags look like --name value.`);
      continue;
    }
    const name = m[1];
    const input = byFlag.get(name) ?? byFlag.get(name.toLowerCase());
    const isBoolean = input?.type === 'boolean';
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (isBoolean && (next === undefined || !/^(true|false)$/i.test(next))) value = 'true';
      else if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        problems.push(`--${name} needs a value.`);
        continue;
      } else {
        value = next;
        i++;
      }
    }
    if (input && SECRET_INPUTS.has(input.name)) {
      problems.push(`--${name} would put a secret on the command line; export it and pass --${kebab(input.name)}-env VARNAME.`);
    } else if (input) {
      flags.inputs[input.name] = value;
    } else if (secretFlags[name]) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) problems.push(`--${name} takes the NAME of an environment variable.`);
      else if (!env[value]) problems.push(`--${name} ${value}: that environment variable is not set or empty.`);
      else flags.secretEnv[secretFlags[name]] = value;
    } else if (variableFlags[name]) {
      flags.variables[variableFlags[name]] = value;
    } else if (name === 'summary-file') {
      flags.summaryFile = value;
    } else if (name === 'key-vault-dns-suffix') {
      flags.keyVaultDnsSuffix = value;
    } else {
      problems.push(`Unknown flag --${name}. Run 'pat-lifecycle run --help' for the task inputs.`);
    }
  }
  if (!flags.help && flags.secretEnv.refreshToken === undefined) problems.push('--refresh-token-env VAR is required: the environment variable that holds the refresh token.');
  if (problems.length > 0) throw new UsageError(problems);
  return flags;
}

/** Whether the step reaches Key Vault: a target kind in the list, or the refresh token store. */
function usesKeyVault(inputs: Record<string, string>): boolean {
  return (inputs.target ?? '').split(/[,\n]/).some((k) => k.trim() === 'keyVault') || inputs.refreshTokenStore === 'keyVault';
}

/** The raw inputs the agent would hand the task, built from flags and the environment. */
export function rawValuesForRun(flags: RunFlags, env: Record<string, string | undefined>): RawInputValues {
  const inputs: Record<string, string> = {};
  for (const i of INPUTS) if (i.defaultValue !== undefined && i.defaultValue !== '') inputs[i.name] = i.defaultValue;
  Object.assign(inputs, flags.inputs);
  for (const [input, varName] of Object.entries(flags.secretEnv)) inputs[input] = env[varName]!;

  const variables: Record<string, string> = {};
  const fromEnv: Record<string, string[]> = {
    'PatLifecycle.AuthorityHost': ['PATLIFECYCLE_AUTHORITYHOST'],
    'PatLifecycle.VsspsUrl': ['PATLIFECYCLE_VSSPSURL'],
    'PatLifecycle.DevOpsUrl': ['PATLIFECYCLE_DEVOPSURL'],
  };
  for (const [variable, names] of Object.entries(fromEnv)) {
    const v = names.map((n) => env[n]).find((x) => x);
    if (v) variables[variable] = v;
  }
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (proxy) {
    try {
      const u = new URL(proxy);
      variables['Agent.ProxyUrl'] = `${u.protocol}//${u.host}`;
      if (u.username) variables['Agent.ProxyUsername'] = decodeURIComponent(u.username);
      if (u.password) variables['Agent.ProxyPassword'] = decodeURIComponent(u.password);
    } catch {
      variables['Agent.ProxyUrl'] = proxy; // parseConfig reports it
    }
  }
  Object.assign(variables, flags.variables);

  const endpoints: RawInputValues['endpoints'] = {};
  if (usesKeyVault(inputs) && !flags.inputs.azureSubscription && env.AZURE_CLIENT_ID && env.AZURE_TENANT_ID && env.AZURE_CLIENT_SECRET) {
    inputs.azureSubscription = LOCAL_CONNECTION;
    endpoints[LOCAL_CONNECTION] = {
      scheme: 'ServicePrincipal',
      auth: {
        serviceprincipalid: env.AZURE_CLIENT_ID,
        tenantid: env.AZURE_TENANT_ID,
        serviceprincipalkey: env.AZURE_CLIENT_SECRET,
        authenticationtype: 'spnKey',
      },
      data: {
        ...(variables['PatLifecycle.AuthorityHost'] || env.AZURE_AUTHORITY_HOST
          ? { activedirectoryauthority: variables['PatLifecycle.AuthorityHost'] ?? env.AZURE_AUTHORITY_HOST! }
          : {}),
        ...(flags.keyVaultDnsSuffix ? { azurekeyvaultdnssuffix: flags.keyVaultDnsSuffix } : {}),
      },
    };
  }
  return { inputs, variables, endpoints };
}

export async function runLocal(argv: string[], deps: { output: Output; env: Record<string, string | undefined> }): Promise<number> {
  const { output, env } = deps;
  const flags = parseRunFlags(argv, env);
  if (flags.help) {
    output.result(RUN_HELP);
    return EXIT.ok;
  }
  for (const varName of Object.values(flags.secretEnv)) output.secret(env[varName]);
  output.secret(env.AZURE_CLIENT_SECRET);
  const raw = rawValuesForRun(flags, env);
  const missing = SERVICE_PRINCIPAL_VARIABLES.filter((n) => !env[n]);
  if (usesKeyVault({ ...flags.inputs }) && raw.inputs?.azureSubscription !== LOCAL_CONNECTION && missing.length > 0) {
    throw new UsageError([
      `Key Vault (--target keyVault or --refresh-token-store keyVault) is reached with a service principal from the environment: export ${missing.join(', ')} (a service principal that may get and set secrets in the vault).`,
    ]);
  }
  // parseConfig reports every bad input at once (InputErrors), before anything reaches the network; in flags.
  let config: Config;
  try {
    config = parseConfig(rawInputsFrom(raw));
  } catch (err) {
    if (err instanceof InputErrors) throw new UsageError(err.errors.map((e) => cliWords(e.describe())));
    if (err instanceof InputError) throw new UsageError([cliWords(err.describe())]);
    throw err;
  }
  const host = new ConsoleHost(output, { summaryFile: flags.summaryFile });
  const result = await run(config, host, raw.inputs?.azureSubscription === LOCAL_CONNECTION ? { keyVaultIdentity: LOCAL_KEY_VAULT_IDENTITY } : {});
  host.flushSummary();
  if (result.status === 'Failed') {
    output.error(cliWords(result.message));
    return EXIT.error;
  }
  output.info(cliWords(result.message));
  return result.status === 'SucceededWithIssues' ? EXIT.attention : EXIT.ok;
}
