// The esbuild options of everything that ships or runs bundled, in one place: scripts/bundle.mjs builds with them,
// and the benchmark builds its floor script (scripts/bench/floor-entry.ts) with them, so it loads the libraries as the
// task does.
//
//   tasks/PatLifecycleV1/src/main.ts  ->  tasks/PatLifecycleV1/dist/main.js   what task.json executes (one file)
//   cli/pat-lifecycle.ts              ->  cli/dist/pat-lifecycle.js           package.json "bin" (one file)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TASK_DIR = 'tasks/PatLifecycleV1';

/** name: the report and metafile name (dist/bundle-report.<name>.json). */
export const ENTRIES = [
  { name: 'task', entry: `${TASK_DIR}/src/main.ts`, outfile: `${TASK_DIR}/dist/main.js` },
  { name: 'cli', entry: 'cli/pat-lifecycle.ts', outfile: 'cli/dist/pat-lifecycle.js', shebang: true },
];

export const entry = (name) => {
  const spec = ENTRIES.find((e) => e.name === name);
  if (!spec) throw new Error(`no bundle entry named ${name}`);
  return spec;
};

/**
 * esbuild options for one entry of ENTRIES.
 *   minify     default true
 *   sourcemap  false | 'external' (local debugging only; never staged)
 *   outfile    another output file (the benchmark builds into a temporary directory)
 */
export function esbuildOptions(spec, { minify = true, sourcemap = false, outfile } = {}) {
  return {
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, spec.entry)],
    outfile: outfile ?? join(ROOT, spec.outfile),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    metafile: true,
    logLevel: 'silent',
    minify,
    keepNames: false,
    // Third-party licence comments stay, at the end of the file.
    legalComments: 'eof',
    sourcemap,
    banner: shebangBanner(spec),
  };
}

/** esbuild keeps an entry's own hashbang; a `shebang` entry without one gets it as a banner. */
function shebangBanner(spec) {
  const file = join(ROOT, spec.entry);
  if (!spec.shebang || !existsSync(file) || readFileSync(file, 'utf8').startsWith('#!')) return undefined;
  return { js: '#!/usr/bin/env node' };
}
