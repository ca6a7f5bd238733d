import type { Logger } from '../domain/ports.js';
import type { ClaimingJournal } from '../pipeline/job-journal.js';
import type { UnfurlQueue } from '../pipeline/unfurl-queue.js';

export interface ClaimLoop {
  stop(): Promise<void>;
}

/**
 * Every replica polls for jobs whose lease expired (their replica died, or stopped and released
 * them) and runs them, taking only what its queue has room for. Backs off while the database is
 * unreachable, and picks up again by itself.
 */
export function startClaimLoop(options: { journal: ClaimingJournal; queue: UnfurlQueue; log: Logger; capacity: number; intervalMs?: number }): ClaimLoop {
  const base = options.intervalMs ?? 1000;
  let delay = base;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const tick = async () => {
    try {
      const stats = options.queue.stats();
      const room = options.capacity - stats.waiting - stats.running;
      if (room > 0) {
        const jobs = await options.journal.claim(room);
        if (jobs.length > 0) {
          options.log.info({ jobs: jobs.length }, 'claimed unfinished jobs');
          options.queue.enqueue(jobs);
        }
      }
      delay = base;
    } catch (error) {
      delay = Math.min(30_000, delay * 2);
      options.log.warn({ err: (error as Error).message, retryInMs: delay }, 'claiming jobs failed; backing off');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        schedule();
      });
    }, delay);
  };
  running = tick().finally(() => {
    running = undefined;
    schedule();
  });
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
