/**
 * A signed-in pipeline on the emulator, shared by `npm run demo` and the run-summary screenshot: one user who signed in
 * once (the refresh token sits in a variable group, as `pat-lifecycle login` leaves it), an organization and project,
 * and a way to run the bundled task as a YAML step of that pipeline would run.
 */
import type { Emulator } from '../test/emulator';
import { runTask, type EndpointSpec, type RunTaskOptions, type TaskRun } from '../test/support/run-task';

export const ORG = 'contoso';
export const PROJECT = 'Platform';
export const GROUP = 'pat-rotation';
export const RT_VARIABLE = 'PatLifecycle.RefreshToken';
export const DAY = 86_400_000;

export interface SignedInPipeline {
  tenantId: string;
  clientId: string;
  userId: string;
  projectId: string;
  /** The variable group that holds the refresh token (and receives PATs in the samples). */
  groupId: number;
}

export function seedSignedInPipeline(emu: Emulator, groupVariables: Record<string, string> = {}): SignedInPipeline {
  const c = emu.control;
  const tenantId: string = c.entra.defaultTenantId;
  const user = c.entra.addUser({ upn: 'platform-bot@contoso.com', displayName: 'Platform Bot' });
  const app = c.entra.addApp({ kind: 'public', displayName: 'PAT Lifecycle' });
  const { refreshToken } = c.entra.signIn({ userId: user.userId, clientId: app.clientId });
  c.devops.addOrganization({ name: ORG });
  const project = c.devops.addProject(ORG, { name: PROJECT });
  const groupId: number = c.variableGroups.add(ORG, PROJECT, {
    name: GROUP,
    variables: { [RT_VARIABLE]: { value: refreshToken, isSecret: true }, ...groupVariables },
    administrators: [user.userId],
  });
  return { tenantId, clientId: app.clientId, userId: user.userId, projectId: project.id, groupId };
}

/** Seeds a PAT of the signed-in user that expires `days` from the emulator's now. */
export function seedPat(emu: Emulator, p: SignedInPipeline, displayName: string, scope: string, days: number): void {
  emu.control.pats.create(ORG, p.userId, { displayName, scope, validTo: new Date(emu.clock.now() + days * DAY).toISOString() });
}

/**
 * One PatLifecycle@1 step. It starts with the refresh token the variable group holds now, as `$(PatLifecycle.RefreshToken)`
 * expands at the start of a job, and writes the rolled one back there.
 */
export function pipelineStep(emu: Emulator, p: SignedInPipeline, inputs: RunTaskOptions['inputs'], endpoints: Record<string, EndpointSpec> = {}): Promise<TaskRun> {
  const refreshToken = emu.control.variableGroups.get(ORG, p.groupId).variables[RT_VARIABLE].value as string;
  return runTask({
    inputs: {
      tenantId: p.tenantId,
      clientId: p.clientId,
      refreshToken,
      refreshTokenStore: 'variableGroup',
      refreshTokenVariableGroup: GROUP,
      refreshTokenVariableName: RT_VARIABLE,
      ...inputs,
    },
    variables: {
      'PatLifecycle.AuthorityHost': emu.urls.authorityHost,
      'PatLifecycle.VsspsUrl': emu.urls.vssps,
      'PatLifecycle.DevOpsUrl': emu.urls.devops,
    },
    secretVariables: { [RT_VARIABLE]: refreshToken },
    endpoints,
    system: { collectionUri: `${emu.urls.devops}/${ORG}/`, teamProject: PROJECT, teamProjectId: p.projectId },
    env: emu.childEnv(),
  });
}
