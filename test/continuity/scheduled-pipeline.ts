/**
 * A scheduled pipeline as the continuity tests run it: one job a day with two PatLifecycle@1 steps, each the bundled
 * task in its own process (as the agent runs it), against the emulator.
 *
 *   step 1  rotate PAT 'feed-reader' into variable group 'feeds' (variable FeedReaderPat); refresh token from the
 *           variable group 'signin' (what `$(PatLifecycle.RefreshToken)` expands to at job start), rolled one saved
 *           back there (refreshTokenStore: variableGroup)
 *   step 2  rotate PAT 'deploy-bot' into Key Vault 'deploy-kv' (secret DeployBotPat) through an AzureRM service
 *           connection (service principal, secret); refresh token = the job variable step 1 set (that is how
 *           `$(PatLifecycle.RefreshToken)` expands in a later step once a step set it), rolled one saved back to the
 *           same variable group, so the next day's step 1 reads a token nobody redeemed yet
 *
 * The test moves the emulator clock first and spawns afterwards (the child's clock is shifted at spawn).
 * Nothing here writes to the emulator's state through a side door after `start()` except faults the test injects:
 * the pipeline must keep itself alive.
 */
import { strict as assert } from 'node:assert';
import type { TaskRun } from '../support/run-task';
import { findSecrets, type ScanOptions } from '../support/secret-scan';
import { ORG, TaskFixture, type SeededPat } from '../task/task-fixture';

export const DAY_MS = 86_400_000;
export const SIGNIN_GROUP = 'signin';
export const RT_VARIABLE = 'PatLifecycle.RefreshToken';
export const FEEDS_GROUP = 'feeds';
export const FEED_PAT = 'feed-reader';
export const FEED_VARIABLE = 'FeedReaderPat';
export const DEPLOY_PAT = 'deploy-bot';
export const VAULT = 'deploy-kv';
export const DEPLOY_SECRET = 'DeployBotPat';
export const ARM_CONNECTION = 'arm-deploy-kv';

/** The steps' result as the agent decides whether the next step runs. */
export type StepResult = NonNullable<TaskRun['result']> | 'NotRun';

export interface PipelineOptions {
  /** Organization policy: maximum PAT lifespan in days (0 = none). */
  maxLifespanDays?: number;
  feedLifetimeDays?: number;
  deployLifetimeDays?: number;
  rotateWhenExpiresWithinDays?: number;
  /** Days left on the seeded PATs. */
  feedDaysLeft?: number;
  deployDaysLeft?: number;
}

export interface StepRun {
  run: TaskRun;
  /** Secrets the run could have known: its inputs and everything the emulator issued while it ran. */
  knownSecrets: string[];
  /** Request log entries of this run (seq range). */
  firstSeq: number;
  lastSeq: number;
}

export class ScheduledPipeline {
  private constructor(
    readonly f: TaskFixture,
    readonly signinGroupId: number,
    readonly feedsGroupId: number,
    readonly vaultUrl: string,
    readonly sp: { clientId: string; secret: string; objectId: string },
    readonly options: Required<PipelineOptions>,
  ) {}

