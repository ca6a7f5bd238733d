import type { ConnectionSnapshot } from './connection-state.js';
import type { CounterName } from './counters.js';
import type { JobLogSnapshot } from './job-log.js';
import type { QueueStats } from './unfurl-queue.js';

/** Who is mapped and linked, for the auth panel. */
export interface AuthStats {
  readonly usersMapped: number;
  readonly usersLinked: number;
  readonly promptsPending: number;
  readonly linksDropped: number;
}

/**
 * One JSON snapshot of the daemon, served by `/status` and `/status/stream` and drawn by the
 * dashboard. Holds no trace content and no tokens.
 */
export interface StatusSnapshot {
  readonly version: string;
  readonly mode: 'socket' | 'http';
  readonly startedAt: number;
  readonly now: number;
  readonly uptimeS: number;
  readonly ready: boolean;
  readonly notReadyReasons: readonly string[];
  readonly connection: ConnectionSnapshot;
  readonly queue: QueueStats;
  readonly counters: Readonly<Record<CounterName, number>> & { readonly events_deduplicated: number };
  readonly outcomes: JobLogSnapshot['outcomes'];
  readonly outcomesByBackend: JobLogSnapshot['outcomesByBackend'];
  /** Quick in-request retries per backend id. */
  readonly backendRetries: Readonly<Record<string, number>>;
  /** The configured backends, in the order links are tried. */
  readonly backends: readonly { readonly id: string; readonly kind: string }[];
  /**
   * How previews are posted: `blocks`, `work-object`, or `refused` (configured for Work Objects
   * but Slack refused the card: Work Object Previews are off in the app settings).
   */
  readonly previews: 'blocks' | 'work-object' | 'refused';
  readonly failedByCode: JobLogSnapshot['failedByCode'];
  readonly latencyMs: JobLogSnapshot['latencyMs'];
  /** Jobs finished in each of the last 60 seconds (oldest first): a dashboard that connects now starts from them. */
  readonly finishedPerSecond?: JobLogSnapshot['finishedPerSecond'];
  readonly auth: AuthStats;
  readonly recentJobs: JobLogSnapshot['recentJobs'];
  readonly recentErrors: JobLogSnapshot['recentErrors'];
}
