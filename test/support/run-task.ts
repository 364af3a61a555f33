/**
 * Black-box harness: runs the bundled task (tasks/PatLifecycleV1/dist/main.js) the way the agent does, in a child
 * process with a clean environment (INPUT_*, SECRET_* + VSTS_SECRET_VARIABLES, ENDPOINT_*, SYSTEM_*, AGENT_TEMPDIRECTORY),
 * and turns what it printed into data: result, outputs, variables, registered secrets, issues, progress, summary.
 *
 *   const run = await runTask({ inputs: { action: 'list', ... }, secretVariables: { ... }, env: emulator.childEnv() });
 *
 * Crash tests: `killWhen` is polled while the task runs and SIGKILLs it the first time it returns true; to stop it at an
 * exact request, hold that request with an emulator delay fault and kill when the request log shows it, e.g.
 * `killAfterRequests: { n: 1, count: () => emu.log.count({ route: 'pats.create' }) }`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultInputs, loadTaskJson, REPO_ROOT, TASK_DIR } from './task-json';
import { watchConformance } from '../conformance/hook';
import { assertNoSecrets } from './secret-scan';

export const TASK_ENTRY = join(TASK_DIR, 'dist', 'main.js');

export interface EndpointSpec {
  url?: string;
  scheme: string;
  /** Authorization parameters as the connection holds them (`serviceprincipalid`, `tenantid`, `serviceprincipalkey`, ...). */
  parameters?: Record<string, string>;
  /** Endpoint data (`activeDirectoryAuthority`, `AzureKeyVaultDnsSuffix`, ...). */
  data?: Record<string, string>;
}

export interface SystemSpec {
  collectionUri?: string;
  teamProject?: string;
  teamProjectId?: string;
  hostType?: string;
  planId?: string;
  jobId?: string;
  /** The job's access token. Delivered as the agent does: the SYSTEMVSSCONNECTION endpoint and the secret variable System.AccessToken. */
  accessToken?: string;
  /** Where the access token appears; default both. */
  accessTokenVia?: Array<'endpoint' | 'secretVariable'>;
  oidcRequestUri?: string;
}

/**
 * The Node.js that runs the task, as the agent's handler would: this process's Node (task.json's Node20_1) unless
 * PAT_TASK_NODE names another binary (`npm run test:node24` sets it to a Node 24 for the Node24 handler).
 */
export const TASK_NODE = process.env['PAT_TASK_NODE'] || process.execPath;

let taskNodeVersions: NodeJS.ProcessVersions | undefined;
/** process.version / process.versions / process.arch as the task's Node sees them. */
export function taskNode(): { version: string; versions: NodeJS.ProcessVersions; arch: string } {
  if (TASK_NODE === process.execPath) return { version: process.version, versions: process.versions, arch: process.arch };
  taskNodeVersions ??= JSON.parse(execFileSync(TASK_NODE, ['-p', 'JSON.stringify(process.versions)'], { encoding: 'utf8' })) as NodeJS.ProcessVersions;
  return { version: `v${taskNodeVersions.node}`, versions: taskNodeVersions, arch: process.arch };
}

export interface RunTaskOptions {
  /** Task inputs by YAML name. task.json defaults fill the rest unless `taskDefaults` is false (the agent does the same). */
  inputs?: Record<string, string | number | boolean | undefined>;
  taskDefaults?: boolean;
  /** Public pipeline variables by dotted name (`PatLifecycle.VsspsUrl`). */
  variables?: Record<string, string>;
  /** Secret pipeline variables: SECRET_<KEY> plus VSTS_SECRET_VARIABLES. */
  secretVariables?: Record<string, string>;
  /** Service connections by id. */
  endpoints?: Record<string, EndpointSpec>;
  system?: SystemSpec;
  /** Extra environment (the emulator's childEnv(): CA, preload, clock offset). */
  env?: Record<string, string | undefined>;
  /** Default TASK_ENTRY. */
  entry?: string;
  /** Default 60 s; the task is SIGKILLed when exceeded. */
  timeoutMs?: number;
  killWhen?: () => boolean;
  killAfterRequests?: { n: number; count: () => number };
  /** Poll interval of the kill conditions, default 5 ms. */
  pollMs?: number;
  /** Keep AGENT_TEMPDIRECTORY after the run (for debugging). */
  keepTempDir?: boolean;
  /**
   * Every run is scanned for the secrets it was handed and the ones it registered (log, summary, every file it left
   * in its temp folder); a finding fails the run's test. Off only for a test that plants a leak on purpose.
   */
  secretScan?: boolean;
  /** More values the scan must not find (what an emulator issued, for example). */
  extraSecrets?: readonly string[];
}

