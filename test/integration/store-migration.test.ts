import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import { migrate, MIGRATIONS } from '../../src/adapters/store/pg/migrations.js';
import { createPgPool } from '../../src/adapters/store/pg/pg-pool.js';
import { createPgStore } from '../../src/adapters/store/pg/pg-store.js';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/run.ts')];
const log = pino({ level: 'silent' });

/** What releases before trace backends wrote: Lightstep projects, or '*' for all of them. */
const LEGACY = [
  { teamId: 'T1', slackUserId: 'U1', lightstepUser: 'ada@acme.dev', projects: ['checkout', 'payments'], mappedAt: '2026-01-01T00:00:00.000Z' },
  { teamId: 'T1', slackUserId: 'U2', lightstepUser: 'bob@acme.dev', projects: '*', mappedAt: '2026-01-02T00:00:00.000Z' },
];
const MIGRATED = [
  { teamId: 'T1', slackUserId: 'U1', traceUser: 'ada@acme.dev', grants: ['lightstep/checkout', 'lightstep/payments'], mappedAt: '2026-01-01T00:00:00.000Z' },
  { teamId: 'T1', slackUserId: 'U2', traceUser: 'bob@acme.dev', grants: ['lightstep'], mappedAt: '2026-01-02T00:00:00.000Z' },
];

describe('existing stores move to grants, seeing exactly what they saw before', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-migrate-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lowdb: a version-1 store.json reads as grants, and is rewritten as version 2 only by the next change', async () => {
    const file = path.join(dir, 'store.json');
    const legacy = { version: 1, mappings: LEGACY, links: [], pending: [], states: [], used: [] };
    await writeFile(file, JSON.stringify(legacy), { mode: 0o600 });
    const store = await openLowdbStore({ dataDir: dir });
    assert.deepEqual(await store.listMappings(), MIGRATED);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).version, 1, 'reading never writes');
    await store.putMapping({ teamId: 'T1', slackUserId: 'U3', traceUser: 'cy', grants: ['jaeger'], mappedAt: 'x' });
    const written = JSON.parse(await readFile(file, 'utf8')) as { version: number; mappings: unknown[] };
    assert.equal(written.version, 2);
    assert.deepEqual(written.mappings.slice(0, 2), MIGRATED);
    await store.close();
  });

  it('store import takes a version-1 export (lowdb or PostgreSQL, from before backends) and migrates it', async () => {
    const dataDir = path.join(dir, 'import');
    const exported = path.join(dir, 'old-export.json');
    await writeFile(exported, JSON.stringify({ version: 1, mappings: LEGACY, links: [], pending: [] }));
    const env = { PATH: process.env.PATH ?? '', HOME: dir, LSSLACK_DATA_DIR: dataDir, LSSLACK_CONFIG_DIR: path.join(dir, 'cfg') };
    const { stdout } = await run(process.execPath, [...CLI, 'store', 'import', exported], { env });
    assert.match(stdout, /Imported 2 mappings/);
    const list = await run(process.execPath, [...CLI, 'users', 'list', '--json'], { env });
    const rows = JSON.parse(list.stdout) as Array<{ slackUser: string; grants: string[] }>;
    assert.deepEqual(rows.map((r) => [r.slackUser, r.grants]), [['U1', ['lightstep/checkout', 'lightstep/payments']], ['U2', ['lightstep']]]);
  });

  it('PostgreSQL: migration 3 turns the projects column of a live schema into grants', async (t) => {
    if (!(await postgresAvailable())) {
      t.skip('PostgreSQL not reachable (see the notice above)');
      return;
    }
    const fresh = freshSchemaUrl();
    const { pool, schema } = createPgPool(fresh.url, log, { max: 2 });
    try {
      // The schema as release 0.1 left it: migrations 1 and 2, with rows in the old shape.
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query('CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
        await pool.query(m.sql);
        await pool.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
      for (const m of LEGACY) {
        await pool.query('INSERT INTO mappings (team_id, slack_user_id, lightstep_user, projects, mapped_at) VALUES ($1,$2,$3,$4,$5)', [m.teamId, m.slackUserId, m.lightstepUser, JSON.stringify(m.projects), m.mappedAt]);
      }
      assert.deepEqual(await migrate(pool, schema), [3, 4], 'grants, then channel policies');
      assert.deepEqual(await createPgStore(pool).listMappings(), MIGRATED);
      assert.deepEqual(await migrate(pool, schema), [], 'applied once');
    } finally {
      await pool.end();
      await fresh.drop();
    }
  });
});
