/**
 * A seeded emulator and a way to run the bundled task against it as an agent would. Shared by the black-box tests:
 *
 *   const f = await TaskFixture.start();          // org contoso, project Proj, user ada, public app, a refresh token
 *   const run = await f.run({ action: 'list' });   // inputs; sign-in, seams, SYSTEM_* and the emulator env filled in
 *   f.assertNoSecrets(run);
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator';
import { REPO_ROOT, runTask, TASK_ENTRY, type RunTaskOptions, type TaskRun } from '../support/run-task';
import { assertNoSecrets } from '../support/secret-scan';

export const ORG = 'contoso';
export const PROJECT = 'Proj';

export interface SeededPat {
  authorizationId: string;
  displayName: string;
  scope: string;
  validTo: string;
  token: string;
  state: 'active' | 'revoked' | 'expired';
}

export class TaskFixture {
  /** Secrets a test handed to the task itself (beyond what the emulator issued). */
  readonly extraSecrets: string[] = [];

  private constructor(
    readonly emu: Emulator,
    readonly project: { name: string; id: string; buildService: { objectId: string; name: string } },
    readonly user: { userId: string; upn: string },
    readonly clientId: string,
    public refreshToken: string,
  ) {}

  static async start(): Promise<TaskFixture> {
    ensureBundle();
    const emu = await startEmulator();
    emu.control.devops.addOrganization({ name: ORG });
    const project = emu.control.devops.addProject(ORG, { name: PROJECT });
    const user = emu.control.entra.addUser({ upn: 'ada@contoso.com', displayName: 'Ada' });
    const app = emu.control.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const { refreshToken } = emu.control.entra.signIn({ userId: user.userId, clientId: app.clientId });
    return new TaskFixture(emu, project, user, app.clientId, refreshToken);
  }

  async close(): Promise<void> {
    await this.emu.close();
  }

  /** The inputs every run needs (sign-in); the test adds the action's own. */
  signInInputs(): Record<string, string> {
    return { tenantId: this.emu.control.entra.defaultTenantId, clientId: this.clientId, refreshToken: this.refreshToken };
  }

  /**
   * Runs the task with these inputs; the refresh token also sits in a secret variable, as `$(PatLifecycle.RefreshToken)`
   * would. A test that does not name refreshTokenStore gets `none` (the input has no default); naming it as undefined
   * leaves it out.
   */
  run(inputs: RunTaskOptions['inputs'], options: Omit<RunTaskOptions, 'inputs'> = {}): Promise<TaskRun> {
    const urls = this.emu.urls;
    // A step that signs in through a connection names neither the sign-in inputs nor (necessarily) a store.
    const viaConnection = inputs?.['signInConnection'] !== undefined;
    return runTask({
      ...options,
      inputs: viaConnection ? { ...inputs } : { ...this.signInInputs(), ...(inputs && 'refreshTokenStore' in inputs ? {} : { refreshTokenStore: 'none' }), ...inputs },
      variables: {
        'PatLifecycle.AuthorityHost': urls.authorityHost,
        'PatLifecycle.VsspsUrl': urls.vssps,
        'PatLifecycle.DevOpsUrl': urls.devops,
        'System.Debug': 'true',
        ...options.variables,
      },
      secretVariables: options.secretVariables ?? { 'PatLifecycle.RefreshToken': this.refreshToken },
      system: { collectionUri: `${urls.devops}/${ORG}/`, teamProject: PROJECT, teamProjectId: this.project.id, ...options.system },
      env: { ...this.emu.childEnv(), ...options.env },
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  }

  pats(): SeededPat[] {
    return this.emu.control.pats.list(ORG, this.user.userId);
  }

  activePats(displayName?: string): SeededPat[] {
    return this.pats().filter((p) => p.state === 'active' && (displayName === undefined || p.displayName === displayName));
  }

  seedPat(displayName: string, o: { scope?: string; daysLeft?: number } = {}): SeededPat {
    const validTo = new Date(this.emu.clock.now() + (o.daysLeft ?? 30) * 86_400_000).toISOString();
    return this.emu.control.pats.create(ORG, this.user.userId, { displayName, scope: o.scope ?? 'vso.packaging', validTo });
  }

  /** An AzureRM service connection's endpoint data pointing at the emulated cloud (authority, Key Vault DNS suffix). */
  keyVaultConnectionData(): Record<string, string> {
    return { activeDirectoryAuthority: `${this.emu.urls.authorityHost}/`, AzureKeyVaultDnsSuffix: this.emu.urls.vaultDnsSuffix, environment: 'AzureCloud' };
  }

  /** An Azure Resource Manager service connection signing in as this app with its client secret. */
  servicePrincipalEndpoint(app: { clientId: string; secret?: string }) {
    return {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: { serviceprincipalid: app.clientId, tenantid: this.emu.control.entra.defaultTenantId, authenticationType: 'spnKey', serviceprincipalkey: app.secret! },
      data: this.keyVaultConnectionData(),
    };
  }

  /**
   * A PAT Lifecycle sign-in connection (the extension's `patlifecycle-signin` type) holding this fixture's sign-in, as
   * `pat-lifecycle login --service-connection` leaves it; the signed-in user administers it unless told otherwise.
   */
  addSignInConnection(o: { name?: string; type?: string; url?: string; refreshToken?: string; administrators?: string[]; description?: string; issuedAt?: string; extra?: Record<string, string> } = {}): string {
    return this.emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: o.name ?? 'PAT Lifecycle sign-in',
      type: o.type ?? 'patlifecycle-signin',
      url: o.url ?? `${this.emu.urls.authorityHost}/`,
      scheme: 'None',
      parameters: { tenantId: this.emu.control.entra.defaultTenantId, clientId: this.clientId, refreshToken: o.refreshToken ?? this.refreshToken, ...o.extra },
      description: o.description ?? `Sign-in of the PAT rotation pipeline${o.issuedAt ? `\n[PAT Lifecycle record, kept by the task] issuedAt=${o.issuedAt}` : ''}`,
      administrators: o.administrators ?? [this.user.userId],
    });
  }

  /**
   * The connection as the agent hands it to a step that names it (ENDPOINT_URL_/ENDPOINT_AUTH_<id>): the stored
   * values, secrets included, read now. Call it once per job: the agent captures them at job start, and every step
   * of the job gets that same capture.
   */
  connectionAtJobStart(id: string): NonNullable<RunTaskOptions['endpoints']> {
    const e = this.emu.control.serviceEndpoints.get(ORG, id);
    return { [id]: { url: e.url, scheme: e.scheme, parameters: { ...e.parameters }, data: { ...e.data } } };
  }

  /** A variable group in the project that the signed-in user administers. */
  addGroup(name: string, variables: Record<string, string | { value: string; isSecret?: boolean }> = {}): number {
    return this.emu.control.variableGroups.add(ORG, PROJECT, { name, variables: { Unrelated: 'keep me', ...variables }, administrators: [this.user.userId] });
  }

  group(id: number): { variables: Record<string, { value: string; isSecret?: boolean }> } {
    return this.emu.control.variableGroups.get(ORG, id);
  }

  /** Fails naming where a secret appears: in the log a person reads, the summary, or the emulator's request log. */
  assertNoSecrets(run: TaskRun, extra: string[] = []): void {
    const secrets = [this.refreshToken, ...this.emu.secrets(), ...this.extraSecrets, ...extra];
    const requestLog = this.emu.log
      .entries()
      .map((e) => `${e.method} ${e.host}${e.path}?${e.query}`)
      .join('\n');
    assertNoSecrets(
      [
        { where: 'the task log', text: run.visibleLog },
        { where: 'the run summary', text: run.summaryMarkdown ?? '' },
        { where: 'the emulator request log', text: requestLog },
      ],
      secrets,
    );
  }
}

/**
 * A fresh fixture for every test of the calling `describe`, closed after it: `ready` receives it before the test runs
 * (and may seed it). `{ shared: true }`: one fixture for all the tests of the `describe` (suites that reset what they
 * use in their own beforeEach, or one long test).
 */
export function useTaskFixture(ready: (f: TaskFixture) => void, o: { shared?: boolean } = {}): void {
  let current: TaskFixture | undefined;
  (o.shared ? before : beforeEach)(async () => {
    current = await TaskFixture.start();
    ready(current);
  });
  (o.shared ? after : afterEach)(async () => {
    await current?.close();
    current = undefined;
  });
}

/** Bundles the task when the bundle is missing or older than any source file, so a test never runs stale code. */
export function ensureBundle(): void {
  const newest = Math.max(...['src', 'tasks/PatLifecycleV1/src'].map((d) => newestMtime(join(REPO_ROOT, d))));
  if (existsSync(TASK_ENTRY) && statSync(TASK_ENTRY).mtimeMs >= newest) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
