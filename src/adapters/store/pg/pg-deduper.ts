import type pg from 'pg';
import type { Deduper } from '../../../pipeline/deduper.js';
import { storeUnavailable } from './pg-pool.js';

/**
 * Dedupe across replicas by a unique constraint, never read-then-write: a key is "first seen" by
 * whichever replica's INSERT creates the row (or takes over an expired one); everyone else's
 * statement returns nothing.
 */
export function createPgDeduper(pool: pg.Pool, now: () => number = Date.now): Deduper {
  let lastSweep = 0;
  return {
    async firstSeen(keys, ttlMs) {
      const at = now();
      try {
        if (at - lastSweep > 60_000) {
          lastSweep = at;
          await pool.query('DELETE FROM dedupe_keys WHERE expires_at <= $1', [at]);
        }
        const { rows } = await pool.query<{ key: string }>(
          `INSERT INTO dedupe_keys (key, expires_at) SELECT unnest($1::text[]), $2
           ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dedupe_keys.expires_at <= $3
           RETURNING key`,
          [keys, at + ttlMs, at],
        );
        const won = new Set(rows.map((r) => r.key));
        return keys.map((k) => won.has(k));
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
    async forget(keys) {
      try {
        await pool.query('DELETE FROM dedupe_keys WHERE key = ANY($1::text[])', [keys]);
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
  };
}
