import { TtlSet } from './ttl-set.js';

/**
 * "Have we seen this key recently?" for event ids and (message, URL) pairs. In memory for one
 * box; with PostgreSQL the answer comes from a unique constraint, so it holds across replicas.
 */
export interface Deduper {
  /** For each key: true when it was not seen within `ttlMs` (it is marked seen now). */
  firstSeen(keys: readonly string[], ttlMs: number): Promise<boolean[]>;
  /** Unmark keys whose work could not be recorded, so Slack's redelivery is processed. */
  forget(keys: readonly string[]): Promise<void>;
}

export function createMemoryDeduper(now: () => number = Date.now): Deduper {
  const sets = new Map<number, TtlSet>();
  const setFor = (ttlMs: number) => {
    let set = sets.get(ttlMs);
    if (set === undefined) {
      set = new TtlSet({ ttlMs, max: 200_000, now });
      sets.set(ttlMs, set);
    }
    return set;
  };
  return {
    async firstSeen(keys, ttlMs) {
      const set = setFor(ttlMs);
      return keys.map((key) => set.addIfAbsent(key));
    },
    async forget(keys) {
      for (const set of sets.values()) for (const key of keys) set.delete(key);
    },
  };
}
