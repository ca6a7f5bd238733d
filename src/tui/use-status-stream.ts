import { useEffect, useRef, useState } from 'react';
import type { StatusSnapshot } from '../pipeline/status.js';
import type { DashboardView } from './dashboard-view.js';
import type { StatusSource } from './status-stream-client.js';
import { addSample, perSecond, type ThroughputSample } from './throughput.js';

/**
 * Follow a status source: the latest snapshot, the stream's state, and throughput computed from
 * successive snapshots. Subscribes on mount and unsubscribes on unmount.
 */
export function useStatusStream(source: StatusSource): DashboardView {
  const history = useRef<ThroughputSample[]>([]);
  const previous = useRef<StatusSnapshot | undefined>(undefined);
  const read = (): DashboardView => {
    const latest = source.latest;
    if (latest !== undefined && latest !== previous.current) {
      history.current = addSample(history.current, latest, previous.current);
      previous.current = latest;
    }
    return { snapshot: latest, stream: source.state, throughput: perSecond(history.current) };
  };
  const [view, setView] = useState<DashboardView>(read);
  useEffect(() => {
    setView(read());
    return source.subscribe(() => setView(read()));
    // `read` only closes over refs and `source`.
  }, [source]);
  return view;
}
