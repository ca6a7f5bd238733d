import { LsslackError, type ErrorCode } from '../domain/errors.js';
import type { UnfurlJob } from '../domain/types.js';

/** Run the job again after `delayMs`; `crash` when its attempt was cut short (it counts towards poison). */
export type RetryDecision = { readonly delayMs: number; readonly reason: string; readonly crash: boolean } | undefined;

export interface RetryPolicyOptions {
  /** How long after the event an outage is ridden out before the job ends (LSSLACK_OUTAGE_RIDE_OUT). */
  readonly rideOutMs: number;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Longest back-off between two attempts. */
  readonly maxDelayMs?: number;
}

/** Outages: the other side will answer again, so the job waits for it instead of failing. */
const OUTAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['backend_unavailable', 'backend_rate_limited', 'slack_unavailable', 'slack_rate_limited', 'store_unavailable']);

/** First back-off after an outage, ms (doubled per attempt, with full jitter). */
const BASE_DELAY_MS = 1_000;

/**
 * Which failed attempts are worth another one, and when.
 *
 * - The preview worker died while running the job: at once (the attempt counts as a crash; a job
 *   that keeps killing its workers is ended as poison by the attempt guard).
 * - An outage of the backend, of Slack or of the store, and rate limits: after a back-off with
 *   full jitter (AWS architecture blog, "Exponential Backoff And Jitter"), or exactly the
 *   `Retry-After` the other side asked for, for as long as the event is younger than the
 *   ride-out time; then the job ends with the outage's code and nothing is posted.
 * - Anything else (a bad reply, a refused token, a bug) ends the job now: trying again cannot help.
 */
export function createRetryPolicy(options: RetryPolicyOptions): (job: UnfurlJob, error: unknown, attempt: number) => RetryDecision {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 30_000;
  return (job, error, attempt) => {
    if (!(error instanceof LsslackError)) return undefined;
    if (error.workerLost === true) return { delayMs: 0, reason: 'worker_lost', crash: true };
    if (!OUTAGE_CODES.has(error.code)) return undefined;
    const deadline = job.receivedAt + options.rideOutMs;
    const backoff = random() * Math.min(maxDelay, BASE_DELAY_MS * 2 ** Math.min(20, attempt - 1));
    // A small spread on top of Retry-After keeps a workspace's jobs from returning in one burst.
    const delayMs = Math.max(50, error.retryAfterMs !== undefined ? error.retryAfterMs + random() * 250 : backoff);
    if (now() + delayMs > deadline) return undefined;
    return { delayMs, reason: error.code, crash: false };
  };
}
