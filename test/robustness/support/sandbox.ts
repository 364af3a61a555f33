/**
 * One isolated world inside a (possibly shared) emulator: its own organization, project, user, public app
 * registration and refresh token, the PAT under rotation, and the two variable groups a scheduled rotation uses
 * ('Tokens' receives the PAT, 'Auth' keeps the rolled refresh token). Runs go through the black-box harness exactly
 * as the agent runs the bundled task.
 *
 * A pipeline reads its refresh token from the variable group the task writes the rolled one to (the group is linked
 * to the pipeline, the input says `refreshToken: $(PatLifecycle.RefreshToken)`). `run()` models that: every run is
 * handed the value the 'Auth' group holds at that moment, so a run after a crash gets whatever the crashed run left.
 */
import { strict as assert } from 'node:assert';
import type { Emulator } from '../../emulator';
import { runTask, type RunTaskOptions, type TaskRun } from '../../support/run-task';
import { findSecrets, labelSecrets, type ScannedText } from '../../support/secret-scan';

export const PROJECT = 'Proj';
export const PAT_NAME = 'feed-reader';
export const PAT_SCOPE = 'vso.packaging';
export const TOKENS_GROUP = 'Tokens';
export const PAT_VARIABLE = 'FeedPat';
export const AUTH_GROUP = 'Auth';
export const RT_VARIABLE = 'PatLifecycle.RefreshToken';
const UNRELATED = { Unrelated: 'keep me' };
const DAY_MS = 86_400_000;
const PAT_FORMAT = /^[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}$/;

export interface PatView {
  authorizationId: string;
  displayName: string;
  scope: string;
  validTo: string;
  validFrom?: string;
  token: string;
  state: 'active' | 'revoked' | 'expired';
}

let sandboxes = 0;
/** Every sandbox made in this process: assertion messages are cleaned of all the secrets they know. */
const everySandbox = new Set<Sandbox>();

export class Sandbox {
  /** Secrets the test itself handed to the task (proxy password, client secrets), scanned for besides the emulator's. */
  readonly extraSecrets: string[] = [];
  tokensGroupId?: number;
  authGroupId?: number;

  private constructor(
    readonly emu: Emulator,
    readonly org: string,
    readonly project: { name: string; id: string },
    readonly user: { userId: string; upn: string },
    readonly clientId: string,
    readonly tenantId: string,
    readonly initialRefreshToken: string,
  ) {}

