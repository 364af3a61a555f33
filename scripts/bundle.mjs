#!/usr/bin/env node
// Bundles the task and the CLI into single CommonJS files, with the options of scripts/bundle-options.mjs:
//
//   tasks/PatLifecycleV1/src/main.ts    ->  tasks/PatLifecycleV1/dist/main.js   what task.json executes (minified)
//   cli/pat-lifecycle.ts                ->  cli/dist/pat-lifecycle.js           package.json "bin" (minified)
//
// Everything, task-lib and the Azure SDKs included, goes into the one bundle: the VSIX then ships
// no node_modules. Third-party licence comments are kept at the end of the file (legalComments: eof).
// The report names the largest packages and warns about a package bundled twice.
//
// Metafiles go to dist/bundle-meta.<name>.json (git-ignored) for `npm run bench` and for inspection
// (https://esbuild.github.io/analyze/).
//
//   node scripts/bundle.mjs [--no-minify] [--sourcemap]
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ENTRIES, esbuildOptions, ROOT as root } from './bundle-options.mjs';

const args = new Set(process.argv.slice(2));
const minify = !args.has('--no-minify');
// A sourcemap is for local debugging only: it is written as a separate file and never staged.
const sourcemap = args.has('--sourcemap') ? 'external' : false;

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function build(spec) {
  const entry = join(root, spec.entry);
  if (!existsSync(entry)) {
    console.log(`skip ${spec.name}: ${spec.entry} does not exist yet`);
    return undefined;
  }
  const outfile = join(root, spec.outfile);
  mkdirSync(dirname(outfile), { recursive: true });

  let result;
  try {
    result = await esbuild.build(esbuildOptions(spec, { minify, sourcemap }));
  } catch (err) {
    // esbuild throws with .errors/.warnings already attached; print them formatted.
    const messages = err && Array.isArray(err.errors) ? err.errors : [];
    if (messages.length > 0) {
      const text = await esbuild.formatMessages(messages, { kind: 'error', color: process.stdout.isTTY });
      process.stderr.write(text.join(''));
    } else {
      console.error(err);
    }
    throw new Error(`bundling ${spec.entry} failed`);
  }

  if (result.warnings.length > 0) {
    const text = await esbuild.formatMessages(result.warnings, { kind: 'warning', color: process.stdout.isTTY });
    process.stderr.write(text.join(''));
  }
  if (spec.shebang) chmodSync(outfile, 0o755);

  mkdirSync(join(root, 'dist'), { recursive: true });
  const size = statSync(outfile).size;
  const metaPath = join(root, 'dist', `bundle-meta.${spec.name}.json`);
  writeFileSync(metaPath, JSON.stringify(result.metafile, null, 1));

  console.log(`${spec.name}: ${spec.entry} -> ${spec.outfile} ${kib(size)} (${result.warnings.length} warning(s); metafile ${relative(root, metaPath)})`);
  const largest = reportLargestPackages(result.metafile, spec.outfile);
  const dualPackages = reportDualPackages(result.metafile);
  // A small summary beside the metafile, for the packaging tests and the benchmark.
  const report = { entry: spec.entry, outfile: spec.outfile, bytes: size, minified: minify, warnings: result.warnings.length, largest, dualPackages };
  writeFileSync(join(root, 'dist', `bundle-report.${spec.name}.json`), JSON.stringify(report, null, 2) + '\n');
  return { size, warnings: result.warnings.length };
}

function packageOf(input) {
  // The last node_modules segment names the package that owns the file.
  const all = [...input.split('\\').join('/').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return all.length > 0 ? all[all.length - 1][1] : '(own code)';
}

function reportLargestPackages(metafile, outfile) {
  const out = Object.entries(metafile.outputs).find(([p]) => p.endsWith(outfile.split('\\').join('/')));
  if (!out) return;
  const perPackage = new Map();
  for (const [input, info] of Object.entries(out[1].inputs)) {
    const pkg = packageOf(input);
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + info.bytesInOutput);
  }
  const top = [...perPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log('  largest: ' + top.map(([p, n]) => `${p} ${kib(n)}`).join(', '));
  return Object.fromEntries(top);
}

/**
 * A package whose CommonJS build (what require() resolves) and ESM build (what import resolves) are
 * both in the bundle: twice the bytes, and two copies of its module state. It happens when one module
 * require()s a package that another imports, e.g. require('@azure/identity') pulls identity's CommonJS
 * build and with it a second @azure/msal-node. Checked for the top-level node_modules packages.
 */
function reportDualPackages(metafile) {
  const req = createRequire(join(root, 'package.json'));
  const inputs = new Set(Object.keys(metafile.inputs).map((p) => p.split('\\').join('/')));
  const packages = new Set();
  for (const p of inputs) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
    if (m) packages.add(m[1]);
  }
  const rel = (file) => relative(root, file).split('\\').join('/');
  const dual = [];
  for (const pkg of packages) {
    let cjs;
    let esm;
    try {
      cjs = rel(req.resolve(pkg));
      esm = rel(fileURLToPath(import.meta.resolve(pkg)));
    } catch {
      continue; // no root export for one of the two conditions
    }
    if (cjs !== esm && inputs.has(cjs) && inputs.has(esm)) {
      console.warn(`  warning: ${pkg} is bundled twice, as ESM (${esm}) and as CommonJS (${cjs}); use import/await import() for it everywhere, not require()`);
      dual.push(pkg);
    }
  }
  return dual;
}

let failed = false;
let built = 0;
for (const spec of ENTRIES) {
  try {
    if (await build(spec)) built++;
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    failed = true;
  }
}
if (failed) process.exit(1);
if (built === 0) console.log('nothing to bundle yet');
