import type { PendingUnfurl, Store } from '../adapters/store/store.js';
import type { UnfurlJob } from '../domain/types.js';
import type { JobFeeder } from '../pipeline/job-feeder.js';
import type { JobJournal } from '../pipeline/job-journal.js';

/**
 * Once a person has linked, the unfurls that prompted them are posted now — recorded in the
 * journal first, like any accepted work — so nobody has to share the link again.
 */
export function deliverAfterLinking(options: { store: Pick<Store, 'takePending'>; journal: Pick<JobJournal, 'append'>; feeder: Pick<JobFeeder, 'admit'>; now: () => number }): (teamId: string, slackUserId: string) => Promise<void> {
  return async (teamId, slackUserId) => {
    const delivered = (await options.store.takePending(teamId, slackUserId)).map((p) => jobFromPending(p, options.now()));
    if (delivered.length === 0) return;
    await options.journal.append(delivered);
    options.feeder.admit(delivered);
  };
}

/** A remembered unfurl becomes a job again once its sharer has linked. */
function jobFromPending(pending: PendingUnfurl, receivedAt: number): UnfurlJob {
  return {
    id: `${pending.eventId}:linked:${pending.id}`,
    eventId: pending.eventId,
    teamId: pending.teamId,
    userId: pending.slackUserId,
    channel: pending.channel,
    messageTs: pending.messageTs,
    target: pending.target,
    url: pending.url,
    receivedAt,
  };
}
