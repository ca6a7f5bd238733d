import type { UnfurlJob } from '../domain/types.js';

/**
 * Where accepted work is recorded before Slack is told "got it", and the queue's backing store:
 * the in-memory queue holds a bounded number of jobs, the journal holds all of them. The file
 * journal implements it for one box, PostgreSQL for replicas.
 *
 * A job is either *held* (by this process: queued, running or waiting to be retried) or
 * *waiting* in the journal for `take()`. `append` hands its jobs to the caller (held); `spill`
 * gives held jobs back (their memory is released) and `take` hands out the oldest waiting ones.
 */
export interface JobJournal {
  /** Records jobs durably (fsync'd); rejects when they could not be recorded. The jobs are held. */
  append(jobs: readonly UnfurlJob[]): Promise<void>;
  /**
   * An attempt of the job starts. Resolves to how many attempts in a row, this one included,
   * began without ending (a crash of the daemon or of the preview worker cut them short): the
   * caller ends a job that keeps killing its workers as poison instead of running it again.
   */
  started(jobId: string): Promise<number>;
  /** The attempt ended without finishing the job (it will be tried again later): not a crash. */
  deferred(jobId: string): void;
  /** Records that a job ended (any outcome); need not be awaited. */
  done(jobId: string): void;
  /** Held jobs this process cannot keep in memory: back to waiting, oldest first. */
  spill(jobIds: readonly string[]): void;
  /** Up to `limit` waiting jobs, oldest first; they are held from now on. */
  take(limit: number): Promise<UnfurlJob[]>;
  /** Whether jobs wait for `take()` (a new job then waits behind them, to keep the order). */
  hasWaiting(): boolean;
  /** How many jobs wait (0 when this process cannot know, as with replicas sharing a table). */
  waitingCount(): number;
  /** Other processes add waiting jobs too (replicas whose lease expired): `take()` must be polled. */
  readonly shared: boolean;
  close(): Promise<void>;
}
