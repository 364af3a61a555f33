/**
 * One run, as docs/design.md draws it: register the secrets, redeem the refresh token once, save the rolled one before
 * any PAT is touched, run the operation, set the outputs, attach the summary. Used by the pipeline task and the CLI;
 * everything that reaches the network comes in through `deps`, so tests swap it.
 */
import type { Config } from './config/types';
import type { Host } from './host';
import type { HttpClient, HttpClientOptions } from './http/http-client';
import type { NetworkConfig } from './config/types';
import type { SecretStore } from './stores/secret-store';
import type { EntraSession, RedeemOptions } from './entra/redeem-refresh-token';
import type { OperationContext, PatApi, PatOutcome } from './operations/types';
import type { CheckDeps } from './check/types';
import { createHttpClient } from './http/http-client';
import { redeemRefreshToken } from './entra/redeem-refresh-token';
import { PatClient } from './devops/pat-client';
import { PatDirectory } from './operations/pat-directory';
import { openSecretStore, serviceEndpointClientFor, variableGroupClientFor, type OpenStoreDeps, type StoreDestination } from './stores/open-store';
import { RecordFinder } from './stores/record-finder';
import { randomUUID } from 'node:crypto';
import { GroupViews } from './stores/group-views';
import { GroupWriteQueue } from './stores/variable-group-store';
import { VaultClients } from './stores/key-vault-store';
import { checkGroups, connectionsToCheck, groupsToCheck } from './stores/check-groups';
import { now as clockNow } from './clock';
import { asPatLifecycleError, PatLifecycleError } from './errors';
import { secretsOf } from './config/secrets';
import { executeOperation } from './operations/execute';
import { keepRefreshToken, loginCommand } from './operations/keep-refresh-token';
import { LOGIN_COMMAND } from './entra/aadsts';
import { resultMessage, statusOf, type RunStatus } from './report/status';
import { renderSummary } from './report/summary';
import { patTable } from './report/table';
import { checkSetup } from './check/check-setup';
import { checkMessage, checkStatus, logLine } from './check/report';
import type { CheckLine } from './check/types';
import { renderCheckSummary } from './report/summary';

export interface RunResult {
  status: RunStatus;
  /** For the task result: the counts, then each failure and issue on its own line. Never a secret. */
  message: string;
  outcomes: PatOutcome[];
  /** action check: one line per prerequisite. */
  checks?: CheckLine[];
}


/** Everything a run reaches the outside world through; each defaults to the real thing. */
export interface RunDeps {
  now?: () => Date;
  createHttpClient?: (network: NetworkConfig, options: HttpClientOptions) => HttpClient;
  redeemRefreshToken?: (options: RedeemOptions) => Promise<EntraSession>;
  createPatApi?: (options: { http: HttpClient; vsspsUrl: string; organization: string; accessToken: string; registerSecret: (value: string) => void }) => PatApi;
  openSecretStore?: (destination: StoreDestination, options: OpenStoreDeps) => Promise<SecretStore>;
  /** How Key Vault errors name the vault's identity and its fixes (the CLI's words); default: the service connection. */
  keyVaultIdentity?: OpenStoreDeps['keyVaultIdentity'];
  /** Where else a PAT is recorded (operations/types.ts findHolders); default: the variable groups of the run's projects. */
  findHolders?: OperationContext['findHolders'];
}