  static async start(o: PipelineOptions = {}): Promise<ScheduledPipeline> {
    const options: Required<PipelineOptions> = {
      maxLifespanDays: 30,
      feedLifetimeDays: 30,
      deployLifetimeDays: 45,
      rotateWhenExpiresWithinDays: 7,
      feedDaysLeft: 20,
      deployDaysLeft: 10,
      ...o,
    };
    const f = await TaskFixture.start();
    const { emu } = f;
    if (options.maxLifespanDays > 0) emu.control.devops.setPolicy(ORG, { maxLifespanDays: options.maxLifespanDays });

    // What `pat-lifecycle login` leaves behind: the refresh token as a secret, with its issue date beside it.
    const signinGroupId = f.addGroup(SIGNIN_GROUP, {
      [RT_VARIABLE]: { value: f.refreshToken, isSecret: true },
      [`${RT_VARIABLE}.issuedAt`]: new Date(emu.clock.now()).toISOString(),
      [`${RT_VARIABLE}.clientId`]: f.clientId,
      [`${RT_VARIABLE}.tenantId`]: emu.control.entra.defaultTenantId,
    });

    // The PATs as someone set them up by hand once, each stored where its consumers read it.
    const feed = f.seedPat(FEED_PAT, { scope: 'vso.packaging', daysLeft: options.feedDaysLeft });
    const feedsGroupId = f.addGroup(FEEDS_GROUP, {
      [FEED_VARIABLE]: { value: feed.token, isSecret: true },
      [`${FEED_VARIABLE}.authorizationId`]: feed.authorizationId,
      [`${FEED_VARIABLE}.validTo`]: feed.validTo,
    });
    const deploy = f.seedPat(DEPLOY_PAT, { scope: 'vso.code vso.build_execute', daysLeft: options.deployDaysLeft });
    const sp = emu.control.entra.addApp({ kind: 'confidential', displayName: 'deploy-kv writer' });
    f.extraSecrets.push(sp.secret!);
    const vault = emu.control.keyVault.addVault({ name: VAULT, access: { [sp.objectId]: 'officer' } });
    emu.control.keyVault.setSecret(VAULT, DEPLOY_SECRET, deploy.token, { tags: { authorizationId: deploy.authorizationId, validTo: deploy.validTo } });
    return new ScheduledPipeline(f, signinGroupId, feedsGroupId, vault.url, { clientId: sp.clientId, secret: sp.secret!, objectId: sp.objectId }, options);
  }

  get emu() {
    return this.f.emu;
  }

  close(): Promise<void> {
    return this.f.close();
  }

  /** The refresh token the pipeline reads at job start: the variable group's stored value. */
  storedRefreshToken(): string {
    const v = this.f.group(this.signinGroupId).variables[RT_VARIABLE];
    assert.ok(v?.isSecret && v.value, `variable group '${SIGNIN_GROUP}' holds the refresh token as a secret`);
    return v.value;
  }

  storedIssuedAt(): string | undefined {
    return this.f.group(this.signinGroupId).variables[`${RT_VARIABLE}.issuedAt`]?.value;
  }

  storedFeedToken(): string {
    return this.f.group(this.feedsGroupId).variables[FEED_VARIABLE].value;
  }

  storedDeployToken(): string {
    return this.emu.control.keyVault.getSecret(VAULT, DEPLOY_SECRET).versions.at(-1).value;
  }

  /** The refresh token store inputs every step shares. */
  refreshTokenStoreInputs(): Record<string, string> {
    // outputRefreshToken (off by default) lets the tests follow the chain step by step through the rolled token.
    return { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: SIGNIN_GROUP, refreshTokenVariableName: RT_VARIABLE, outputRefreshToken: 'true' };
  }

  armEndpoint() {
    const { urls } = this.emu;
    return {
      [ARM_CONNECTION]: {
        url: 'https://management.azure.com/',
        scheme: 'ServicePrincipal',
        parameters: { serviceprincipalid: this.sp.clientId, tenantid: this.emu.control.entra.defaultTenantId, authenticationType: 'spnKey', serviceprincipalkey: this.sp.secret },
        data: { activeDirectoryAuthority: `${urls.authorityHost}/`, AzureKeyVaultDnsSuffix: urls.vaultDnsSuffix, environment: 'AzureCloud' },
      },
    };
  }

  /** Step 1: feed-reader into the variable group. `refreshToken` defaults to the group's stored value (job start). */
  step1(extraInputs: Record<string, string | number | boolean> = {}, refreshToken = this.storedRefreshToken()): Promise<StepRun> {
    return this.step(
      {
        action: 'rotate',
        displayName: FEED_PAT,
        target: 'variableGroup',
        variableGroup: FEEDS_GROUP,
        variableName: FEED_VARIABLE,
        lifetimeDays: this.options.feedLifetimeDays,
        rotateWhenExpiresWithinDays: this.options.rotateWhenExpiresWithinDays,
        ...this.refreshTokenStoreInputs(),
        ...extraInputs,
      },
      refreshToken,
    );
  }

