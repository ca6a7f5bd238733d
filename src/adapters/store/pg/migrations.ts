import type pg from 'pg';

/** Versioned schema changes, applied in order, each once. Never edit a shipped one; add a new one. */
export const MIGRATIONS: ReadonlyArray<{ readonly version: number; readonly name: string; readonly sql: string }> = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE mappings (
        team_id text NOT NULL, slack_user_id text NOT NULL, lightstep_user text NOT NULL,
        projects jsonb NOT NULL, mapped_at text NOT NULL,
        PRIMARY KEY (team_id, slack_user_id));
      CREATE TABLE links (
        team_id text NOT NULL, slack_user_id text NOT NULL, team_name text NOT NULL, scope text NOT NULL,
        token_cipher text NOT NULL, refresh_token_cipher text, expires_at bigint, linked_at text NOT NULL,
        PRIMARY KEY (team_id, slack_user_id));
      CREATE TABLE pending_unfurls (
        id text PRIMARY KEY, team_id text NOT NULL, slack_user_id text NOT NULL, channel text NOT NULL,
        message_ts text NOT NULL, target jsonb NOT NULL, url text NOT NULL, event_id text NOT NULL,
        created_at bigint NOT NULL, expires_at bigint NOT NULL,
        UNIQUE (team_id, channel, message_ts, url));
      CREATE INDEX pending_unfurls_user ON pending_unfurls (team_id, slack_user_id);
      CREATE TABLE oauth_states (
        id text PRIMARY KEY, session_id text NOT NULL, team_id text NOT NULL, slack_user_id text NOT NULL,
        expires_at bigint NOT NULL);
      CREATE TABLE used_once (id text PRIMARY KEY, expires_at bigint NOT NULL);
      CREATE TABLE dedupe_keys (key text PRIMARY KEY, expires_at bigint NOT NULL);
      CREATE INDEX dedupe_keys_expiry ON dedupe_keys (expires_at);
      CREATE TABLE jobs (
        id text PRIMARY KEY, job jsonb NOT NULL, created_at bigint NOT NULL,
        lease_owner text, lease_until bigint NOT NULL DEFAULT 0);
      CREATE INDEX jobs_lease ON jobs (lease_until, created_at);
      CREATE INDEX jobs_owner ON jobs (lease_owner);
    `,
  },
  {
    version: 2,
    name: 'attempts cut short per job (poison detection)',
    sql: `ALTER TABLE jobs ADD COLUMN crashes int NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    name: 'grants instead of Lightstep projects (trace backends)',
    // Projects were Lightstep projects of the one Lightstep backend: [a,b] → lightstep/a, lightstep/b; "*" → lightstep.
    sql: `
      ALTER TABLE mappings RENAME COLUMN lightstep_user TO trace_user;
      ALTER TABLE mappings ADD COLUMN grants jsonb;
      UPDATE mappings SET grants = CASE
        WHEN jsonb_typeof(projects) = 'array' THEN (SELECT coalesce(jsonb_agg('lightstep/' || p), '[]'::jsonb) FROM jsonb_array_elements_text(projects) AS p)
        ELSE '["lightstep"]'::jsonb END;
      ALTER TABLE mappings ALTER COLUMN grants SET NOT NULL;
      ALTER TABLE mappings DROP COLUMN projects;
    `,
  },
  {
    version: 4,
    name: 'channel policies (who sees what)',
    sql: `
      CREATE TABLE channel_policies (
        team_id text NOT NULL, channel text NOT NULL, detail text, external_detail text, grants jsonb, set_at text NOT NULL,
        PRIMARY KEY (team_id, channel));
    `,
  },
];

/** Any fixed number identifies our advisory lock; replicas starting together serialise on it. */
const LOCK_KEY = 0x15_51_ac_c0;

/**
 * Apply pending migrations. Safe when several replicas start at once: a session-level advisory
 * lock serialises them, and each migration runs in its own transaction with its version row.
 * Returns the versions applied by this call.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const done = new Set(rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
          applied.push(m.version);
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
