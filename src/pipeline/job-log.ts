import { EventEmitter } from 'node:events';
import type { DetailLevel, JobOutcome, OutcomeKind, UnfurlJob } from '../domain/types.js';

/** One finished job as shown to operators: no trace content, no tokens. */
export interface JobRecord {
  readonly at: number;
  readonly jobId: string;
  readonly team: string;
  readonly channel: string;
  /** The backend (its configured id) the link was for, and the scope in it (a project, a datasource). */
  readonly backend?: string;
  readonly scope?: string;
  readonly outcome: OutcomeKind;
  readonly detail?: string;
  /** Not a first preview: a viewer's flexpane, or a refresh of a preview whose trace was still arriving. */
  readonly surface?: 'flexpane' | 'refresh';
  /** How much the preview showed (the conversation's audience and policy decide). */
  readonly level?: DetailLevel;
  readonly durationMs: number;
  /** Event received → job finished, ms. */
  readonly latencyMs: number;
}

export interface ErrorRecord {
  readonly at: number;
  readonly code: string;
  readonly message: string;
  readonly jobId?: string;
}

export interface JobLogSnapshot {
  readonly outcomes: Readonly<Record<OutcomeKind, number>>;
  /** Outcomes of the jobs whose link a backend recognised, per backend id. */
  readonly outcomesByBackend: Readonly<Record<string, Readonly<Partial<Record<OutcomeKind, number>>>>>;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly recentJobs: readonly JobRecord[];
  readonly recentErrors: readonly ErrorRecord[];
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly samples: number };
  /** Jobs finished (any outcome) in each of the last 60 seconds, oldest first; the last is the current second. */
  readonly finishedPerSecond: readonly number[];
}

/** Seconds of per-second finished counts kept (what the dashboard's throughput panel shows). */
export const PER_SECOND_WINDOW = 60;

const RECENT_JOBS = 20;
const RECENT_ERRORS = 10;
const LATENCY_WINDOW = 1024;

/**
 * The record of how every job ended. Emits 'job' on each outcome so the status stream can push
 * at once. Latency is event→outcome over the last LATENCY_WINDOW unfurls.
 */
export class JobLog extends EventEmitter {
  readonly #outcomes: Record<OutcomeKind, number> = { unfurled: 0, prompted: 0, not_authorized: 0, not_found: 0, skipped: 0, failed: 0 };
  readonly #failedByCode: Record<string, number> = {};
  readonly #byBackend = new Map<string, Partial<Record<OutcomeKind, number>>>();
  readonly #jobs: JobRecord[] = [];
  readonly #errors: ErrorRecord[] = [];
  readonly #latency: number[] = [];
  #latencyNext = 0;
  /** Finished jobs per second: slot `second % PER_SECOND_WINDOW` holds [second, count]. */
  readonly #perSecond: Array<[number, number]> = Array.from({ length: PER_SECOND_WINDOW }, () => [-1, 0]);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    super();
    this.#now = now;
  }

  record(job: UnfurlJob, outcome: JobOutcome, durationMs: number): JobRecord {
    const at = this.#now();
    this.#outcomes[outcome.kind] += 1;
    const second = Math.floor(at / 1000);
    const slot = this.#perSecond[second % PER_SECOND_WINDOW]!;
    if (slot[0] === second) slot[1] += 1;
    else this.#perSecond[second % PER_SECOND_WINDOW] = [second, 1];
    const backend = 'backend' in outcome ? outcome.backend : undefined;
    const scope = 'scope' in outcome ? outcome.scope : undefined;
    if (backend !== undefined) {
      const counts = this.#byBackend.get(backend) ?? {};
      counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
      this.#byBackend.set(backend, counts);
    }
    const detail = outcome.kind === 'failed' ? outcome.code : 'reason' in outcome ? outcome.reason : undefined;
    const surface = job.kind === 'details' ? 'flexpane' : job.kind === 'refresh' ? 'refresh' : undefined;
    const level = outcome.kind === 'unfurled' ? outcome.detail : undefined;
    const record: JobRecord = {
      at,
      jobId: job.id,
      team: job.teamId,
      channel: job.channel,
      ...(backend === undefined ? {} : { backend }),
      ...(scope === undefined ? {} : { scope }),
      outcome: outcome.kind,
      detail,
      ...(surface === undefined ? {} : { surface }),
      ...(level === undefined ? {} : { level }),
      durationMs,
      latencyMs: at - job.receivedAt,
    };
    push(this.#jobs, record, RECENT_JOBS);
    if (outcome.kind === 'failed') {
      this.#failedByCode[outcome.code] = (this.#failedByCode[outcome.code] ?? 0) + 1;
      this.error(outcome.code, outcome.message, job.id);
    }
    // A refresh waits on purpose; its latency says nothing about how fast previews are.
    if (surface !== 'refresh' && (outcome.kind === 'unfurled' || outcome.kind === 'not_found' || outcome.kind === 'prompted')) {
      this.#latency[this.#latencyNext] = record.latencyMs;
      this.#latencyNext = (this.#latencyNext + 1) % LATENCY_WINDOW;
    }
    this.emit('job', record);
    return record;
  }

  #finishedPerSecond(): number[] {
    const now = Math.floor(this.#now() / 1000);
    const out: number[] = [];
    for (let second = now - PER_SECOND_WINDOW + 1; second <= now; second += 1) {
      const slot = this.#perSecond[((second % PER_SECOND_WINDOW) + PER_SECOND_WINDOW) % PER_SECOND_WINDOW]!;
      out.push(slot[0] === second ? slot[1] : 0);
    }
    return out;
  }

  /** Errors that are not a job's outcome (a dropped envelope, a failed reconnect…). */
  error(code: string, message: string, jobId?: string): void {
    push(this.#errors, { at: this.#now(), code, message, jobId }, RECENT_ERRORS);
  }

  snapshot(): JobLogSnapshot {
    const sorted = [...this.#latency].sort((a, b) => a - b);
    return {
      outcomes: { ...this.#outcomes },
      outcomesByBackend: Object.fromEntries([...this.#byBackend].map(([b, counts]) => [b, { ...counts }])),
      failedByCode: { ...this.#failedByCode },
      recentJobs: [...this.#jobs].reverse(),
      recentErrors: [...this.#errors].reverse(),
      latencyMs: { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), samples: sorted.length },
      finishedPerSecond: this.#finishedPerSecond(),
    };
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

/** Nearest-rank quantile of an ascending array; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? 0;
}
