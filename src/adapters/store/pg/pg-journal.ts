import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../../domain/ports.js';
import type { UnfurlJob } from '../../../domain/types.js';
import type { JobJournal } from '../../../pipeline/job-journal.js';
import type { NewJobRecorder } from '../../../pipeline/record-new-jobs.js';
import { storeUnavailable } from './pg-pool.js';

export interface PgJournalOptions {
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly now?: () => number;
  /** How long a replica owns a job without renewing (a dead replica's jobs move after this). */
  readonly leaseMs?: number;
}

/** The PostgreSQL journal: its owner id is how replicas tell their leases apart. */
export interface PgJournal extends JobJournal, NewJobRecorder {
  readonly owner: string;
}

/**
 * The job journal as a table shared by replicas. The replica that records a job owns it (a
 * lease it renews while alive); jobs whose lease ran out — their replica died, or it had no room
 * in memory and spilled them — are taken by any replica with `FOR UPDATE SKIP LOCKED`, so each is
 * taken by exactly one. Done = deleted.
 */
export function createPgJournal(options: PgJournalOptions): PgJournal {
  const { pool } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 15_000;
  const owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const log = options.log.child({ component: 'pg-journal', owner });
  let closed = false;

  let lastSweep = 0;
  const renew = async () => {
    await pool.query('UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2', [now() + leaseMs, owner]);
    if (now() - lastSweep > 60_000) {
      lastSweep = now();
      await pool.query('DELETE FROM dedupe_keys WHERE expires_at <= $1', [now()]);
    }
  };
  const timer = setInterval(() => {
    renew().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'lease renewal failed'));
  }, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();

  const insertJobs = (client: pg.Pool | pg.PoolClient, jobs: readonly UnfurlJob[]) =>
    client.query(
      `INSERT INTO jobs (id, job, created_at, lease_owner, lease_until)
       SELECT x.id, x.job, x.created_at, $2, $3 FROM jsonb_to_recordset($1::jsonb) AS x(id text, job jsonb, created_at bigint)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(jobs.map((job) => ({ id: job.id, job, created_at: job.receivedAt }))), owner, now() + leaseMs],
    );
  // Insert keys, or take over expired ones; a key another transaction holds waits for it to end.
  const claimKeys = async (client: pg.PoolClient, keys: readonly string[], ttlMs: number): Promise<Set<string>> => {
    const at = now();
    const { rows } = await client.query<{ key: string }>(
      `INSERT INTO dedupe_keys (key, expires_at) SELECT unnest($1::text[]), $2
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dedupe_keys.expires_at <= $3
       RETURNING key`,
      [keys, at + ttlMs, at],
    );
    return new Set(rows.map((r) => r.key));
  };

  const inFlight = new Set<Promise<unknown>>();
  const background = (what: string, sql: string, params: unknown[]) => {
    if (closed) return;
    const done = pool.query(sql, params).catch((error: unknown) => log.warn({ err: (error as Error).message }, `could not record ${what}`));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  return {
    owner,
    shared: true,
    /**
     * Dedupe and record in one transaction: the event key, then each job's link key, then the jobs.
     * Two replicas given the same event serialise on the unique index; exactly one records it.
     */
    async recordNew(jobs, keys) {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        await client.query('BEGIN');
        if (!(await claimKeys(client, [keys.eventKey], keys.ttlMs)).has(keys.eventKey)) {
          await client.query('COMMIT');
          return [];
        }
        const linkKeys = jobs.map(keys.linkKeyOf);
        const won = await claimKeys(client, linkKeys, keys.ttlMs);
        const fresh = jobs.filter((_, i) => won.has(linkKeys[i]!));
        if (fresh.length > 0) await insertJobs(client, fresh);
        await client.query('COMMIT');
        return fresh;
      } catch (error) {
        await client?.query('ROLLBACK').catch(() => undefined);
        // A client that failed mid-transaction may be broken: destroy it rather than pool it.
        client?.release(true);
        client = undefined;
        throw storeUnavailable(error);
      } finally {
        client?.release();
      }
    },
    async append(jobs) {
      if (jobs.length === 0) return;
      try {
        await insertJobs(pool, jobs);
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
    done(jobId) {
      background('that a job is done (it may run again)', 'DELETE FROM jobs WHERE id = $1', [jobId]);
    },
    async started(jobId) {
      try {
        const { rows } = await pool.query<{ crashes: number }>('UPDATE jobs SET crashes = crashes + 1 WHERE id = $1 RETURNING crashes', [jobId]);
        return rows[0]?.crashes ?? 1;
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
    deferred(jobId) {
      background('a deferred attempt', 'UPDATE jobs SET crashes = 0 WHERE id = $1', [jobId]);
    },
    spill(jobIds) {
      if (jobIds.length === 0) return;
      // Give up the lease at once: any replica with room (this one included) takes them in order.
      background('spilled jobs', 'UPDATE jobs SET lease_owner = NULL, lease_until = 0 WHERE id = ANY($1::text[]) AND lease_owner = $2', [jobIds, owner]);
    },
    hasWaiting: () => false,
    waitingCount: () => 0,
    async take(limit) {
      try {
        // UPDATE … RETURNING gives rows in no particular order (PostgreSQL docs, "UPDATE"), so the
        // taken jobs are sorted again; the id breaks ties between jobs received in the same ms.
        const { rows } = await pool.query<{ job: UnfurlJob }>(
          `WITH taken AS (
             UPDATE jobs SET lease_owner = $1, lease_until = $2
             WHERE id IN (SELECT id FROM jobs WHERE lease_until <= $3 ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
             RETURNING job, created_at, id)
           SELECT job FROM taken ORDER BY created_at, id`,
          [owner, now() + leaseMs, now(), limit],
        );
        return rows.map((r) => r.job);
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // Records sent in the background (done, spilled, deferred) land before the pool ends.
      await Promise.all(inFlight);
      // Hand unfinished work to the other replicas (or our next start) at once, not after the lease.
      await pool.query('UPDATE jobs SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1', [owner]).catch(() => undefined);
    },
  };
}