/**
 * Every Nth run (PAT_TEST_DEBUG_EVERY, default 3; 0 never, 1 always) runs with System.Debug=true and DEBUG=*, unless
 * the test chose System.Debug or DEBUG itself: debug paths print the most, so a share of all tests exercises them.
 */
const DEBUG_EVERY = Number(process.env['PAT_TEST_DEBUG_EVERY'] ?? '3');
let runCount = 0;

export interface VsoCommand {
  /** `task.setvariable` */
  command: string;
  properties: Record<string, string>;
  message: string;
  /** 1-based line number in stdout. */
  line: number;
}

export interface VariableValue {
  value: string;
  secret: boolean;
}

export interface TaskRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Killed by killWhen/killAfterRequests. */
  crashed: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  commands: VsoCommand[];
  /** From `task.complete`; undefined when the task never completed (killed, crashed). */
  result?: 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Cancelled' | 'Skipped';
  message?: string;
  /** `isOutput=true` variables. */
  outputs: Record<string, VariableValue>;
  /** Job variables (no isOutput). */
  variables: Record<string, VariableValue>;
  secretsRegistered: string[];
  warnings: string[];
  errors: string[];
  debug: string[];
  /** Plain lines (not logging commands). */
  info: string[];
  progress: Array<{ value: number; message: string }>;
  summaryPath?: string;
  summaryMarkdown?: string;
  /**
   * What a person reading the log sees, before the agent's masking: stdout without the lines that hand values to the
   * agent (task.setsecret, and the value of secret task.setvariable), plus stderr. Scan this for secrets.
   */
  visibleLog: string;
  /** The env the task ran with (for debugging a failing test; holds secrets, so never print it in CI). */
  env: Record<string, string>;
}

export async function runTask(options: RunTaskOptions = {}): Promise<TaskRun> {
  const entry = options.entry ?? TASK_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run bundle\` first`);
  const tempDir = mkdtempSync(join(tmpdir(), 'pat-task-'));
  const env = buildEnv(options, tempDir);
  // Every black-box run's traffic is checked against the published specs (test/conformance/openapi.ts).
  const checkConformance = watchConformance(options.env);
  runCount++;
  const chosen = options.env?.['DEBUG'] !== undefined || Object.keys(options.variables ?? {}).some((k) => envKey(k) === 'SYSTEM_DEBUG');
  if (!chosen && DEBUG_EVERY > 0 && runCount % DEBUG_EVERY === 0) {
    env['SYSTEM_DEBUG'] = 'true';
    env['DEBUG'] = '*';
  }
  const started = Date.now();
  const child = spawn(TASK_NODE, [entry], { cwd: tempDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));

  let timedOut = false;
  let crashed = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  const shouldKill = () => options.killWhen?.() === true || (options.killAfterRequests !== undefined && options.killAfterRequests.count() >= options.killAfterRequests.n);
  const poller =
    options.killWhen || options.killAfterRequests
      ? setInterval(() => {
          if (!crashed && shouldKill()) {
            crashed = true;
            child.kill('SIGKILL');
          }
        }, options.pollMs ?? 5)
      : undefined;

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(timer);
  if (poller) clearInterval(poller);

  const run = parseTaskOutput(stdout, stderr);
  const result: TaskRun = { ...run, exitCode: code, signal, timedOut, crashed, durationMs: Date.now() - started, env };
  if (result.summaryPath && existsSync(result.summaryPath)) result.summaryMarkdown = readFileSync(result.summaryPath, 'utf8');
  try {
    if (options.secretScan !== false) scanRun(result, options, tempDir);
  } finally {
    if (!options.keepTempDir) rmSync(tempDir, { recursive: true, force: true });
  }
  checkConformance();
  return result;
}

