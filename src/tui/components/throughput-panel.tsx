import { Text } from 'ink';
import type { StatusSnapshot } from '../../pipeline/status.js';
import { firstThatFits, formatCount } from '../format.js';
import { tone, type Look } from '../theme.js';
import { rates, sparkline, type ThroughputSeries } from '../throughput.js';
import { Line } from './line.js';
import { innerWidth, Panel } from './panel.js';

/** A line of facts joined by " · " (separators muted), the longest variant that fits. */
function Facts({ variants, width, look }: { readonly variants: ReadonlyArray<readonly string[]>; readonly width: number; readonly look: Look }) {
  const text = firstThatFits(
    variants.map((v) => v.join(' · ')),
    width,
  );
  const parts = text.split(' · ');
  return (
    <Line look={look}>
      {parts.map((part, i) => (
        <Text key={i}>
          {i === 0 ? '' : <Text {...tone(look, 'muted')}> · </Text>}
          {part}
        </Text>
      ))}
    </Line>
  );
}

/** Finished jobs per second over the last minute as a sparkline, with totals and event counters. */
export function ThroughputPanel(props: { readonly series: ThroughputSeries; readonly counters: StatusSnapshot['counters']; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { series, counters, look } = props;
  const inner = innerWidth(props.width);
  const { total, now, peak } = rates(series);
  const nowText = ` ${formatCount(now)}/s`;
  const spark = sparkline(series, Math.max(1, inner - nowText.length));
  const [received, acked, dedup] = [counters.events_received, counters.events_acked, counters.events_deduplicated].map(formatCount) as [string, string, string];
  return (
    <Panel title="Throughput" note="jobs/s, last 60 s" width={props.width} lines={props.lines} look={look}>
      <Line look={look}>
        <Text {...tone(look, 'info')}>{spark}</Text>
        {nowText}
      </Line>
      <Facts
        look={look}
        width={inner}
        variants={[
          [`${formatCount(total)} jobs in the last 60 s`, `peak ${formatCount(peak)}/s`],
          [`${formatCount(total)} jobs in 60 s`, `peak ${formatCount(peak)}/s`],
          [`${formatCount(total)} in 60 s`, `peak ${formatCount(peak)}/s`],
          [`${formatCount(total)}/min`],
        ]}
      />
      <Facts
        look={look}
        width={inner}
        variants={[
          [`events ${received}`, `acked ${acked}`, `deduplicated ${dedup}`],
          [`events ${received}`, `acked ${acked}`, `dedup ${dedup}`],
          [`events ${received}`, `dedup ${dedup}`],
          [`events ${received}`],
        ]}
      />
    </Panel>
  );
}
