import { Text } from 'ink';
import type { QueueStats } from '../../pipeline/unfurl-queue.js';
import { formatCount, formatMs } from '../format.js';
import { tone, type Look } from '../theme.js';
import { Line, Stat } from './line.js';
import { innerWidth, Panel } from './panel.js';

/** Waiting jobs, running/concurrency as a bar (concurrency 0: held during an intake burst), age of the oldest waiting job. */
export function QueuePanel(props: { readonly queue: QueueStats; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { queue, look } = props;
  const inner = innerWidth(props.width);
  const ratio = queue.concurrency === 0 ? `${queue.running}/held` : `${queue.running}/${queue.concurrency}`;
  const barWidth = Math.max(0, inner - ratio.length - 1);
  const filled = queue.concurrency <= 0 ? 0 : Math.min(barWidth, Math.max(queue.running > 0 ? 1 : 0, Math.round((queue.running / queue.concurrency) * barWidth)));
  const full = queue.running >= queue.concurrency && queue.concurrency > 0;
  return (
    <Panel title="Queue" width={props.width} lines={props.lines} look={look}>
      <Stat label="waiting" value={formatCount(queue.waiting)} width={inner} look={look} tone={queue.waiting > 0 ? 'warn' : 'plain'} />
      <Line look={look}>
        <Text {...tone(look, full ? 'warn' : 'good')}>{'█'.repeat(filled)}</Text>
        <Text {...tone(look, 'muted')}>{'░'.repeat(barWidth - filled)}</Text>
        {barWidth > 0 ? ' ' : ''}
        {ratio}
      </Line>
      <Stat label="oldest" value={queue.waiting > 0 ? formatMs(queue.oldestWaitingMs) : '—'} width={inner} look={look} />
    </Panel>
  );
}
