import { Box, Text } from 'ink';
import type { DashboardView } from '../dashboard-view.js';
import { fit } from '../format.js';
import { MIDDLE_LINES, MIN_COLUMNS, planLayout, TOP_LINES, type TopPanel } from '../layout.js';
import type { StatusSnapshot } from '../../pipeline/status.js';
import type { Look } from '../theme.js';
import { AuthPanel } from './auth-panel.js';
import { SlackPanel } from './connection-badge.js';
import { ErrorList } from './error-list.js';
import { Footer } from './footer.js';
import { Header } from './header.js';
import { LatencyPanel } from './latency-panel.js';
import { OutcomeCounters } from './outcome-counters.js';
import { QueuePanel } from './queue-panel.js';
import { RecentJobs } from './recent-jobs.js';
import { ThroughputPanel } from './throughput-panel.js';
import { UnreachableNotice } from './unreachable-notice.js';

export interface DashboardProps {
  readonly view: DashboardView;
  /** The daemon listener the dashboard follows, shown in the footer. */
  readonly url: string;
  readonly columns: number;
  readonly rows: number;
  /** false under NO_COLOR: no colour, bold or dim at all. */
  readonly color: boolean;
  readonly paused: boolean;
  /** Local clock, for "how long ago" while there is no snapshot. */
  readonly now: number;
}

function TopPanelFor(props: { panel: TopPanel; snapshot: StatusSnapshot; width: number; look: Look }) {
  const { snapshot, width, look } = props;
  const common = { width, lines: TOP_LINES, look };
  switch (props.panel) {
    case 'slack':
      return <SlackPanel connection={snapshot.connection} now={snapshot.now} {...common} />;
    case 'queue':
      return <QueuePanel queue={snapshot.queue} {...common} />;
    case 'latency':
      return <LatencyPanel latency={snapshot.latencyMs} {...common} />;
    case 'auth':
      return <AuthPanel auth={snapshot.auth} {...common} />;
  }
}

/**
 * The whole screen, drawn from props only: header, Slack / queue / latency / auth, throughput
 * and outcomes, recent jobs, errors, footer. Panels drop out when the terminal is small; while
 * the daemon is unreachable the last known data stays, greyed.
 */
export function Dashboard(props: DashboardProps) {
  const { view, columns, color } = props;
  const snapshot = view.snapshot;
  const layout = planLayout({ columns, rows: props.rows, jobs: snapshot?.recentJobs.length ?? 0, errors: snapshot?.recentErrors.length ?? 0 });
  const look: Look = { color, stale: view.stream.kind !== 'live' };
  const header = <Header snapshot={snapshot} stream={view.stream} paused={props.paused} columns={columns} color={color} />;
  const footer = <Footer url={props.url} updatedAt={snapshot?.now} stream={view.stream} paused={props.paused} columns={columns} color={color} />;
  if (layout.tooSmall) {
    return (
      <Box flexDirection="column" width={columns}>
        {header}
        <Text wrap="truncate-end">{fit(`terminal too small (need ${MIN_COLUMNS}×10)`, columns)}</Text>
        {footer}
      </Box>
    );
  }
  if (snapshot === undefined) {
    return (
      <Box flexDirection="column" width={columns}>
        {header}
        <UnreachableNotice stream={view.stream} url={props.url} now={props.now} width={columns} maxLines={Math.max(1, props.rows - 5)} look={look} />
        {footer}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={columns}>
      {header}
      {layout.top.map((row, i) => (
        <Box key={i} width={columns}>
          {row.map((cell) => (
            <TopPanelFor key={cell.panel} panel={cell.panel} snapshot={snapshot} width={cell.width} look={look} />
          ))}
        </Box>
      ))}
      {layout.middle === undefined ? null : (
        <Box width={columns}>
          <ThroughputPanel series={view.throughput} counters={snapshot.counters} width={layout.middle.throughput} lines={MIDDLE_LINES} look={look} />
          {layout.middle.outcomes > 0 ? <OutcomeCounters outcomes={snapshot.outcomes} width={layout.middle.outcomes} lines={MIDDLE_LINES} look={look} /> : null}
        </Box>
      )}
      {layout.jobRows > 0 ? <RecentJobs jobs={snapshot.recentJobs} width={columns} rows={layout.jobRows} look={look} /> : null}
      {layout.errorRows > 0 ? <ErrorList errors={snapshot.recentErrors} counters={snapshot.counters} width={columns} rows={layout.errorRows} look={look} /> : null}
      {footer}
    </Box>
  );
}
