/**
 * The signed-in user's PATs, listed once per run and shared by every PAT a bulk run processes: a hundred names
 * must not mean a hundred walks through every page.
 */
import type { PatDisplayFilter, PatToken } from '../devops/types';
import type { PatApi } from './types';

export class PatDirectory {
  private readonly cache = new Map<PatDisplayFilter, Promise<PatToken[]>>();
  private readonly early = new Map<PatDisplayFilter, Promise<PatToken[]>>();

  constructor(private readonly pats: PatApi) {}

  active(): Promise<PatToken[]> {
    return this.list('active');
  }

  expired(): Promise<PatToken[]> {
    return this.list('expired');
  }

  revoked(): Promise<PatToken[]> {
    return this.list('revoked');
  }

  /**
   * A fresh list, for when the run itself may have changed it (a create whose outcome is unknown): neither the cached
   * listing nor a prefetched one nobody took yet, which began before the change.
   */
  async fresh(filter: PatDisplayFilter = 'active'): Promise<PatToken[]> {
    this.cache.delete(filter);
    this.early.delete(filter);
    return this.list(filter);
  }

  /**
   * Starts a listing now for the first caller to take later: a read, so the run sends it while the refresh token is
   * saved (docs/design.md, "The flow of one run"). That caller gets its outcome, failure included, as if it had
   * listed itself.
   */
  prefetch(filter: PatDisplayFilter = 'active'): void {
    if (this.cache.has(filter) || this.early.has(filter)) return;
    const pending = collect(this.pats.listAll(filter));
    pending.catch(() => undefined);
    this.early.set(filter, pending);
  }

  private list(filter: PatDisplayFilter): Promise<PatToken[]> {
    let pending = this.cache.get(filter);
    if (!pending) {
      pending = this.early.get(filter) ?? collect(this.pats.listAll(filter));
      this.early.delete(filter);
      // A failed listing is not cached: the next caller tries again.
      pending.catch(() => this.cache.delete(filter));
      this.cache.set(filter, pending);
    }
    return pending;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
