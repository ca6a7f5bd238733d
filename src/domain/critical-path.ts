/**
 * Jaeger UI's critical-path algorithm (trace-backends.md §7), rewritten to be iterative and
 * O(n log n) so a 1M-span trace, whether a deep chain or a huge fan-out, neither overflows the stack
 * nor goes quadratic.
 *
 * Spans are addressed by their index in the input array and every per-span datum lives in a typed
 * array, so the hot loops allocate nothing per span.
 */
import type { CriticalSection, Span } from './types.js';

/** Parent/child links of a span array, by index. Built once and shared with the trace analysis. */
export interface SpanIndex {
  readonly spans: readonly Span[];
  /** Index of the first span with this id, or -1; later duplicates are ignored everywhere. */
  indexOf(spanId: string): number;
  /**
   * Index of the parent span, or -1 when the span has no parent, its parent is not in the trace, it
   * names itself as parent, or it is a duplicate (a duplicate takes part in nothing).
   */
  readonly parent: Int32Array;
  /** 1 for a span whose id already appeared earlier in the array. */
  readonly duplicate: Uint8Array;
  /** Children of span i are `children[childStart[i] .. childStart[i + 1])`, in input order. */
  readonly childStart: Int32Array;
  readonly children: Int32Array;
  /**
   * Copies of each span's times and kind. Later passes visit spans in tree order, i.e. at random
   * memory addresses; reading 8-byte slots of a typed array instead of whole span objects is what
   * keeps a million-span trace within seconds.
   */
  readonly startUs: Float64Array;
  readonly endUs: Float64Array;
  /** {@link KIND_OTHER}, {@link KIND_PRODUCER} or {@link KIND_CONSUMER}. */
  readonly kind: Uint8Array;
  /** 1 for a span marked as an error (copied for the same reason as the times). */
  readonly isError: Uint8Array;
}

/** Span kinds as the critical path needs them: only PRODUCER→CONSUMER edges are special. */
export const KIND_OTHER = 0;
export const KIND_PRODUCER = 1;
export const KIND_CONSUMER = 2;

/**
 * Indexes spans by id and builds the child adjacency in compressed form (counting sort), so a trace
 * of n spans costs two typed arrays instead of n child arrays.
 *
 * @param spans - spans in any order; duplicates by id keep the first occurrence
 */
export function indexSpans(spans: readonly Span[]): SpanIndex {
  const n = spans.length;
  const ids = new SpanIdTable(n);
  const startUs = new Float64Array(n);
  const endUs = new Float64Array(n);
  const kind = new Uint8Array(n);
  const duplicate = new Uint8Array(n);
  const isError = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const span = spanAt(spans, i);
    if (ids.insert(span.spanId, i) !== i) duplicate[i] = 1;
    startUs[i] = span.startUs;
    endUs[i] = span.endUs;
    kind[i] = span.kind === 'producer' ? KIND_PRODUCER : span.kind === 'consumer' ? KIND_CONSUMER : KIND_OTHER;
    if (span.isError) isError[i] = 1;
  }
  const parent = new Int32Array(n).fill(-1);
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (duplicate[i] === 1) continue;
    const parentId = spanAt(spans, i).parentId;
    const p = parentId === undefined ? -1 : ids.indexOf(parentId);
    if (p < 0 || p === i) continue;
    parent[i] = p;
    childStart[p + 1]! += 1;
  }
  for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
  const children = new Int32Array(childStart[n]!);
  const fill = childStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p >= 0) children[fill[p]!++] = i;
  }
  return {
    spans,
    indexOf: (spanId) => ids.indexOf(spanId),
    parent,
    duplicate,
    childStart,
    children,
    startUs,
    endUs,
    kind,
    isError,
  };
}

/**
 * Span id → first index, as an open-addressing table over typed arrays. Indexing dominates the
 * analysis of a large trace, and this measured about 1.6× faster than a Map<string, number> on
 * 100k spans: the slots and hashes are compact, and the stored hash skips most string compares.
 */
