import type { DispatchResult } from './inbound-event.js';
import type { EventHandler } from './dispatch.js';
import { jobsFromLinkShared } from './link-shared.js';
import { TtlSet } from './ttl-set.js';
import type { UnfurlQueue } from './unfurl-queue.js';

export interface LinkSharedHandlerOptions {
  readonly queue: Pick<UnfurlQueue, 'enqueue'>;
  readonly now?: () => number;
  /** How long the same (team, channel, message_ts, url) is remembered. */
  readonly windowMs?: number;
}

/**
 * `link_shared` → one queued job per new link. The same link in the same message seen again
 * within 10 minutes (a second event for an edited message, a redelivery with a new event_id) is
 * not unfurled twice.
 */
export function createLinkSharedHandler(options: LinkSharedHandlerOptions): EventHandler {
  const now = options.now ?? Date.now;
  const seen = new TtlSet({ ttlMs: options.windowMs ?? 10 * 60_000, max: 200_000, now });
  return async (body, event): Promise<DispatchResult> => {
    const parsed = jobsFromLinkShared(body, event.receivedAt ?? now());
    if ('problem' in parsed) return { kind: 'ignored', reason: `link_shared: ${parsed.problem}` };
    const fresh = parsed.jobs.filter((job) => seen.addIfAbsent(`${job.teamId}\u0000${job.channel}\u0000${job.messageTs}\u0000${job.url}`));
    if (fresh.length === 0) return { kind: 'duplicate' };
    options.queue.enqueue(fresh);
    return { kind: 'queued', jobs: fresh.length };
  };
}