export async function run(config: Config, host: Host, deps: RunDeps = {}): Promise<RunResult> {
  const now = deps.now ?? clockNow;
  const runStartedAt = now();
  for (const secret of secretsOf(config)) host.setSecret(secret);

  const http = (deps.createHttpClient ?? createHttpClient)(config.network, { onRetry: (e) => host.info(e.message), ...(host.debugging === false ? {} : { log: (line: string) => host.debug(line) }) });
  const openStore = deps.openSecretStore ?? openSecretStore;
  const notes: string[] = [];
  const issues: string[] = [];
  let outcomes: PatOutcome[] = [];
  let failure: PatLifecycleError | undefined;

  const groupViews = new GroupViews();
  const groupWrites = new GroupWriteQueue();
  const vaultClients = new VaultClients();
  const storeOptions = (purpose: OpenStoreDeps['purpose'], userAccessToken: string): OpenStoreDeps => ({
    http,
    organization: config.destinationOrganization,
    devopsUrl: config.urls.devopsUrl,
    userAccessToken,
    ...(config.systemAccessToken ? { systemAccessToken: config.systemAccessToken } : {}),
    network: config.network,
    purpose,
    log: (m) => host.info(m),
    groupViews,
    groupWrites,
    vaultClients,
    ...(deps.keyVaultIdentity ? { keyVaultIdentity: deps.keyVaultIdentity } : {}),
  });

  // Visible, not debug: whoever reads the log must see that credentials went somewhere other than the defaults.
  for (const o of config.urls.overrides ?? []) host.info(`${o.variable} is set: credentials for this service go to ${o.host}.`);
  if (config.action === 'check') {
    try {
      return await check(config, host, deps, {
        redeem: () => redeem(config, host, http, deps),
        openStore: (d, purpose, token) => openStore(d, storeOptions(purpose, token)),
        groupClient: (d, token) => variableGroupClientFor(d, storeOptions('pat', token)),
        endpointClient: (token) => serviceEndpointClientFor(storeOptions('pat', token)),
        patApi: (accessToken) => patApiFor(config, host, http, deps, accessToken),
      });
    } finally {
      await http.close?.().catch(() => undefined);
    }
  }
  try {
    // The job's token reads its groups before the refresh token is spent (no user token yet, and none needed for
    // them); the user's token needs the sign-in first.
    await checkGroups(groupsToCheck(config, 'job'), (c) => openStore(c.destination, storeOptions(c.purpose, '')));
    const session = await redeem(config, host, http, deps);

    // Before anything is written, the refresh token included: a group the task cannot write stops the run here.
    await checkGroups(groupsToCheck(config, 'user'), (c) => openStore(c.destination, storeOptions(c.purpose, session.accessToken)));
    for (const d of connectionsToCheck(config)) await (await openStore(d, storeOptions('pat', session.accessToken))).prepare?.();

    const pats = patApiFor(config, host, http, deps, session.accessToken);
    // Every action starts from the list of active PATs. Listing changes nothing, so it goes out beside the saving of
    // the refresh token instead of after it: one round trip less on every run (docs/design.md, "The flow of one run").
    const directory = new PatDirectory(pats);
    directory.prefetch('active');

    // Before any PAT is changed: a run that dies later must not lose the only valid refresh token.
    host.progress(15, 'Saving the renewed refresh token');
    const rt = await keepRefreshToken(config, session.rolledRefreshToken, { host, now: now(), openStore: (s) => openStore(s, storeOptions('refreshToken', session.accessToken)) });
    notes.push(...rt.notes, ...rt.warnings);
    issues.push(...rt.issues);
    for (const issue of [...rt.issues, ...rt.warnings]) host.warn(issue);
    for (const note of rt.notes) host.info(note);

    host.progress(25, `${config.action}${config.dryRun ? ' (dry run)' : ''}`);
    const userOptions = storeOptions('pat', session.accessToken);
    // A connection's project is searched for group records too: a step writing only connections must not revoke a
    // PAT a variable group of its project still records.
    const connectionProjects = config.destinations.flatMap((d) => (d.kind === 'serviceConnection' ? [d.connection.project] : []));
    const finder = new RecordFinder(
      [
        ...[config.destinations, config.refreshTokenStore]
          .flat()
          .flatMap((d) => (d.kind === 'variableGroup' ? [{ client: variableGroupClientFor(d, userOptions), project: d.group.project }] : [])),
        ...connectionProjects.map((project) => ({ client: variableGroupClientFor({ kind: 'variableGroup', group: { project }, variableName: '', auth: 'user' }, userOptions), project })),
      ],
      connectionProjects.map((project) => ({ client: serviceEndpointClientFor(userOptions), project })),
    );
    const result = await executeOperation({
      config,
      pats,
      runId: randomUUID().slice(0, 8),
      findHolders: deps.findHolders ?? ((id, own) => finder.holdersOf(id, own)),
      directory,
      openStore: (d) => openStore(d, storeOptions('pat', session.accessToken)),
      log: {
        info: (m) => host.info(m),
        warn: (m) => host.warn(m),
        debug: (m) => host.debug(m),
        // The operation's share of the whole run's progress bar.
        progress: (p, m) => host.progress(25 + Math.round(p * 0.7), m),
      },
      registerSecret: (v) => host.setSecret(v),
      now,
      runStartedAt,
    });
    outcomes = result.outcomes;
  } catch (err) {
    failure = withLoginCommand(asPatLifecycleError(err), config);
  } finally {
    await http.close?.().catch(() => undefined);
  }

  if (config.action === 'list' && !failure) for (const line of patTable(outcomes, now())) host.info(line);
  setOutputs(config, host, outcomes);
  const status: RunStatus = failure ? 'Failed' : statusOf(outcomes, issues);
  const message = failure ? failure.describe() : resultMessage(config.action, outcomes, issues, config.dryRun);
  if (config.dryRun) host.info('Dry run: nothing was changed.');
  host.progress(100, status);
  host.uploadSummary(
    renderSummary({ action: config.action, organization: config.organization, dryRun: config.dryRun, status, message, outcomes, notes, issues, now: now() }),
  );
  return { status, message, outcomes };
}