  /** A fresh organization, user and app in `emu`; nothing else is shared with other sandboxes of the same emulator. */
  static create(emu: Emulator, label = 'org'): Sandbox {
    const n = ++sandboxes;
    const org = `${label}-${n}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
    emu.control.devops.addOrganization({ name: org });
    const project = emu.control.devops.addProject(org, { name: PROJECT });
    const user = emu.control.entra.addUser({ upn: `user${n}@contoso.com`, displayName: `User ${n}` });
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const { refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId });
    const sandbox = new Sandbox(emu, org, project, user, app.clientId, emu.control.entra.defaultTenantId, refreshToken);
    everySandbox.add(sandbox);
    return sandbox;
  }

  // --- seeding --------------------------------------------------------------------------------------------------

  seedPat(displayName = PAT_NAME, o: { scope?: string; daysLeft?: number } = {}): PatView {
    const validTo = new Date(this.emu.clock.now() + (o.daysLeft ?? 30) * DAY_MS).toISOString();
    return this.emu.control.pats.create(this.org, this.user.userId, { displayName, scope: o.scope ?? PAT_SCOPE, validTo });
  }

  addGroup(name: string, variables: Record<string, string | { value: string; isSecret?: boolean }> = {}): number {
    return this.emu.control.variableGroups.add(this.org, PROJECT, { name, variables: { ...UNRELATED, ...variables }, administrators: [this.user.userId] });
  }

  /**
   * The steady state of a scheduled rotation: the PAT is live and due soon, 'Tokens' holds it with its companion
   * metadata (as an earlier run of the task left it), 'Auth' holds the refresh token.
   */
  seedRotation(o: { daysLeft?: number } = {}): PatView {
    const pat = this.seedPat(PAT_NAME, { daysLeft: o.daysLeft ?? 3 });
    this.tokensGroupId = this.addGroup(TOKENS_GROUP, {
      [PAT_VARIABLE]: { value: pat.token, isSecret: true },
      [`${PAT_VARIABLE}.authorizationId`]: pat.authorizationId,
      [`${PAT_VARIABLE}.validTo`]: pat.validTo,
    });
    this.authGroupId = this.addGroup(AUTH_GROUP, {
      [RT_VARIABLE]: { value: this.initialRefreshToken, isSecret: true },
      [`${RT_VARIABLE}.issuedAt`]: new Date(this.emu.clock.now()).toISOString(),
    });
    return pat;
  }

  /** The inputs of the scheduled rotation: due within 7 days, new PATs for 30, refresh token kept in 'Auth'. */
  rotateInputs(extra: RunTaskOptions['inputs'] = {}): NonNullable<RunTaskOptions['inputs']> {
    return {
      action: 'rotate',
      displayName: PAT_NAME,
      target: 'variableGroup',
      variableGroup: TOKENS_GROUP,
      variableName: PAT_VARIABLE,
      rotateWhenExpiresWithinDays: 7,
      lifetimeDays: 30,
      // These suites check the chain against the rolled token, which the output shows them (off by default).
      outputRefreshToken: true,
      ...(this.authGroupId !== undefined
        ? { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: AUTH_GROUP, refreshTokenVariableName: RT_VARIABLE }
        : { refreshTokenStore: 'none' }),
      ...extra,
    };
  }

  // --- running --------------------------------------------------------------------------------------------------

  /** The refresh token the pipeline would pass now: the one in 'Auth' when the rotation keeps it there. */
  currentRefreshToken(): string {
    if (this.authGroupId === undefined) return this.initialRefreshToken;
    const v = this.group(this.authGroupId).variables[RT_VARIABLE];
    return v?.value || this.initialRefreshToken;
  }

  /** Runs the bundled task as a pipeline of this sandbox's project would, with the refresh token of the moment. */
  run(inputs: RunTaskOptions['inputs'], options: Omit<RunTaskOptions, 'inputs'> = {}): Promise<TaskRun> {
    const urls = this.emu.urls;
    const refreshToken = this.currentRefreshToken();
    return runTask({
      ...options,
      // refreshTokenStore has no default: a run that does not name it gets `none`; naming it as undefined leaves it out.
      inputs: { tenantId: this.tenantId, clientId: this.clientId, refreshToken, ...(inputs && 'refreshTokenStore' in inputs ? {} : { refreshTokenStore: 'none' }), ...inputs },
      variables: {
        'PatLifecycle.AuthorityHost': urls.authorityHost,
        'PatLifecycle.VsspsUrl': urls.vssps,
        'PatLifecycle.DevOpsUrl': urls.devops,
        'System.Debug': 'true',
        ...options.variables,
      },
      // The refresh token's variable is secret in the group, so the agent hands it over as a secret variable.
      secretVariables: { [RT_VARIABLE]: refreshToken, ...options.secretVariables },
      system: { collectionUri: `${urls.devops}/${this.org}/`, teamProject: PROJECT, teamProjectId: this.project.id, ...options.system },
      env: { ...this.emu.childEnv(), ...options.env },
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  // --- looking --------------------------------------------------------------------------------------------------

  pats(): PatView[] {
    return this.emu.control.pats.list(this.org, this.user.userId);
  }

  activePats(displayName?: string): PatView[] {
    return this.pats().filter((p) => p.state === 'active' && (displayName === undefined || p.displayName === displayName));
  }

  group(id: number): { variables: Record<string, { value: string; isSecret?: boolean }> } {
    return this.emu.control.variableGroups.get(this.org, id);
  }

  /**
   * The invariants every run must leave behind, as a list of violations (empty when all hold):
   *  - exactly one valid PAT of the name, and no other valid PAT of the user (no orphan);
   *  - 'Tokens' holds it: the secret's value is that PAT's token and it authenticates, the companions name its
   *    authorization id and validTo;
   *  - 'Auth' holds a refresh token of this user and app that Entra still accepts, as a secret;
   *  - the unrelated variables of both groups are untouched.
   */
  violations(): string[] {
    const v: string[] = [];
    const active = this.activePats();
    const named = active.filter((p) => p.displayName === PAT_NAME);
    if (named.length !== 1) v.push(`${named.length} valid PATs named '${PAT_NAME}' (${named.map((p) => p.authorizationId).join(', ')})`);
    if (active.length !== named.length) v.push(`${active.length - named.length} other valid PAT(s): ${active.filter((p) => p.displayName !== PAT_NAME).map((p) => p.displayName).join(', ')}`);
    if (this.tokensGroupId !== undefined) {
      const vars = this.group(this.tokensGroupId).variables;
      const stored = vars[PAT_VARIABLE];
      if (!stored) v.push(`'${PAT_VARIABLE}' is missing from '${TOKENS_GROUP}'`);
      else {
        if (!stored.isSecret) v.push(`'${PAT_VARIABLE}' is not secret`);
        const pat = this.emu.control.pats.findByToken(stored.value) as PatView | undefined;
        if (!pat) v.push(`'${PAT_VARIABLE}' holds a value that is no PAT`);
        else {
          if (!this.emu.control.pats.isValid(this.org, stored.value)) v.push(`'${PAT_VARIABLE}' holds PAT ${pat.authorizationId}, which is ${pat.state}: a lockout`);
          if (named.length === 1 && named[0].authorizationId !== pat.authorizationId) v.push(`the valid PAT ${named[0].authorizationId} is not the stored one (${pat.authorizationId})`);
          const id = vars[`${PAT_VARIABLE}.authorizationId`]?.value;
          if (id?.toLowerCase() !== pat.authorizationId.toLowerCase()) v.push(`'${PAT_VARIABLE}.authorizationId' is ${id}, the value is PAT ${pat.authorizationId}`);
          const validTo = vars[`${PAT_VARIABLE}.validTo`]?.value;
          if (validTo === undefined || Date.parse(validTo) !== Date.parse(pat.validTo)) v.push(`'${PAT_VARIABLE}.validTo' is ${validTo}, the PAT's is ${pat.validTo}`);
        }
      }
      if (vars['Unrelated']?.value !== 'keep me') v.push(`'${TOKENS_GROUP}' lost its unrelated variable`);
    }
    if (this.authGroupId !== undefined) {
      const vars = this.group(this.authGroupId).variables;
      const rt = vars[RT_VARIABLE];
      if (!rt || !rt.isSecret) v.push(`'${RT_VARIABLE}' is missing or not secret in '${AUTH_GROUP}'`);
      else {
        const info = this.emu.control.entra.refreshTokenInfo(rt.value) as { userId: string; clientId: string; expiresAt: number } | undefined;
        if (!info) v.push(`'${AUTH_GROUP}' holds a refresh token Entra never issued`);
        else if (info.userId !== this.user.userId || info.clientId !== this.clientId) v.push(`'${AUTH_GROUP}' holds another user's or app's refresh token`);
        else if (info.expiresAt <= this.emu.clock.now()) v.push(`'${AUTH_GROUP}' holds an expired refresh token`);
      }
      if (vars['Unrelated']?.value !== 'keep me') v.push(`'${AUTH_GROUP}' lost its unrelated variable`);
    }
    return v;
  }

  // --- secrets --------------------------------------------------------------------------------------------------

  /** Every secret the emulator issued or was given (all sandboxes of the emulator), plus the test's own. */
  secrets(): string[] {
    const all = [...new Set([this.initialRefreshToken, ...this.emu.secrets(), ...this.extraSecrets])];
    const refreshTokens = new Set<string>((this.emu.control.entra.refreshTokens({}) as Array<{ refreshToken: string }>).map((r) => r.refreshToken));
    labelSecrets('refresh tokens', all.filter((s) => refreshTokens.has(s)));
    labelSecrets('access/id tokens (JWT)', all.filter((s) => s.startsWith('eyJ')));
    labelSecrets('PATs', all.filter((s) => PAT_FORMAT.test(s)));
    labelSecrets('client secrets, codes, proxy passwords and other', all.filter((s) => !refreshTokens.has(s) && !s.startsWith('eyJ') && !PAT_FORMAT.test(s)));
    return all;
  }

  /** The texts of a run a person or a log collector sees: the task log (stdout + stderr), the summary, the request log. */
  capturedTexts(run: TaskRun, label = 'run'): ScannedText[] {
    const requestLog = this.emu.log
      .entries()
      .map((e) => `${e.method} ${e.host}${e.path}?${e.query}`)
      .join('\n');
    return [
      { where: `${label}: the task log`, text: run.visibleLog },
      { where: `${label}: the run summary`, text: run.summaryMarkdown ?? '' },
      { where: `${label}: the emulator request log`, text: requestLog },
    ];
  }

  /** Secret findings in what the runs left behind, as readable lines (never the secret). */
  leaks(runs: TaskRun[], extraTexts: ScannedText[] = []): string[] {
    const secrets = this.secrets();
    const texts = [...runs.flatMap((r, i) => this.capturedTexts(r, `run ${i + 1}`)), ...extraTexts];
    return findSecrets(texts, secrets).map((f) => `secret #${f.secret + 1} (${secrets[f.secret].length} chars) appears ${f.form} in ${f.where}, line ${f.line}`);
  }

  assertNoLeaks(runs: TaskRun[], extraTexts: ScannedText[] = []): void {
    const leaks = this.leaks(runs, extraTexts);
    assert.deepEqual(leaks, [], `secrets leaked:\n  ${leaks.join('\n  ')}`);
  }
}

