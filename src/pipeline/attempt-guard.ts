import type { Logger } from '../domain/ports.js';
import type { JobOutcome, UnfurlJob } from '../domain/types.js';
import type { JobJournal } from './job-journal.js';

export interface AttemptGuardOptions {
  readonly journal: Pick<JobJournal, 'started'>;
  /** Attempts in a row cut short by a crash or restart after which a job is poison. */
  readonly maxCrashes: number;
  readonly log: Logger;
}

/**
 * Records each attempt in the journal before it runs, and ends a job whose last `maxCrashes`
 * attempts never ended — each killed its preview worker, or the daemon (an out-of-memory abort, a
 * restart loop) — as `poison`, with a log line, instead of running it again. Without this, one
 * link could keep a daemon in a crash loop for as long as it is in the journal.
 */
export function guardAttempts(options: AttemptGuardOptions, work: (job: UnfurlJob) => Promise<JobOutcome>): (job: UnfurlJob) => Promise<JobOutcome> {
  const log = options.log.child({ component: 'attempts' });
  return async (job) => {
    const attempts = await options.journal.started(job.id);
    const cutShort = attempts - 1;
    if (cutShort >= options.maxCrashes) {
      log.error({ jobId: job.id, team: job.teamId, channel: job.channel, crashes: cutShort }, 'job is poison: its last attempts all died with their worker; it will not run again');
      return { kind: 'failed', code: 'poison', message: `${cutShort} attempts in a row died with their worker (or the daemon); the job was ended so it cannot take lsslack down again.` };
    }
    return work(job);
  };
}
