#!/usr/bin/env node
// npm run mutate [-- operations stores config report]: StrykerJS over each folder of src/ in turn (stryker.config.mjs),
// then the mutation score per folder. Each folder keeps its own incremental file, so a re-run tests only what changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const ALL = ['operations', 'stores', 'config', 'report'];
const folders = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const bad = folders.filter((f) => !ALL.includes(f));
if (bad.length) {
  console.error(`Unknown folder ${bad.join(', ')}: choose from ${ALL.join(', ')}.`);
  process.exit(2);
}

const scores = [];
for (const folder of folders) {
  console.log(`\n=== Mutating src/${folder} ===`);
  const run = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env: { ...process.env, MUTATE_FOLDER: folder } });
  if (run.status !== 0) {
    console.error(`Stryker failed on src/${folder} (exit ${run.status}).`);
    process.exit(run.status ?? 1);
  }
  scores.push([folder, score(`reports/mutation/${folder}.json`)]);
}

console.log('\nMutation score per folder (killed + timed out) / (killed + timed out + survived + no coverage):');
for (const [folder, s] of scores) console.log(`  src/${folder.padEnd(11)} ${s.percent.toFixed(1).padStart(5)}%  (${s.detected} of ${s.valid}; ${s.survived} survived, ${s.noCoverage} not covered, ${s.ignored} ignored)`);

function score(file) {
  if (!existsSync(file)) throw new Error(`no report at ${file}`);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0 };
  for (const f of Object.values(report.files)) for (const m of f.mutants) if (m.status in count) count[m.status]++;
  const detected = count.Killed + count.Timeout;
  const valid = detected + count.Survived + count.NoCoverage;
  return { detected, valid, survived: count.Survived, noCoverage: count.NoCoverage, ignored: count.Ignored, percent: valid ? (100 * detected) / valid : 100 };
}
