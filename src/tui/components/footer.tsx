import { Box, Text } from 'ink';
import { firstThatFits, formatClock } from '../format.js';
import type { StreamState } from '../status-stream-client.js';
import { tone } from '../theme.js';

/** Keys on the left; the daemon URL, when the data is from and why it is old on the right. */
export function Footer(props: { readonly url: string; readonly updatedAt: number | undefined; readonly stream: StreamState; readonly paused: boolean; readonly columns: number; readonly color: boolean }) {
  const look = { color: props.color, stale: false };
  const action = props.paused ? 'resume' : 'pause';
  const keys = `q quit · p ${action}`;
  const live = props.stream.kind === 'live' && !props.paused;
  const candidates: string[][] = [[props.url]];
  if (props.updatedAt !== undefined) {
    const when = `${live ? 'updated' : 'last update'} ${formatClock(props.updatedAt)}`;
    const why = props.stream.kind === 'reconnecting' && !props.paused ? [props.stream.lastError] : [];
    // While the daemon is away, why matters more than where.
    candidates.unshift([props.url, when, ...why], ...(why.length > 0 ? [[when, ...why]] : []), [props.url, when], [when]);
  }
  const right = firstThatFits(
    candidates.map((parts) => parts.join(' · ')),
    Math.max(0, props.columns - keys.length - 2),
  );
  return (
    <Box width={props.columns} justifyContent="space-between">
      <Text {...tone(look, 'muted')} wrap="truncate-end">
        <Text {...tone(look, 'title')}>q</Text> quit · <Text {...tone(look, 'title')}>p</Text> {action}
      </Text>
      <Text {...tone(look, 'muted')} wrap="truncate-end">
        {right}
      </Text>
    </Box>
  );
}
