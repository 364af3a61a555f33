/**
 * The benchmark's world: one emulator, seeded with a user, a public app (refresh token), an organization with a
 * project, a variable group for the PAT values and the refresh token, a Key Vault with a service principal, and
 * helpers that turn "run action X" into the environment the agent would give the task (through the black-box
 * harness test/support/run-task.ts, whose env we reuse for timed spawns).
 */
import { startEmulator, type Emulator, type RequestLogEntry } from '../../test/emulator';
import { runTask, type RunTaskOptions, type TaskRun } from '../../test/support/run-task';

export const ORG = 'benchorg';
export const PROJECT = 'Bench';
export const SCOPE = 'vso.packaging vso.code';
export const RT_VARIABLE = 'PatLifecycle.RefreshToken';
export const KV_CONNECTION = 'kv-connection';

export interface World {
  emu: Emulator;
  userId: string;
  tenantId: string;
  clientId: string;
  refreshToken: string;
  projectId: string;
  /** Variable group that receives PAT values and the refresh token. */
  groupId: number;
  groupName: string;
  vault?: { name: string; url: string; spClientId: string; spSecret: string };
  close(): Promise<void>;
}

export async function createWorld(opts: { latencyMs?: number; withVault?: boolean } = {}): Promise<World> {
  const emu = await startEmulator({ latencyMs: opts.latencyMs ?? 0 });
  try {
    const c = emu.control;
    const tenantId: string = c.entra.defaultTenantId;
    const user = c.entra.addUser({ upn: 'bench@contoso.test', displayName: 'Bench User' });
    const app = c.entra.addApp({ kind: 'public', allowPublicClientFlows: true });
    const { refreshToken } = c.entra.signIn({ userId: user.userId, clientId: app.clientId });
    c.devops.addOrganization({ name: ORG });
    const project = c.devops.addProject(ORG, { name: PROJECT });
    const groupName = 'bench-pats';
    const groupId: number = c.variableGroups.add(ORG, PROJECT, {
      name: groupName,
      variables: { [RT_VARIABLE]: { value: refreshToken, isSecret: true }, unrelated: 'keep-me' },
      administrators: [user.userId],
      createdBy: user.userId,
    });
    let vault: World['vault'];
    if (opts.withVault) {
      const sp = c.entra.addApp({ kind: 'confidential', displayName: 'bench-kv-sp' });
      const v = c.keyVault.addVault({ name: 'benchvault', access: { [sp.objectId]: 'officer' } });
      vault = { name: v.name, url: v.url, spClientId: sp.clientId, spSecret: sp.secret! };
    }
    return {
      emu,
      userId: user.userId,
      tenantId,
      clientId: app.clientId,
      refreshToken,
      projectId: project.id,
      groupId,
      groupName,
      vault,
      close: () => emu.close(),
    };
  } catch (err) {
    await emu.close();
    throw err;
  }
}

/** Another variable group in the project, administered by the user; returns its id. */
export function addGroup(w: World, name: string): number {
  return w.emu.control.variableGroups.add(ORG, PROJECT, { name, variables: { unrelated: 'keep-me' }, administrators: [w.userId], createdBy: w.userId });
}

/** Seeds `n` PATs named `${prefix}NNN` (zero-padded); `dueInDays` puts validTo that far ahead of the emulator clock. */
export function seedPats(w: World, n: number, prefix: string, dueInDays = 3, org = ORG): string[] {
  const width = String(n).length;
  const validTo = w.emu.clock.now() + dueInDays * 86_400_000;
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const pat = w.emu.control.pats.create(org, w.userId, { displayName: `${prefix}${String(i).padStart(Math.max(3, width), '0')}`, scope: SCOPE, validTo });
    ids.push(pat.authorizationId);
  }
  return ids;
}

export type Inputs = Record<string, string | number | boolean | undefined>;

/** The task's options for one action, everything pointed at the emulator through the PatLifecycle.* seams. */
export function taskOptions(w: World, inputs: Inputs, extra: Partial<RunTaskOptions> = {}): RunTaskOptions {
  const u = w.emu.urls;
  const endpoints: RunTaskOptions['endpoints'] = {};
  if (w.vault) {
    endpoints[KV_CONNECTION] = {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: { serviceprincipalid: w.vault.spClientId, tenantid: w.tenantId, serviceprincipalkey: w.vault.spSecret, authenticationType: 'spnKey' },
      data: { activeDirectoryAuthority: u.authorityHost, AzureKeyVaultDnsSuffix: u.vaultDnsSuffix },
    };
  }
  return {
    inputs: {
      organization: ORG,
      tenantId: w.tenantId,
      clientId: w.clientId,
      refreshToken: w.refreshToken,
      ...(w.vault ? { azureSubscription: KV_CONNECTION, keyVault: w.vault.url } : {}),
      // The input has no default; a figure that does not name a store measures the run without one.
      refreshTokenStore: 'none',
      ...inputs,
    },
    variables: {
      'PatLifecycle.AuthorityHost': u.authorityHost,
      'PatLifecycle.VsspsUrl': u.vssps,
      'PatLifecycle.DevOpsUrl': u.devops,
    },
    endpoints,
    system: { collectionUri: `${u.devops}/${ORG}/`, teamProject: PROJECT, teamProjectId: w.projectId },
    env: w.emu.childEnv(),
    timeoutMs: 60_000,
    ...extra,
  };
}

/** Refresh token saved back to the variable group (the recommended setup). */
export function rtToGroup(w: World): Inputs {
  return { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: w.groupName, refreshTokenVariableName: RT_VARIABLE };
}

export function patToGroup(w: World, variableName = 'FeedPat'): Inputs {
  return { target: 'variableGroup', variableGroup: w.groupName, variableName };
}

export async function runAction(w: World, inputs: Inputs, extra: Partial<RunTaskOptions> = {}): Promise<TaskRun> {
  return runTask(taskOptions(w, inputs, extra));
}

/** A short description of a failed run, for an "n/a (...)" cell. */
export function failureOf(run: TaskRun): string | undefined {
  if (run.result === 'Succeeded' || run.result === 'SucceededWithIssues') return undefined;
  if (run.timedOut) return 'task timed out';
  const msg = (run.message ?? run.errors[0] ?? run.stderr.split('\n').find((l) => l.trim()) ?? `exit ${run.exitCode}`).replace(/\s+/g, ' ');
  return `task ${run.result ?? 'did not complete'}: ${msg.slice(0, 160)}`;
}

export function logSince(w: World, seq: number): RequestLogEntry[] {
  return w.emu.log.entries((e) => e.seq > seq);
}

export function lastSeq(w: World): number {
  const all = w.emu.log.entries();
  return all.length > 0 ? all[all.length - 1].seq : 0;
}
