/** What every benchmark hands back: table rows for people, and raw figures for the JSON file. */

export interface Row {
  readonly bench: string;
  readonly measure: string;
  readonly value: string;
  readonly target?: string;
  /** true = met, false = missed, undefined = no target. */
  readonly met?: boolean;
}

export interface BenchResult {
  readonly name: string;
  readonly rows: Row[];
  /** Everything measured, for bench/results/latest.json. */
  readonly figures: Record<string, unknown>;
  /** Conditions worth knowing when reading the numbers. */
  readonly notes: string[];
}

/** A Markdown table (readable in a terminal too). */
export function renderTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'measure', 'result', 'target', 'met'];
  const body = rows.map((r) => [r.bench, r.measure, r.value, r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : '**no**']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
