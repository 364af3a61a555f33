// Users clone only this repository. A build, test, demo, bench, script or emulator that reads a file from beside the
// clone works on the machine of whoever wrote it and nowhere else; this test fails on any file of the repository that
// names a path outside the repository root, so such a dependency cannot come back unseen.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../support/task-json';

/** Files git tracks, and new ones it does not ignore: what a commit would give a clone. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return [...new Set(out.split('\0').filter(Boolean))];
}

const TEXT = /\.(?:[cm]?[jt]s|json|ya?ml|md|sh|cjs|mjs)$|^\.ci\/run$|^\.mocharc\.cjs$/;
/** Copies of third-party documents (they name their own repositories' paths) and the lockfile are not ours to check. */
const NOT_OURS = [/^test\/conformance\/specs\//, /^package-lock\.json$/, /^cli\/package-lock\.json$/];

const outside = (path: string) => {
  const rel = relative(REPO_ROOT, path);
  return rel === '..' || rel.startsWith(`..${'/'}`) || isAbsolute(rel);
};

/**
 * Every place in one file's text that names a path outside the repository, with why:
 * - a relative path literal (`'../x'`, `](../x)`) that leaves the root from the file's folder;
 * - `join`/`resolve` of `__dirname` (or `import.meta.dirname`) and literal segments that leave the root;
 * - a machine path of this workplace, or the reference shelf that sits beside the clone on developers' machines.
 */
export function outsidePaths(file: string, text: string): string[] {
  const found: string[] = [];
  const folder = dirname(join(REPO_ROOT, file));
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(/(?<=['"`(\s]|^)((?:\.\.\/)+)([\w.@-][\w./@-]*)?/gm)) {
    if (outside(resolve(folder, m[1]! + (m[2] ?? '')))) found.push(`line ${lineOf(m.index!)}: ${m[0]}`);
  }
  for (const m of text.matchAll(/\b(?:join|resolve)\(\s*(?:__dirname|import\.meta\.dirname)((?:\s*,\s*'[^']*')+)/g)) {
    const segments = [...m[1]!.matchAll(/'([^']*)'/g)].map((s) => s[1]!);
    if (outside(resolve(folder, ...segments))) found.push(`line ${lineOf(m.index!)}: ${m[0]}`);
  }
  for (const m of text.matchAll(/\/work\/|\bshared\/spec\b|\bshared\/design\.md\b/g)) found.push(`line ${lineOf(m.index!)}: ${m[0]}`);
  return found;
}

describe('the repository is self-contained', () => {
  it('no source, test, script, sample or document names a path outside the repository root', () => {
    const problems: string[] = [];
    for (const file of repositoryFiles()) {
      if (!TEXT.test(file) || NOT_OURS.some((r) => r.test(file))) continue;
      let text: string;
      try {
        text = readFileSync(join(REPO_ROOT, file), 'utf8');
      } catch {
        continue; // deleted in the working tree, not yet in the index
      }
      for (const p of outsidePaths(file, text)) problems.push(`${file} ${p}`);
    }
    assert.deepEqual(problems, [], `paths outside the repository (copy what is needed into it, with its source):\n${problems.join('\n')}`);
  });

  it('the check finds each way of naming a path outside the root', () => {
    // The examples are spelt with placeholders, so this file itself names no such path.
    const found = (file: string, text: string) => outsidePaths(file, text.replaceAll('UP', '..').replaceAll('SHELF', 'shared').replaceAll('MACHINE', '/work')).length > 0;
    assert.ok(found('test/support/x.ts', "const D = resolve(__dirname, 'UP', 'UP', 'UP', 'SHELF');"));
    assert.ok(found('test/support/x.ts', "readFileSync('UP/UP/UP/SHELF/openapi/tokens.json')"));
    assert.ok(found('docs/x.md', 'see [the spec](UP/UP/notes.md)'));
    assert.ok(found('docs/x.md', 'the shelf at `MACHINE/SHELF/README.md`'));
    assert.ok(found('docs/x.md', 'facts in SHELF/spec/azure-apis.md'));
    assert.ok(found('scripts/x.mjs', "join(import.meta.dirname, 'UP', 'UP', 'other')"));
    // Paths that stay inside the repository are fine.
    assert.ok(!found('test/support/x.ts', "const D = resolve(__dirname, 'UP', 'conformance', 'specs'); import a from 'UP/emulator/x';"));
    assert.ok(!found('docs/x.md', 'see [the design](UP/README.md) and [rotation](rotation.md)'));
  });
});
