#!/usr/bin/env node
// Packages the extension into a .vsix with tfx, from a clean staging folder that holds only what ships:
//
//   vss-extension.json, overview.md, LICENSE, images/icon.png,
//   docs/images/run-summary.png (the screenshot overview.md shows; `npm run screenshots` makes it),
//   tasks/PatLifecycleV1/{task.json, icon.png, dist/main.js (the bundle task.json runs)}
//
// Only the files listed here are staged, and staging fails if anything else ends up in the staging folder.
//
// tfx zips whole folders (sources, .taskkey, node_modules and all), hence the staging folder.
// It runs offline, with HOME pointed at a throw-away folder so nothing is written to the user's home.
//
//   node scripts/package.mjs                         prod: dist/pat-lifecycle-tools.pat-lifecycle-1.0.0.vsix
//   node scripts/package.mjs --dev                   dev copy: <publisher>-dev / <id>-dev, private, own task GUID,
//                                                    task version <major>.<ext minor>.<ext patch>
//   node scripts/package.mjs --publisher me --extension-id pat-lifecycle-test --version 1.0.7
//   node scripts/package.mjs --out-dir /tmp/vsix     write the .vsix somewhere else than dist/
//   node scripts/package.mjs --publisher me --repository https://github.com/me/pat-lifecycle --author "Me"
//                                                    your copy's links: repository, support (default <repository>/issues),
//                                                    help (--help-url, default <repository>#readme; task.json helpUrl,
//                                                    the Marketplace page's and the connection type's links), licence
//                                                    (<repository>/blob/main/LICENSE), and the task's author
//
// Whenever the publisher or extension ID differ from vss-extension.json, the staged task.json gets its
// own task GUID, a UUID v5 of "<publisher>.<extensionId>.<taskName>" (the scheme the Azure DevOps
// extension tasks use): two extensions that contribute the same task GUID cannot share an organization.
// The source task.json is never modified.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TASK_DIR = 'tasks/PatLifecycleV1';

/** Every file that ships, relative to the repository root (and to the staging root). */
const SHIPPED = [
  'vss-extension.json',
  'overview.md',
  'LICENSE',
  'images/icon.png',
  'docs/images/run-summary.png',
  `${TASK_DIR}/task.json`,
  `${TASK_DIR}/icon.png`,
  `${TASK_DIR}/dist/main.js`,
];
/** Shipped when the bundler wrote one (legalComments: 'linked'/'external'). */
const OPTIONAL = [`${TASK_DIR}/dist/main.js.LEGAL.txt`];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { dev: false };
  const valued = new Map([
    ['--publisher', 'publisher'],
    ['--extension-id', 'extensionId'],
    ['--version', 'version'],
    ['--out-dir', 'outDir'],
    ['--repository', 'repository'],
    ['--support', 'support'],
    ['--help-url', 'helpUrl'],
    ['--author', 'author'],
  ]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--dev') opts.dev = true;
    else if (valued.has(flag)) {
      const value = inline ?? argv[++i];
      if (!value || value.startsWith('--')) fail(`${flag} needs a value`);
      opts[valued.get(flag)] = value;
    } else if (flag === '--help' || flag === '-h') {
      console.log('usage: node scripts/package.mjs [--dev] [--publisher X] [--extension-id Y] [--version Z] [--out-dir DIR]\n' +
        '                                [--repository URL] [--support URL] [--help-url URL] [--author NAME]');
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  return opts;
}

// ---- UUID v5 (RFC 4122 / 9562, SHA-1 name-based) -----------------------------------------------
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function uuidBytes(uuid) {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

export function uuidV5(name, namespace) {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(Buffer.from(name, 'utf8')).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50; // version 5
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function taskIdFor(publisher, extensionId, taskName) {
  const marketplaceNs = uuidV5('https://marketplace.visualstudio.com/vsts', NAMESPACE_URL);
  return uuidV5(`${publisher}.${extensionId}.${taskName}`, marketplaceNs);
}

// ---- zip: count entries from the end-of-central-directory record ----------------------------------
function zipEntryCount(file) {
  const buf = readFileSync(file);
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return buf.readUInt16LE(i + 10);
  }
  throw new Error(`${file} is not a zip file`);
}

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  );
}

// ---- links: the owner's copy points at the owner's repository ---------------------------------------
function httpsUrl(flag, value) {
  let u;
  try {
    u = new URL(value);
  } catch {
    fail(`${flag} ${JSON.stringify(value)} is not a URL`);
  }
  if (u.protocol !== 'https:') fail(`${flag} must be an https URL`);
  return value.replace(/\/+$/, '');
}

