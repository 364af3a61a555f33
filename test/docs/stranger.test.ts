// What a stranger meets in the docs and help texts (issue 21, section 3): every claim checked against what ships.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TASK_JSON_PATH, loadTaskJson } from '../support/task-json';

const task = loadTaskJson();

/** Every "version N.M" (and "@N.M") a text names, as [major, minor]. */
function versionsNamed(text: string): Array<{ quote: string; major: number; minor: number }> {
  return [...text.matchAll(/\b(?:version|v)\s?(\d+)\.(\d+)\b|@(\d+)\.(\d+)\b/gi)].map((m) => ({ quote: m[0], major: Number(m[1] ?? m[3]), minor: Number(m[2] ?? m[4]) }));
}

describe('docs: what a stranger meets', () => {
  it('task.json and the inputs reference name no task version later than the one task.json ships as', () => {
    const shipped = task.version;
    const later = [readFileSync(TASK_JSON_PATH, 'utf8'), readFileSync(join(REPO_ROOT, 'docs', 'inputs.md'), 'utf8')]
      .flatMap(versionsNamed)
      .filter((v) => v.major > shipped.Major || (v.major === shipped.Major && v.minor > shipped.Minor));
    assert.deepEqual(later.map((v) => v.quote), [], `the task ships as ${shipped.Major}.${shipped.Minor}.${shipped.Patch}`);
  });

  it('every sample that sets lockBehavior says, just above it, that the Exclusive Lock check makes it work and where to add it', () => {
    const dir = join(REPO_ROOT, 'samples');
    const problems: string[] = [];
    for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      const at = lines.findIndex((l) => /^\s*lockBehavior:/.test(l));
      if (at < 0) continue;
      const comment: string[] = [];
      for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) comment.unshift(lines[i]!);
      const text = comment.join(' ');
      if (!/Exclusive Lock/.test(text) || !/Approvals and checks/.test(text) || !/(Library|Environments|Service connections) >/.test(text)) problems.push(`${file}: the comment above lockBehavior does not name the Exclusive Lock check and where to add it`);
    }
    assert.deepEqual(problems, []);
  });

  it('overview.md (the Marketplace page) describes all six actions and all four destinations, and the sign-in connection', () => {
    const overview = readFileSync(join(REPO_ROOT, 'overview.md'), 'utf8');
    const actions = Object.keys(task.inputs.find((i) => i.name === 'action')!.options ?? {});
    assert.equal(actions.length, 6);
    for (const action of actions) assert.ok(overview.includes(`\`${action}\``), `overview.md does not describe action ${action}`);
    const destinations: Record<string, RegExp> = { variableGroup: /variable group/, keyVault: /Key Vault/, serviceConnection: /PAT of a service connection|PAT inside a service connection/, outputOnly: /secret output variable/ };
    assert.deepEqual(Object.keys(task.inputs.find((i) => i.name === 'target')!.options ?? {}).sort(), Object.keys(destinations).sort());
    for (const [target, words] of Object.entries(destinations)) assert.match(overview, words, `overview.md does not describe target ${target}`);
    assert.match(overview, /PAT Lifecycle\s+sign-in\*?\s+service connection/);
  });

  it('wherever a document says `npx pat-lifecycle-cli`, the from-clone path (npm run pack:cli) stands beside it and the text says the package is not published yet', () => {
    const docs = ['README.md', 'overview.md', 'cli/README.md', 'vss-extension.json', 'tasks/PatLifecycleV1/task.json', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync(join(REPO_ROOT, 'samples')).map((f) => `samples/${f}`)];
    const problems: string[] = [];
    for (const file of docs) {
      const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
      const hits = lines.flatMap((l, i) => (l.includes('npx pat-lifecycle-cli') ? [i] : []));
      if (hits.length === 0) continue;
      if (!/not (yet )?published|not published on the npm registry yet|answers (`npm error )?404/.test(lines.join('\n'))) problems.push(`${file}: names npx pat-lifecycle-cli without saying it is not published yet`);
      for (const i of hits) {
        const near = lines.slice(Math.max(0, i - 10), i + 11).join('\n');
        if (!near.includes('npm run pack:cli')) problems.push(`${file} line ${i + 1}: npx pat-lifecycle-cli without \`npm run pack:cli\` beside it`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the product never tells a user to run `npx pat-lifecycle-cli` (its messages name the pat-lifecycle command)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) {
          if (e.name !== 'dist' && e.name !== 'node_modules') walk(rel);
        } else if (/\.ts$/.test(e.name) && readFileSync(join(REPO_ROOT, rel), 'utf8').includes('npx pat-lifecycle-cli')) offenders.push(rel);
      }
    };
    for (const dir of ['src', 'cli', 'tasks/PatLifecycleV1/src']) walk(dir);
    assert.deepEqual(offenders, []);
  });

  it('the version rule itself finds a later version', () => {
    assert.deepEqual(versionsNamed('its name before version 1.1, and PatLifecycle@2.0').map((v) => [v.major, v.minor]), [[1, 1], [2, 0]]);
  });
});