export class SpanIdTable {
  private readonly mask: number;
  /** Span index + 1 per slot; 0 is an empty slot. */
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly ids: string[];
  /**
   * Per table, so span ids someone crafted to collide under one seed do not collide under the
   * next: trace data is untrusted, and colliding ids would make indexing quadratic.
   */
  private readonly seed = (Math.random() * 0x1_0000_0000) | 0;
  /** Where probing got long (crafted or just unlucky ids): a Map from then on, linear whatever the ids. */
  private fallback: Map<string, number> | undefined;

  /** @param maxProbes - probes past which the table turns into a Map (tests lower it) */
  private readonly maxProbes: number;

  constructor(capacity: number, maxProbes = MAX_PROBES) {
    this.maxProbes = maxProbes;
    // Load factor ≤ 0.5 keeps linear probing short.
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(Math.max(capacity, 1));
    this.ids = new Array<string>(capacity);
  }

  /** Adds `id` for span `index` unless already present; returns the index that owns the id. */
  insert(id: string, index: number): number {
    if (this.fallback !== undefined) return this.insertFallback(id, index);
    const hash = hashString(id, this.seed);
    let probes = 0;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const owner = this.slots[slot]! - 1;
      if (owner < 0) {
        this.slots[slot] = index + 1;
        this.hashes[index] = hash;
        this.ids[index] = id;
        return index;
      }
      if (this.hashes[owner] === hash && this.ids[owner] === id) return owner;
      if (++probes > this.maxProbes) {
        this.switchToMap();
        return this.insertFallback(id, index);
      }
    }
  }

  indexOf(id: string): number {
    if (this.fallback !== undefined) return this.fallback.get(id) ?? -1;
    const hash = hashString(id, this.seed);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const owner = this.slots[slot]! - 1;
      if (owner < 0) return -1;
      if (this.hashes[owner] === hash && this.ids[owner] === id) return owner;
    }
  }

  private insertFallback(id: string, index: number): number {
    const map = this.fallback!;
    const owner = map.get(id);
    if (owner !== undefined) return owner;
    map.set(id, index);
    return index;
  }

  private switchToMap(): void {
    const map = new Map<string, number>();
    for (const slot of this.slots) {
      const owner = slot - 1;
      if (owner >= 0) map.set(this.ids[owner]!, owner);
    }
    this.fallback = map;
  }
}

/** Probes past which the table gives up on hashing (at load ≤ 0.5 a fair hash needs a handful). */
const MAX_PROBES = 64;

/** Seeded FNV-1a over UTF-16 units, then murmur3's finaliser so the low bits used as slot are well mixed. */
function hashString(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Computes the critical path of a trace: the chain of work that determined its end-to-end latency.
 *
 * Follows Jaeger UI exactly (blocking-only tree without PRODUCER→CONSUMER children, overflowing
 * children clamped or dropped, last-finishing child with a strict `endTime < before`), with two
 * deliberate differences that only matter for garbage data: a span ending before it starts is treated
 * as zero-length, and `before = 0` is an ordinary bound rather than "absent" (in Jaeger both can loop).
 *
 * @param spans - the trace's spans
 * @param rootIds - roots to walk from, in the order their paths should be concatenated
 * @returns sections in chronological order (per root), zero-length sections omitted
 */
export function computeCriticalPath(spans: readonly Span[], rootIds: readonly string[]): CriticalSection[] {
  const index = indexSpans(spans);
  const roots: number[] = [];
  for (const id of rootIds) {
    const i = index.indexOf(id);
    if (i >= 0) roots.push(i);
  }
  return criticalPathOfIndex(index, roots).sections;
}

/** Critical-path sections plus, for each, the index of its span (so callers need no id lookups). */
export interface IndexedCriticalPath {
  readonly sections: CriticalSection[];
  readonly spanIndexes: Int32Array;
}

/**
 * Same as {@link computeCriticalPath} on an already built index, so the analysis does not index the
 * trace twice.
 *
 * @param roots - span indexes to walk from, in output order
 */
export function criticalPathOfIndex(index: SpanIndex, roots: readonly number[]): IndexedCriticalPath {
  const work = new Workspace(index);
  const sections: CriticalSection[] = [];
  const owners: number[] = [];
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r]!;
    if (root < 0 || root >= index.spans.length || index.duplicate[root] === 1) continue;
    const size = work.collectBlockingTree(root, r + 1);
    work.sanitize(size);
    work.sortKeptChildren(size);
    const first = sections.length;
    work.walk(root, sections, owners);
    // The walk goes from the trace's end back to its start.
    reverseFrom(sections, first);
    reverseFrom(owners, first);
  }
  return { sections, spanIndexes: Int32Array.from(owners) };
}