  /** Step 2: deploy-bot into Key Vault, signed in with the refresh token the job holds after step 1. */
  step2(refreshToken: string, extraInputs: Record<string, string | number | boolean> = {}): Promise<StepRun> {
    return this.step(
      {
        action: 'rotate',
        displayName: DEPLOY_PAT,
        target: 'keyVault',
        azureSubscription: ARM_CONNECTION,
        keyVault: this.vaultUrl,
        secretName: DEPLOY_SECRET,
        lifetimeDays: this.options.deployLifetimeDays,
        rotateWhenExpiresWithinDays: this.options.rotateWhenExpiresWithinDays,
        ...this.refreshTokenStoreInputs(),
        ...extraInputs,
      },
      refreshToken,
      { endpoints: this.armEndpoint() },
    );
  }

  /**
   * The refresh token a later step of the job gets for `$(PatLifecycle.RefreshToken)`: the job variable an earlier
   * step set (the last one wins), else the value the job started with.
   */
  static jobRefreshToken(jobStartValue: string, ...earlier: Array<StepRun | undefined>): string {
    let value = jobStartValue;
    for (const s of earlier) {
      const v = s?.run.variables[RT_VARIABLE];
      if (v) value = v.value;
    }
    return value;
  }

  private async step(inputs: Record<string, string | number | boolean>, refreshToken: string, options: { endpoints?: ReturnType<ScheduledPipeline['armEndpoint']> } = {}): Promise<StepRun> {
    const secretsBefore = this.emu.secrets().length;
    const firstSeq = this.lastSeq() + 1;
    // The agent hands a step the service connections its inputs name.
    const endpoints = options.endpoints ?? (inputs['azureSubscription'] === ARM_CONNECTION ? this.armEndpoint() : undefined);
    const run = await this.f.run(
      { ...inputs, refreshToken },
      {
        ...(endpoints ? { endpoints } : {}),
        // The agent hands every secret variable of the job to the step's environment.
        secretVariables: { [RT_VARIABLE]: refreshToken },
      },
    );
    const issued = this.emu.secrets().slice(secretsBefore);
    return { run, knownSecrets: [refreshToken, this.sp.secret, ...issued], firstSeq, lastSeq: this.lastSeq() };
  }

  lastSeq(): number {
    const entries = this.emu.log.entries();
    return entries.length ? entries[entries.length - 1].seq : 0;
  }

  /**
   * The secret scan of one step, bounded to what that process could have known (its inputs, what the emulator
   * issued during it, and every PAT value that exists): the log a person reads, the summary, and the request log
   * lines of this run. Returns the findings (empty = clean).
   */
  scan(step: StepRun, extra: readonly string[] = [], options: ScanOptions = {}): string[] {
    const secrets = [...new Set([...step.knownSecrets, ...this.f.pats().map((p) => p.token), ...extra])];
    const requestLog = this.emu.log
      .entries((e) => e.seq >= step.firstSeq && e.seq <= step.lastSeq)
      .map((e) => `${e.method} ${e.host}${e.path}?${e.query}`)
      .join('\n');
    return findSecrets(
      [
        { where: 'the task log', text: step.run.visibleLog },
        { where: 'the run summary', text: step.run.summaryMarkdown ?? '' },
        { where: 'the emulator request log', text: requestLog },
      ],
      secrets,
      options,
    ).map((f) => `secret #${f.secret + 1} appears ${f.form} in ${f.where}, line ${f.line}`);
  }

  pats(name?: string): SeededPat[] {
    return this.f.pats().filter((p) => name === undefined || p.displayName === name);
  }

  validPats(name: string): SeededPat[] {
    return this.pats(name).filter((p) => p.state === 'active');
  }

  isValidPat(token: string): boolean {
    return this.emu.control.pats.isValid(ORG, token);
  }
}
