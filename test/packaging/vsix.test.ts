// The .vsix as tfx builds it from scripts/package.mjs: manifests, exactly the shipped files, and
// the dev copy's own identity and task GUID. Packaging runs three times in `before` (about 0.6 s each).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { REPO_ROOT, TASK_DIR, TaskJson, loadTaskJson, schemaProblems } from '../support/task-json';
import { expectedTaskId } from '../support/task-guid';
import { readZip } from '../support/zip';

interface Built {
  file: string;
  size: number;
  entries: Map<string, Buffer>;
  output: string;
}

const SOURCE_ENTRY = join(TASK_DIR, 'src', 'main.ts');
const BUNDLE = join(TASK_DIR, 'dist', 'main.js');
/** Left beside the bundle before packaging, as a local run or an editor might: it must not ship. */
const PLANTED = join(TASK_DIR, 'dist', 'planted-by-the-packaging-test.txt');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'vss-extension.json'), 'utf8')) as {
  id: string;
  publisher: string;
  version: string;
  name: string;
  files: Array<{ path: string }>;
  contributions: Array<{ id: string; type: string; targets: string[]; properties: { name: string } }>;
};
const sourceTask = loadTaskJson();

const files = (b: Built) => [...b.entries.keys()].filter((n) => !n.endsWith('/')).sort();
const text = (b: Built, name: string) => {
  const data = b.entries.get(name);
  if (!data) throw new Error(`${name} is not in ${b.file}`);
  return data.toString('utf8');
};
const xmlAttr = (xml: string, element: string, attr: string) =>
  new RegExp(`<${element}\\b[^>]*\\b${attr}="([^"]*)"`).exec(xml)?.[1];
const xmlText = (xml: string, element: string) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];

