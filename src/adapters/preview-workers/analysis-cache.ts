import type { AnalysisCache } from '../../domain/publish-preview.js';
import type { TraceRef, TraceSummary } from '../../domain/types.js';

export interface AnalysisCacheOptions {
  /** How long an analysis is reused (viewers opening the same card within it cost no fetch). */
  readonly ttlMs?: number;
  /** Most analyses kept (each is small: a summary, not the trace). */
  readonly max?: number;
  readonly now?: () => number;
}

/**
 * Fifty viewers opening one card cost one fetch: the first computes, the others wait for the same
 * promise (in flight) or take the result (fresh). Bounded and short-lived, so a trace that changes
 * (late spans) is read again soon; a failed read is not kept.
 */
export function createAnalysisCache(options: AnalysisCacheOptions = {}): AnalysisCache {
  const ttl = options.ttlMs ?? 60_000;
  const max = options.max ?? 200;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; value: Promise<TraceSummary | undefined> }>();
  return {
    analysisOf(ref: TraceRef, compute) {
      const key = keyOf(ref);
      const hit = entries.get(key);
      if (hit !== undefined && now() - hit.at < ttl) return hit.value;
      if (hit !== undefined) entries.delete(key);
      const value = compute();
      entries.set(key, { at: now(), value });
      // A failed read is not kept (unless a newer one already took its place).
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      return value;
    },
  };
}

/** One trace (and span selection) of one backend. */
export function keyOf(ref: TraceRef): string {
  const lookup = ref.lookup.kind === 'trace' ? `t:${ref.lookup.traceId}` : `s:${ref.lookup.spanId}`;
  return `${ref.backendId}|${ref.scope ?? ''}|${lookup}|${ref.selectedSpanPrefix ?? ''}`;
}
