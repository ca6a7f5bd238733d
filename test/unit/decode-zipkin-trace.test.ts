import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeZipkinTrace } from '../../src/adapters/backends/zipkin/decode-zipkin-trace.js';
import { LsslackError } from '../../src/domain/errors.js';
import type { Span } from '../../src/domain/types.js';

const TRACE_128 = '4e441824ec2b6a44ffdc9bb9a6453df3';
const TRACE_64 = 'ffdc9bb9a6453df3';

const A = '0000000000000a01';
const B = '0000000000000b02';
const C = '0000000000000c03';
const D = '0000000000000d04';
const E = '0000000000000e05';
const F = '0000000000000f06';
const G = '0000000000000a07';
const H = '0000000000000a08';
const I = '0000000000000a09';

function endpoint(serviceName: string): unknown {
  return { serviceName, ipv4: '10.0.0.1', port: 8080 };
}

/**
 * A Zipkin v2 trace as Brave reports it with B3 "join" (shared client/server ids), in no particular
 * order, with the usual odd records: a late fragment without timestamp, a duplicate, a server half
 * that forgot `shared`, one whose client was never reported.
 */
function zipkinDocument(): unknown[] {
  return [
    // The server half comes before its client half.
    { traceId: TRACE_64, id: B, parentId: A, kind: 'SERVER', name: 'get /cart', timestamp: 1150, duration: 400, localEndpoint: endpoint('backend'), shared: true },
    { traceId: TRACE_128, id: A, name: 'get /', kind: 'SERVER', timestamp: 1000, duration: 900, localEndpoint: endpoint('frontend'), tags: { 'http.path': '/' } },
    { traceId: TRACE_128, id: B, parentId: A, kind: 'CLIENT', name: 'get /cart', timestamp: 1100, duration: 500, localEndpoint: endpoint('frontend'), remoteEndpoint: endpoint('backend') },
    // Backend work under the shared id: it belongs under the server half.
    { traceId: TRACE_128, id: C, parentId: B, name: 'load', timestamp: 1200, duration: 100, localEndpoint: endpoint('backend') },
    { traceId: TRACE_128, id: D, parentId: B, kind: 'CLIENT', name: 'select', timestamp: 1300, duration: 200, localEndpoint: endpoint('backend'), tags: { 'db.statement': 'SELECT 1' } },
    // A late fragment of D: no timestamp, carries the error.
    { traceId: TRACE_128, id: D, parentId: B, kind: 'CLIENT', localEndpoint: endpoint('backend'), tags: { error: 'timeout' }, annotations: [{ timestamp: 1501, value: 'timeout' }] },
    { traceId: TRACE_128, id: E, parentId: A, kind: 'PRODUCER', name: 'send', timestamp: 1700, duration: 10, localEndpoint: endpoint('frontend') },
    // No duration: a zero-length span.
    { traceId: TRACE_128, id: F, parentId: E, kind: 'CONSUMER', name: 'receive', timestamp: 2000, localEndpoint: endpoint('worker') },
    // Old instrumentation: the server half of G lacks `shared`.
    { traceId: TRACE_128, id: G, parentId: A, kind: 'CLIENT', name: 'get /legacy', timestamp: 1800, duration: 50, localEndpoint: endpoint('frontend') },
    { traceId: TRACE_128, id: G, parentId: A, kind: 'SERVER', name: 'get /legacy', timestamp: 1810, duration: 30, localEndpoint: endpoint('legacy') },
    // A shared server half whose client half was never reported.
    { traceId: TRACE_128, id: H, parentId: 'fff', kind: 'SERVER', name: 'get /edge', timestamp: 1900, duration: 5, localEndpoint: endpoint('edge'), shared: true },
    // One span reported as two records.
    { traceId: TRACE_128, id: I, parentId: A, kind: 'CLIENT', timestamp: 1950, localEndpoint: endpoint('frontend') },
    { traceId: TRACE_128, id: I, parentId: A, kind: 'CLIENT', name: 'retry', timestamp: 1955, duration: 20, localEndpoint: endpoint('frontend') },
    // No timestamp and nothing to merge into.
    { traceId: TRACE_128, id: '0000000000000a10', parentId: A, name: 'lost', duration: 3 },
    // No endpoint, no kind, no name.
    { traceId: TRACE_128, id: '0000000000000A11', parentId: A, timestamp: '1990', duration: '4' },
  ];
}