function reverseFrom<T>(list: T[], from: number): void {
  for (let a = from, b = list.length - 1; a < b; a++, b--) {
    const tmp = list[a]!;
    list[a] = list[b]!;
    list[b] = tmp;
  }
}

/** Typed scratch arrays for one computation, reused across roots. */
class Workspace {
  private readonly index: SpanIndex;
  /** Which root's tree a span was last collected into (1-based), so arrays need no reset per root. */
  private readonly stamp: Int32Array;
  /** Blocking-tree members of the current root, parents before children. */
  private readonly order: Int32Array;
  /** Explicit DFS stack: recursion would overflow on a deep chain. */
  private readonly stack: Int32Array;
  /** 1 when the span survived sanitizing for the current root. */
  private readonly kept: Uint8Array;
  /** Sanitized (clamped) start and end times. */
  private readonly start: Float64Array;
  private readonly end: Float64Array;
  /** Kept children sorted by end time: `kids[kidStart[i] .. kidStart[i] + kidCount[i])`. */
  private readonly kids: Int32Array;
  private readonly kidStart: Int32Array;
  private readonly kidCount: Int32Array;
  /**
   * How many of span i's sorted kids are still LFC candidates: filled up to kidCount while sorting,
   * then moved backwards by the walk.
   */
  private readonly cursor: Int32Array;

  constructor(index: SpanIndex) {
    const n = index.spans.length;
    this.index = index;
    this.stamp = new Int32Array(n);
    this.order = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.kept = new Uint8Array(n);
    this.start = new Float64Array(n);
    this.end = new Float64Array(n);
    this.kids = new Int32Array(n);
    this.kidStart = new Int32Array(n);
    this.kidCount = new Int32Array(n);
    this.cursor = new Int32Array(n);
  }

  /**
   * Step 1: an iterative DFS from the root that leaves out each CONSUMER child of a PRODUCER (with
   * its subtree): the producer does not wait for it, so it cannot be on the path.
   *
   * @returns how many spans `order` now holds
   */
  collectBlockingTree(root: number, stampValue: number): number {
    const { childStart, children, kind } = this.index;
    const { order, stamp, stack } = this;
    let size = 0;
    // Each span is stamped when pushed, so the stack never holds more than n entries.
    let top = 0;
    stack[top++] = root;
    stamp[root] = stampValue;
    while (top > 0) {
      const node = stack[--top]!;
      order[size++] = node;
      const isProducer = kind[node] === KIND_PRODUCER;
      for (let c = childStart[node + 1]! - 1; c >= childStart[node]!; c--) {
        const child = children[c]!;
        if (stamp[child] === stampValue) continue;
        if (isProducer && kind[child] === KIND_CONSUMER) continue;
        stamp[child] = stampValue;
        stack[top++] = child;
      }
    }
    return size;
  }

  /**
   * Step 2: clamp children into their parent's (already clamped) interval, or drop them, exactly as
   * Jaeger's sanitizeOverFlowingChildren. `order` lists parents first, so a dropped parent is seen
   * before its children and the drop cascades.
   */
  sanitize(size: number): void {
    const { parent, startUs, endUs } = this.index;
    const { order, kept, start, end } = this;
    for (let k = 0; k < size; k++) {
      const node = order[k]!;
      let s = startUs[node]!;
      // A negative duration would let the walk revisit a span forever; treat it as zero-length.
      let e = Math.max(endUs[node]!, s);
      kept[node] = 1;
      if (k > 0) {
        const p = parent[node]!;
        if (kept[p] !== 1) {
          kept[node] = 0;
        } else {
          const ps = start[p]!;
          const pe = end[p]!;
          if (s >= ps) {
            if (s >= pe) kept[node] = 0;
            else if (e > pe) e = pe;
          } else if (e <= ps) {
            kept[node] = 0;
          } else {
            s = ps;
            if (e > pe) e = pe;
          }
        }
      }
      start[node] = s;
      end[node] = e;
    }
  }

