// README.md stays true to the code: the inputs section is what scripts/readme-inputs.mjs makes of the current
// task.json, the quick start is the two commands CI and the demo run, every relative link resolves, and the
// troubleshooting section covers every AADSTS code and patTokenError value the product translates.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AADSTS_TABLE } from '../../src/entra/aadsts';
import { PAT_ERROR_TABLE } from '../../src/devops/pat-errors';
import { SIGN_IN_PAGE_MESSAGE } from '../../src/devops/devops-errors';
import { REPO_ROOT, TASK_JSON_PATH, loadTaskJson, type TaskJson } from '../support/task-json';

interface ReadmeInputsModule {
  START_MARKER: string;
  END_MARKER: string;
  renderInputsSection(task: TaskJson): string;
  extractSection(readme: string): string | undefined;
  replaceSection(readme: string, section: string): string;
  describeVisibleRule(rule: string): string;
}

const README_PATH = join(REPO_ROOT, 'README.md');
/** Reference moved out of the README (docs/*.md); the same drift checks read it there. */
const INPUTS_PATH = join(REPO_ROOT, 'docs', 'inputs.md');
const TROUBLESHOOTING_PATH = join(REPO_ROOT, 'docs', 'troubleshooting.md');
const doc = (path: string) => readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
const SCRIPT_PATH = join(REPO_ROOT, 'scripts', 'readme-inputs.mjs');
const QUICK_START = ['`npm ci && npm run demo`', '`npm ci && npm test`'];

const readme = () => readFileSync(README_PATH, 'utf8').replace(/\r\n/g, '\n');

/** The text under a `## Heading` up to the next `## ` heading. */
function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  assert.ok(start >= 0, `README has no "## ${heading}" section`);
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (fenced code skipped). */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced || !/^#{1,6} /.test(line)) continue;
    const slug = line
      .replace(/^#+ /, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let unique = slug;
    for (let n = 1; slugs.has(unique); n++) unique = `${slug}-${n}`;
    slugs.add(unique);
  }
  return slugs;
}

