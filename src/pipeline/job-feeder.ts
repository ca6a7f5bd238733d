import type { Logger } from '../domain/ports.js';
import type { UnfurlJob } from '../domain/types.js';
import type { JobJournal } from './job-journal.js';
import type { UnfurlQueue } from './unfurl-queue.js';

export interface JobFeeder {
  /** Room opened in memory, or jobs were spilled to the journal: take what fits now. */
  wake(): void;
  /** New jobs of an event: run them, or leave them in the journal behind older waiting ones. */
  admit(jobs: readonly UnfurlJob[]): void;
  stop(): Promise<void>;
}

export interface JobFeederOptions {
  readonly journal: Pick<JobJournal, 'take' | 'spill' | 'hasWaiting' | 'shared'>;
  readonly queue: Pick<UnfurlQueue, 'enqueue' | 'room'>;
  readonly log: Logger;
  /** How often a shared journal (replicas) is polled for jobs whose lease expired. */
  readonly pollMs?: number;
}

/**
 * Moves jobs between the journal (all of them) and the in-memory queue (a bounded number): the
 * journal is the queue, memory only a window onto it. New jobs go straight to the queue while it
 * has room and nothing older waits; otherwise they stay in the journal and are read back in
 * order as jobs finish. With replicas the journal is shared and also polled, so the jobs of a
 * replica that died (its lease expired) are picked up by the living.
 */
export function startJobFeeder(options: JobFeederOptions): JobFeeder {
  const { journal, queue, log } = options;
  const base = options.pollMs ?? 1_000;
  let delay = base;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const fill = async (): Promise<void> => {
    for (;;) {
      const room = queue.room();
      if (stopped || room <= 0 || (!journal.shared && !journal.hasWaiting())) return;
      const jobs = await journal.take(room);
      if (jobs.length === 0) return;
      const overflow = queue.enqueue(jobs);
      if (overflow.length > 0) journal.spill(overflow.map((j) => j.id));
      if (jobs.length < room) return;
    }
  };

  const run = () => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = fill()
      .then(
        () => {
          delay = base;
        },
        (error: unknown) => {
          delay = Math.min(30_000, delay * 2);
          log.warn({ err: (error as Error).message, retryInMs: delay }, 'taking jobs from the journal failed; backing off');
        },
      )
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          run();
        }
      });
  };

  const poll = () => {
    if (stopped || !journal.shared) return;
    timer = setTimeout(() => {
      run();
      void (running ?? Promise.resolve()).finally(poll);
    }, delay);
    timer.unref();
  };

  run();
  poll();
  return {
    wake: run,
    admit(jobs) {
      if (stopped || jobs.length === 0) return;
      // Older jobs wait in the journal: these queue up behind them, so order is kept.
      const overflow = journal.hasWaiting() ? [...jobs] : queue.enqueue(jobs);
      if (overflow.length === 0) return;
      journal.spill(overflow.map((j) => j.id));
      run();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
