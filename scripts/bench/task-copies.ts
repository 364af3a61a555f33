/**
 * Copies of the shipped task folder (task.json, dist/main.js the loader, dist/task.js the bundle) for the cold-start
 * figures: the agent runs a task from its own copy, and each copy has its own compile cache
 * (dist/.compile-cache/), so "no cache" and "warm cache" can be measured side by side. Also the floor: the required
 * libraries alone, bundled with the task's esbuild options and run through the same loader.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyTaskFolder, taskFolderAt, type TaskFolder } from '../../test/support/task-folder';
import { TASK_DIR } from '../../test/support/task-json';

export interface TaskCopy extends TaskFolder {
  clearCache(): void;
  cacheFiles(): string[];
}

function withCache(folder: TaskFolder): TaskCopy {
  return {
    ...folder,
    clearCache: () => rmSync(folder.cacheDir, { recursive: true, force: true }),
    cacheFiles: () => (existsSync(folder.cacheDir) ? readdirSync(folder.cacheDir) : []),
  };
}

/** A copy of the built task folder under `into`, without a compile cache. */
export function copyTask(into: string, name: string): TaskCopy {
  return withCache(copyTaskFolder(join(into, name)));
}

/**
 * The floor: scripts/bench/floor-entry.ts (task-lib + msal-node, loaded, nothing else) bundled with the task's options
 * into <into>/<name>/dist/task.js, beside a copy of the task's loader.
 */
export async function buildFloor(into: string, name: string): Promise<TaskCopy> {
  const dir = join(into, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const { entry, esbuildOptions } = await import('../bundle-options.mjs');
  const esbuild = await import('esbuild');
  const spec = { ...entry('task'), name: 'floor', entry: 'scripts/bench/floor-entry.ts' };
  await esbuild.build(esbuildOptions(spec, { outfile: join(dir, 'dist', 'task.js') }));
  copyFileSync(join(TASK_DIR, 'dist', 'main.js'), join(dir, 'dist', 'main.js'));
  return withCache(taskFolderAt(dir));
}
