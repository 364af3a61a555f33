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
import type { TaskRun } from '../../test/support/run-task';
import { DAY, GROUP, pipelineStep, seedPat, seedSignedInPipeline } from '../demo-pipeline';

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
      const run = await pipelineStep(emu, world, inputs);
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
  const pipeline = seedSignedInPipeline(emu);
  seedPat(emu, pipeline, 'build-agent-linux', 'vso.build_execute vso.code', 2);
  seedPat(emu, pipeline, 'build-agent-windows', 'vso.build_execute vso.code', 5);
  seedPat(emu, pipeline, 'build-cache-reader', 'vso.packaging', 41);
  seedPat(emu, pipeline, 'wiki-sync', 'vso.wiki_write', 3); // does not match the pattern: untouched
  return pipeline;
}
