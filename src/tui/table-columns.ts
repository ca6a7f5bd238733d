/** A column of a text table that may be dropped or stretched to fit the width. */
export interface ColumnSpec<K extends string> {
  readonly key: K;
  readonly min: number;
  /** Width it grows to when there is room. */
  readonly ideal: number;
  /** Lower drops first when the table is too wide. */
  readonly priority: number;
  readonly right?: boolean;
}

/**
 * Fit columns into `width` with `gap` spaces between them: drop the lowest-priority columns
 * until the minimum widths fit, then grow each towards its ideal width, most important first.
 */
export function fitColumns<K extends string>(specs: ReadonlyArray<ColumnSpec<K>>, width: number, gap: number): Array<ColumnSpec<K> & { width: number }> {
  let kept = [...specs];
  const need = (cols: ReadonlyArray<ColumnSpec<K>>) => cols.reduce((s, c) => s + c.min, 0) + gap * Math.max(0, cols.length - 1);
  while (kept.length > 1 && need(kept) > width) {
    const lowest = kept.reduce((a, b) => (b.priority < a.priority ? b : a));
    kept = kept.filter((c) => c !== lowest);
  }
  let spare = Math.max(0, width - need(kept));
  const widths = new Map<K, number>();
  for (const c of [...kept].sort((a, b) => b.priority - a.priority)) {
    const grow = Math.min(spare, c.ideal - c.min);
    spare -= grow;
    widths.set(c.key, c.min + grow);
  }
  return kept.map((c) => ({ ...c, width: widths.get(c.key) ?? c.min }));
}
