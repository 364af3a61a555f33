#!/usr/bin/env node
// npm run mutate:survivors -- [folder|report.json] [path filter]: the mutants a Stryker run left alive (Survived, NoCoverage),
// one line each with file:line:column, mutator and replacement, grouped by file with the file's score. Reads the JSON
// report `npm run mutate` writes (reports/mutation/<folder>.json).
import { existsSync, readFileSync } from 'node:fs';

const [what = 'all', filter = ''] = process.argv.slice(2);
const file = what.endsWith('.json') ? what : `reports/mutation/${what}.json`;
if (!existsSync(file)) {
  console.error(`No mutation report at ${file}: run npm run mutate first (or name a report file).`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const alive = new Set(['Survived', 'NoCoverage']);
for (const [path, { mutants, source }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (!path.includes(filter)) continue;
  const n = (s) => mutants.filter((m) => m.status === s).length;
  const detected = n('Killed') + n('Timeout');
  const valid = detected + n('Survived') + n('NoCoverage');
  const left = mutants.filter((m) => alive.has(m.status)).sort((a, b) => a.location.start.line - b.location.start.line);
  console.log(`${path}: ${valid ? ((100 * detected) / valid).toFixed(1) : '100.0'}% (${detected} of ${valid}; ${n('Survived')} survived, ${n('NoCoverage')} not covered, ${n('Ignored')} ignored, ${n('CompileError')} rejected by the checker)`);
  const lines = source.split('\n');
  for (const m of left) {
    const { line, column } = m.location.start;
    const original = lines[line - 1].trim().slice(0, 100);
    console.log(`  ${line}:${column} ${m.status === 'NoCoverage' ? 'NOT COVERED' : 'survived'} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '').slice(0, 100)}\n      in: ${original}`);
  }
}
