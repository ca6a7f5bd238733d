/** Which panels fit a terminal of a given size, and how wide and tall each one is. */

export type TopPanel = 'slack' | 'queue' | 'latency' | 'auth';

export interface DashboardLayout {
  readonly columns: number;
  /** One row of four panels, or two rows of two on narrow terminals; [] when too short. */
  readonly top: ReadonlyArray<ReadonlyArray<{ readonly panel: TopPanel; readonly width: number }>>;
  /** Throughput and outcome counters side by side; outcomes 0 when only throughput fits. */
  readonly middle: { readonly throughput: number; readonly outcomes: number } | undefined;
  /** Visible rows of the recent jobs list; 0 hides the panel. */
  readonly jobRows: number;
  /** Visible rows of the error list; 0 hides the panel. */
  readonly errorRows: number;
  /** Terminal too small for any panel: only the header, a hint and the footer. */
  readonly tooSmall: boolean;
}

/** Content lines of the top and middle panels (each panel adds a title and a bottom border). */
export const TOP_LINES = 3;
export const MIDDLE_LINES = 3;
export const MIN_COLUMNS = 40;
const MIN_ROWS = 9;
const WEIGHTS: Record<TopPanel, number> = { slack: 24, queue: 19, latency: 15, auth: 22 };

/** Split `total` columns in proportion to `weights`, the last part taking the rounding. */
function split<T extends string>(panels: readonly T[], weights: Record<T, number>, total: number): Array<{ panel: T; width: number }> {
  const sum = panels.reduce((s, p) => s + weights[p], 0);
  let used = 0;
  return panels.map((panel, i) => {
    const width = i === panels.length - 1 ? total - used : Math.floor((total * weights[panel]) / sum);
    used += width;
    return { panel, width };
  });
}

/**
 * Plan the screen. Uses at most `rows - 1` lines: a frame as tall as the terminal makes Ink
 * clear the whole screen on every update (flicker). Panels are dropped in this order when rows
 * run short: errors, jobs, the middle row, the second top row.
 */
export function planLayout(input: { columns: number; rows: number; jobs: number; errors: number }): DashboardLayout {
  const columns = Math.max(1, Math.floor(input.columns));
  const budget = Math.max(1, Math.floor(input.rows) - 1);
  const empty = { columns, top: [], middle: undefined, jobRows: 0, errorRows: 0 };
  if (columns < MIN_COLUMNS || budget < MIN_ROWS - 1) return { ...empty, tooSmall: true };

  let left = budget - 2; // header + footer
  const panelHeight = (lines: number) => lines + 2;
  const all: TopPanel[] = ['slack', 'queue', 'latency', 'auth'];
  const topRows = columns >= 56 ? [all] : [all.slice(0, 2), all.slice(2)];
  const top: Array<Array<{ panel: TopPanel; width: number }>> = [];
  const addTop = (panels: TopPanel[]) => {
    if (left < panelHeight(TOP_LINES)) return;
    top.push(split(panels, WEIGHTS, columns));
    left -= panelHeight(TOP_LINES);
  };
  addTop(topRows[0] as TopPanel[]);

  let middle: DashboardLayout['middle'];
  if (left >= panelHeight(MIDDLE_LINES)) {
    const outcomes = columns >= 44 ? Math.min(40, Math.max(26, Math.round(columns * 0.45))) : 0;
    middle = { throughput: columns - outcomes, outcomes };
    left -= panelHeight(MIDDLE_LINES);
  }
  if (topRows[1] !== undefined) addTop(topRows[1]);

  // Lists: jobs need a title, a column header and a border (3); errors a title and a border (2).
  let jobRows = 0;
  let errorRows = 0;
  if (left >= 4) {
    jobRows = 1;
    left -= 4;
  }
  if (left >= 3) {
    errorRows = 1;
    left -= 3;
  }
  const wantJobs = Math.max(1, input.jobs);
  const wantErrors = Math.min(3, Math.max(1, input.errors));
  const give = (want: number, have: number, cap: number) => {
    const extra = Math.max(0, Math.min(want - have, cap, left));
    left -= extra;
    return have + extra;
  };
  if (jobRows > 0) jobRows = give(wantJobs, jobRows, 3);
  if (errorRows > 0) errorRows = give(wantErrors, errorRows, Infinity);
  if (jobRows > 0) jobRows = give(wantJobs, jobRows, Infinity);
  return { columns, top, middle, jobRows, errorRows, tooSmall: false };
}
