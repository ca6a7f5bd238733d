import { LsslackError } from '../domain/errors.js';
import type { JobOutcome } from '../domain/types.js';
import type { UnfurlQueue } from './unfurl-queue.js';

/**
 * A job just got through: the backend it read from and Slack both answer again, so the jobs
 * deferred because one of them was down need not sit out the rest of their back-off (up to 30 s).
 * Rate limits are not cut short: Slack and the backends said when to come back.
 */
export function expediteOnRecovery(queue: Pick<UnfurlQueue, 'expedite'>): (outcome: JobOutcome) => void {
  return (outcome) => {
    if (outcome.kind !== 'unfurled' && outcome.kind !== 'not_found' && outcome.kind !== 'prompted') return;
    const backend = outcome.backend;
    queue.expedite(
      (error) =>
        error instanceof LsslackError &&
        (error.code === 'slack_unavailable' || (outcome.kind !== 'prompted' && error.code === 'backend_unavailable' && error.backend === backend)),
    );
  };
}
