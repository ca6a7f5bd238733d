import fastq from 'fastq';
import { asLsslackError } from '../domain/errors.js';
import type { JobOutcome, UnfurlJob } from '../domain/types.js';
import type { RetryDecision } from './retry-policy.js';

export interface QueueStats {
  /** Jobs in memory not started yet (deferred ones included). */
  readonly waiting: number;
  readonly running: number;
  /** Jobs waiting out a back-off (an outage, a 429) without holding a worker. */
  readonly deferred: number;
  /** How many jobs may run at once; 0 while new jobs are held (an intake burst). */
  readonly concurrency: number;
  /** Age of the oldest job not yet started, ms (0 when none waits). */
  readonly oldestWaitingMs: number;
  /** Jobs recorded in the journal waiting for room in memory (filled in by the daemon). */
  readonly backlog: number;
}

export interface UnfurlQueue {
  /** Queue jobs; returns at once (the ack must not wait for any network call) with those that did not fit. */
  enqueue(jobs: readonly UnfurlJob[]): UnfurlJob[];
  /** How many more jobs fit in memory. */
  room(): number;
  stats(): Omit<QueueStats, 'backlog'>;
  /** How many jobs may start from now on; 0 holds them (running ones are never interrupted). */
  setConcurrency(concurrency: number): void;
  /** Deferred jobs whose last failure matches run again within about a second (their cause recovered). */
  expedite(matches: (error: unknown) => boolean): number;
  /** Stop starting new jobs and wait up to `timeoutMs` for running ones; true when all finished. */
  stop(timeoutMs: number): Promise<boolean>;
}

export interface UnfurlQueueOptions {
  readonly concurrency: number;
  /** Most jobs held in memory at once (waiting, running and deferred); the rest stay in the journal. */
  readonly capacity?: number;
  readonly work: (job: UnfurlJob) => Promise<JobOutcome>;
  /** Called once per job with how it ended; never throws into the queue. */
  readonly onDone: (job: UnfurlJob, outcome: JobOutcome, durationMs: number) => void;
  readonly now?: () => number;
  /** For an attempt that threw: run it again later (without holding a worker meanwhile) or end it. */
  readonly retry?: (job: UnfurlJob, error: unknown, attempt: number) => RetryDecision;
  /** A job was deferred (not a crash: its attempt ended). */
  readonly onDeferred?: (job: UnfurlJob, decision: Exclude<RetryDecision, undefined>, error: unknown) => void;
  /** Room opened in memory (a job ended). */
  readonly onRoom?: () => void;
  readonly random?: () => number;
}

interface Deferred {
  readonly job: UnfurlJob;
  readonly error: unknown;
  timer: NodeJS.Timeout;
  dueAt: number;
}

/** A fastq worker pool: every job ends in exactly one recorded outcome, surprises included. */
export function createUnfurlQueue(options: UnfurlQueueOptions): UnfurlQueue {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const capacity = Math.max(1, options.capacity ?? Number.POSITIVE_INFINITY);
  // Insertion-ordered, so the first entry is the oldest waiting job.
  const waiting = new Map<string, number>();
  let stopping = false;
  let held = 0;
  const attempts = new Map<string, number>();
  const deferred = new Map<string, Deferred>();
  // Ids in memory: a job read back from the journal while its copy is still here (a refresh
  // scheduled again by a replayed job) is not run twice.
  const heldIds = new Set<string>();

  const release = (job: UnfurlJob) => {
    held -= 1;
    heldIds.delete(job.id);
    options.onRoom?.();
  };

  /** Run the job after `delayMs` without holding a worker while waiting (a retry, or a job not due yet). */
  const defer = (job: UnfurlJob, delayMs: number, error: unknown) => {
    const entry: Deferred = { job, error, dueAt: now() + delayMs, timer: setTimeout(() => resume(job.id), delayMs) };
    deferred.set(job.id, entry);
  };
  const resume = (id: string) => {
    const entry = deferred.get(id);
    if (entry === undefined) return;
    deferred.delete(id);
    if (stopping) return;
    waiting.set(id, now());
    void queue.push(entry.job);
  };

  const worker = async (job: UnfurlJob): Promise<void> => {
    waiting.delete(job.id);
    const started = now();
    let outcome: JobOutcome;
    try {
      outcome = await options.work(job);
    } catch (error) {
      const attempt = (attempts.get(job.id) ?? 0) + 1;
      const decision = options.retry?.(job, error, attempt);
      if (decision !== undefined && stopping) {
        // Shutting down: not finished, so not done either — the journal still has it for the next start.
        attempts.delete(job.id);
        release(job);
        return;
      }
      if (decision !== undefined) {
        attempts.set(job.id, attempt);
        if (!decision.crash) options.onDeferred?.(job, decision, error);
        defer(job, decision.delayMs, error);
        return;
      }
      const e = asLsslackError(error);
      outcome = { kind: 'failed', code: e.code, message: attempt > 1 ? `${e.message} (gave up after ${attempt} attempts)` : e.message };
    }
    attempts.delete(job.id);
    try {
      options.onDone(job, outcome, now() - started);
    } catch {
      // An observer's bug must not take a worker down.
    }
    release(job);
  };
  const queue = fastq.promise(worker, options.concurrency);

  return {
    enqueue(jobs) {
      if (stopping) return [];
      const fresh = jobs.filter((job) => !heldIds.has(job.id));
      const fits = Math.max(0, Math.min(fresh.length, capacity - held));
      const at = now();
      for (let i = 0; i < fits; i++) {
        const job = fresh[i]!;
        held += 1;
        heldIds.add(job.id);
        // A job not due yet (a scheduled refresh) waits on a timer, holding no worker.
        if (job.notBefore !== undefined && job.notBefore > at) {
          defer(job, job.notBefore - at, undefined);
          continue;
        }
        waiting.set(job.id, job.receivedAt);
        void queue.push(job);
      }
      return fits === fresh.length ? [] : fresh.slice(fits);
    },
    room: () => (stopping ? 0 : Math.max(0, capacity - held)),
    stats() {
      const oldest = waiting.values().next();
      return {
        waiting: queue.length() + deferred.size,
        running: queue.running(),
        deferred: deferred.size,
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
    expedite(matches) {
      let count = 0;
      for (const entry of deferred.values()) {
        if (!matches(entry.error) || entry.dueAt - now() < 1_000) continue;
        clearTimeout(entry.timer);
        // Spread over a second: a recovered backend should not get the whole backlog at once.
        const delay = random() * 1_000;
        entry.dueAt = now() + delay;
        entry.timer = setTimeout(() => resume(entry.job.id), delay);
        count += 1;
      }
      return count;
    },
    async stop(timeoutMs) {
      stopping = true;
      // Jobs not started stay recorded elsewhere (the journal) and are replayed on the next start.
      queue.pause();
      queue.kill();
      waiting.clear();
      for (const entry of deferred.values()) clearTimeout(entry.timer);
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
