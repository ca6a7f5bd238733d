import { Text } from 'ink';
import type { ErrorRecord } from '../../pipeline/job-log.js';
import type { StatusSnapshot } from '../../pipeline/status.js';
import { formatClock, formatCount, pad } from '../format.js';
import { tone, type Look } from '../theme.js';
import { innerWidth, Panel } from './panel.js';

/** The latest errors, newest first, with Slack 429s and backend retries on the title. */
export function ErrorList(props: { readonly errors: readonly ErrorRecord[]; readonly counters: StatusSnapshot['counters']; readonly width: number; readonly rows: number; readonly look: Look }) {
  const { errors, counters, look } = props;
  const inner = innerWidth(props.width);
  const shown = errors.slice(0, props.rows);
  // Codes padded to one width so the messages line up.
  const codeWidth = Math.min(Math.max(8, inner - 30), Math.max(0, ...shown.map((e) => e.code.length)));
  const note = `Slack 429s ${formatCount(counters.slack_429)} · backend retries ${formatCount(counters.backend_retries)}`;
  return (
    <Panel title="Errors" note={note} width={props.width} lines={props.rows} look={look}>
      {shown.length === 0 ? (
        <Text {...tone(look, 'muted')} wrap="truncate-end">
          none since start
        </Text>
      ) : (
        shown.map((error, i) => {
          return (
            <Text key={`${error.at}-${i}`} wrap="truncate-end">
              <Text {...tone(look, 'muted')}>{formatClock(error.at)} </Text>
              <Text {...tone(look, 'bad')}>{pad(error.code, codeWidth)}</Text>  {error.message.replace(/\s+/g, ' ')}
            </Text>
          );
        })
      )}
    </Panel>
  );
}
