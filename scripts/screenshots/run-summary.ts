/**
 * A real run summary for the screenshot: the bundled task (tasks/PatLifecycleV1/dist/main.js) runs a scheduled bulk
 * rotation against the project's emulator, the way `npm run demo` runs its steps, and we keep the Markdown it attached
 * with ##vso[task.uploadsummary]. Nothing in the summary is written by this script.
 *
 * The scenario: two earlier runs put three PATs into a variable group; 25 days later the daily run for `build-*`
 * rotates the two that expire within 7 days and leaves the one with weeks left alone.
 */
import { basename } from 'node:path';
import { startEmulator, type Emulator } from '../../test/emulator';
import { runTask, type TaskRun } from '../../test/support/run-task';

const ORG = 'contoso';
const PROJECT = 'Platform';
const GROUP = 'pat-rotation';
const RT_VARIABLE = 'PatLifecycle.RefreshToken';
const DAY = 86_400_000;

export interface CapturedSummary {
  markdown: string;
  /** The file the task uploaded; Azure DevOps titles the summary section with its name. */
  summaryFile: string;
  result: string;
  /** The YAML inputs of the step, for the caption. */
  inputs: Record<string, string | number>;
  /** The run's visible log, for diagnosing a run that did not succeed. */
  log: string;
}

export async function captureRotationSummary(): Promise<CapturedSummary> {
  const emu = await startEmulator();
  try {
    const world = seed(emu);
    const step = async (inputs: Record<string, string | number>): Promise<TaskRun> => {
      // Each run starts with the refresh token the variable group holds now, as `$(PatLifecycle.RefreshToken)` expands.
      const refreshToken = emu.control.variableGroups.get(ORG, world.groupId).variables[RT_VARIABLE].value as string;
      const run = await runTask({
        inputs: {
          tenantId: world.tenantId,
          clientId: world.clientId,
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
        system: { collectionUri: `${emu.urls.devops}/${ORG}/`, teamProject: PROJECT, teamProjectId: world.projectId },
        env: emu.childEnv(),
      });
      if (run.result !== 'Succeeded' || !run.summaryMarkdown || !run.summaryPath) {
        throw new Error(`a run did not succeed with a summary (result ${String(run.result)}):\n${run.visibleLog}`);
      }
      return run;
    };
    const into = { target: 'variableGroup', variableGroup: GROUP, variableName: 'Pat.{name}' };

    // Weeks ago: the PATs were first put into the variable group (the build agents' for 30 days, the cache reader's for 90).
    await step({ action: 'rotate', displayNamePattern: 'build-agent-*', rotateWhenExpiresWithinDays: 7, lifetimeDays: 30, ...into });
    await step({ action: 'rotate', displayName: 'build-cache-reader', rotateWhenExpiresWithinDays: 7, lifetimeDays: 90, ...into });
    emu.clock.advance(25 * DAY); // the task process's clock follows the emulator's

    // Today's scheduled run: the summary shown in the screenshot.
    const inputs = { action: 'rotate', displayNamePattern: 'build-*', rotateWhenExpiresWithinDays: 7, lifetimeDays: 30, ...into };
    const run = await step(inputs);
    // The image is published: make sure no secret the emulator issued (PAT values, tokens) is in it.
    const leaked = emu.secrets().filter((s) => s.length >= 8 && run.summaryMarkdown!.includes(s));
    if (leaked.length > 0) throw new Error(`the summary contains ${leaked.length} secret value(s); refusing to render it`);
    return { markdown: run.summaryMarkdown!, summaryFile: basename(run.summaryPath!), result: String(run.result), inputs, log: run.visibleLog };
  } finally {
    await emu.close();
  }
}

function seed(emu: Emulator) {
  const c = emu.control;
  const tenantId: string = c.entra.defaultTenantId;
  const user = c.entra.addUser({ upn: 'platform-bot@contoso.com', displayName: 'Platform Bot' });
  const app = c.entra.addApp({ kind: 'public', displayName: 'PAT Lifecycle' });
  const { refreshToken } = c.entra.signIn({ userId: user.userId, clientId: app.clientId });
  c.devops.addOrganization({ name: ORG });
  const project = c.devops.addProject(ORG, { name: PROJECT });
  const groupId: number = c.variableGroups.add(ORG, PROJECT, {
    name: GROUP,
    variables: { [RT_VARIABLE]: { value: refreshToken, isSecret: true } },
    administrators: [user.userId],
  });
  const now = emu.clock.now();
  const pat = (displayName: string, scope: string, days: number) =>
    c.pats.create(ORG, user.userId, { displayName, scope, validTo: new Date(now + days * DAY).toISOString() });
  pat('build-agent-linux', 'vso.build_execute vso.code', 2);
  pat('build-agent-windows', 'vso.build_execute vso.code', 5);
  pat('build-cache-reader', 'vso.packaging', 41);
  pat('wiki-sync', 'vso.wiki_write', 3); // does not match the pattern: untouched
  return { tenantId, clientId: app.clientId as string, groupId, projectId: project.id as string };
}
