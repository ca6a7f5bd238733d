/**
 * A set whose members expire, bounded in size. Used for dedupe keys: Slack retries for up to
 * ~6 minutes (immediately, +1 min, +5 min), so keys live a little longer than that.
 */
export class TtlSet {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  // Map keeps insertion order, so the oldest entries are first and expiry is a scan from the front.
  readonly #entries = new Map<string, number>();

  constructor(options: { ttlMs: number; max: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
  }

  /** Adds `key`; returns false when it was already present and unexpired. */
  addIfAbsent(key: string): boolean {
    const now = this.#now();
    this.#expire(now);
    const expiresAt = this.#entries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#entries.delete(key);
    this.#entries.set(key, now + this.#ttlMs);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return true;
  }

  /** Forget a key, e.g. when its work could not be recorded and Slack should be allowed to redeliver. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #expire(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
