import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobRecord } from '../../pipeline/job-log.js';
import type { StatusSnapshot } from '../../pipeline/status.js';

export interface PrometheusMetrics {
  /** Feed one finished job into the latency histogram. */
  observeJob(record: JobRecord): void;
  render(): Promise<{ contentType: string; body: string }>;
}

const CONNECTION_STATES = ['connecting', 'connected', 'reconnecting', 'disconnected', 'down', 'listening'] as const;

/**
 * Prometheus exposition with prom-client. Counters and gauges read the same status snapshot the
 * dashboard shows at scrape time, so the two can never disagree; only the latency histogram is
 * fed per job (a histogram cannot be rebuilt from a snapshot).
 */
export function createPrometheusMetrics(snapshot: () => Promise<StatusSnapshot>): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lsslack_' });
  let current: StatusSnapshot | undefined;

  type Read = (s: StatusSnapshot) => Array<[Record<string, string>, number]>;
  /** Both kinds are refilled from the snapshot at scrape time: reset, then set each labelled value. */
  const fromSnapshot = <M extends Counter | Gauge>(metric: new (c: { name: string; help: string; labelNames: string[]; registers: Registry[]; collect(this: M): void }) => M, set: (m: M, labels: Record<string, string>, value: number) => void) =>
    (name: string, help: string, labelNames: string[], read: Read) =>
      new metric({
        name,
        help,
        labelNames,
        registers: [registry],
        collect(this: M) {
          if (current === undefined) return;
          this.reset();
          for (const [labels, value] of read(current)) set(this, labels, value);
        },
      });
  const counterFrom = fromSnapshot<Counter>(Counter, (m, labels, value) => m.inc(labels, value));
  const gaugeFrom = fromSnapshot<Gauge>(Gauge, (m, labels, value) => m.set(labels, value));

  counterFrom('lsslack_events_total', 'Slack events by what happened to them', ['result'], (s) => [
    [{ result: 'received' }, s.counters.events_received],
    [{ result: 'acked' }, s.counters.events_acked],
    [{ result: 'deduplicated' }, s.counters.events_deduplicated],
    [{ result: 'ignored' }, s.counters.events_ignored],
    [{ result: 'dropped' }, s.counters.envelopes_dropped],
  ]);
  counterFrom('lsslack_jobs_total', 'Unfurl jobs by outcome', ['outcome'], (s) => Object.entries(s.outcomes).map(([outcome, n]) => [{ outcome }, n]));
  counterFrom('lsslack_backend_jobs_total', 'Unfurl jobs by trace backend (configured id) and outcome', ['backend', 'outcome'], (s) =>
    Object.entries(s.outcomesByBackend).flatMap(([backend, counts]) => Object.entries(counts).map(([outcome, n]) => [{ backend, outcome }, n ?? 0] as [Record<string, string>, number])),
  );
  counterFrom('lsslack_jobs_failed_total', 'Failed unfurl jobs by error code', ['code'], (s) => Object.entries(s.failedByCode).map(([code, n]) => [{ code }, n]));
  counterFrom('lsslack_slack_rate_limited_total', 'Slack 429 answers to chat.unfurl', [], (s) => [[{}, s.counters.slack_429]]);
  counterFrom('lsslack_backend_retries_total', 'Trace requests tried a second time at once (a blip), by backend', ['backend'], (s) => Object.entries(s.backendRetries).map(([backend, n]) => [{ backend }, n]));
  counterFrom('lsslack_preview_worker_restarts_total', 'Preview workers that died and were started again', [], (s) => [[{}, s.counters.worker_restarts]]);
  counterFrom('lsslack_links_dropped_total', 'Identity links dropped after Slack refused their token', [], (s) => [[{}, s.counters.links_dropped]]);
  counterFrom('lsslack_slack_reconnects_total', 'Socket Mode reconnects', [], (s) => [[{}, s.connection.reconnects]]);
  gaugeFrom('lsslack_queue_waiting', 'Jobs waiting for a worker', [], (s) => [[{}, s.queue.waiting]]);
  gaugeFrom('lsslack_queue_running', 'Jobs running', [], (s) => [[{}, s.queue.running]]);
  gaugeFrom('lsslack_queue_concurrency', 'Worker pool size', [], (s) => [[{}, s.queue.concurrency]]);
  gaugeFrom('lsslack_queue_oldest_waiting_seconds', 'Age of the oldest waiting job', [], (s) => [[{}, s.queue.oldestWaitingMs / 1000]]);
  gaugeFrom('lsslack_queue_deferred', 'Jobs waiting out an outage or a rate limit', [], (s) => [[{}, s.queue.deferred]]);
  gaugeFrom('lsslack_queue_backlog', 'Jobs recorded in the journal waiting for room in memory', [], (s) => [[{}, s.queue.backlog]]);
  gaugeFrom('lsslack_slack_connection_state', 'Slack connection state (1 for the current state)', ['state'], (s) => CONNECTION_STATES.map((state) => [{ state }, s.connection.state === state ? 1 : 0]));
  gaugeFrom('lsslack_ready', 'Whether the daemon is ready to take events', [], (s) => [[{}, s.ready ? 1 : 0]]);
  gaugeFrom('lsslack_users_mapped', 'Slack users mapped to grants', [], (s) => [[{}, s.auth.usersMapped]]);
  gaugeFrom('lsslack_users_linked', 'Slack users who completed linking', [], (s) => [[{}, s.auth.usersLinked]]);
  gaugeFrom('lsslack_prompts_pending', 'Unfurls waiting for their sharer to link', [], (s) => [[{}, s.auth.promptsPending]]);

  const latency = new Histogram({
    name: 'lsslack_unfurl_latency_seconds',
    help: 'Slack event received → job finished (unfurled, prompted or trace gone)',
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    observeJob(record) {
      if (record.outcome === 'unfurled' || record.outcome === 'prompted' || record.outcome === 'not_found') latency.observe({ outcome: record.outcome }, record.latencyMs / 1000);
    },
    async render() {
      current = await snapshot();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
