// The esbuild options of everything that ships or runs bundled, in one place: scripts/bundle.mjs builds with them,
// and the benchmark's analysis (scripts/bench/analysis.ts) rebuilds the task bundle with them plus a sourcemap, so
// what it profiles is what ships.
//
//   tasks/PatLifecycleV1/src/loader.ts  ->  tasks/PatLifecycleV1/dist/main.js   what task.json executes: a small loader
//                                                                              that runs task.js with a V8 code cache
//   tasks/PatLifecycleV1/src/main.ts    ->  tasks/PatLifecycleV1/dist/task.js   the task, task-lib and msal-node in one file
//   src/azure-sdk/sdk.ts                ->  tasks/PatLifecycleV1/dist/azure-sdk.js  the Key Vault SDK and @azure/identity,
//                                                                              which task.js runs when a vault is used
//   cli/pat-lifecycle.ts                ->  cli/dist/pat-lifecycle.js           package.json "bin" (one file, SDKs included)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TASK_DIR = 'tasks/PatLifecycleV1';

/**
 * name: the report and metafile name (dist/bundle-report.<name>.json); loader: built alone, node built-ins only,
 * not minified (it is the code that decides to run a cached file: keep it readable in the VSIX); azureSdkBeside: its
 * Azure SDK is the file of the 'azure-sdk' entry, not part of it; shared: packages left to the bundle that loads it.
 */
export const ENTRIES = [
  { name: 'task', entry: `${TASK_DIR}/src/main.ts`, outfile: `${TASK_DIR}/dist/task.js`, azureSdkBeside: true },
  { name: 'azure-sdk', entry: 'src/azure-sdk/sdk.ts', outfile: `${TASK_DIR}/dist/azure-sdk.js`, shared: ['@azure/msal-node'] },
  { name: 'loader', entry: `${TASK_DIR}/src/loader.ts`, outfile: `${TASK_DIR}/dist/main.js`, loader: true },
  { name: 'cli', entry: 'cli/pat-lifecycle.ts', outfile: 'cli/dist/pat-lifecycle.js', shebang: true },
];

export const entry = (name) => {
  const spec = ENTRIES.find((e) => e.name === name);
  if (!spec) throw new Error(`no bundle entry named ${name}`);
  return spec;
};

/**
 * Packages a dependency loads when it loads but uses only on a path this product rarely or never takes. Each is
 * redirected, for that importer only, to a shim that require()s the real package on first use: esbuild then wraps the
 * package in a lazy initialiser nothing runs until then. Other importers (the shim itself) get the real package.
 *   jsonwebtoken   msal-node imports it at the top of its client-assertion module; it signs only certificate assertions
 *   q              task-lib's tool runner imports it; it runs only tools, which the task never does
 *   child_process  a node built-in task-lib requires as it loads; it too serves only tools (and a Windows rmRF)
 * (each shim's comment says more). `entry` is the package's own file in the metafile, for the bundle report; a
 * built-in has none (`builtin: true`): the report checks that no importer of `importer` requires it directly.
 */
export const ON_DEMAND = [
  {
    package: 'jsonwebtoken',
    importer: /[\\/]node_modules[\\/]@azure[\\/]msal-node[\\/]/,
    shim: join(ROOT, 'src', 'entra', 'jsonwebtoken-on-demand.ts'),
    entry: 'node_modules/jsonwebtoken/index.js',
  },
  {
    package: 'q',
    importer: /[\\/]node_modules[\\/]azure-pipelines-task-lib[\\/]/,
    shim: join(ROOT, TASK_DIR, 'src', 'q-on-demand.ts'),
    entry: 'node_modules/q/q.js',
  },
  {
    package: 'child_process',
    builtin: true,
    importer: /[\\/]node_modules[\\/]azure-pipelines-task-lib[\\/]/,
    shim: join(ROOT, TASK_DIR, 'src', 'child-process-on-demand.ts'),
  },
];

export const onDemandPackages = {
  name: 'on-demand-packages',
  setup(build) {
    for (const d of ON_DEMAND) {
      const filter = new RegExp(d.builtin ? `^(node:)?${d.package}$` : `^${d.package}$`);
      build.onResolve({ filter }, (args) => (d.importer.test(args.importer) ? { path: d.shim } : undefined));
    }
  },
};

/**
 * In the task bundle, src/azure-sdk/load-azure-sdk.ts (which would bundle the SDK in) becomes azure-sdk-beside.ts,
 * which runs dist/azure-sdk.js from beside task.js (see there).
 */
const AZURE_SDK_BESIDE = join(ROOT, TASK_DIR, 'src', 'azure-sdk-beside.ts');
export const azureSdkBeside = {
  name: 'azure-sdk-beside',
  setup(build) {
    build.onResolve({ filter: /[\\/]azure-sdk[\\/]load-azure-sdk$/ }, () => ({ path: AZURE_SDK_BESIDE }));
  },
};

/**
 * esbuild options for one entry of ENTRIES.
 *   minify     default true (the loader is never minified)
 *   sourcemap  false | 'external' (local debugging and the benchmark's analysis only; never staged)
 *   outfile    another output file (the analysis builds into .tmp/)
 */
export function esbuildOptions(spec, { minify = true, sourcemap = false, outfile } = {}) {
  const common = {
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, spec.entry)],
    outfile: outfile ?? join(ROOT, spec.outfile),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    metafile: true,
    logLevel: 'silent',
  };
  if (spec.loader) return { ...common, minify: false, legalComments: 'none', sourcemap: false };
  return {
    ...common,
    minify,
    keepNames: false,
    // Third-party licence comments stay, at the end of the file.
    legalComments: 'eof',
    sourcemap,
    plugins: spec.azureSdkBeside ? [onDemandPackages, azureSdkBeside] : [onDemandPackages],
    external: spec.shared ?? [],
    banner: shebangBanner(spec),
  };
}

/** esbuild keeps an entry's own hashbang; a `shebang` entry without one gets it as a banner. */
function shebangBanner(spec) {
  const file = join(ROOT, spec.entry);
  if (!spec.shebang || !existsSync(file) || readFileSync(file, 'utf8').startsWith('#!')) return undefined;
  return { js: '#!/usr/bin/env node' };
}
