import type { StatusSnapshot } from '../pipeline/status.js';
import type { StreamState } from './status-stream-client.js';
import type { ThroughputSeries } from './throughput.js';

/** Everything the dashboard draws: the latest snapshot (if any), the stream's state, throughput. */
export interface DashboardView {
  readonly snapshot: StatusSnapshot | undefined;
  readonly stream: StreamState;
  /** Finished jobs per second over the last minute, oldest first. */
  readonly throughput: ThroughputSeries;
}
