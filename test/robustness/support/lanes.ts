/**
 * Bounded parallelism for black-box runs. Each lane owns one emulator and takes work items from a shared queue one at
 * a time, so a lane's faults, request log and clock belong to exactly one item while it runs; lanes run side by side.
 * Starting an emulator costs about half a second (a fresh CA), so lanes are reused across items; every item gets its
 * own organization, user and app registration inside the lane's emulator (see sandbox.ts).
 */
import { startEmulator, type Emulator } from '../../emulator';
import { ensureBundle } from '../../task/task-fixture';

/** Four runs at a time keeps two cores busy without starving the emulators that answer them. */
export const DEFAULT_LANES = Number(process.env.ROBUSTNESS_LANES) || 4;

export interface Lane {
  index: number;
  emu: Emulator;
}

/**
 * Runs `work` over `items` with at most `lanes` at a time and returns the results in the items' order. A failing item
 * does not stop the others: its error is returned in place of its result.
 */
export async function inLanes<T, R>(items: readonly T[], work: (item: T, lane: Lane, index: number) => Promise<R>, lanes = DEFAULT_LANES): Promise<Array<R | Error>> {
  ensureBundle();
  const results: Array<R | Error> = new Array(items.length);
  let next = 0;
  const laneCount = Math.max(1, Math.min(lanes, items.length));
  await Promise.all(
    Array.from({ length: laneCount }, async (_, index) => {
      if (next >= items.length) return;
      const emu = await startEmulator();
      try {
        for (;;) {
          const i = next++;
          if (i >= items.length) return;
          emu.faults.clear();
          emu.log.clear();
          try {
            results[i] = await work(items[i], { index, emu }, i);
          } catch (err) {
            results[i] = err instanceof Error ? err : new Error(String(err));
          } finally {
            emu.faults.clear();
          }
        }
      } finally {
        await emu.close();
      }
    }),
  );
  return results;
}

/** Plain bounded parallelism for work that brings its own emulator. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) return false;
    await sleep(10);
  }
  return true;
}
