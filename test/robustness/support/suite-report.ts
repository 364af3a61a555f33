/**
 * The closing lines of a robustness run: how much the one secret checker scanned, and how long the suite took.
 * Imported by every robustness spec; the module is evaluated once, so the root-level hooks register once.
 */
import { describeScanStats } from '../../support/secret-scan';
import { ensureBundle } from '../../task/task-fixture';

// Every spec runs the bundled task: rebuild it first when a source file is newer (as the task tests do).
ensureBundle();

const started = Date.now();
const sections: string[] = [];

/** Adds a block (the fault matrix, the crash table) to print at the end of the run, after every spec. */
export function reportAtEnd(text: string): void {
  sections.push(text);
}

after(function () {
  const out = [...sections, describeScanStats(), `robustness suite: ${((Date.now() - started) / 1000).toFixed(1)} s wall clock`];
  process.stdout.write(`\n${out.join('\n\n')}\n`);
});
