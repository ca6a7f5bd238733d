/** Monotonic counters since start, by name (events_received, slack_429, backend_retries…). */
export interface Counters {
  inc(name: CounterName, by?: number): void;
  get(name: CounterName): number;
  snapshot(): Readonly<Record<CounterName, number>>;
}

export type CounterName =
  | 'events_received'
  | 'events_acked'
  | 'events_deduplicated'
  | 'events_ignored'
  | 'envelopes_dropped'
  | 'slack_429'
  | 'backend_retries'
  | 'links_dropped'
  | 'worker_restarts'
  | 'work_objects_refused';

const NAMES: readonly CounterName[] = ['events_received', 'events_acked', 'events_deduplicated', 'events_ignored', 'envelopes_dropped', 'slack_429', 'backend_retries', 'links_dropped', 'worker_restarts', 'work_objects_refused'];

export function createCounters(): Counters {
  const values = Object.fromEntries(NAMES.map((n) => [n, 0])) as Record<CounterName, number>;
  return {
    inc(name, by = 1) {
      values[name] += by;
    },
    get: (name) => values[name],
    snapshot: () => ({ ...values }),
  };
}
