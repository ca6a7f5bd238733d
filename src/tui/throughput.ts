import type { StatusSnapshot } from '../pipeline/status.js';

/** Finished-job total seen in one snapshot, at the daemon's clock. */
export interface ThroughputSample {
  readonly at: number;
  readonly finished: number;
}

/** Per-second finished jobs over the window, oldest first; null where nothing was observed yet. */
export type ThroughputSeries = readonly (number | null)[];

export const WINDOW_SECONDS = 60;
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** Jobs that reached any outcome since the daemon started. */
export function finishedJobs(snapshot: StatusSnapshot): number {
  return Object.values(snapshot.outcomes).reduce((sum, n) => sum + n, 0);
}

/**
 * Append the snapshot to the history and drop what fell out of the window (keeping one sample
 * before it as the baseline). A restarted daemon (new startedAt, or a counter going down) starts
 * a fresh history, so a restart never shows as negative throughput.
 */
export function addSample(history: readonly ThroughputSample[], snapshot: StatusSnapshot, previous: StatusSnapshot | undefined): ThroughputSample[] {
  const sample = { at: snapshot.now, finished: finishedJobs(snapshot) };
  const last = history[history.length - 1];
  const restarted = previous !== undefined && previous.startedAt !== snapshot.startedAt;
  if (last === undefined || restarted || sample.finished < last.finished || sample.at < last.at) return seedHistory(snapshot);
  const next = [...history, sample];
  const cutoff = sample.at - (WINDOW_SECONDS + 1) * 1000;
  let first = 0;
  while (first + 1 < next.length && (next[first + 1] as ThroughputSample).at <= cutoff) first += 1;
  return next.slice(first);
}

/**
 * A history to start from: the daemon's own per-second counts of the last minute (older daemons
 * send none, and the panel then fills as it watches). Sample k stands `60 − k` seconds before the
 * snapshot, with the total the daemon had then.
 */
export function seedHistory(snapshot: StatusSnapshot): ThroughputSample[] {
  const finished = finishedJobs(snapshot);
  const counts = snapshot.finishedPerSecond;
  if (counts === undefined || counts.length === 0) return [{ at: snapshot.now, finished }];
  const samples: ThroughputSample[] = [];
  let after = counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k <= counts.length; k += 1) {
    samples.push({ at: snapshot.now - (counts.length - k) * 1000, finished: Math.max(0, finished - after) });
    after -= counts[k] ?? 0;
  }
  return samples;
}

/** Finished jobs per second over the last `seconds` seconds ending at the newest sample. */
export function perSecond(history: readonly ThroughputSample[], seconds = WINDOW_SECONDS): ThroughputSeries {
  const last = history[history.length - 1];
  if (last === undefined) return Array.from({ length: seconds }, () => null);
  const totalAt = (t: number): number | undefined => {
    let found: number | undefined;
    for (const s of history) {
      if (s.at > t) break;
      found = s.finished;
    }
    return found;
  };
  const series: (number | null)[] = [];
  for (let i = seconds - 1; i >= 0; i -= 1) {
    const end = last.at - i * 1000;
    const after = totalAt(end);
    // The second in which watching began counts from the first sample.
    const before = totalAt(end - 1000) ?? (after === undefined ? undefined : history[0]?.finished);
    series.push(before === undefined || after === undefined ? null : Math.max(0, after - before));
  }
  return series;
}

/**
 * The series as ▁▂▃▄▅▆▇█ in at most `width` characters: one per second when it fits, otherwise
 * each character sums a few seconds. Unknown seconds are blank; any non-zero value shows above ▁.
 */
export function sparkline(series: ThroughputSeries, width: number): string {
  if (width <= 0 || series.length === 0) return '';
  const per = Math.ceil(series.length / width);
  const buckets: (number | null)[] = [];
  // Bucket from the newest end so the last character is always "now".
  for (let end = series.length; end > 0; end -= per) {
    const slice = series.slice(Math.max(0, end - per), end);
    const known = slice.filter((v): v is number => v !== null);
    buckets.unshift(known.length === 0 ? null : known.reduce((a, b) => a + b, 0));
  }
  const max = Math.max(0, ...buckets.map((b) => b ?? 0));
  return buckets
    .map((b) => {
      if (b === null) return ' ';
      if (b === 0 || max === 0) return BARS[0];
      return BARS[Math.max(1, Math.round((b / max) * (BARS.length - 1)))] ?? BARS[0];
    })
    .join('');
}

/** Totals for the line under the sparkline. */
export function rates(series: ThroughputSeries): { total: number; now: number; peak: number } {
  const known = series.filter((v): v is number => v !== null);
  return { total: known.reduce((a, b) => a + b, 0), now: known[known.length - 1] ?? 0, peak: Math.max(0, ...known) };
}
