import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the PostgreSQL suite runs; .ci/run makes sure a server is up there. */
export const PG_BASE_URL = process.env.LSSLACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const PG_SKIP_NOTICE =
  `PostgreSQL suite SKIPPED: no server at ${PG_BASE_URL}. Start one with ` +
  '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (trust auth, database test) ' +
  'or point LSSLACK_TEST_PG_URL at one, then run npm test again.';

let reachable: Promise<boolean> | undefined;

/** Whether the test server answers; prints the skip notice once when it does not. */
export function postgresAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      process.stderr.write(`\n*** ${PG_SKIP_NOTICE}\n\n`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/** A store URL on a fresh schema of its own, and a function that drops it. */
export function freshSchemaUrl(): { url: string; schema: string; drop: () => Promise<void> } {
  const schema = `lsslack_t_${randomBytes(5).toString('hex')}`;
  const url = `${PG_BASE_URL}${PG_BASE_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: PG_BASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
