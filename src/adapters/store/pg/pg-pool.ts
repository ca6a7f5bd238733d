import pg from 'pg';
import { LsslackError } from '../../../domain/errors.js';
import type { Logger } from '../../../domain/ports.js';

export interface PgConnection {
  readonly pool: pg.Pool;
  /** Schema holding lsslack's tables (from `?schema=` in the URL, default `lsslack`). */
  readonly schema: string;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pg Pool for LSSLACK_STORE_URL. `?schema=name` picks the schema (so several deployments, or
 * test runs, can share one database); every connection gets that search_path. An idle client's
 * error (the server restarted) is logged instead of crashing the process: the pool replaces it
 * on the next query, which is how the daemon recovers from a lost database without a restart.
 */
export function createPgPool(url: string, log: Logger, options: { max?: number } = {}): PgConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LsslackError('config_invalid', 'LSSLACK_STORE_URL is not a valid postgres:// URL.');
  }
  const schema = parsed.searchParams.get('schema') ?? 'lsslack';
  if (!SCHEMA.test(schema)) throw new LsslackError('config_invalid', `LSSLACK_STORE_URL schema "${schema}" must be a lowercase SQL identifier.`);
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Queries never hang forever on a half-dead connection.
    query_timeout: 15_000,
    application_name: 'lsslack',
    options: `-c search_path=${schema}`,
  });
  pool.on('error', (error) => log.warn({ component: 'pg', err: error.message }, 'idle PostgreSQL connection failed; it will be replaced'));
  return { pool, schema };
}

/** Wrap a pg failure so edges see `store_unavailable` with a message that names the database. */
export function storeUnavailable(error: unknown): LsslackError {
  return new LsslackError('store_unavailable', `PostgreSQL is unavailable: ${(error as Error).message}`, { cause: error });
}
