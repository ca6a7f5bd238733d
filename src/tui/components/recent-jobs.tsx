import { Box, Text } from 'ink';
import type { JobRecord } from '../../pipeline/job-log.js';
import { formatClock, formatMs, outcomeLabel, pad, traceScope } from '../format.js';
import { fitColumns, type ColumnSpec } from '../table-columns.js';
import { outcomeTone, tone, type Look, type Tone } from '../theme.js';
import { innerWidth, Panel } from './panel.js';

type Column = 'time' | 'team' | 'channel' | 'scope' | 'outcome' | 'took';

const COLUMNS: ReadonlyArray<ColumnSpec<Column>> = [
  { key: 'time', min: 8, ideal: 8, priority: 9 },
  { key: 'team', min: 7, ideal: 11, priority: 2 },
  { key: 'channel', min: 9, ideal: 12, priority: 3 },
  { key: 'scope', min: 8, ideal: 20, priority: 5 },
  { key: 'outcome', min: 9, ideal: 14, priority: 8 },
  { key: 'took', min: 6, ideal: 7, priority: 7, right: true },
];
const HEADINGS: Record<Column, string> = { time: 'TIME', team: 'TEAM', channel: 'CHANNEL', scope: 'TRACES', outcome: 'OUTCOME', took: 'TOOK' };
const GAP = 2;

function cell(job: JobRecord, column: Column): string {
  switch (column) {
    case 'time':
      return formatClock(job.at);
    case 'team':
      return job.team;
    case 'channel':
      return job.channel;
    case 'scope':
      return traceScope(job);
    case 'outcome':
      return outcomeLabel(job.outcome);
    case 'took':
      return formatMs(job.durationMs);
  }
}

/** Outcomes in their colour, times muted, the rest plain. */
function toneOf(job: JobRecord, column: Column): Tone {
  if (column === 'outcome') return outcomeTone(job.outcome);
  return column === 'time' ? 'muted' : 'plain';
}

/** The newest finished jobs: when, where, which backend (and scope), how it ended, how long it took. */
export function RecentJobs(props: { readonly jobs: readonly JobRecord[]; readonly width: number; readonly rows: number; readonly look: Look }) {
  const { jobs, look } = props;
  const inner = innerWidth(props.width);
  const columns = fitColumns(COLUMNS, inner, GAP);
  const shown = jobs.slice(0, props.rows);
  const row = (values: (c: (typeof columns)[number]) => string) => columns.map((c) => pad(values(c), c.width, c.right)).join(' '.repeat(GAP));
  return (
    <Panel title="Recent jobs" note={jobs.length > shown.length ? `newest ${shown.length} of ${jobs.length}` : undefined} width={props.width} lines={props.rows + 1} look={look}>
      <Text {...tone(look, 'muted')} wrap="truncate-end">
        {row((c) => HEADINGS[c.key])}
      </Text>
      {shown.length === 0 ? (
        <Text {...tone(look, 'muted')} wrap="truncate-end">
          no jobs yet: share a trace link in Slack
        </Text>
      ) : (
        shown.map((job, n) => (
          <Box key={`${job.jobId}@${job.at}#${n}`}>
            <Text wrap="truncate-end">
              {columns.map((c, i) => (
                <Text key={c.key} {...tone(look, toneOf(job, c.key))}>
                  {(i === 0 ? '' : ' '.repeat(GAP)) + pad(cell(job, c.key), c.width, c.right)}
                </Text>
              ))}
            </Text>
          </Box>
        ))
      )}
    </Panel>
  );
}