/** Endpoint authorization parameters that hold a secret. */
const SECRET_PARAMETERS = /key|secret|password|token|certificate/i;

/** What the run was handed or registered as secret must not show in its log, its summary or any file it wrote. */
function scanRun(run: TaskRun, o: RunTaskOptions, tempDir: string): void {
  const handedIn = [
    ...['refreshToken', 'clientSecret', 'clientCertificate'].map((n) => o.inputs?.[n]).filter((v): v is string => typeof v === 'string'),
    ...Object.values(o.secretVariables ?? {}),
    ...Object.values(o.endpoints ?? {}).flatMap((e) => Object.entries(e.parameters ?? {}).filter(([k]) => SECRET_PARAMETERS.test(k)).map(([, v]) => v)),
    ...(o.system?.accessToken ? [o.system.accessToken] : []),
    ...(o.env?.['SYSTEM_ACCESSTOKEN'] ? [o.env['SYSTEM_ACCESSTOKEN']] : []),
    ...Object.values({ ...run.outputs, ...run.variables }).filter((v) => v.secret).map((v) => v.value),
    ...(o.extraSecrets ?? []),
  ];
  const texts = [
    { where: 'the task log', text: run.visibleLog },
    ...filesUnder(tempDir).map((path) => ({ where: `the file ${path.slice(tempDir.length + 1)} the task left behind`, text: readFileSync(path, 'utf8') })),
  ];
  assertNoSecrets(texts, [...new Set(handedIn)]);
  // What the task registered already includes each form it made of a secret: looked for as is.
  assertNoSecrets(texts, [...new Set(run.secretsRegistered)], { asIs: true });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : e.isFile() ? [path] : [];
  });
}

