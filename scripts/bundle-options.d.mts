// Types of scripts/bundle-options.mjs, for the TypeScript scripts that import it (scripts/bench/).
import type { BuildOptions } from 'esbuild';

export interface BundleEntry {
  name: string;
  entry: string;
  outfile: string;
  shebang?: boolean;
}

export const ROOT: string;
export const TASK_DIR: string;
export const ENTRIES: BundleEntry[];
export function entry(name: string): BundleEntry;
export function esbuildOptions(spec: BundleEntry, options?: { minify?: boolean; sourcemap?: false | 'external'; outfile?: string }): BuildOptions & { metafile: true };
