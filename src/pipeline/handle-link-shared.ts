import type { UnfurlJob } from '../domain/types.js';
import type { DispatchResult } from './inbound-event.js';
import type { EventHandler } from './dispatch.js';
import { jobFromDetailsRequest } from './details-requested.js';
import { jobsFromLinkShared, type JobsOrProblem } from './link-shared.js';
import type { NewJobRecorder } from './record-new-jobs.js';

export interface JobHandlerOptions {
  /** Hands recorded jobs to the queue (or leaves them in the journal when memory is full). */
  readonly admit: (jobs: readonly UnfurlJob[]) => void;
  readonly recorder: NewJobRecorder;
  readonly now?: () => number;
  /** How long the same (team, channel, message_ts, url) — or the same flexpane trigger — is remembered. */
  readonly windowMs?: number;
}

// JSON, not NUL separators: PostgreSQL text cannot hold NUL bytes.
const linkKeyOf = (job: UnfurlJob) => `link:${JSON.stringify([job.teamId, job.channel, job.messageTs, job.url])}`;
const triggerKeyOf = (job: UnfurlJob) => `details:${job.triggerId ?? job.id}`;

/**
 * `link_shared` → one job per new link, recorded in the journal *before* the event is acked.
 * The same link in the same message seen again within 10 minutes (a redelivery under a new
 * event_id, an edit) is not unfurled twice. If the jobs cannot be recorded the event is rejected:
 * not acked, so Slack redelivers it.
 */
export function createLinkSharedHandler(options: JobHandlerOptions): EventHandler {
  return createJobHandler(options, 'link_shared', jobsFromLinkShared, linkKeyOf);
}

/** `entity_details_requested` → one job for the viewer, recorded before the ack like a link (one answer per trigger). */
export function createDetailsRequestedHandler(options: JobHandlerOptions): EventHandler {
  return createJobHandler(options, 'entity_details_requested', jobFromDetailsRequest, triggerKeyOf);
}

function createJobHandler(
  options: JobHandlerOptions,
  type: string,
  parse: (body: Record<string, unknown>, receivedAt: number) => JobsOrProblem,
  keyOf: (job: UnfurlJob) => string,
): EventHandler {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 10 * 60_000;
  return async (body, event): Promise<DispatchResult> => {
    const parsed = parse(body, event.receivedAt ?? now());
    if ('problem' in parsed) return { kind: 'ignored', reason: `${type}: ${parsed.problem}` };
    if (parsed.jobs.length === 0) return { kind: 'ignored', reason: `${type} without links` };
    let fresh: UnfurlJob[];
    try {
      // A redelivered event (same event_id, Slack's retries) and the same work seen again within
      // the window both come back empty here.
      fresh = await options.recorder.recordNew(parsed.jobs, { eventKey: `event:${parsed.jobs[0]!.eventId}`, linkKeyOf: keyOf, ttlMs: windowMs });
    } catch (error) {
      return { kind: 'rejected', reason: (error as Error).message };
    }
    if (fresh.length === 0) return { kind: 'duplicate' };
    options.admit(fresh);
    return { kind: 'queued', jobs: fresh.length };
  };
}
