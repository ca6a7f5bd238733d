import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../../domain/ports.js';
import type { UnfurlJob } from '../../../domain/types.js';
import type { ClaimingJournal } from '../../../pipeline/job-journal.js';
import { storeUnavailable } from './pg-pool.js';

export interface PgJournalOptions {
  readonly pool: pg.Pool;
  readonly log: Logger;
  readonly now?: () => number;
  /** How long a replica owns a job without renewing (a dead replica's jobs move after this). */
  readonly leaseMs?: number;
}

/**
 * The job journal as a table shared by replicas. The replica that records a job owns it (a
 * lease it renews while alive); jobs whose lease ran out — their replica died — are claimed by
 * another with `FOR UPDATE SKIP LOCKED`, so each is claimed by exactly one. Done = deleted.
 */
export function createPgJournal(options: PgJournalOptions): ClaimingJournal {
  const { pool } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 15_000;
  const owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const log = options.log.child({ component: 'pg-journal', owner });
  let closed = false;

  const renew = async () => {
    await pool.query('UPDATE jobs SET lease_until = $1 WHERE lease_owner = $2', [now() + leaseMs, owner]);
  };
  const timer = setInterval(() => {
    renew().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'lease renewal failed'));
  }, Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    owner,
    async append(jobs) {
      if (jobs.length === 0) return;
      try {
        await pool.query(
          `INSERT INTO jobs (id, job, created_at, lease_owner, lease_until)
           SELECT x.id, x.job, x.created_at, $2, $3 FROM jsonb_to_recordset($1::jsonb) AS x(id text, job jsonb, created_at bigint)
           ON CONFLICT (id) DO NOTHING`,
          [JSON.stringify(jobs.map((job) => ({ id: job.id, job, created_at: job.receivedAt }))), owner, now() + leaseMs],
        );
      } catch (error) {
        throw storeUnavailable(error);
      }
    },
    done(jobId) {
      if (closed) return;
      pool.query('DELETE FROM jobs WHERE id = $1', [jobId]).catch((error: unknown) => log.warn({ jobId, err: (error as Error).message }, 'could not mark job done; it may run again'));
    },
    live: () => [],
    async claim(limit) {
      try {
        const { rows } = await pool.query<{ job: UnfurlJob }>(
          `UPDATE jobs SET lease_owner = $1, lease_until = $2
           WHERE id IN (SELECT id FROM jobs WHERE lease_until <= $3 ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
           RETURNING job`,
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
      // Hand unfinished work to the other replicas (or our next start) at once, not after the lease.
      await pool.query('UPDATE jobs SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1', [owner]).catch(() => undefined);
    },
  };
}
