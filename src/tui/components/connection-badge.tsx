import { Text } from 'ink';
import type { ConnectionSnapshot, ConnectionState } from '../../pipeline/connection-state.js';
import { formatClock, formatDuration } from '../format.js';
import { tone, type Look, type Tone } from '../theme.js';
import { Line, Stat } from './line.js';
import { innerWidth, Panel } from './panel.js';

const BADGES: Record<ConnectionState, { mark: string; label: string; tone: Tone }> = {
  connected: { mark: '●', label: 'connected', tone: 'good' },
  listening: { mark: '●', label: 'listening (HTTP)', tone: 'good' },
  connecting: { mark: '◌', label: 'connecting', tone: 'warn' },
  reconnecting: { mark: '◌', label: 'reconnecting', tone: 'warn' },
  disconnected: { mark: '○', label: 'down (disconnected)', tone: 'bad' },
  down: { mark: '○', label: 'down', tone: 'bad' },
};

/** "● connected" in the colour of the state. */
export function ConnectionBadge({ state, look }: { readonly state: ConnectionState; readonly look: Look }) {
  const badge = BADGES[state];
  return (
    <Text {...tone(look, badge.tone)} wrap="truncate-end">
      {badge.mark} {badge.label}
    </Text>
  );
}

/** The Slack panel: connection state, since when, reconnects. */
export function SlackPanel(props: { readonly connection: ConnectionSnapshot; readonly now: number; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { connection, look } = props;
  const inner = innerWidth(props.width);
  const since = `since ${formatClock(connection.since)}`;
  const ago = ` (${formatDuration(props.now - connection.since)})`;
  return (
    <Panel title="Slack" width={props.width} lines={props.lines} look={look}>
      <ConnectionBadge state={connection.state} look={look} />
      <Line look={look}>
        {since}
        <Text {...tone(look, 'muted')}>{since.length + ago.length <= inner ? ago : ''}</Text>
      </Line>
      <Stat label="reconnects" value={String(connection.reconnects)} width={inner} look={look} tone={connection.reconnects > 0 ? 'warn' : 'plain'} />
    </Panel>
  );
}
