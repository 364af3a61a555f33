// Mutation testing of the rules and stores, driven by the unit tests: `npm run mutate` (scripts/mutate.mjs runs one
// folder at a time through this file; see docs/development.md, "Mutation testing"). Not part of `npm test`.
const FOLDERS = ['operations', 'stores', 'config', 'report'];
const folder = process.env.MUTATE_FOLDER;
if (folder && !FOLDERS.includes(folder)) throw new Error(`MUTATE_FOLDER must be one of ${FOLDERS.join(', ')}`);
const name = folder ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The unit tests, loaded as .mocharc.cjs loads them (through tsx).
  mochaOptions: { spec: ['test/unit/**/*.test.ts'], require: ['tsx/cjs'], extension: ['ts'] },
  checkers: ['typescript'],
  disableTypeChecks: 'src/**/*.ts',
  tsconfigFile: 'tsconfig.json',
  mutate: (folder ? [folder] : FOLDERS).map((f) => `src/${f}/**/*.ts`),
  ignorePatterns: ['.stryker-tmp', 'dist', 'tasks/*/dist', 'cli/dist', '.tmp', 'out', '.emulator', 'reports', 'images', '*.vsix'],
  // Each mutant runs only the tests that reach it; a re-run tests only mutants whose code or tests changed.
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  // Mutants of module-level code (constant tables, regexes built at load) can only be tested by reloading every unit
  // test file, about 10 s each: on two cores that made a run take hours. They are reported as Ignored.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: 'always',
};
