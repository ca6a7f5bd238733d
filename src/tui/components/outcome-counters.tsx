import { Box } from 'ink';
import type { StatusSnapshot } from '../../pipeline/status.js';
import { formatCount } from '../format.js';
import { outcomeTone, type Look } from '../theme.js';
import { Stat } from './line.js';
import { innerWidth, Panel } from './panel.js';

type Outcome = keyof StatusSnapshot['outcomes'];

/** Two columns: what users got, and what went wrong. */
const GRID: ReadonlyArray<readonly [Outcome, Outcome]> = [
  ['unfurled', 'not_found'],
  ['prompted', 'skipped'],
  ['not_authorized', 'failed'],
];
const LABELS: Record<Outcome, readonly string[]> = {
  unfurled: ['unfurled'],
  prompted: ['prompted'],
  not_authorized: ['not authorized', 'no access', 'denied'],
  not_found: ['not found', 'missing'],
  skipped: ['skipped'],
  failed: ['failed'],
};

/** Jobs by outcome since the daemon started. */
export function OutcomeCounters(props: { readonly outcomes: StatusSnapshot['outcomes']; readonly width: number; readonly lines: number; readonly look: Look }) {
  const { outcomes, look } = props;
  const inner = innerWidth(props.width);
  const gap = inner >= 24 ? 3 : 1;
  const left = Math.floor((inner - gap) / 2);
  const right = inner - gap - left;
  const cell = (outcome: Outcome, width: number) => {
    const n = outcomes[outcome] ?? 0;
    return <Stat label={LABELS[outcome]} value={formatCount(n)} width={width} look={look} tone={n > 0 ? outcomeTone(outcome) : 'muted'} />;
  };
  return (
    <Panel title="Outcomes" note="since start" width={props.width} lines={props.lines} look={look}>
      {GRID.map(([a, b]) => (
        <Box key={a} width={inner} columnGap={gap}>
          <Box width={left}>{cell(a, left)}</Box>
          <Box width={right}>{cell(b, right)}</Box>
        </Box>
      ))}
    </Panel>
  );
}
