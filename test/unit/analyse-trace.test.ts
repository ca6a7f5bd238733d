import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { analyseTrace } from '../../src/domain/analyse-trace.js';
import { LsslackError } from '../../src/domain/errors.js';
import type { Span, Trace } from '../../src/domain/types.js';

interface SpanInit {
  readonly parentId?: string;
  readonly isError?: boolean;
}

function span(spanId: string, service: string, name: string, startUs: number, endUs: number, init: SpanInit = {}): Span {
  return {
    spanId,
    service,
    name,
    startUs,
    endUs,
    isError: init.isError ?? false,
    ...(init.parentId === undefined ? {} : { parentId: init.parentId }),
  };
}

const ROOT = 'a000000000000001';
const CART = 'b000000000000002';
const PAY = 'b100000000000003';
const DB = 'c000000000000004';
const ORPHAN = 'd000000000000005';

/**
 * frontend GET /checkout [1000, 11000]
 * ├─ cart get-cart        [2000, 5000]
 * └─ payments charge      [4000, 9000]  error
 *    └─ payments INSERT   [5000, 8000]  error
 * worker consume (parent ffff… missing) [12000, 13000]
 * plus a duplicate of the cart span that must be ignored.
 */
const SHOP: Trace = {
  traceId: 'trace-1',
  spans: [
    span(DB, 'payments', 'INSERT', 5000, 8000, { parentId: PAY, isError: true }),
    span(ROOT, 'frontend', 'GET /checkout', 1000, 11000),
    span(CART, 'cart', 'get-cart', 2000, 5000, { parentId: ROOT }),
    span(PAY, 'payments', 'charge', 4000, 9000, { parentId: ROOT, isError: true }),
    span(ORPHAN, 'worker', 'consume', 12000, 13000, { parentId: 'ffffffffffffffff' }),
    span(CART, 'duplicate-svc', 'dup', 0, 50000, { isError: true }),
  ],
};

const name = (spanId: string, service: string, op: string) => ({ spanId, service, name: op });

