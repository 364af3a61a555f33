/**
 * Takes the secret-bearing environment variables (and the task's inputs) before azure-pipelines-task-lib loads, and
 * sets what task-lib reads when it loads. task-lib moves them into its vault at import and prints `name=value` whenever
 * one is read through getInput/getVariable, secrets included; the agent masks only what it knows is secret, so a
 * refresh token passed through a plain variable would show in debug logs. main.ts imports this module first, so it
 * runs before task-lib's own import.
 */

import { removeDebugSwitches, removeEnvironmentProxies } from '../../../src/config/environment';

/** Task inputs that carry secrets (YAML names). */
export const SECRET_INPUTS = ['refreshToken', 'clientSecret', 'clientCertificate'] as const;

export interface CapturedSecrets {
  /** Secret inputs by YAML name. */
  inputs: Map<string, string>;
  /** Secret variables by their environment key (`SYSTEM_ACCESSTOKEN`). */
  variables: Map<string, string>;
  /** `ENDPOINT_AUTH_*` variables as the agent set them. */
  endpointAuth: Map<string, string>;
}

export function inputKey(name: string): string {
  return `INPUT_${name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase()}`;
}

function capture(env: NodeJS.ProcessEnv): CapturedSecrets {
  const captured: CapturedSecrets = { inputs: new Map(), variables: new Map(), endpointAuth: new Map() };
  for (const name of SECRET_INPUTS) {
    const value = env[inputKey(name)];
    if (value) captured.inputs.set(name, value);
  }
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    if (key.startsWith('SECRET_')) captured.variables.set(key.slice('SECRET_'.length), value);
    else if (key.startsWith('ENDPOINT_AUTH_')) captured.endpointAuth.set(key, value);
  }
  // The job's token mapped into the step (`env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`, as the task's own hints
  // advise) arrives as a plain variable, which task-lib would echo when read: take it like the secret ones.
  const mapped = env[ENV_MAPPED_ACCESS_TOKEN];
  if (mapped && !captured.variables.has(ENV_MAPPED_ACCESS_TOKEN)) captured.variables.set(ENV_MAPPED_ACCESS_TOKEN, mapped);
  return captured;
}

const ENV_MAPPED_ACCESS_TOKEN = 'SYSTEM_ACCESSTOKEN';

export const captured: CapturedSecrets = capture(process.env);

/**
 * Every task input by its environment key (`INPUT_ACTION`), taken out of the environment. task-lib would encrypt each
 * into its vault when it loads, and read its key file back and decrypt on every read: work on every run for values
 * the task reads once or twice. The task reads its inputs here (task-host.ts); the secret ones are in `captured` too.
 */
export const taskInputs: ReadonlyMap<string, string> = takeInputs(process.env);

function takeInputs(env: NodeJS.ProcessEnv): Map<string, string> {
  const inputs = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('INPUT_')) continue;
    if (value) inputs.set(key, value);
    delete env[key];
  }
  return inputs;
}

// task-lib reads these itself when it loads (to expose the agent's proxy and client certificate to tool runners) and
// prints `name=value` as it does; the task takes them from the capture above, so task-lib never sees them.
for (const key of ['SECRET_AGENT_PROXYPASSWORD', 'SECRET_AGENT_CLIENTCERTPASSWORD', ENV_MAPPED_ACCESS_TOKEN]) delete process.env[key];

// Dependencies decide whether to print debug output when they load, which is after this module runs.
removeDebugSwitches(process.env);
removeEnvironmentProxies(process.env);

/**
 * Whether the agent shows debug lines: only with System.Debug true; otherwise it drops every `##vso[task.debug]` line
 * it reads. task-lib writes them all unless the agent's knob below tells it to check the mode (microsoft/azure-pipelines-task-lib#1046);
 * set before task-lib reads it at load, so a run without debugging neither composes nor prints lines nobody sees.
 */
export const debugging = process.env['SYSTEM_DEBUG']?.toLowerCase() === 'true';
process.env['DISTRIBUTEDTASK_TASKS_NODE_SKIPDEBUGLOGSWHENDEBUGMODEOFF'] = 'true';
