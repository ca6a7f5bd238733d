import { Text } from 'ink';
import { formatClock, formatDuration } from '../format.js';
import type { StreamState } from '../status-stream-client.js';
import { tone, type Look, type Tone } from '../theme.js';
import { Line } from './line.js';
import { Panel } from './panel.js';

/** The lines that explain why there is nothing to show yet, and what to do about it. */
export function noticeLines(stream: StreamState, url: string, now: number): Array<{ label: string; text: string; tone?: Tone }> {
  const streamUrl = `${url.replace(/\/$/, '')}/status/stream`;
  switch (stream.kind) {
    case 'live':
    case 'connecting':
      return [{ label: '', text: `Connecting to ${streamUrl}…`, tone: 'warn' }];
    case 'reconnecting':
      return [
        { label: '', text: 'daemon unreachable — retrying…', tone: 'bad' },
        { label: 'url', text: streamUrl },
        { label: 'error', text: stream.lastError },
        { label: 'since', text: `${formatClock(stream.since)} (${formatDuration(now - stream.since)}) · attempt ${stream.attempt}, next in ${Math.max(1, Math.round(stream.retryInMs / 1000))}s` },
        { label: 'fix', text: 'start it (lsslack start), or point --url / --config at it' },
      ];
    case 'unauthorized':
      return [
        { label: '', text: `the daemon refused access (HTTP ${stream.status})`, tone: 'bad' },
        { label: 'url', text: streamUrl },
        { label: 'daemon', text: stream.message },
        {
          label: 'fix',
          text:
            stream.status === 401
              ? "pass --token (the daemon's LSSLACK_ADMIN_TOKEN)"
              : 'run this on the daemon host, or set LSSLACK_ADMIN_TOKEN there and pass --token',
        },
      ];
  }
}

/** Shown instead of the panels while no snapshot has ever arrived. */
export function UnreachableNotice(props: { readonly stream: StreamState; readonly url: string; readonly now: number; readonly width: number; readonly maxLines: number; readonly look: Look }) {
  const lines = noticeLines(props.stream, props.url, props.now).slice(0, Math.max(1, props.maxLines));
  return (
    <Panel title="lsslack daemon" width={props.width} lines={lines.length} look={props.look}>
      {lines.map((line, i) => (
        <Line key={i} look={props.look}>
          <Text {...tone(props.look, 'muted')}>{line.label === '' ? '' : line.label.padEnd(8)}</Text>
          <Text {...tone(props.look, line.tone ?? 'plain')}>{line.text}</Text>
        </Line>
      ))}
    </Panel>
  );
}
