import type { UnfurlJob } from '../domain/types.js';

/**
 * Where accepted work is recorded before Slack is told "got it". The file journal implements it
 * for one box; an event is acked only after `append` resolved.
 */
export interface JobJournal {
  /** Records jobs durably (fsync'd); rejects when they could not be recorded. */
  append(jobs: readonly UnfurlJob[]): Promise<void>;
  /** Records that a job ended (any outcome); need not be awaited. */
  done(jobId: string): void;
  /** Jobs recorded and not done, oldest first (what a restart must replay). */
  live(): UnfurlJob[];
  close(): Promise<void>;
}

/** A journal shared by replicas: jobs whose owner died are claimed by the living. */
export interface ClaimingJournal extends JobJournal {
  readonly owner: string;
  /** Take over up to `limit` jobs whose lease expired (exactly one replica gets each). */
  claim(limit: number): Promise<UnfurlJob[]>;
}
