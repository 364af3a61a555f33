/**
 * The core's Host and RawInputs over azure-pipelines-task-lib: the one module of the product that speaks the agent's
 * language (logging commands, the vault, endpoints).
 */
import * as tl from 'azure-pipelines-task-lib/task';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../../src/host';
import type { EndpointInfo, RawInputs } from '../../../src/config/raw-inputs';
import { inputKey, taskInputs, type CapturedSecrets } from './secret-env';
import { inert, maskableParts } from './log-safety';
import { redact } from '../../../src/secret-forms';

/**
 * Endpoint authorization parameters that are secrets (the others are ids and names). The last three are the PAT
 * Lifecycle sign-in connection's (vss-extension.json).
 */
const SECRET_AUTH_PARAMETERS = ['accesstoken', 'serviceprincipalkey', 'serviceprincipalcertificate', 'password', 'apitoken', 'certificate', 'refreshtoken', 'clientsecret', 'clientcertificate'];

export class TaskHost implements Host {
  private readonly registered = new Set<string>();

  /** `debugging` from secret-env: whether the agent shows debug lines at all. */
  constructor(readonly debugging = true) {}

  setSecret(value: string): void {
    for (const part of maskableParts(value)) {
      if (this.registered.has(part)) continue;
      this.registered.add(part);
      tl.setSecret(part);
    }
  }

  /**
   * The agent masks the log, but not attachments such as the summary, and any other reader of the raw output
   * (a log forwarder, the agent's diagnostics) sees what was printed: the task masks its own text too.
   */
  private clean(text: string): string {
    return inert(redact(text, this.registered));
  }

  setOutput(name: string, value: string, options: { secret: boolean }): void {
    if (options.secret) this.setSecret(value);
    tl.setVariable(name, value, options.secret, true);
  }

  setJobVariable(name: string, value: string, options: { secret: boolean }): void {
    if (options.secret) this.setSecret(value);
    tl.setVariable(name, value, options.secret, false);
  }

  info(message: string): void {
    for (const line of message.split(/\r?\n/)) console.log(this.clean(line));
  }

  warn(message: string): void {
    tl.warning(this.clean(message));
  }

  debug(message: string): void {
    if (this.debugging) tl.debug(this.clean(message));
  }

  progress(percent: number, message: string): void {
    tl.setProgress(Math.max(0, Math.min(100, Math.round(percent))), this.clean(message));
  }

  uploadSummary(markdown: string): void {
    // Azure DevOps titles the summary section with the file's name, so the name is the title; the random folder keeps
    // two steps of one job apart.
    const dir = join(tl.getVariable('Agent.TempDirectory') || tmpdir(), `pat-lifecycle-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'PAT Lifecycle.md');
    writeFileSync(file, redact(markdown, this.registered), { encoding: 'utf8', mode: 0o600 });
    tl.uploadSummary(file);
  }

  complete(status: 'Succeeded' | 'SucceededWithIssues' | 'Failed', message: string): void {
    const result = status === 'Succeeded' ? tl.TaskResult.Succeeded : status === 'SucceededWithIssues' ? tl.TaskResult.SucceededWithIssues : tl.TaskResult.Failed;
    tl.setResult(result, this.clean(message), true);
  }
}

/** RawInputs over task-lib, with secrets read from the snapshot taken before task-lib loaded (no debug echo). */
export function taskRawInputs(captured: CapturedSecrets): RawInputs {
  const secretVariable = (name: string) => captured.variables.get(variableKey(name));
  return {
    input: (name) => taskInputs.get(inputKey(name)) || undefined,
    secretInput: (name) => captured.inputs.get(name),
    variable: (name) => secretVariable(name) ?? (tl.getVariable(name) || undefined),
    endpoint: (id) => endpoint(captured, id),
  };
}

function endpoint(captured: CapturedSecrets, id: string): EndpointInfo | undefined {
  const url = process.env[`ENDPOINT_URL_${id}`] || undefined;
  const authJson = parseJson(captured.endpointAuth.get(`ENDPOINT_AUTH_${id}`));
  const auth: Record<string, string> = {};
  const jsonParameters = (authJson?.['parameters'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(jsonParameters)) if (typeof v === 'string') auth[k.toLowerCase()] = v;
  const prefix = `ENDPOINT_AUTH_PARAMETER_${id}_`;
  for (const [k, v] of captured.endpointAuth) if (k.startsWith(prefix)) auth[k.slice(prefix.length).toLowerCase()] = v;
  const scheme = captured.endpointAuth.get(`ENDPOINT_AUTH_SCHEME_${id}`) ?? (typeof authJson?.['scheme'] === 'string' ? (authJson['scheme'] as string) : undefined);

  const data: Record<string, string> = {};
  const dataJson = parseJson(process.env[`ENDPOINT_DATA_${id}`]);
  for (const [k, v] of Object.entries(dataJson ?? {})) if (typeof v === 'string') data[k.toLowerCase()] = v;
  const dataPrefix = `ENDPOINT_DATA_${id}_`;
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith(dataPrefix) && v !== undefined) data[k.slice(dataPrefix.length).toLowerCase()] = v;

  if (url === undefined && scheme === undefined && Object.keys(auth).length === 0 && Object.keys(data).length === 0) return undefined;
  return { url, scheme, auth, data };
}

/** Every secret the agent handed over for this run that the task may read, for the masker. */
export function capturedSecretValues(captured: CapturedSecrets): string[] {
  const values = [...captured.inputs.values()];
  const accessToken = captured.variables.get('SYSTEM_ACCESSTOKEN');
  if (accessToken) values.push(accessToken);
  const proxyPassword = captured.variables.get('AGENT_PROXYPASSWORD');
  if (proxyPassword) values.push(proxyPassword);
  for (const [key, value] of captured.endpointAuth) {
    if (key.startsWith('ENDPOINT_AUTH_PARAMETER_')) {
      if (SECRET_AUTH_PARAMETERS.some((p) => key.toLowerCase().endsWith(`_${p}`))) values.push(value);
    } else if (!key.startsWith('ENDPOINT_AUTH_SCHEME_')) {
      const parameters = (parseJson(value)?.['parameters'] ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(parameters)) if (typeof v === 'string' && SECRET_AUTH_PARAMETERS.includes(k.toLowerCase())) values.push(v);
    }
  }
  return values;
}

function variableKey(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
