import type { StatusSnapshot } from '../../pipeline/status.js';
import { formatCount, formatMs } from '../format.js';
import type { Look } from '../theme.js';
import { Stat } from './line.js';
import { innerWidth, Panel } from './panel.js';

/** Event → unfurl latency percentiles over the recent window. */
export function LatencyPanel(props: { readonly latency: StatusSnapshot['latencyMs']; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { latency, look } = props;
  const inner = innerWidth(props.width);
  const value = (ms: number) => (latency.samples === 0 ? '—' : formatMs(ms));
  return (
    <Panel title="Latency" note={`n=${formatCount(latency.samples)}`} width={props.width} lines={props.lines} look={look}>
      <Stat label="p50" value={value(latency.p50)} width={inner} look={look} />
      <Stat label="p95" value={value(latency.p95)} width={inner} look={look} />
      <Stat label="p99" value={value(latency.p99)} width={inner} look={look} tone={latency.p99 >= 3000 ? 'warn' : 'plain'} />
    </Panel>
  );
}
