/**
 * A copy of the built task folder as the agent lays it out (task.json, dist/main.js the loader, dist/task.js the
 * bundle, dist/azure-sdk.js the Key Vault SDK), each copy with its own compile cache (dist/.compile-cache/). Used by the compile-cache tests and by the
 * benchmark's cold-start figures.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TASK_DIR } from './task-json';

export interface TaskFolder {
  dir: string;
  /** dist/main.js: what task.json executes. */
  entry: string;
  /** dist/task.js. */
  bundle: string;
  cacheDir: string;
}

export function taskFolderAt(dir: string): TaskFolder {
  return { dir, entry: join(dir, 'dist', 'main.js'), bundle: join(dir, 'dist', 'task.js'), cacheDir: join(dir, 'dist', '.compile-cache') };
}

/** Copies the built task into `dir` (emptied first), without a compile cache. */
export function copyTaskFolder(dir: string): TaskFolder {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  copyFileSync(join(TASK_DIR, 'task.json'), join(dir, 'task.json'));
  for (const f of ['main.js', 'task.js', 'azure-sdk.js']) copyFileSync(join(TASK_DIR, 'dist', f), join(dir, 'dist', f));
  return taskFolderAt(dir);
}