function expectBadResponse(json: unknown, message: RegExp): void {
  assert.throws(() => decodeZipkinTrace(json), (error: unknown) => {
    assert.ok(error instanceof LsslackError);
    assert.equal(error.code, 'backend_bad_response');
    assert.match(error.message, message);
    return true;
  });
}

/** A distinct 16-hex span id per integer (exact: no float arithmetic past 2^53). */
function hexId(i: number): string {
  return `1${i.toString(16).padStart(15, '0')}`;
}

function record(fields: Record<string, unknown>): Record<string, unknown> {
  return { traceId: TRACE_64, id: A, name: 'op', timestamp: 10, duration: 5, localEndpoint: endpoint('svc'), ...fields };
}

/** [spanId, parentId] pairs, the shape the shared-span rules are about. */
function links(spans: readonly Span[]): Array<[string, string | undefined]> {
  return spans.map((s) => [s.spanId, s.parentId]);
}

describe('decodeZipkinTrace', () => {
  it('converts a realistic v2 trace, nesting shared server halves under their client halves', () => {
    assert.deepEqual(decodeZipkinTrace(zipkinDocument()), {
      traceId: TRACE_128,
      spans: [
        { spanId: `${B}:shared`, parentId: B, service: 'backend', name: 'get /cart', startUs: 1150, endUs: 1550, isError: false, kind: 'server' },
        { spanId: A, service: 'frontend', name: 'get /', startUs: 1000, endUs: 1900, isError: false, kind: 'server' },
        { spanId: B, parentId: A, service: 'frontend', name: 'get /cart', startUs: 1100, endUs: 1600, isError: false, kind: 'client' },
        { spanId: C, parentId: `${B}:shared`, service: 'backend', name: 'load', startUs: 1200, endUs: 1300, isError: false, kind: 'internal' },
        { spanId: D, parentId: `${B}:shared`, service: 'backend', name: 'select', startUs: 1300, endUs: 1500, isError: true, kind: 'client' },
        { spanId: E, parentId: A, service: 'frontend', name: 'send', startUs: 1700, endUs: 1710, isError: false, kind: 'producer' },
        { spanId: F, parentId: E, service: 'worker', name: 'receive', startUs: 2000, endUs: 2000, isError: false, kind: 'consumer' },
        { spanId: G, parentId: A, service: 'frontend', name: 'get /legacy', startUs: 1800, endUs: 1850, isError: false, kind: 'client' },
        { spanId: `${G}:shared`, parentId: G, service: 'legacy', name: 'get /legacy', startUs: 1810, endUs: 1840, isError: false, kind: 'server' },
        { spanId: H, parentId: '0000000000000fff', service: 'edge', name: 'get /edge', startUs: 1900, endUs: 1905, isError: false, kind: 'server' },
        { spanId: I, parentId: A, service: 'frontend', name: 'retry', startUs: 1950, endUs: 1970, isError: false, kind: 'client' },
        { spanId: '0000000000000a11', parentId: A, service: 'unknown-service', name: 'unknown-operation', startUs: 1990, endUs: 1994, isError: false, kind: 'internal' },
      ],
    });
  });

  it('gives further distinct server halves of one id their own derived ids, and merges duplicate halves', () => {
    const trace = decodeZipkinTrace([
      record({ id: B, parentId: A, kind: 'CLIENT', localEndpoint: endpoint('client') }),
      record({ id: B, parentId: A, kind: 'SERVER', shared: true, localEndpoint: endpoint('proxy') }),
      record({ id: B, parentId: A, kind: 'SERVER', shared: true, localEndpoint: endpoint('app'), duration: 3 }),
      record({ id: B, parentId: A, kind: 'SERVER', shared: true, localEndpoint: endpoint('app'), tags: { error: '' } }),
      record({ id: C, parentId: B, localEndpoint: endpoint('app') }),
      record({ id: D, parentId: B, localEndpoint: endpoint('proxy') }),
      record({ id: E, parentId: B, localEndpoint: endpoint('client') }),
    ]);
    assert.deepEqual(links(trace.spans), [
      [B, A],
      [`${B}:shared`, B],
      [`${B}:shared:2`, B],
      [C, `${B}:shared:2`],
      [D, `${B}:shared`],
      [E, B],
    ]);
    assert.equal(trace.spans[2]?.isError, true, 'the duplicate half brought its error tag');
    assert.equal(trace.spans[2]?.endUs, 13, 'the first record of the half keeps its duration');
  });

  it('treats a SERVER record without the flag that shares a CLIENT id as shared, whatever the order', () => {
    const trace = decodeZipkinTrace([
      record({ id: B, parentId: A, kind: 'SERVER', localEndpoint: endpoint('backend') }),
      record({ id: C, parentId: B, localEndpoint: endpoint('backend') }),
      record({ id: B, parentId: A, kind: 'CLIENT', localEndpoint: endpoint('frontend') }),
    ]);
    assert.deepEqual(links(trace.spans), [
      [`${B}:shared`, B],
      [C, `${B}:shared`],
      [B, A],
    ]);
  });

  it('keeps the plain id for server halves without a client, merging their duplicates', () => {
    const trace = decodeZipkinTrace([
      record({ id: B, parentId: A, kind: 'SERVER', shared: true }),
      record({ id: B, parentId: A, kind: 'SERVER', shared: true, tags: { error: 'x' } }),
      record({ id: B, parentId: A, kind: 'SERVER', shared: true, localEndpoint: endpoint('other') }),
      record({ id: C, kind: 'SERVER', shared: true }),
      record({ id: C, kind: 'SERVER', shared: true }),
    ]);
    assert.deepEqual(links(trace.spans), [
      [B, A],
      [`${B}:shared`, A],
      [C, undefined],
    ]);
    assert.equal(trace.spans[0]?.isError, true);
  });

  it('renames a record whose id a span of another kind holds, and merges duplicates of it', () => {
    const trace = decodeZipkinTrace([
      record({ id: B, kind: 'PRODUCER', parentId: A }),
      record({ id: B, kind: 'CONSUMER', parentId: A, name: 'receive' }),
      record({ id: B, kind: 'CONSUMER', parentId: A, tags: { error: 'late' } }),
      record({ id: B, parentId: A }),
      record({ id: B, kind: 'Server', parentId: C }),
    ]);
    assert.deepEqual(
      trace.spans.map((s) => [s.spanId, s.parentId, s.kind, s.isError]),
      [
        [B, A, 'producer', false],
        [`${B}:consumer`, A, 'consumer', true],
        [`${B}:internal`, A, 'internal', false],
        [`${B}:server`, C, 'server', false],
      ],
    );
  });

  it('keeps spans the tree analysis copes with: orphans, cycles, clock skew, negative durations', () => {
    const trace = decodeZipkinTrace([
      record({ id: A, parentId: B, timestamp: 50, duration: 10 }),
      record({ id: B, parentId: A, timestamp: 10, duration: 5 }),
      record({ id: C, parentId: C }),
      record({ id: D, parentId: 'ffffffffffffffff', duration: -20 }),
      record({ id: E, parentId: 'NOT-AN-ID' }),
      record({ id: F, parentId: '0000000000000000' }),
    ]);
    assert.deepEqual(
      trace.spans.map((s) => [s.spanId, s.parentId, s.startUs, s.endUs]),
      [
        [A, B, 50, 60],
        [B, A, 10, 15],
        [C, C, 10, 15],
        [D, 'ffffffffffffffff', 10, -10],
        [E, 'not-an-id', 10, 15],
        [F, undefined, 10, 15],
      ],
    );
  });

  it('reads kinds case-insensitively and leaves unknown kinds out', () => {
    const trace = decodeZipkinTrace([
      record({ id: A, kind: 'client' }),
      record({ id: B, kind: 'WEIRD' }),
      record({ id: C, kind: 3 }),
      record({ id: D, kind: null }),
    ]);
    assert.deepEqual(
      trace.spans.map((s) => s.kind),
      ['client', undefined, undefined, 'internal'],
    );
  });

  it('skips malformed records and keeps the rest', () => {
    const trace = decodeZipkinTrace([
      null,
      'x',
      [],
      record({ id: 12 }),
      record({ id: 'xyz' }),
      record({ id: '0000000000000000' }),
      record({ id: '10000000000000000' }),
      record({ timestamp: 'soon' }),
      record({ timestamp: null }),
      record({ duration: 'long' }),
      record({ duration: Number.NaN }),
      record({ id: B, name: 7, tags: 'error', localEndpoint: { serviceName: 3 }, traceId: 'zz', shared: 'true' }),
    ]);
    assert.deepEqual(trace, {
      // From the records read as undated (bad timestamps): their trace id is still the trace's.
      traceId: `0000000000000000${TRACE_64}`,
      spans: [{ spanId: B, service: 'unknown-service', name: 'unknown-operation', startUs: 10, endUs: 15, isError: false, kind: 'internal' }],
    });
  });

  it('rejects bodies that are not a span array, naming what is wrong', () => {
    expectBadResponse(null, /not a JSON array of spans/);
    expectBadResponse({ spans: [] }, /not a JSON array of spans/);
    expectBadResponse('[]', /not a JSON array of spans/);
    expectBadResponse([], /trace has no spans/);
    expectBadResponse([record({ id: 'x' }), null], /all 2 spans are invalid \(first problem: spans\[0\] has no valid id\)/);
    expectBadResponse([record({ timestamp: undefined }), record({ id: B, timestamp: undefined })], /all 2 spans are invalid \(first problem: spans\[0\] has no timestamp\)/);
  });

  it('stays linear when thousands of server halves share one id', () => {
    const records: unknown[] = [record({ id: B, kind: 'CLIENT' })];
    for (let i = 0; i < 20_000; i++) records.push(record({ id: B, kind: 'SERVER', shared: true, localEndpoint: endpoint(`svc-${i % 5000}`) }));
    for (let i = 0; i < 20_000; i++) records.push(record({ id: hexId(i), parentId: B, localEndpoint: endpoint(`svc-${i}`) }));
    const trace = decodeZipkinTrace(records);
    // Duplicates of a half more than 64 halves back are past the walk cap: each becomes one more half.
    assert.equal(trace.spans.length, 40_001);
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, trace.spans.length, 'span ids are unique');
  });

  it('decodes 100k spans in shared client/server pairs', () => {
    const n = 100_000;
    const records: unknown[] = new Array(n);
    const id = (pair: number) => hexId(pair * 4099);
    for (let i = 0; i < n; i++) {
      const pair = i >> 1;
      const server = (i & 1) === 1;
      records[i] = {
        traceId: TRACE_128,
        id: id(pair),
        ...(pair === 0 ? {} : { parentId: id(pair >> 2) }),
        kind: server ? 'SERVER' : 'CLIENT',
        name: 'get',
        timestamp: 1_700_000_000_000_000 + i,
        duration: 100,
        localEndpoint: endpoint(server ? `server-${pair % 7}` : `client-${pair % 7}`),
        tags: pair % 1000 === 0 && server ? { error: '500' } : { 'http.path': '/x' },
        ...(server ? { shared: true } : {}),
      };
    }
    const trace = decodeZipkinTrace(records);
    assert.equal(trace.spans.length, n);
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, n, 'span ids are unique');
    assert.deepEqual(trace.spans[n - 1], {
      spanId: `${id((n - 1) >> 1)}:shared`,
      parentId: id((n - 1) >> 1),
      service: `server-${((n - 1) >> 1) % 7}`,
      name: 'get',
      startUs: 1_700_000_000_000_000 + n - 1,
      endUs: 1_700_000_000_000_100 + n - 1,
      isError: false,
      kind: 'server',
    });
    assert.equal(trace.spans.filter((s) => s.isError).length, n / 2000);
  });
});
