/**
 * A set whose members expire, bounded in size. Used for dedupe keys: Slack retries for up to
 * ~6 minutes (immediately, +1 min, +5 min), so keys live a little longer than that.
 *
 * Membership is a Map (key → expiry); expiry and eviction walk a FIFO of (key, expiry) in
 * insertion order. Every operation is O(1) amortised. (An earlier version walked the Map itself
 * from the front: V8 leaves deleted Map entries as holes until it rehashes, so once the set was
 * full every insert skipped over all the evicted ones — bench/http-ingress spent half its CPU
 * there after ~200k events.)
 */
export class TtlSet {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #expiry = new Map<string, number>();
  // FIFO of insertions: parallel arrays, consumed from #head, compacted when half is consumed.
  #keys: string[] = [];
  #times: number[] = [];
  #head = 0;

  constructor(options: { ttlMs: number; max: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
  }

  /** Adds `key`; returns false when it was already present and unexpired. */
  addIfAbsent(key: string): boolean {
    const now = this.#now();
    this.#expire(now);
    const expiresAt = this.#expiry.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    const at = now + this.#ttlMs;
    this.#expiry.set(key, at);
    this.#keys.push(key);
    this.#times.push(at);
    while (this.#expiry.size > this.#max && this.#head < this.#keys.length) this.#dropOldest();
    return true;
  }

  /** Forget a key, e.g. when its work could not be recorded and Slack should be allowed to redeliver. */
  delete(key: string): void {
    // Its FIFO entry stays and is skipped when reached (the Map no longer holds that expiry).
    this.#expiry.delete(key);
  }

  get size(): number {
    return this.#expiry.size;
  }

  #expire(now: number): void {
    while (this.#head < this.#keys.length && this.#times[this.#head]! <= now) this.#dropOldest();
  }

  /** Removes the FIFO's first entry, and its key when that entry is the key's current one. */
  #dropOldest(): void {
    const key = this.#keys[this.#head]!;
    const at = this.#times[this.#head]!;
    this.#head += 1;
    if (this.#expiry.get(key) === at) this.#expiry.delete(key);
    if (this.#head > 1024 && this.#head * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