/** The lines a run printed that show a retry or a re-check of an unanswered request. */
export function retryLines(run: TaskRun): string[] {
  return [...run.info, ...run.warnings].filter((l) => /^Retrying '|may have reached .* without an answer|reported .* but the store now names/.test(l));
}

/**
 * A short description of a run for assertion messages. The product's own words only, and even those are cleaned of
 * every secret any sandbox knows: a leak must fail its test through the scan, not be copied into the CI log.
 */
export function describeRun(run: TaskRun): string {
  const lines = [`result ${run.result ?? '(none)'}${run.crashed ? ' (killed)' : ''}${run.timedOut ? ' (timed out)' : ''}, exit ${run.exitCode}`, `message: ${run.message ?? ''}`];
  for (const w of run.warnings) lines.push(`warning: ${w}`);
  for (const e of run.errors) lines.push(`error: ${e}`);
  const stderr = run.stderr.trim();
  if (stderr) lines.push(`stderr: ${stderr.slice(0, 2000)}`);
  let text = lines.join('\n');
  const secrets = new Set<string>();
  for (const sb of everySandbox) for (const v of [sb.initialRefreshToken, ...sb.emu.secrets(), ...sb.extraSecrets]) if (v.length >= 8) secrets.add(v);
  for (const v of [...secrets].sort((a, b) => b.length - a.length)) text = text.split(v).join('<secret>');
  return text;
}
