import type { UnfurlJob } from '../domain/types.js';
import type { Deduper } from './deduper.js';
import type { DispatchResult } from './inbound-event.js';
import type { EventHandler } from './dispatch.js';
import type { JobJournal } from './job-journal.js';
import { jobsFromLinkShared } from './link-shared.js';
import type { UnfurlQueue } from './unfurl-queue.js';

export interface LinkSharedHandlerOptions {
  readonly queue: Pick<UnfurlQueue, 'enqueue'>;
  readonly journal: Pick<JobJournal, 'append'>;
  readonly deduper: Deduper;
  readonly now?: () => number;
  /** How long the same (team, channel, message_ts, url) is remembered. */
  readonly windowMs?: number;
}

const keyOf = (job: UnfurlJob) => `link:${job.teamId}\u0000${job.channel}\u0000${job.messageTs}\u0000${job.url}`;

/**
 * `link_shared` → one job per new link, recorded in the journal *before* the event is acked.
 * The same link in the same message seen again within 10 minutes (a redelivery under a new
 * event_id, an edit) is not unfurled twice. If the jobs cannot be recorded the event is rejected:
 * not acked, so Slack redelivers it.
 */
export function createLinkSharedHandler(options: LinkSharedHandlerOptions): EventHandler {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 10 * 60_000;
  return async (body, event): Promise<DispatchResult> => {
    const parsed = jobsFromLinkShared(body, event.receivedAt ?? now());
    if ('problem' in parsed) return { kind: 'ignored', reason: `link_shared: ${parsed.problem}` };
    if (parsed.jobs.length === 0) return { kind: 'ignored', reason: 'link_shared without links' };
    const first = await options.deduper.firstSeen(parsed.jobs.map(keyOf), windowMs);
    const fresh = parsed.jobs.filter((_, i) => first[i] === true);
    if (fresh.length === 0) return { kind: 'duplicate' };
    try {
      await options.journal.append(fresh);
    } catch (error) {
      await options.deduper.forget(fresh.map(keyOf)).catch(() => undefined);
      return { kind: 'rejected', reason: (error as Error).message };
    }
    options.queue.enqueue(fresh);
    return { kind: 'queued', jobs: fresh.length };
  };
}