describe('analyseTrace', () => {
  it('summarises counts, root, orphans and the first error', () => {
    const summary = analyseTrace(SHOP, {});
    assert.equal(summary.traceId, 'trace-1');
    assert.deepEqual(summary.root, name(ROOT, 'frontend', 'GET /checkout'));
    assert.equal(summary.startUs, 1000);
    assert.equal(summary.durationUs, 12000);
    assert.equal(summary.spanCount, 5);
    assert.equal(summary.serviceCount, 4);
    assert.equal(summary.errorCount, 2);
    // Where the error started: charge failed because its INSERT did, so INSERT is named, not the
    // earlier-starting charge it propagated to.
    assert.deepEqual(summary.firstError, name(DB, 'payments', 'INSERT'));
    assert.equal(summary.orphanCount, 1);
    assert.equal(summary.selectedStatus, 'none');
    assert.equal(summary.selected, undefined);
  });

  it('names the earliest-starting of several independent error origins', () => {
    const trace: Trace = {
      spans: [
        span('00000000000000a1', 'api', 'root', 0, 100),
        span('00000000000000a3', 'db', 'late failure', 50, 60, { parentId: '00000000000000a1', isError: true }),
        span('00000000000000a2', 'cache', 'early failure', 10, 20, { parentId: '00000000000000a1', isError: true }),
      ],
    };
    assert.deepEqual(analyseTrace(trace, {}).firstError, name('00000000000000a2', 'cache', 'early failure'));
  });

  it('walks the critical path over every root, by start time', () => {
    const summary = analyseTrace(SHOP, {});
    assert.deepEqual(summary.criticalPath, [
      { spanId: ROOT, startUs: 1000, endUs: 4000 },
      { spanId: PAY, startUs: 4000, endUs: 5000 },
      { spanId: DB, startUs: 5000, endUs: 8000 },
      { spanId: PAY, startUs: 8000, endUs: 9000 },
      { spanId: ROOT, startUs: 9000, endUs: 11000 },
      { spanId: ORPHAN, startUs: 12000, endUs: 13000 },
    ]);
  });

  it('aggregates critical time per span into top contributors with shares', () => {
    const summary = analyseTrace(SHOP, {});
    assert.deepEqual(summary.topContributors, [
      { spanId: ROOT, service: 'frontend', name: 'GET /checkout', criticalUs: 5000, share: 5000 / 12000 },
      { spanId: DB, service: 'payments', name: 'INSERT', criticalUs: 3000, share: 0.25 },
      { spanId: PAY, service: 'payments', name: 'charge', criticalUs: 2000, share: 2000 / 12000 },
      { spanId: ORPHAN, service: 'worker', name: 'consume', criticalUs: 1000, share: 1000 / 12000 },
    ]);
  });

  it('keeps only the five largest contributors', () => {
    // Root [0, 1000] with children back to back, each ending 1 µs before the next starts:
    // k1 [0, 9], k2 [10, 29], k3 [30, 59], … so child i (1-based) is 10·i − 1 µs long.
    const spans: Span[] = [span('r', 'svc', 'root', 0, 1000)];
    let startUs = 0;
    for (let i = 1; i <= 7; i++) {
      spans.push(span(`k${i}`, 'svc', `child ${i}`, startUs, startUs + 10 * i - 1, { parentId: 'r' }));
      startUs += 10 * i;
    }
    // Children cover [0, 279]; the root owns the 1 µs gap before each of k2…k7 and [279, 1000].
    const summary = analyseTrace({ spans }, {});
    assert.deepEqual(
      summary.topContributors.map((c) => [c.spanId, c.criticalUs]),
      [['r', 6 + 721], ['k7', 69], ['k6', 59], ['k5', 49], ['k4', 39]],
    );
  });

  it('resolves a unique selected span prefix with offset, share and ancestry', () => {
    const summary = analyseTrace(SHOP, { selectedSpanPrefix: 'c0' });
    assert.equal(summary.selectedStatus, 'found');
    assert.deepEqual(summary.selected, {
      spanId: DB,
      service: 'payments',
      name: 'INSERT',
      durationUs: 3000,
      share: 0.25,
      offsetUs: 4000,
      isError: true,
      ancestry: [name(ROOT, 'frontend', 'GET /checkout'), name(PAY, 'payments', 'charge')],
    });
  });

  it('gives a root or orphan selection an empty ancestry', () => {
    assert.deepEqual(analyseTrace(SHOP, { selectedSpanPrefix: ROOT }).selected?.ancestry, []);
    assert.deepEqual(analyseTrace(SHOP, { selectedSpanPrefix: 'd' }).selected?.ancestry, []);
  });

  it('reports an ambiguous prefix and one that matches nothing', () => {
    const ambiguous = analyseTrace(SHOP, { selectedSpanPrefix: 'b' });
    assert.equal(ambiguous.selectedStatus, 'ambiguous');
    assert.equal(ambiguous.selected, undefined);
    const missing = analyseTrace(SHOP, { selectedSpanPrefix: 'e' });
    assert.equal(missing.selectedStatus, 'not_found');
    assert.equal(missing.selected, undefined);
    // The duplicate of the cart span does not make "b0" ambiguous.
    assert.equal(analyseTrace(SHOP, { selectedSpanPrefix: 'b0' }).selected?.spanId, CART);
  });

  it('matches an uppercase prefix and lets an exact id win over a longer id it prefixes', () => {
    assert.equal(analyseTrace(SHOP, { selectedSpanPrefix: 'B1' }).selected?.spanId, PAY);
    const trace: Trace = { spans: [span('abc', 's', 'one', 0, 10), span('abcd', 's', 'two', 1, 5, { parentId: 'abc' })] };
    assert.equal(analyseTrace(trace, { selectedSpanPrefix: 'abc' }).selected?.name, 'one');
    assert.equal(analyseTrace(trace, { selectedSpanPrefix: 'ab' }).selectedStatus, 'ambiguous');
  });

  it('titles the trace by its earliest orphan when no span lacks a parent', () => {
    const trace: Trace = {
      spans: [
        span('x', 'late', 'op', 5, 10, { parentId: 'gone1' }),
        span('y', 'early', 'op', 3, 8, { parentId: 'gone2' }),
        span('z', 'child', 'op', 4, 6, { parentId: 'y' }),
      ],
    };
    const summary = analyseTrace(trace, {});
    assert.deepEqual(summary.root, name('y', 'early', 'op'));
    // The title span is not counted as an orphan.
    assert.equal(summary.orphanCount, 1);
    assert.equal(summary.durationUs, 7);
  });

  it('prefers the earliest parentless span as root even when an orphan starts earlier', () => {
    const trace: Trace = {
      spans: [span('o', 'orphan', 'op', 0, 5, { parentId: 'gone' }), span('r1', 'late', 'op', 20, 30), span('r0', 'root', 'op', 10, 40)],
    };
    const summary = analyseTrace(trace, {});
    assert.equal(summary.root.spanId, 'r0');
    assert.equal(summary.orphanCount, 1);
  });

  it('survives parent cycles in garbage data', () => {
    const trace: Trace = {
      spans: [span('r', 's', 'root', 0, 100), span('a', 's', 'a', 10, 20, { parentId: 'b' }), span('b', 's', 'b', 30, 40, { parentId: 'a' })],
    };
    const summary = analyseTrace(trace, { selectedSpanPrefix: 'a' });
    assert.equal(summary.root.spanId, 'r');
    assert.deepEqual(summary.selected?.ancestry, [name('b', 's', 'b')]);
    assert.deepEqual(summary.criticalPath, [{ spanId: 'r', startUs: 0, endUs: 100 }]);
    // A trace made only of a cycle still gets a title.
    const onlyCycle = analyseTrace({ spans: trace.spans.slice(1) }, {});
    assert.equal(onlyCycle.root.spanId, 'a');
    assert.equal(onlyCycle.orphanCount, 0);
  });

  it('counts a self-parented span as an orphan root', () => {
    const summary = analyseTrace({ spans: [span('r', 's', 'root', 0, 10), span('s', 's', 'self', 20, 30, { parentId: 's' })] }, {});
    assert.equal(summary.orphanCount, 1);
    assert.deepEqual(summary.criticalPath.map((s) => s.spanId), ['r', 's']);
  });

  it('guards zero durations', () => {
    const summary = analyseTrace({ spans: [span('r', 's', 'root', 5, 5)] }, { selectedSpanPrefix: 'r' });
    assert.equal(summary.durationUs, 0);
    assert.deepEqual(summary.criticalPath, []);
    assert.deepEqual(summary.topContributors, []);
    assert.equal(summary.selected?.share, 0);
    assert.equal('firstError' in summary, false);
    assert.equal('traceId' in summary, false);
  });

  it('throws backend_bad_response for a trace without spans', () => {
    assert.throws(
      () => analyseTrace({ spans: [] }, {}),
      (error: unknown) => error instanceof LsslackError && error.code === 'backend_bad_response',
    );
  });

  it('handles a 100k-deep chain without recursion', () => {
    const n = 100_000;
    const spans: Span[] = [];
    for (let i = 0; i < n; i++) spans.push(span(`s${i}`, `svc${i % 7}`, 'op', i, 2 * n - i, i === 0 ? {} : { parentId: `s${i - 1}` }));
    const summary = analyseTrace({ spans }, { selectedSpanPrefix: `s${n - 1}` });
    assert.equal(summary.spanCount, n);
    assert.equal(summary.serviceCount, 7);
    assert.equal(summary.durationUs, 2 * n);
    assert.equal(summary.selected?.ancestry.length, n - 1);
    assert.equal(summary.selected?.ancestry[0]?.spanId, 's0');
    assert.equal(summary.selected?.ancestry[n - 2]?.spanId, `s${n - 2}`);
    // Span i owns [i, i + 1] and [2n − i − 1, 2n − i]; the deepest owns [n − 1, n + 1]. All tie at
    // 2 µs, so the first ones met along the path are listed.
    assert.equal(summary.criticalPath.length, 2 * n - 1);
    assert.deepEqual(
      summary.topContributors.map((c) => [c.spanId, c.criticalUs, c.share]),
      [0, 1, 2, 3, 4].map((i) => [`s${i}`, 2, 2 / (2 * n)]),
    );
  });
});