function runScript(args: string[]): { status: number | null; output: string } {
  const res = spawnSync(process.execPath, [SCRIPT_PATH, ...args], { encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

describe('docs: README.md', () => {
  let gen: ReadmeInputsModule;
  before(async () => {
    // A computed specifier keeps TypeScript from resolving the .mjs; the module is plain ESM.
    const specifier = pathToFileURL(SCRIPT_PATH).href;
    gen = (await import(specifier)) as ReadmeInputsModule;
  });

  describe('inputs and outputs section (docs/inputs.md)', () => {
    it('is exactly what scripts/readme-inputs.mjs generates from the current task.json', () => {
      const current = gen.extractSection(doc(INPUTS_PATH));
      assert.ok(current !== undefined, `docs/inputs.md has no ${gen.START_MARKER} ... ${gen.END_MARKER} section`);
      const expected = gen.renderInputsSection(loadTaskJson());
      assert.equal(current, expected, 'docs/inputs.md inputs section is stale: run `node scripts/readme-inputs.mjs`');
    });

    it('lists every input (with its aliases) and every output variable of task.json', () => {
      const generated = gen.extractSection(doc(INPUTS_PATH)) ?? '';
      const task = loadTaskJson();
      for (const input of task.inputs) {
        assert.ok(generated.includes(`| \`${input.name}\``), `input ${input.name} is not in the table`);
        for (const alias of input.aliases ?? []) assert.ok(generated.includes(`\`${alias}\``), `alias ${alias} is not in the table`);
      }
      for (const output of task.outputVariables ?? []) assert.ok(generated.includes(`| \`${output.name}\` |`), `output ${output.name} is not in the table`);
    });

    it('puts visible-when rules into words', () => {
      assert.equal(gen.describeVisibleRule('action = create || action = update || action = rotate'), '`action` is `create`, `update` or `rotate`');
      assert.equal(
        gen.describeVisibleRule('target = variableGroup && action != update && action != list'),
        '`target` is `variableGroup`; and `action` is not `update` or `list`',
      );
      assert.equal(gen.describeVisibleRule('a = x && b = y || c = z'), '`a = x && b = y || c = z`', 'a rule the editor cannot parse is shown as it is');
    });

    it('`--check` passes on docs/inputs.md, fails on a stale copy, and a rewrite makes the copy current again', () => {
      assert.equal(runScript(['--check']).status, 0, 'docs/inputs.md in the repository is stale');
      const dir = mkdtempSync(join(tmpdir(), 'readme-inputs-'));
      try {
        const copy = join(dir, 'README.md');
        const taskCopy = join(dir, 'task.json');
        copyFileSync(INPUTS_PATH, copy);
        const task = loadTaskJson();
        task.inputs[0] = { ...task.inputs[0], helpMarkDown: `${task.inputs[0].helpMarkDown ?? ''} Changed.` };
        writeFileSync(taskCopy, JSON.stringify(task, null, 2));
        const stale = runScript(['--check', '--readme', copy, '--task', taskCopy]);
        assert.equal(stale.status, 1, `--check should fail on drift; said: ${stale.output}`);
        assert.match(stale.output, /stale/);
        assert.equal(runScript(['--readme', copy, '--task', taskCopy]).status, 0);
        assert.equal(runScript(['--check', '--readme', copy, '--task', taskCopy]).status, 0);
        const rewritten = readFileSync(copy, 'utf8');
        assert.ok(rewritten.includes(' Changed.'));
        // Only the section changed.
        const outside = (t: string) => t.replace(gen.extractSection(t) ?? '', '');
        assert.equal(outside(rewritten), outside(doc(INPUTS_PATH)));
        assert.equal(runScript(['--check', '--readme', copy, '--task', TASK_JSON_PATH]).status, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('quick start', () => {
    it('gives the two commands exactly, as code spans', () => {
      const quick = section(readme(), 'Quick start');
      for (const command of QUICK_START) assert.ok(quick.includes(command), `Quick start lacks ${command}`);
    });

    it('names npm scripts that exist, and CI runs the test command', () => {
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      for (const script of ['demo', 'test', 'build', 'package', 'emulator', 'bench', 'login']) {
        assert.ok(pkg.scripts[script], `package.json has no "${script}" script, but the README uses it`);
      }
      const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
      assert.match(ci, /^npm ci\b/m);
      assert.match(ci, /^npm test$/m);
    });
  });

  describe('links', () => {
    it('every docs/*.md link exists, and so does the heading it points at', () => {
      const links = [...readme().matchAll(/\]\((?:\.\/)?(docs\/[^)#\s]+\.md)(?:#([^)]*))?\)/g)].map((m) => ({ file: m[1], anchor: m[2] }));
      assert.ok(links.length > 0, 'README links no docs/*.md page');
      for (const { file, anchor } of links) {
        assert.ok(existsSync(join(REPO_ROOT, file)), `README links ${file}, which does not exist`);
        if (anchor) assert.ok(headingSlugs(readFileSync(join(REPO_ROOT, file), 'utf8')).has(anchor), `README links ${file}#${anchor}, which is no heading there`);
      }
    });

    it('every other relative link resolves, and every sample is linked', () => {
      const text = readme();
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|mailto:|#)/.test(t));
      for (const target of targets) {
        const path = target.split('#')[0];
        assert.ok(existsSync(join(REPO_ROOT, path)), `README links ${target}, which does not exist`);
      }
      for (const sample of readdirSync(join(REPO_ROOT, 'samples')).filter((f) => /\.ya?ml$/.test(f))) {
        assert.ok(text.includes(`](samples/${sample})`), `samples/${sample} is not linked from the README`);
      }
    });

    it('every in-page link points at a heading', () => {
      const text = readme();
      const slugs = headingSlugs(text);
      for (const m of text.matchAll(/\]\(#([^)]+)\)/g)) assert.ok(slugs.has(m[1]), `README links #${m[1]}, which is no heading`);
    });
  });

  describe('troubleshooting', () => {
    const troubleshooting = () => doc(TROUBLESHOOTING_PATH);

    it('covers every AADSTS code src/entra/aadsts.ts translates', () => {
      const text = troubleshooting();
      const missing = Object.keys(AADSTS_TABLE).filter((code) => !new RegExp(`AADSTS${code}(?!\\d)`).test(text));
      assert.deepEqual(missing.map((c) => `AADSTS${c}`), [], 'add these codes to the Troubleshooting section');
    });

    it('lists every patTokenError value src/devops/pat-errors.ts maps', () => {
      const text = troubleshooting();
      const missing = Object.keys(PAT_ERROR_TABLE).filter((value) => !text.includes(`\`${value}\``));
      assert.deepEqual(missing, [], 'add these patTokenError values to the Troubleshooting section');
    });

    it('quotes the product\'s sign-in page message and names the other failures users hit', () => {
      const text = troubleshooting();
      assert.ok(text.includes(SIGN_IN_PAGE_MESSAGE), 'the 203 sign-in page message differs from src/devops/devops-errors.ts');
      for (const phrase of ['HTTP 203', 'Service principals are not allowed', 'Administrator', 'Build Service (<org>)', 'Key Vault Secrets Officer', 'ObjectIsDeletedButRecoverable', '409']) {
        assert.ok(text.includes(phrase), `Troubleshooting does not mention ${phrase}`);
      }
    });
  });

  describe('pipeline variables', () => {
    it('documents every pipeline variable src/config reads', () => {
      const dir = join(REPO_ROOT, 'src', 'config');
      const read = new Set<string>();
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(dir, file), 'utf8');
        for (const m of source.matchAll(/\bvariable\('([A-Za-z]+\.[A-Za-z]+)'\)/g)) read.add(m[1]);
        for (const m of source.matchAll(/\bseam\('([A-Za-z]+\.[A-Za-z]+)'/g)) read.add(m[1]);
      }
      assert.ok(read.has('PatLifecycle.AuthorityHost'), 'the scan found no PatLifecycle.* variable; has src/config changed shape?');
      const documented = section(doc(INPUTS_PATH), 'Pipeline variables the task reads');
      const missing = [...read].filter((v) => !documented.includes(`\`${v}\``));
      assert.deepEqual(missing, [], 'document these variables under "Pipeline variables the task reads"');
    });
  });
});
