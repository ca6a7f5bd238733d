import type { UnfurlJob } from '../domain/types.js';
import type { Deduper } from './deduper.js';
import type { JobJournal } from './job-journal.js';

/** What makes an event's jobs "new": the event id, and per job the (message, URL) pair. */
export interface NewJobKeys {
  readonly eventKey: string;
  readonly linkKeyOf: (job: UnfurlJob) => string;
  readonly ttlMs: number;
}

/**
 * Records the jobs of an event not seen before — deduplication and the durable record as one
 * step. With PostgreSQL both happen in one transaction: a replica that dies between "seen" and
 * "recorded" must not leave a mark that makes Slack's redelivery look like a duplicate.
 */
export interface NewJobRecorder {
  /** Returns the jobs recorded (durable when this resolves); rejects when they could not be recorded. */
  recordNew(jobs: readonly UnfurlJob[], keys: NewJobKeys): Promise<UnfurlJob[]>;
}

/** One box: an in-memory deduper in front of the file journal (both die together, so no stale marks). */
export function createLocalRecorder(deduper: Deduper, journal: Pick<JobJournal, 'append'>): NewJobRecorder {
  return {
    async recordNew(jobs, keys) {
      const [eventFresh] = await deduper.firstSeen([keys.eventKey], keys.ttlMs);
      if (eventFresh !== true) return [];
      const linkKeys = jobs.map(keys.linkKeyOf);
      const fresh = await deduper.firstSeen(linkKeys, keys.ttlMs);
      const recorded = jobs.filter((_, i) => fresh[i] === true);
      try {
        await journal.append(recorded);
      } catch (error) {
        // Not recorded: not seen either, so Slack's redelivery is processed.
        await deduper.forget([keys.eventKey, ...linkKeys.filter((_, i) => fresh[i] === true)]).catch(() => undefined);
        throw error;
      }
      return recorded;
    },
  };
}