/**
 * The links of this copy: those given, the rest derived from --repository (GitHub's layout: /issues, #readme,
 * /blob/main/LICENSE), else the manifest's own. undefined when nothing was given: the files ship as they are.
 */
export function linksFor(opts, manifest) {
  if (!opts.repository && !opts.support && !opts.helpUrl) return undefined;
  const repository = opts.repository ? httpsUrl('--repository', opts.repository) : manifest.repository.uri;
  return {
    repository,
    support: opts.support ? httpsUrl('--support', opts.support) : opts.repository ? `${repository}/issues` : manifest.links.support.uri,
    help: opts.helpUrl ? httpsUrl('--help-url', opts.helpUrl) : opts.repository ? `${repository}#readme` : manifest.links.getstarted.uri,
    license: opts.repository ? `${repository}/blob/main/LICENSE` : manifest.links.license.uri,
  };
}

/** Writes the links into the staged manifest, task.json and overview.md: every place that names the help page. */
function applyLinks(staging, links, manifest, task) {
  const oldHelp = manifest.links.getstarted.uri;
  const swapHelp = (text) => text.split(oldHelp).join(links.help);
  const manifestPath = join(staging, 'vss-extension.json');
  const staged = JSON.parse(readFileSync(manifestPath, 'utf8'));
  staged.links = {
    ...staged.links,
    getstarted: { uri: links.help },
    support: { uri: links.support },
    license: { uri: links.license },
    repository: { uri: links.repository },
  };
  staged.repository = { ...staged.repository, uri: links.repository };
  for (const c of endpointTypesOf(staged)) if (c.properties.helpMarkDown) c.properties.helpMarkDown = swapHelp(c.properties.helpMarkDown);
  writeFileSync(manifestPath, JSON.stringify(staged, null, 2) + '\n');
  task.helpUrl = links.help;
  task.helpMarkDown = swapHelp(task.helpMarkDown);
  const overviewPath = join(staging, 'overview.md');
  writeFileSync(overviewPath, swapHelp(readFileSync(overviewPath, 'utf8')));
}

// ---- main ----------------------------------------------------------------------------------------
/** The service endpoint types the extension contributes. */
function endpointTypesOf(manifest) {
  return (manifest.contributions ?? []).filter((c) => c.type === 'ms.vss-endpoint.service-endpoint-type');
}

/**
 * The dev copy contributes its endpoint types as `<name>-dev`: one organization with both extensions installed would
 * otherwise get each type from two extensions. The task accepts both names (src/config/sign-in-connection.ts).
 */
