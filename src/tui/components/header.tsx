import { Box, Text } from 'ink';
import type { StatusSnapshot } from '../../pipeline/status.js';
import { fit, formatDuration } from '../format.js';
import type { StreamState } from '../status-stream-client.js';
import { tone, type Look, type Tone } from '../theme.js';

/** What the right end of the header says about the dashboard's own link to the daemon. */
export function streamBadge(stream: StreamState, paused: boolean): { text: string; tone: Tone } {
  if (paused) return { text: '‖ PAUSED', tone: 'warn' };
  switch (stream.kind) {
    case 'live':
      return { text: '● live', tone: 'good' };
    case 'connecting':
      return { text: 'connecting…', tone: 'warn' };
    case 'reconnecting':
      return { text: 'daemon unreachable — retrying…', tone: 'bad' };
    case 'unauthorized':
      return { text: `access refused (HTTP ${stream.status})`, tone: 'bad' };
  }
}

/** `lsslack 0.1.0 · socket · up 2h 03m · ready` on the left, the stream badge on the right. */
export function Header(props: { readonly snapshot: StatusSnapshot | undefined; readonly stream: StreamState; readonly paused: boolean; readonly columns: number; readonly color: boolean }) {
  const { snapshot, columns } = props;
  const look = { color: props.color, stale: false };
  const badge = streamBadge(props.stream, props.paused);
  const right = fit(badge.text, columns);
  const room = Math.max(0, columns - right.length - 1);
  const name = fit(snapshot === undefined ? 'lsslack dashboard' : `lsslack ${snapshot.version}`, room);
  const facts = snapshot === undefined ? '' : ` · ${snapshot.mode} · up ${formatDuration(snapshot.uptimeS * 1000)} · `;
  const readiness = snapshot === undefined ? '' : snapshot.ready ? 'ready' : `NOT READY: ${snapshot.notReadyReasons.join('; ')}`;
  const factsText = fit(facts, room - name.length);
  const readyText = fit(readiness, room - name.length - factsText.length);
  const readyTone: Tone = snapshot?.ready === true ? 'good' : 'bad';
  return (
    <Box width={columns} justifyContent="space-between">
      <Text wrap="truncate-end">
        <Text {...tone(look, 'title')}>{name}</Text>
        <Text {...tone(look, 'muted')}>{factsText}</Text>
        <Text {...tone(look, props.stream.kind === 'live' ? readyTone : 'muted')}>{readyText}</Text>
      </Text>
      <Text {...tone(look, badge.tone)} {...(props.paused && props.color ? { bold: true } : {})} wrap="truncate-end">
        {right}
      </Text>
    </Box>
  );
}
