/** Several PATs in one run: each on its own, a bounded number at a time, one's failure never stopping the others. */
import { asPatLifecycleError } from '../errors';
import { newOutcome, type PatOutcome } from './types';

export async function forEachPat<T>(
  items: readonly T[],
  concurrency: number,
  label: (item: T) => string,
  work: (item: T) => Promise<PatOutcome>,
  onDone: (outcome: PatOutcome, done: number) => void,
): Promise<PatOutcome[]> {
  const results: PatOutcome[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      let outcome: PatOutcome;
      try {
        outcome = await work(item);
      } catch (err) {
        outcome = newOutcome(label(item));
        outcome.error = asPatLifecycleError(err);
        outcome.detail = `failed: ${outcome.error.describe()}`;
      }
      results[index] = outcome;
      onDone(outcome, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