  /**
   * Sorts each span's kept children by end time once, so LFC becomes a pointer that only moves
   * backwards (`before` only decreases per span). Ties put the child that Jaeger's strict `>` scan
   * would pick (earliest start, then first in input) last, where the pointer finds it first.
   */
  sortKeptChildren(size: number): void {
    const { parent, startUs } = this.index;
    const { order, kept, kids, kidStart, kidCount, cursor, end } = this;
    for (let k = 0; k < size; k++) kidCount[order[k]!] = 0;
    for (let k = 1; k < size; k++) {
      const node = order[k]!;
      if (kept[node] === 1) kidCount[parent[node]!]! += 1;
    }
    let offset = 0;
    for (let k = 0; k < size; k++) {
      const node = order[k]!;
      kidStart[node] = offset;
      offset += kidCount[node]!;
      cursor[node] = 0;
    }
    for (let k = 1; k < size; k++) {
      const node = order[k]!;
      if (kept[node] !== 1) continue;
      const p = parent[node]!;
      kids[kidStart[p]! + cursor[p]!] = node;
      cursor[p]! += 1;
    }
    const byEnd = (a: number, b: number): number =>
      end[a]! - end[b]! || startUs[b]! - startUs[a]! || b - a;
    for (let k = 0; k < size; k++) {
      const node = order[k]!;
      const count = kidCount[node]!;
      if (count <= 1) continue;
      const from = kidStart[node]!;
      // Most spans have a handful of children: an insertion sort beats a subarray plus a sort call.
      if (count <= SMALL_SORT) insertionSort(kids, from, from + count, byEnd);
      else kids.subarray(from, from + count).sort(byEnd);
    }
  }

  /**
   * Steps 3 and 4 as a loop: descend into the last-finishing child, or, when there is none before the
   * current bound, take the span from its start and climb back to the parent bounded by that start.
   * Appends sections (and their span indexes) in reverse chronological order.
   */
  walk(root: number, sections: CriticalSection[], owners: number[]): void {
    const { spans, parent } = this.index;
    const { start, end } = this;
    const push = (node: number, from: number, to: number): void => {
      if (from === to) return;
      sections.push({ spanId: spanAt(spans, node).spanId, startUs: from, endUs: to });
      owners.push(node);
    };
    let node = root;
    let before = Number.POSITIVE_INFINITY;
    for (;;) {
      const sectionEnd = before === Number.POSITIVE_INFINITY ? end[node]! : before;
      const lfc = this.lastFinishingChild(node, before);
      if (lfc >= 0) {
        push(node, end[lfc]!, sectionEnd);
        node = lfc;
        before = Number.POSITIVE_INFINITY;
      } else {
        push(node, start[node]!, sectionEnd);
        if (node === root) return;
        before = start[node]!;
        node = parent[node]!;
      }
    }
  }

  /**
   * The kept child with the greatest end strictly before `before`, or -1. The cursor only moves
   * backwards, and the returned child is consumed: the walk comes back to this span bounded by that
   * child's start, so neither it nor anything ending later can qualify again.
   */
  private lastFinishingChild(node: number, before: number): number {
    const { kids, kidStart, cursor, end } = this;
    const base = kidStart[node]!;
    let left = cursor[node]!;
    while (left > 0 && end[kids[base + left - 1]!]! >= before) left--;
    if (left === 0) {
      cursor[node] = 0;
      return -1;
    }
    cursor[node] = left - 1;
    return kids[base + left - 1]!;
  }
}

/** Up to this many children are sorted by insertion. */
const SMALL_SORT = 16;

function insertionSort(list: Int32Array, from: number, to: number, compare: (a: number, b: number) => number): void {
  for (let i = from + 1; i < to; i++) {
    const item = list[i]!;
    let j = i - 1;
    while (j >= from && compare(list[j]!, item) > 0) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = item;
  }
}

/** Indexed read for code that has already bounds-checked `i` (noUncheckedIndexedAccess). */
function spanAt(spans: readonly Span[], i: number): Span {
  return spans[i]!;
}
