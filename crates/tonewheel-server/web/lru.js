// A least-recently-used cache bounded by a total cost (for audio: samples held in memory),
// so a long audition session cannot grow the tab's memory without bound.

export class LruCache {
  /** `max_cost`: the most total cost kept; the oldest entries go first past it. */
  constructor(max_cost) {
    this.max_cost = max_cost;
    this.cost = 0;
    this.map = new Map(); // insertion order = use order (oldest first)
  }

  /** The value for `key` (marking it used), or undefined. */
  get(key) {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  /** True when `key` is cached (does not count as a use). */
  has(key) {
    return this.map.has(key);
  }

  /** Stores `value` with its `cost`; a value costlier than the whole cache is not kept. */
  set(key, value, cost) {
    this.delete(key);
    if (cost > this.max_cost) return;
    this.map.set(key, { value, cost });
    this.cost += cost;
    for (const [oldest, entry] of this.map) {
      if (this.cost <= this.max_cost) break;
      this.map.delete(oldest);
      this.cost -= entry.cost;
    }
  }

  /** Forgets `key`. */
  delete(key) {
    const entry = this.map.get(key);
    if (!entry) return;
    this.map.delete(key);
    this.cost -= entry.cost;
  }

  /** Number of entries. */
  get size() {
    return this.map.size;
  }
}
