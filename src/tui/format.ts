/** Small text helpers shared by the dashboard and `lsslack status`. */

/** 1204 → "1,204". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A latency or age, compact: "0ms", "420ms", "1.21s", "12.3s", "2m03s", "1h05m". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return formatSpan(ms, false);
}

/** An uptime or "for how long": "45s", "2m 03s", "3h 04m", "2d 05h". */
export function formatDuration(ms: number): string {
  return formatSpan(ms, true);
}

function formatSpan(ms: number, spaced: boolean): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const sep = spaced ? ' ' : '';
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${sep}${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${sep}${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${sep}${two(Math.floor(s / 3600) % 24)}h`;
}

/** Local wall-clock time of an epoch-ms instant: "14:03:22". */
export function formatClock(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Cut `text` to `width` characters, ending in "…" when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
}

/** `text` cut or padded with spaces to exactly `width` characters (right-aligned with `right`). */
export function pad(text: string, width: number, right = false): string {
  const cut = fit(text, width);
  const gap = ' '.repeat(Math.max(0, width - [...cut].length));
  return right ? gap + cut : cut + gap;
}

/**
 * "label      value" in exactly `width` characters: the value stays whole and right-aligned, the
 * label gives way first (to a shorter alternative when given several).
 */
export function spread(label: string | readonly string[], value: string, width: number): { label: string; gap: string; value: string } {
  const v = fit(value, width);
  const room = width - [...v].length;
  // Alternatives, longest first: the first that fits whole wins, else the last is cut.
  const labels = typeof label === 'string' ? [label] : label;
  const whole = labels.find((l) => [...l].length <= room - 1);
  const l = room >= 2 ? fit(whole ?? labels[labels.length - 1] ?? '', room - 1) : '';
  return { label: l, gap: ' '.repeat(Math.max(0, room - [...l].length)), value: v };
}

/** The first candidate that fits `width` whole, else the last one cut to fit. */
export function firstThatFits(candidates: readonly string[], width: number): string {
  return candidates.find((c) => [...c].length <= width) ?? fit(candidates[candidates.length - 1] ?? '', width);
}

/** `outcome` of a job as words: not_authorized → "not authorized". */
export function outcomeLabel(outcome: string): string {
  return outcome.replace(/_/g, ' ');
}

/** `lightstep/checkout`, `jaeger`, or `—` for a job no backend recognised. */
export function traceScope(job: { readonly backend?: string; readonly scope?: string }): string {
  if (job.backend === undefined) return '—';
  return job.scope === undefined ? job.backend : `${job.backend}/${job.scope}`;
}
