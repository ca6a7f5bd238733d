import fastq from 'fastq';
import { asLsslackError } from '../domain/errors.js';
import type { JobOutcome, UnfurlJob } from '../domain/types.js';

export interface QueueStats {
  readonly waiting: number;
  readonly running: number;
  /** How many jobs may run at once; 0 while new jobs are held (an intake burst). */
  readonly concurrency: number;
  /** Age of the oldest job not yet started, ms (0 when none waits). */
  readonly oldestWaitingMs: number;
}

export interface UnfurlQueue {
  /** Queue jobs; returns at once (the ack must not wait for any network call). */
  enqueue(jobs: readonly UnfurlJob[]): void;
  stats(): QueueStats;
  /** How many jobs may start from now on; 0 holds them (running ones are never interrupted). */
  setConcurrency(concurrency: number): void;
  /** Stop starting new jobs and wait up to `timeoutMs` for running ones; true when all finished. */
  stop(timeoutMs: number): Promise<boolean>;
}

export interface UnfurlQueueOptions {
  readonly concurrency: number;
  readonly work: (job: UnfurlJob) => Promise<JobOutcome>;
  /** Called once per job with how it ended; never throws into the queue. */
  readonly onDone: (job: UnfurlJob, outcome: JobOutcome, durationMs: number) => void;
  readonly now?: () => number;
  /**
   * For a failure worth re-running later (e.g. Slack's per-workspace 429), the delay in ms;
   * undefined ends the job as failed. `attempt` counts from 1.
   */
  readonly retryDelay?: (error: unknown, attempt: number) => number | undefined;
}

/** A fastq worker pool: every job ends in exactly one recorded outcome, surprises included. */
export function createUnfurlQueue(options: UnfurlQueueOptions): UnfurlQueue {
  const now = options.now ?? Date.now;
  // Insertion-ordered, so the first entry is the oldest waiting job.
  const waiting = new Map<string, number>();
  let stopping = false;
  const attempts = new Map<string, number>();
  const deferred = new Set<NodeJS.Timeout>();

  /** Run the job again after `delayMs` without holding a worker while waiting. */
  const defer = (job: UnfurlJob, delayMs: number) => {
    const timer = setTimeout(() => {
      deferred.delete(timer);
      if (stopping) return;
      waiting.set(job.id, now());
      void queue.push(job);
    }, delayMs);
    deferred.add(timer);
  };

  const worker = async (job: UnfurlJob): Promise<void> => {
    waiting.delete(job.id);
    const started = now();
    let outcome: JobOutcome;
    try {
      outcome = await options.work(job);
    } catch (error) {
      const attempt = (attempts.get(job.id) ?? 0) + 1;
      const delay = stopping ? undefined : options.retryDelay?.(error, attempt);
      if (delay !== undefined) {
        attempts.set(job.id, attempt);
        defer(job, delay);
        return;
      }
      const e = asLsslackError(error);
      outcome = { kind: 'failed', code: e.code, message: e.message };
    }
    attempts.delete(job.id);
    try {
      options.onDone(job, outcome, now() - started);
    } catch {
      // An observer's bug must not take a worker down.
    }
  };
  const queue = fastq.promise(worker, options.concurrency);

  return {
    enqueue(jobs) {
      if (stopping) return;
      for (const job of jobs) {
        waiting.set(job.id, job.receivedAt);
        void queue.push(job);
      }
    },
    stats() {
      const oldest = waiting.values().next();
      return {
        waiting: queue.length() + deferred.size,
        running: queue.running(),
        concurrency: queue.paused ? 0 : queue.concurrency,
        oldestWaitingMs: oldest.done === true ? 0 : Math.max(0, now() - oldest.value),
      };
    },
    setConcurrency(concurrency) {
      if (stopping) return;
      if (concurrency < 1) {
        queue.pause();
        return;
      }
      queue.concurrency = Math.floor(concurrency);
      queue.resume();
    },
    async stop(timeoutMs) {
      stopping = true;
      // Jobs not started stay recorded elsewhere (the journal) and are replayed on the next start.
      queue.pause();
      queue.kill();
      waiting.clear();
      for (const timer of deferred) clearTimeout(timer);
      deferred.clear();
      if (queue.running() === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        queue.drained().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return finished;
    },
  };
}
