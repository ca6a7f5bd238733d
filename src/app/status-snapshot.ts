import type { Store } from '../adapters/store/store.js';
import type { Config } from '../config/config.js';
import type { ConnectionTracker } from '../pipeline/connection-state.js';
import type { Counters } from '../pipeline/counters.js';
import type { JobJournal } from '../pipeline/job-journal.js';
import type { JobLog } from '../pipeline/job-log.js';
import type { StatusSnapshot } from '../pipeline/status.js';
import type { UnfurlQueue } from '../pipeline/unfurl-queue.js';

export interface StatusSnapshotSources {
  readonly config: Config;
  readonly version: string;
  readonly now: () => number;
  readonly readiness: () => Promise<string[]>;
  readonly jobs: JobLog;
  readonly counters: Counters;
  readonly connection: ConnectionTracker;
  readonly backendRetries: ReadonlyMap<string, number>;
  /** Undefined until the daemon has started. */
  readonly store: () => Store | undefined;
  readonly queue: () => UnfurlQueue | undefined;
  readonly journal: () => JobJournal | undefined;
}

/**
 * The status read model: one snapshot of everything an operator watches, served by `/status`,
 * streamed by `/status/stream`, scraped as `/metrics` and drawn by the dashboard. It holds no
 * trace content and no tokens.
 */
export function createStatusSnapshot(sources: StatusSnapshotSources): () => Promise<StatusSnapshot> {
  const { config, now } = sources;
  const startedAt = now();
  return async () => {
    const at = now();
    const reasons = await sources.readiness();
    const store = sources.store();
    const [mappings, links, pending] = store === undefined ? [[], [], 0] : await Promise.all([store.listMappings(), store.listLinks(), store.countPending()]);
    const log = sources.jobs.snapshot();
    const queue = sources.queue()?.stats() ?? { waiting: 0, running: 0, deferred: 0, concurrency: config.concurrency, oldestWaitingMs: 0 };
    return {
      version: sources.version,
      mode: config.mode,
      startedAt,
      now: at,
      uptimeS: Math.round((at - startedAt) / 1000),
      ready: reasons.length === 0,
      notReadyReasons: reasons,
      connection: sources.connection.snapshot(),
      queue: { ...queue, backlog: sources.journal()?.waitingCount() ?? 0 },
      counters: sources.counters.snapshot(),
      outcomes: log.outcomes,
      outcomesByBackend: log.outcomesByBackend,
      backendRetries: Object.fromEntries(sources.backendRetries),
      backends: config.backends.map((b) => ({ id: b.id, kind: b.kind })),
      previews: !config.workObjects ? 'blocks' : sources.counters.get('work_objects_refused') > 0 ? 'refused' : 'work-object',
      failedByCode: log.failedByCode,
      latencyMs: log.latencyMs,
      finishedPerSecond: log.finishedPerSecond,
      auth: { usersMapped: mappings.length, usersLinked: links.length, promptsPending: pending, linksDropped: sources.counters.get('links_dropped') },
      recentJobs: log.recentJobs,
      recentErrors: log.recentErrors,
    };
  };
}