/** Redeems the refresh token once; every token it brings is registered as a secret before anything can print it. */
async function redeem(config: Config, host: Host, http: HttpClient, deps: RunDeps): Promise<EntraSession> {
  host.progress(5, 'Signing in to Microsoft Entra');
  const session = await (deps.redeemRefreshToken ?? redeemRefreshToken)({
    entra: config.entra,
    authorityHost: config.urls.authorityHost,
    http,
    registerSecret: (v) => host.setSecret(v),
    log: (m) => host.debug(m),
  });
  host.setSecret(session.accessToken);
  if (session.rolledRefreshToken) host.setSecret(session.rolledRefreshToken);
  host.info(`Signed in${session.account?.username ? ` as ${session.account.username}` : ''}; access token valid until ${session.expiresOn.toISOString()}.`);
  return session;
}

function patApiFor(config: Config, host: Host, http: HttpClient, deps: RunDeps, accessToken: string): PatApi {
  return (deps.createPatApi ?? ((o) => new PatClient(o)))({
    http,
    vsspsUrl: config.urls.vsspsUrl,
    organization: config.organization,
    accessToken,
    registerSecret: (v) => host.setSecret(v),
  });
}

/**
 * action check (src/check/): reads every prerequisite and reports each one; the renewed refresh token is not saved,
 * not handed on, and no output is set but `rotated` (false).
 */
async function check(config: Config, host: Host, deps: RunDeps, services: Pick<CheckDeps, 'redeem' | 'openStore' | 'groupClient' | 'endpointClient' | 'patApi'>): Promise<RunResult> {
  const now = deps.now ?? clockNow;
  host.progress(5, 'Checking the prerequisites of this step');
  const checks = await checkSetup({
    ...services,
    config,
    explain: (e) => withLoginCommand(e, config),
    now,
    runId: randomUUID().slice(0, 8),
    log: { info: (m) => host.info(m), debug: (m) => host.debug(m) },
  });
  for (const line of checks) host.info(logLine(line));
  const status = checkStatus(checks);
  const message = checkMessage(checks);
  host.setOutput('rotated', 'false', { secret: false });
  host.progress(100, status);
  host.uploadSummary(renderCheckSummary({ organization: config.organization, status, message, checks, now: now() }));
  return { status, message, outcomes: [], checks };
}

/** A failure whose fix is to sign in again names the exact command that seeds a new refresh token where this run reads it. */
function withLoginCommand(e: PatLifecycleError, config: Config): PatLifecycleError {
  if (!e.hint?.includes(LOGIN_COMMAND)) return e;
  const hint = e.hint.split(LOGIN_COMMAND).join(`\`${loginCommand(config)}\``);
  return new PatLifecycleError(e.kind, e.code, e.message, { hint, input: e.input, status: e.status, requestId: e.requestId, retryable: e.retryable, cause: e });
}

/**
 * One PAT: its facts. Several (bulk): `rotated` only, true when any was rotated; one `token` cannot hold several values.
 */
function setOutputs(config: Config, host: Host, outcomes: readonly PatOutcome[]): void {
  const done = outcomes.filter((o) => !o.error);
  host.setOutput('rotated', String(outcomes.some((o) => o.rotated)), { secret: false });
  if (config.action === 'list' || outcomes.length !== 1 || done.length !== 1) return;
  const o = done[0];
  if (o.newToken) host.setOutput('token', o.newToken, { secret: true });
  const pat = o.action === 'revoked' ? o.previous : o.pat;
  if (pat) {
    host.setOutput('authorizationId', pat.authorizationId, { secret: false });
    if (o.action !== 'revoked') host.setOutput('validTo', pat.validTo, { secret: false });
  }
}
