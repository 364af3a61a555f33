/**
 * Serialises async work per key within this process. Variable groups are replaced whole on every write, so two
 * read-modify-write cycles on one group (bulk mode writes several PATs into it at once) must not interleave, or the
 * later PUT silently drops what the earlier one wrote.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
