/**
 * Turns a fetched trace into the handful of facts a Slack preview shows (trace-backends.md §6):
 * root, duration, counts, first error, critical-path contributors and the span the link selected.
 *
 * Traces can hold a million spans, so the work is a few linear passes over typed arrays, and nothing
 * recurses: parent chains in real (and garbage) data can be arbitrarily deep or even cyclic.
 */
import { criticalPathOfIndex, indexSpans } from './critical-path.js';
import type { SpanIndex } from './critical-path.js';
import { LsslackError } from './errors.js';
import type { CriticalContributor, CriticalSection, ServiceBreakdown, Span, SpanSummary, Trace, TraceSummary } from './types.js';

/** How many critical-path contributors the preview lists. */
const TOP_CONTRIBUTORS = 5;

/** What the link said about the trace (the matching fields of TraceRef). */
export interface AnalyseOptions {
  /** Lowercase hex prefix from the `#span-…` fragment (or a full selected span id). */
  readonly selectedSpanPrefix?: string;
}

type SpanName = TraceSummary['root'];

/**
 * Summarises a trace for the unfurl.
 *
 * @param trace - a normalised trace; duplicate span ids keep their first occurrence
 * @param options - the selected span prefix from the link, if any
 * @returns the summary the renderer needs
 * @throws LsslackError `backend_bad_response` when the trace has no spans
 */
export function analyseTrace(trace: Trace, options: AnalyseOptions): TraceSummary {
  const spans = trace.spans;
  if (!Array.isArray(spans) || spans.length === 0) {
    throw new LsslackError('backend_bad_response', 'the trace contains no spans');
  }
  const index = indexSpans(spans);
  const stats = collectStats(index);
  const roots = findRoots(index);
  const { sections: criticalPath, spanIndexes } = criticalPathOfIndex(index, roots.all);
  const selection = selectSpan(index, options.selectedSpanPrefix, stats);

  const summary: TraceSummary = {
    root: nameOf(spanAt(spans, roots.main)),
    hasRoot: !roots.mainIsOrphan && roots.all.length > 0,
    services: serviceBreakdown(index, stats, criticalPath, spanIndexes),
    startUs: stats.startUs,
    durationUs: stats.durationUs,
    spanCount: stats.spanCount,
    serviceCount: stats.serviceCount,
    errorCount: stats.errorCount,
    // The main root is the trace's head even when its own parent is missing; only the others count.
    orphanCount: roots.orphanCount - (roots.mainIsOrphan ? 1 : 0),
    criticalPath,
    topContributors: topContributors(index, criticalPath, spanIndexes, stats.durationUs),
    selectedStatus: selection.status,
  };
  return {
    ...summary,
    ...(trace.traceId === undefined ? {} : { traceId: trace.traceId }),
    ...(trace.partial === undefined ? {} : { partial: trace.partial }),
    ...(stats.firstError < 0 ? {} : { firstError: nameOf(spanAt(spans, stats.firstError)) }),
    ...(selection.span === undefined ? {} : { selected: selection.span }),
  };
}

/** Trace-wide numbers gathered in one pass over the distinct spans. */
interface TraceStats {
  readonly startUs: number;
  readonly durationUs: number;
  readonly spanCount: number;
  readonly serviceCount: number;
  readonly errorCount: number;
  /**
   * Index of the earliest-starting error span that has no erroring child — where the error came
   * from rather than the ancestors it propagated to — or -1.
   */
  readonly firstError: number;
  /** Spans and errors per service. */
  readonly services: ReadonlyMap<string, readonly [number, number]>;
}