describe('packaging: the .vsix', function () {
  this.timeout(120_000);
  let outDir = '';
  let prod: Built;
  let dev: Built;
  let custom: Built;

  function pack(args: string[]): Built {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out-dir', outDir, ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, `package.mjs ${args.join(' ')} failed:\n${output}`);
    const file = /^VSIX: (.+)$/m.exec(run.stdout)?.[1];
    assert.ok(file && existsSync(file), `no VSIX path in:\n${output}`);
    const buf = readFileSync(file);
    return { file, size: statSync(file).size, entries: new Map(readZip(buf).map((e) => [e.name, e.data])), output };
  }

  before(function () {
    if (!existsSync(BUNDLE)) {
      if (!existsSync(SOURCE_ENTRY)) this.skip(); // the product entry does not exist yet: nothing to package
      const bundle = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(bundle.status, 0, `bundle.mjs failed:\n${bundle.stdout}${bundle.stderr}`);
    }
    outDir = mkdtempSync(join(tmpdir(), 'pat-lifecycle-vsix-'));
    writeFileSync(PLANTED, 'not shipped');
    prod = pack([]);
    dev = pack(['--dev', '--version', '1.0.7']);
    custom = pack(['--publisher', 'contoso', '--extension-id', 'pat-lifecycle-test', '--version', '2.3.4', '--repository', 'https://github.com/contoso/pat-lifecycle', '--author', 'Contoso Platform']);
    console.log(`      prod VSIX ${(prod.size / 1024).toFixed(1)} KiB, ${prod.entries.size} entries (${files(prod).length} files)`);
  });

  after(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    rmSync(PLANTED, { force: true });
  });

  it('is named <publisher>.<id>-<version>.vsix', () => {
    assert.match(prod.file, /[\\/]pat-lifecycle-tools\.pat-lifecycle-1\.0\.0\.vsix$/);
    assert.match(dev.file, /[\\/]pat-lifecycle-tools-dev\.pat-lifecycle-dev-1\.0\.7\.vsix$/);
    assert.match(custom.file, /[\\/]contoso\.pat-lifecycle-test-2\.3\.4\.vsix$/);
  });

  it('contains exactly the shipped files', () => {
    const expected = [
      '[Content_Types].xml',
      'LICENSE',
      'extension.vsixmanifest',
      'extension.vsomanifest',
      'docs/images/run-summary.png',
      'images/icon.png',
      'overview.md',
      'tasks/PatLifecycleV1/dist/main.js',
      'tasks/PatLifecycleV1/icon.png',
      'tasks/PatLifecycleV1/task.json',
    ];
    const licence = 'tasks/PatLifecycleV1/dist/main.js.LEGAL.txt';
    const actual = files(prod).filter((f) => f !== licence);
    assert.deepEqual(actual, expected.sort());
    for (const f of files(prod)) {
      assert.doesNotMatch(f, /node_modules|\.ts$|\.taskkey|package(-lock)?\.json$|\.map$|(^|\/)src\//, f);
    }
    // The task folder, which the agent downloads, ships only the task itself.
    const taskFolder = files(prod).filter((f) => f.startsWith('tasks/') && f !== licence);
    assert.deepEqual(taskFolder, ['tasks/PatLifecycleV1/dist/main.js', 'tasks/PatLifecycleV1/icon.png', 'tasks/PatLifecycleV1/task.json']);
  });

  it('never ships a stray file that lies beside the bundle', () => {
    assert.ok(existsSync(PLANTED), 'the planted file is gone before the check');
    for (const b of [prod, dev, custom]) {
      assert.deepEqual(files(b).filter((f) => f.endsWith('planted-by-the-packaging-test.txt')), [], b.file);
    }
  });

  it('ships every image overview.md shows, addressable, so the Marketplace page can load it', () => {
    const overview = text(prod, 'overview.md');
    const images = [...overview.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)|<img\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
    assert.ok(images.includes('docs/images/run-summary.png'), 'overview.md does not show the run summary screenshot');
    const xml = text(prod, 'extension.vsixmanifest');
    for (const image of images.filter((i) => !/^https?:/.test(i))) {
      assert.ok(prod.entries.has(image), `overview.md shows ${image}, which is not in the VSIX`);
      assert.match(xml, new RegExp(`Path="${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" Addressable="true"`), `${image} is not addressable`);
    }
  });

  it('stays within 400 KiB and 12 files (bundled, no node_modules)', () => {
    assert.ok(prod.size <= 400 * 1024, `VSIX is ${prod.size} bytes`);
    assert.ok(files(prod).length <= 12, `VSIX has ${files(prod).length} files`);
  });

  it('describes the extension in extension.vsixmanifest', () => {
    const xml = text(prod, 'extension.vsixmanifest');
    assert.equal(xmlAttr(xml, 'Identity', 'Id'), 'pat-lifecycle');
    assert.equal(xmlAttr(xml, 'Identity', 'Publisher'), 'pat-lifecycle-tools');
    assert.equal(xmlAttr(xml, 'Identity', 'Version'), '1.0.0');
    assert.equal(xmlText(xml, 'DisplayName'), 'PAT Lifecycle for Azure Pipelines');
    assert.equal(xmlText(xml, 'Categories'), 'Azure Pipelines');
    assert.equal(xmlText(xml, 'GalleryFlags'), 'Preview'); // no "Public": the extension is private until published on purpose
    // Azure DevOps Services only: Server has no Entra PAT Lifecycle API, so it must not be offered the extension.
    assert.equal(xmlAttr(xml, 'InstallationTarget', 'Id'), 'Microsoft.VisualStudio.Services.Cloud');
    assert.equal([...xml.matchAll(/<InstallationTarget\b/g)].length, 1);
    assert.equal(xmlText(xml, 'Icon'), 'images/icon.png');
    for (const asset of [
      'Microsoft.VisualStudio.Services.Icons.Default" d:Source="File" Path="images/icon.png"',
      'Microsoft.VisualStudio.Services.Content.Details" d:Source="File" Path="overview.md"',
      'Microsoft.VisualStudio.Services.Manifest" d:Source="File" Path="extension.vsomanifest"',
    ]) {
      assert.ok(xml.includes(asset), asset);
    }
  });

  it('contributes the task in extension.vsomanifest', () => {
    const vso = JSON.parse(text(prod, 'extension.vsomanifest')) as { contributions: unknown[] };
    assert.deepEqual(vso.contributions, [
      {
        id: 'pat-lifecycle-task',
        type: 'ms.vss-distributed-task.task',
        targets: ['ms.vss-distributed-task.tasks'],
        properties: { name: 'tasks/PatLifecycleV1' },
      },
      // The sign-in connection's endpoint type (issue 13 part 2), as vss-extension.json declares it.
      manifest.contributions.find((c) => c.type === 'ms.vss-endpoint.service-endpoint-type'),
    ]);
    // The contribution names the task folder exactly (case matters on Linux), and the folder holds a task.json.
    assert.ok(prod.entries.has(`${manifest.contributions[0].properties.name}/task.json`));
    assert.ok(manifest.files.some((f) => f.path === manifest.contributions[0].properties.name));
  });

  it('ships the source task.json unchanged in the prod build', () => {
    const staged = JSON.parse(text(prod, 'tasks/PatLifecycleV1/task.json')) as TaskJson;
    assert.deepEqual(staged, sourceTask);
  });

  it('ships the bundle as the execution target, and it compiles', () => {
    for (const handler of Object.values(sourceTask.execution)) {
      const shipped = prod.entries.get(`tasks/PatLifecycleV1/${handler.target}`);
      assert.ok(shipped, handler.target);
      assert.deepEqual(shipped, readFileSync(join(TASK_DIR, handler.target)));
    }
    assert.deepEqual(prod.entries.get('tasks/PatLifecycleV1/dist/main.js'), readFileSync(BUNDLE));
    // No require() of packages that are not in the VSIX (everything is bundled; node: built-ins only).
    const js = text(prod, 'tasks/PatLifecycleV1/dist/main.js');
    assert.doesNotThrow(() => new Script(js, { filename: 'main.js' }));
    const required = [...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(required.filter((r) => !r.startsWith('node:') && !builtinModules.includes(r)))], []);
  });

  it('ships the icons', () => {
    const icon = readFileSync(join(REPO_ROOT, 'images', 'icon.png'));
    assert.deepEqual(prod.entries.get('images/icon.png'), icon);
    assert.deepEqual(prod.entries.get('tasks/PatLifecycleV1/icon.png'), icon);
  });

  it('gives the dev copy its own publisher, id, name and task GUID', () => {
    const xml = text(dev, 'extension.vsixmanifest');
    assert.equal(xmlAttr(xml, 'Identity', 'Publisher'), 'pat-lifecycle-tools-dev');
    assert.equal(xmlAttr(xml, 'Identity', 'Id'), 'pat-lifecycle-dev');
    assert.equal(xmlAttr(xml, 'Identity', 'Version'), '1.0.7');
    assert.equal(xmlText(xml, 'DisplayName'), 'PAT Lifecycle for Azure Pipelines (dev)');
    assert.equal(xmlText(xml, 'GalleryFlags'), 'Preview');

    const task = JSON.parse(text(dev, 'tasks/PatLifecycleV1/task.json')) as TaskJson;
    assert.notEqual(task.id, sourceTask.id);
    assert.equal(task.id, expectedTaskId('pat-lifecycle-tools-dev', 'pat-lifecycle-dev', 'PatLifecycle'));
    assert.equal(task.friendlyName, 'PAT Lifecycle (dev)');
    // A new task version per dev upload, so agents do not keep running a cached copy.
    assert.deepEqual(task.version, { Major: sourceTask.version.Major, Minor: 0, Patch: 7 });
    assert.deepEqual(schemaProblems(task), []);
    // The sign-in connection's type is the dev copy's own, in the task's input and in the contribution.
    const signIn = task.inputs.find((i) => i.name === 'signInConnection');
    assert.equal(signIn?.type, 'connectedService:patlifecycle-signin-dev');
    const vso = JSON.parse(text(dev, 'extension.vsomanifest')) as { contributions: Array<{ type: string; properties: { name: string } }> };
    const types = vso.contributions.filter((c) => c.type === 'ms.vss-endpoint.service-endpoint-type').map((c) => c.properties.name);
    assert.deepEqual(types, ['patlifecycle-signin-dev']);
    // Everything else in the task is the same.
    const sameInputs = task.inputs.map((i) => (i.name === 'signInConnection' ? { ...i, type: 'connectedService:patlifecycle-signin' } : i));
    assert.deepEqual({ ...task, inputs: sameInputs, id: sourceTask.id, friendlyName: sourceTask.friendlyName, version: sourceTask.version }, sourceTask);
  });

  it('keeps the released endpoint type name in the released and the custom-publisher packages', () => {
    for (const b of [prod, custom]) {
      const vso = JSON.parse(text(b, 'extension.vsomanifest')) as { contributions: Array<{ type: string; properties: { name: string } }> };
      assert.deepEqual(vso.contributions.filter((c) => c.type === 'ms.vss-endpoint.service-endpoint-type').map((c) => c.properties.name), ['patlifecycle-signin']);
      const task = JSON.parse(text(b, 'tasks/PatLifecycleV1/task.json')) as TaskJson;
      assert.equal(task.inputs.find((i) => i.name === 'signInConnection')?.type, 'connectedService:patlifecycle-signin');
    }
  });

  it('gives any other publisher/extension its own task GUID too', () => {
    const xml = text(custom, 'extension.vsixmanifest');
    assert.equal(xmlAttr(xml, 'Identity', 'Publisher'), 'contoso');
    assert.equal(xmlAttr(xml, 'Identity', 'Id'), 'pat-lifecycle-test');
    assert.equal(xmlAttr(xml, 'Identity', 'Version'), '2.3.4');
    assert.equal(xmlAttr(xml, 'InstallationTarget', 'Id'), 'Microsoft.VisualStudio.Services.Cloud');
    const task = JSON.parse(text(custom, 'tasks/PatLifecycleV1/task.json')) as TaskJson;
    const ids = new Set([sourceTask.id, task.id, (JSON.parse(text(dev, 'tasks/PatLifecycleV1/task.json')) as TaskJson).id]);
    assert.equal(ids.size, 3);
    assert.equal(task.friendlyName, sourceTask.friendlyName);
    assert.deepEqual(task.version, sourceTask.version);
  });

  it("points the owner's copy at the owner's repository: links, the task's help and author, the Marketplace page and the connection type", () => {
    const repo = 'https://github.com/contoso/pat-lifecycle';
    const xml = text(custom, 'extension.vsixmanifest');
    const link = (name: string) => new RegExp(`Id="Microsoft\\.VisualStudio\\.Services\\.Links\\.${name}" Value="([^"]*)"`).exec(xml)?.[1];
    assert.deepEqual([link('Repository'), link('Support'), link('Getstarted'), link('License')], [repo, `${repo}/issues`, `${repo}#readme`, `${repo}/blob/main/LICENSE`]);
    const task = JSON.parse(text(custom, 'tasks/PatLifecycleV1/task.json')) as TaskJson & { author: string; helpUrl: string };
    assert.equal(task.author, 'Contoso Platform');
    assert.equal(task.helpUrl, `${repo}#readme`);
    for (const file of ['overview.md', 'tasks/PatLifecycleV1/task.json', 'extension.vsomanifest', 'extension.vsixmanifest']) {
      assert.doesNotMatch(text(custom, file), /github\.com\/pat-lifecycle-tools/, `${file} still links to the original repository`);
    }
    assert.match(text(custom, 'overview.md'), /\(https:\/\/github\.com\/contoso\/pat-lifecycle#readme\)/);
    // The released package keeps the project's own links.
    assert.match(text(prod, 'overview.md'), /github\.com\/pat-lifecycle-tools\/pat-lifecycle#readme/);
  });

  it('leaves the repository untouched', () => {
    assert.deepEqual(loadTaskJson(), sourceTask);
    const now = JSON.parse(readFileSync(join(REPO_ROOT, 'vss-extension.json'), 'utf8')) as typeof manifest;
    assert.equal(now.version, manifest.version);
    assert.equal(now.publisher, manifest.publisher);
  });
});