/** The agent's environment-variable form of a name. */
export function envKey(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

function buildEnv(o: RunTaskOptions, tempDir: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tempDir,
    AGENT_TEMPDIRECTORY: tempDir,
  };
  const inputs: Record<string, string | number | boolean | undefined> = {
    ...(o.taskDefaults === false ? {} : defaultInputs(loadTaskJson())),
    ...o.inputs,
  };
  for (const [name, value] of Object.entries(inputs)) {
    if (value === undefined || value === '') continue;
    env[`INPUT_${envKey(name)}`] = String(value);
  }

  const publicNames: string[] = [];
  const secretNames: string[] = [];
  const setPublic = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    env[envKey(name)] = value;
    publicNames.push(name);
  };
  const setSecret = (name: string, value: string) => {
    env[`SECRET_${envKey(name)}`] = value;
    secretNames.push(name);
  };

  const s = o.system ?? {};
  setPublic('System.CollectionUri', s.collectionUri);
  setPublic('System.TeamFoundationCollectionUri', s.collectionUri);
  setPublic('System.TeamProject', s.teamProject ?? 'Project');
  setPublic('System.TeamProjectId', s.teamProjectId ?? randomUUID());
  setPublic('System.HostType', s.hostType ?? 'build');
  setPublic('System.PlanId', s.planId ?? randomUUID());
  setPublic('System.JobId', s.jobId ?? randomUUID());
  setPublic('System.OidcRequestUri', s.oidcRequestUri);
  const endpoints: Record<string, EndpointSpec> = { ...o.endpoints };
  if (s.accessToken) {
    const via = s.accessTokenVia ?? ['endpoint', 'secretVariable'];
    if (via.includes('secretVariable')) setSecret('System.AccessToken', s.accessToken);
    if (via.includes('endpoint')) endpoints['SYSTEMVSSCONNECTION'] = { url: s.collectionUri, scheme: 'OAuth', parameters: { AccessToken: s.accessToken } };
  }
  for (const [name, value] of Object.entries(o.variables ?? {})) setPublic(name, value);
  for (const [name, value] of Object.entries(o.secretVariables ?? {})) setSecret(name, value);

  for (const [id, e] of Object.entries(endpoints)) {
    if (e.url !== undefined) env[`ENDPOINT_URL_${id}`] = e.url;
    env[`ENDPOINT_AUTH_${id}`] = JSON.stringify({ parameters: e.parameters ?? {}, scheme: e.scheme });
    env[`ENDPOINT_AUTH_SCHEME_${id}`] = e.scheme;
    for (const [k, v] of Object.entries(e.parameters ?? {})) env[`ENDPOINT_AUTH_PARAMETER_${id}_${k.toUpperCase()}`] = v;
    if (e.data) {
      env[`ENDPOINT_DATA_${id}`] = JSON.stringify(e.data);
      for (const [k, v] of Object.entries(e.data)) env[`ENDPOINT_DATA_${id}_${k.toUpperCase()}`] = v;
    }
  }
  env['VSTS_PUBLIC_VARIABLES'] = JSON.stringify(publicNames);
  env['VSTS_SECRET_VARIABLES'] = JSON.stringify(secretNames);
  for (const [k, v] of Object.entries(o.env ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

const COMMAND = /##vso\[([A-Za-z]+\.[A-Za-z]+)((?: [^\]]*)?)\](.*)$/;

/** Parses a task's stdout the way the agent reads logging commands. Exported for tests of the parser itself. */
export function parseTaskOutput(stdout: string, stderr = ''): Omit<TaskRun, 'exitCode' | 'signal' | 'timedOut' | 'crashed' | 'durationMs' | 'env'> {
  const run: Omit<TaskRun, 'exitCode' | 'signal' | 'timedOut' | 'crashed' | 'durationMs' | 'env'> = {
    stdout,
    stderr,
    commands: [],
    outputs: {},
    variables: {},
    secretsRegistered: [],
    warnings: [],
    errors: [],
    debug: [],
    info: [],
    progress: [],
    visibleLog: '',
  };
  const visible: string[] = [];
  stdout.split(/\r?\n/).forEach((line, index) => {
    const m = COMMAND.exec(line);
    if (!m || line.indexOf('##vso[') !== 0) {
      if (line.length > 0) run.info.push(line);
      visible.push(line);
      return;
    }
    const cmd: VsoCommand = { command: m[1].toLowerCase(), properties: parseProperties(m[2].trim()), message: unescapeData(m[3]), line: index + 1 };
    run.commands.push(cmd);
    const p = cmd.properties;
    switch (cmd.command) {
      case 'task.setsecret':
        run.secretsRegistered.push(cmd.message);
        visible.push('##vso[task.setsecret]***');
        return;
      case 'task.setvariable': {
        const secret = p['issecret']?.toLowerCase() === 'true';
        const target = p['isoutput']?.toLowerCase() === 'true' ? run.outputs : run.variables;
        target[p['variable'] ?? ''] = { value: cmd.message, secret };
        visible.push(secret ? line.replace(/\][^\]]*$/, ']***') : line);
        return;
      }
      case 'task.issue':
        (p['type'] === 'error' ? run.errors : run.warnings).push(cmd.message);
        break;
      case 'task.logissue':
        (p['type'] === 'error' ? run.errors : run.warnings).push(cmd.message);
        break;
      case 'task.debug':
        run.debug.push(cmd.message);
        break;
      case 'task.setprogress':
        run.progress.push({ value: Number(p['value']), message: cmd.message });
        break;
      case 'task.uploadsummary':
        run.summaryPath = cmd.message;
        break;
      case 'task.complete':
        run.result = p['result'] as TaskRun['result'];
        run.message = cmd.message;
        break;
    }
    visible.push(line);
  });
  run.visibleLog = `${visible.join('\n')}\n${stderr}`;
  return run;
}

function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    out[key] = eq < 0 ? '' : unescapeProperty(part.slice(eq + 1));
  }
  return out;
}

function unescapeProperty(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%3B/g, ';').replace(/%AZP25/g, '%');
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%AZP25/g, '%');
}

export { REPO_ROOT };