function collectStats(index: SpanIndex): TraceStats {
  const { spans, duplicate, startUs, endUs, parent, isError } = index;
  // Errors propagate upwards; a span whose child failed is not where the trouble started.
  const hasErrorChild = new Uint8Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    if (duplicate[i] !== 1 && isError[i] === 1 && parent[i]! >= 0) hasErrorChild[parent[i]!] = 1;
  }
  let minStart = Number.POSITIVE_INFINITY;
  let maxEnd = Number.NEGATIVE_INFINITY;
  let spanCount = 0;
  let errorCount = 0;
  let firstError = -1;
  // Per service: [spans, errors]. A few dozen services at most in real traces, so a Map is cheap.
  const services = new Map<string, [number, number]>();
  // Spans of one service tend to come in runs (decoders share one string per service name), so
  // the last entry is kept at hand and the Map is only asked when the service changes.
  let lastService: string | undefined;
  let counts: [number, number] = [0, 0];
  for (let i = 0; i < spans.length; i++) {
    if (duplicate[i] === 1) continue;
    const service = spanAt(spans, i).service;
    const start = startUs[i]!;
    spanCount++;
    if (start < minStart) minStart = start;
    if (endUs[i]! > maxEnd) maxEnd = endUs[i]!;
    if (service !== lastService) {
      let found = services.get(service);
      if (found === undefined) {
        found = [0, 0];
        services.set(service, found);
      }
      counts = found;
      lastService = service;
    }
    counts[0]++;
    if (isError[i] === 1) {
      counts[1]++;
      errorCount++;
      if (hasErrorChild[i] === 0 && (firstError < 0 || start < startUs[firstError]!)) firstError = i;
    }
  }
  return {
    startUs: minStart,
    // Garbage spans that end before they start could make this negative.
    durationUs: Math.max(0, maxEnd - minStart),
    spanCount,
    serviceCount: services.size,
    errorCount,
    firstError,
    services,
  };
}

/** Roots of the trace and which of them heads the preview. */
interface Roots {
  /** Every span whose parent is absent from the trace, by start time: the critical path walks them all. */
  readonly all: readonly number[];
  /** The span named in the preview's title. */
  readonly main: number;
  readonly mainIsOrphan: boolean;
  /** Spans whose parentId is set but not (usably) in the trace. */
  readonly orphanCount: number;
}

/**
 * A root either has no parentId or names a parent the trace lacks (an orphan: the backend dropped or
 * never received it). Like Jaeger's summary, the title goes to the earliest parentless span, and
 * only falls back to an orphan when there is none. A span naming itself as parent is an orphan too.
 */
function findRoots(index: SpanIndex): Roots {
  const { spans, duplicate, parent, startUs } = index;
  const all: number[] = [];
  let orphanCount = 0;
  let mainParentless = -1;
  let mainOrphan = -1;
  for (let i = 0; i < spans.length; i++) {
    if (duplicate[i] === 1 || parent[i] !== -1) continue;
    all.push(i);
    if (hasParentId(spanAt(spans, i))) {
      orphanCount++;
      if (mainOrphan < 0 || startUs[i]! < startUs[mainOrphan]!) mainOrphan = i;
    } else if (mainParentless < 0 || startUs[i]! < startUs[mainParentless]!) {
      mainParentless = i;
    }
  }
  // Array.prototype.sort is stable, so equal starts keep input order.
  all.sort((a, b) => startUs[a]! - startUs[b]!);
  // A trace where every span sits in a parent cycle has no root at all: title it by its first span.
  const main = mainParentless >= 0 ? mainParentless : mainOrphan >= 0 ? mainOrphan : firstDistinct(index);
  return { all, main, mainIsOrphan: mainParentless < 0 && mainOrphan >= 0, orphanCount };
}

function hasParentId(span: Span): boolean {
  return span.parentId !== undefined && span.parentId !== '';
}

/** The earliest-starting distinct span (index 0 is never a duplicate). */
function firstDistinct(index: SpanIndex): number {
  const { duplicate, startUs } = index;
  let best = 0;
  for (let i = 1; i < startUs.length; i++) {
    if (duplicate[i] === 0 && startUs[i]! < startUs[best]!) best = i;
  }
  return best;
}

/**
 * Sums each span's critical sections and keeps the largest few. A span can own several disjoint
 * sections (before and after its children), which is why this aggregates rather than lists.
 */
function topContributors(
  index: SpanIndex,
  path: readonly CriticalSection[],
  owners: Int32Array,
  durationUs: number,
): CriticalContributor[] {
  const { spans } = index;
  // Keyed by span index, in first-seen order. Sized by the path, not the trace: a per-span
  // Float64Array here cost 8 bytes × n of fresh, zeroed memory per analysis for a path that is
  // usually a few dozen sections (bench/analysis: allocation and page faults dominate large traces).
  const total = new Map<number, number>();
  for (let s = 0; s < path.length; s++) {
    const section = path[s]!;
    const i = owners[s]!;
    total.set(i, (total.get(i) ?? 0) + (section.endUs - section.startUs));
  }
  // Partial selection: a full sort of a million-entry path to keep five rows would be wasted work.
  const top: number[] = [];
  for (const i of total.keys()) insertTop(top, i, total);
  return top.map((i) => {
    const span = spanAt(spans, i);
    const criticalUs = total.get(i)!;
    return { spanId: span.spanId, service: span.service, name: span.name, criticalUs, share: ratio(criticalUs, durationUs) };
  });
}