function devEndpointTypes(manifestPath) {
  const staged = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const c of endpointTypesOf(staged)) {
    c.id = `${c.id}-dev`;
    c.properties.name = `${c.properties.name}-dev`;
    c.properties.displayName = `${c.properties.displayName} (dev)`;
  }
  writeFileSync(manifestPath, JSON.stringify(staged, null, 2) + '\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(join(root, 'vss-extension.json'), 'utf8'));
  const ownEndpointTypes = endpointTypesOf(manifest).map((c) => c.properties.name);

  for (const built of ['main.js']) {
    if (!existsSync(join(root, TASK_DIR, 'dist', built))) fail(`${TASK_DIR}/dist/${built} is missing: run \`npm run build\` (or \`node scripts/bundle.mjs\`) first`);
  }
  for (const f of SHIPPED) if (!existsSync(join(root, f))) fail(`${f} is missing`);

  const publisher = opts.publisher ?? (opts.dev ? `${manifest.publisher}-dev` : manifest.publisher);
  const extensionId = opts.extensionId ?? (opts.dev ? `${manifest.id}-dev` : manifest.id);
  const version = opts.version ?? manifest.version;
  for (const [what, value] of [['publisher', publisher], ['extension id', extensionId]]) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(value)) fail(`invalid ${what} ${JSON.stringify(value)}`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(version)) fail(`invalid version ${JSON.stringify(version)} (expected major.minor.patch)`);
  const links = linksFor(opts, manifest);
  if (opts.author !== undefined && !/^[^\u0000-\u001f]{1,100}$/.test(opts.author)) fail(`invalid author ${JSON.stringify(opts.author)}`);

  // Clean staging folder, one per identity so a dev and a prod run cannot trip over each other.
  const staging = join(root, '.tmp', 'vsix-staging', `${publisher}.${extensionId}`);
  rmSync(staging, { recursive: true, force: true });
  const staged = [...SHIPPED, ...OPTIONAL.filter((o) => existsSync(join(root, o)))];
  for (const f of staged) {
    mkdirSync(dirname(join(staging, f)), { recursive: true });
    copyFileSync(join(root, f), join(staging, f));
  }
  const unexpected = listFiles(staging).filter((f) => !staged.includes(f));
  if (unexpected.length > 0) fail(`the staging folder holds files that must not ship: ${unexpected.join(', ')}`);

  // The staged task.json: a GUID of its own when this is not the prod identity.
  const taskJsonPath = join(staging, TASK_DIR, 'task.json');
  const task = JSON.parse(readFileSync(taskJsonPath, 'utf8'));
  const isProdIdentity = publisher === manifest.publisher && extensionId === manifest.id;
  if (links) applyLinks(staging, links, manifest, task);
  if (opts.author) task.author = opts.author;
  if (!isProdIdentity) {
    task.id = taskIdFor(publisher, extensionId, task.name);
    if (opts.dev) {
      task.friendlyName = `${task.friendlyName} (dev)`;
      // Agents cache a task by id and version: every dev upload needs a new task version to be picked
      // up, so the dev task takes minor.patch from the extension version (the major stays: @1).
      const [, minor, patch] = version.split('.').map(Number);
      task.version = { Major: task.version.Major, Minor: minor, Patch: patch };
      // The sign-in connection's endpoint type gets a name of its own too (devEndpointTypes below).
      for (const input of task.inputs) {
        const m = /^connectedService:(.+)$/.exec(input.type);
        if (m && ownEndpointTypes.includes(m[1])) input.type = `connectedService:${m[1]}-dev`;
      }
    }
  }
  if (!isProdIdentity || links || opts.author) writeFileSync(taskJsonPath, JSON.stringify(task, null, 2) + '\n');
  if (opts.dev) devEndpointTypes(join(staging, 'vss-extension.json'));

  // Manifest overrides go through tfx; the staged vss-extension.json stays as in the repository but for the dev
  // copy's endpoint type names.
  const override = { version };
  if (opts.dev) {
    override.public = false;
    override.name = `${manifest.name} (dev)`;
    override.galleryFlags = ['Preview'];
  }

  const outDir = resolve(opts.outDir ?? join(root, 'dist'));
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `${publisher}.${extensionId}-${version}.vsix`);
  rmSync(outFile, { force: true });

  const home = mkdtempSync(join(tmpdir(), 'pat-lifecycle-tfx-home-'));
  const tfx = join(root, 'node_modules', 'tfx-cli', '_build', 'tfx-cli.js');
  const tfxArgs = [
    existsSync(tfx) ? tfx : join(root, 'node_modules', '.bin', 'tfx'),
    'extension',
    'create',
    '--root', staging,
    '--manifest-globs', 'vss-extension.json',
    '--output-path', outFile,
    '--publisher', publisher,
    '--extension-id', extensionId,
    '--override', JSON.stringify(override),
    '--no-prompt',
    '--no-color',
  ];
  const started = Date.now();
  const run = spawnSync(process.execPath, tfxArgs, {
    cwd: staging,
    encoding: 'utf8',
    env: { ...process.env, HOME: home, USERPROFILE: home, APPDATA: home, NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  rmSync(home, { recursive: true, force: true });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.error) fail(`could not run tfx: ${run.error.message}`);
  if (run.status !== 0 || !existsSync(outFile)) {
    process.stderr.write(output);
    fail(`tfx extension create failed (exit ${run.status})`);
  }
  // tfx only warns about an invalid task.json; for us it is an error.
  const warnings = output.split(/\r?\n/).filter((l) => /^\s*warning/i.test(l));
  if (warnings.length > 0) {
    process.stderr.write(output);
    rmSync(outFile, { force: true });
    fail(`tfx reported ${warnings.length} warning(s); fix them (tfx treats them as errors in future versions)`);
  }

  const size = statSync(outFile).size;
  const entries = zipEntryCount(outFile);
  console.log(`VSIX: ${outFile}`);
  const tv = task.version;
  console.log(`  publisher ${publisher}, extension ${extensionId}, version ${version}, task ${task.name}@${tv.Major}.${tv.Minor}.${tv.Patch} id ${task.id}`);
  if (links || opts.author) console.log(`  links: repository ${links?.repository ?? manifest.repository.uri}, support ${links?.support ?? manifest.links.support.uri}, help ${links?.help ?? manifest.links.getstarted.uri}; task author ${task.author}`);
  console.log(`  ${(size / 1024).toFixed(1)} KiB (${size} bytes), ${entries} files, tfx ${Date.now() - started} ms`);
  console.log(`  staged: ${listFiles(staging).sort().join(', ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
