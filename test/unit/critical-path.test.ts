import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { computeCriticalPath, indexSpans } from '../../src/domain/critical-path.js';
import type { Span, SpanKind } from '../../src/domain/types.js';

function span(spanId: string, startUs: number, endUs: number, parentId?: string, kind?: SpanKind): Span {
  return {
    spanId,
    startUs,
    endUs,
    service: 'svc',
    name: spanId,
    isError: false,
    ...(parentId === undefined ? {} : { parentId }),
    ...(kind === undefined ? {} : { kind }),
  };
}

/** Sections as compact `id[start→end]` strings, for readable expectations. */
function path(spans: readonly Span[], roots: readonly string[]): string[] {
  return computeCriticalPath(spans, roots).map((s) => `${s.spanId}[${s.startUs}→${s.endUs}]`);
}

describe('computeCriticalPath', () => {
  it('reproduces the Jaeger worked example in chronological order', () => {
    const spans = [span('X', 1, 101), span('A', 10, 50, 'X'), span('C', 20, 60, 'X')];
    assert.deepEqual(computeCriticalPath(spans, ['X']), [
      { spanId: 'X', startUs: 1, endUs: 20 },
      { spanId: 'C', startUs: 20, endUs: 60 },
      { spanId: 'X', startUs: 60, endUs: 101 },
    ]);
  });

  it('does not depend on the input order of spans', () => {
    const spans = [span('C', 20, 60, 'X'), span('A', 10, 50, 'X'), span('X', 1, 101)];
    assert.deepEqual(path(spans, ['X']), ['X[1→20]', 'C[20→60]', 'X[60→101]']);
  });

  it('descends through nested spans and climbs back out', () => {
    const spans = [span('X', 0, 100), span('A', 10, 90, 'X'), span('B', 20, 80, 'A')];
    assert.deepEqual(path(spans, ['X']), ['X[0→10]', 'A[10→20]', 'B[20→80]', 'A[80→90]', 'X[90→100]']);
  });

  it('requires an earlier child to end strictly before the current bound', () => {
    // A ends exactly when B starts: 50 < 50 is false, so A is not on the path.
    const spans = [span('X', 0, 100), span('A', 10, 50, 'X'), span('B', 50, 80, 'X')];
    assert.deepEqual(path(spans, ['X']), ['X[0→50]', 'B[50→80]', 'X[80→100]']);
    // Ending one µs earlier puts it on the path.
    const earlier = [span('X', 0, 100), span('A', 10, 49, 'X'), span('B', 50, 80, 'X')];
    assert.deepEqual(path(earlier, ['X']), ['X[0→10]', 'A[10→49]', 'X[49→50]', 'B[50→80]', 'X[80→100]']);
  });

  it('breaks an end-time tie towards the earliest-starting child, like Jaeger', () => {
    const spans = [span('X', 0, 100), span('B', 30, 60, 'X'), span('A', 10, 60, 'X')];
    assert.deepEqual(path(spans, ['X']), ['X[0→10]', 'A[10→60]', 'X[60→100]']);
  });

  it('leaves CONSUMER children of a PRODUCER (and their subtree) off the path', () => {
    const spans = [
      span('P', 0, 100, undefined, 'producer'),
      span('Q', 10, 90, 'P', 'consumer'),
      span('R', 40, 95, 'Q'),
      span('S', 20, 30, 'P', 'client'),
    ];
    assert.deepEqual(path(spans, ['P']), ['P[0→20]', 'S[20→30]', 'P[30→100]']);
  });

  it('keeps a CONSUMER child whose parent is not a PRODUCER', () => {
    const spans = [
      span('P', 0, 100, undefined, 'client'),
      span('Q', 10, 90, 'P', 'consumer'),
      span('S', 20, 30, 'P', 'client'),
    ];
    assert.deepEqual(path(spans, ['P']), ['P[0→10]', 'Q[10→90]', 'P[90→100]']);
  });

  it('clamps a child that overflows the end of its parent', () => {
    const spans = [span('X', 0, 100), span('A', 50, 150, 'X')];
    // A is clamped to [50, 100]; X's tail after A is zero-length and omitted.
    assert.deepEqual(path(spans, ['X']), ['X[0→50]', 'A[50→100]']);
  });

  it('clamps a child that starts before its parent', () => {
    const spans = [span('X', 10, 100), span('A', 0, 40, 'X')];
    assert.deepEqual(path(spans, ['X']), ['A[10→40]', 'X[40→100]']);
  });

  it('clamps both ends of a child wider than its parent, and grandchildren to the clamped child', () => {
    const spans = [span('X', 10, 100), span('A', 0, 200, 'X'), span('B', 90, 150, 'A')];
    // A becomes [10, 100]; B, checked against the clamped A, becomes [90, 100].
    assert.deepEqual(path(spans, ['X']), ['A[10→90]', 'B[90→100]']);
  });

  it('drops a child that ends before its parent starts, with its subtree', () => {
    const spans = [
      span('X', 10, 100),
      span('A', 0, 5, 'X'),
      span('D', 50, 60, 'A'),
      span('B', 20, 30, 'X'),
    ];
    assert.deepEqual(path(spans, ['X']), ['X[10→20]', 'B[20→30]', 'X[30→100]']);
  });

  it('drops a child that starts at or after its parent ends, with its subtree', () => {
    const spans = [
      span('X', 0, 100),
      span('A', 150, 200, 'X'),
      span('B', 160, 170, 'A'),
      span('C', 100, 120, 'X'),
    ];
    assert.deepEqual(path(spans, ['X']), ['X[0→100]']);
  });

  it('runs each root in the given order and concatenates', () => {
    const spans = [span('R1', 0, 10), span('C1', 2, 8, 'R1'), span('R2', 20, 30)];
    assert.deepEqual(path(spans, ['R1', 'R2']), ['R1[0→2]', 'C1[2→8]', 'R1[8→10]', 'R2[20→30]']);
    assert.deepEqual(path(spans, ['R2', 'R1']), ['R2[20→30]', 'R1[0→2]', 'C1[2→8]', 'R1[8→10]']);
  });

  it('ignores unknown roots and omits zero-length sections', () => {
    assert.deepEqual(path([span('X', 5, 5)], ['X', 'nope']), []);
  });

  it('treats a span that ends before it starts as zero-length instead of looping', () => {
    const spans = [span('X', 0, 100), span('A', 60, 40, 'X'), span('B', 10, 20, 'X')];
    // A is [60, 60]: it is the last-finishing child but contributes nothing.
    assert.deepEqual(path(spans, ['X']), ['X[0→10]', 'B[10→20]', 'X[20→60]', 'X[60→100]']);
  });

  it('ignores duplicate span ids after the first and self-parented spans', () => {
    const spans = [span('X', 0, 100), span('A', 10, 90, 'X'), span('A', 0, 100, 'X'), span('S', 20, 30, 'S')];
    assert.deepEqual(path(spans, ['X']), ['X[0→10]', 'A[10→90]', 'X[90→100]']);
    const index = indexSpans(spans);
    assert.deepEqual([...index.parent], [-1, 0, -1, -1]);
    assert.deepEqual([...index.duplicate], [0, 0, 1, 0]);
  });

  it('walks a 200k-span chain without overflowing the stack', () => {
    const n = 200_000;
    const spans: Span[] = [];
    // Span i covers [i, 2n − i] and is the only child of span i − 1.
    for (let i = 0; i < n; i++) spans.push(span(`s${i}`, i, 2 * n - i, i === 0 ? undefined : `s${i - 1}`));
    const sections = computeCriticalPath(spans, ['s0']);
    assert.equal(sections.length, 2 * n - 1);
    assert.deepEqual(sections[0], { spanId: 's0', startUs: 0, endUs: 1 });
    assert.deepEqual(sections[n - 1], { spanId: `s${n - 1}`, startUs: n - 1, endUs: n + 1 });
    assert.deepEqual(sections[2 * n - 2], { spanId: 's0', startUs: 2 * n - 1, endUs: 2 * n });
    let covered = 0;
    for (const s of sections) covered += s.endUs - s.startUs;
    assert.equal(covered, 2 * n);
  });

  it('walks a 200k-span fan-out in O(n log n) without overflowing the stack', { timeout: 120_000 }, () => {
    const n = 200_000;
    const spans: Span[] = [span('root', 0, 2 * n)];
    // Children i cover [2i, 2i + 1], listed in reverse so the walk relies on sorting.
    for (let i = n - 1; i >= 0; i--) spans.push(span(`c${i}`, 2 * i, 2 * i + 1, 'root'));
    // A quadratic LFC would need ~2·10^10 steps here and hit the test's timeout; speed itself is
    // measured in bench/, not asserted here.
    const sections = computeCriticalPath(spans, ['root']);
    assert.equal(sections.length, 2 * n);
    assert.deepEqual(sections.slice(0, 3), [
      { spanId: 'c0', startUs: 0, endUs: 1 },
      { spanId: 'root', startUs: 1, endUs: 2 },
      { spanId: 'c1', startUs: 2, endUs: 3 },
    ]);
    assert.deepEqual(sections[2 * n - 1], { spanId: 'root', startUs: 2 * n - 1, endUs: 2 * n });
  });
});

describe('SpanIdTable', () => {
  it('answers the same once long probing turned it into a Map (crafted colliding ids cannot make it quadratic)', async () => {
    const { SpanIdTable } = await import('../../src/domain/critical-path.js');
    const ids = Array.from({ length: 500 }, (_, i) => i.toString(16).padStart(16, '0'));
    const hashed = new SpanIdTable(ids.length);
    const mapped = new SpanIdTable(ids.length, 0);
    for (const [i, id] of ids.entries()) {
      assert.equal(hashed.insert(id, i), i);
      assert.equal(mapped.insert(id, i), i);
    }
    // A duplicate keeps its first owner in both.
    assert.equal(hashed.insert(ids[7]!, 900), 7);
    assert.equal(mapped.insert(ids[7]!, 900), 7);
    for (const [i, id] of ids.entries()) assert.equal(mapped.indexOf(id), hashed.indexOf(id), `${id} at ${i}`);
    assert.equal(mapped.indexOf('ffffffffffffffff'), -1);
  });
});