/** How many services the per-service breakdown lists. */
const TOP_SERVICES = 8;

/**
 * Per service: spans, errors and time on the critical path, the services that mattered most
 * first (critical time, then span count).
 */
function serviceBreakdown(index: SpanIndex, stats: TraceStats, path: readonly CriticalSection[], owners: Int32Array): ServiceBreakdown[] {
  const critical = new Map<string, number>();
  for (let s = 0; s < path.length; s++) {
    const section = path[s]!;
    const service = spanAt(index.spans, owners[s]!).service;
    critical.set(service, (critical.get(service) ?? 0) + (section.endUs - section.startUs));
  }
  const rows: ServiceBreakdown[] = [];
  for (const [service, [spans, errors]] of stats.services) rows.push({ service, spanCount: spans, errorCount: errors, criticalUs: critical.get(service) ?? 0 });
  rows.sort((a, b) => b.criticalUs - a.criticalUs || b.spanCount - a.spanCount || (a.service < b.service ? -1 : 1));
  return rows.slice(0, TOP_SERVICES);
}

/** Inserts `i` into the descending `top` list when it beats the current last entry (ties: first seen). */
function insertTop(top: number[], i: number, total: ReadonlyMap<number, number>): void {
  const value = total.get(i)!;
  if (top.length === TOP_CONTRIBUTORS && value <= total.get(top[top.length - 1]!)!) return;
  let at = top.length;
  while (at > 0 && total.get(top[at - 1]!)! < value) at--;
  top.splice(at, 0, i);
  if (top.length > TOP_CONTRIBUTORS) top.pop();
}

/** The span the link selected, and how the selection resolved. */
interface Selection {
  readonly status: TraceSummary['selectedStatus'];
  readonly span?: SpanSummary;
}

/**
 * Resolves the `#span-…` prefix. Lightstep abbreviates fragments, so a prefix that matches exactly
 * one span id selects it; an exact id always wins, even if it is also a prefix of longer ids.
 */
function selectSpan(index: SpanIndex, prefix: string | undefined, stats: TraceStats): Selection {
  if (prefix === undefined || prefix === '') return { status: 'none' };
  const wanted = prefix.toLowerCase();
  let match = index.indexOf(wanted);
  if (match < 0) {
    const found = findUniquePrefix(index, wanted);
    if (found === -2) return { status: 'ambiguous' };
    if (found === -1) return { status: 'not_found' };
    match = found;
  }
  return { status: 'found', span: summariseSpan(index, match, stats) };
}

/**
 * @returns the one span index whose id starts with `prefix`, -1 for none, -2 for several. Span ids
 *   are compared as stored: the normalised model keeps them lowercase.
 */
function findUniquePrefix(index: SpanIndex, prefix: string): number {
  let found = -1;
  for (let i = 0; i < index.spans.length; i++) {
    if (index.duplicate[i] === 1 || !spanAt(index.spans, i).spanId.startsWith(prefix)) continue;
    if (found >= 0) return -2;
    found = i;
  }
  return found;
}

function summariseSpan(index: SpanIndex, i: number, stats: TraceStats): SpanSummary {
  const span = spanAt(index.spans, i);
  const durationUs = Math.max(0, span.endUs - span.startUs);
  return {
    ...nameOf(span),
    durationUs,
    share: ratio(durationUs, stats.durationUs),
    offsetUs: span.startUs - stats.startUs,
    isError: span.isError,
    ancestry: ancestryOf(index, i),
  };
}

/**
 * The chain from the root down to the span's parent. Garbage data can loop (A→B→A), so the climb
 * stops at the first span it has already seen.
 */
function ancestryOf(index: SpanIndex, i: number): SpanName[] {
  const chain: SpanName[] = [];
  const seen = new Set<number>([i]);
  for (let p = index.parent[i]!; p >= 0 && !seen.has(p); p = index.parent[p]!) {
    seen.add(p);
    chain.push(nameOf(spanAt(index.spans, p)));
  }
  return chain.reverse();
}

function nameOf(span: Span): SpanName {
  return { spanId: span.spanId, service: span.service, name: span.name };
}

/** part / whole, 0 when the whole is 0 (a trace of zero-length spans). */
function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function spanAt(spans: readonly Span[], i: number): Span {
  return spans[i]!;
}
