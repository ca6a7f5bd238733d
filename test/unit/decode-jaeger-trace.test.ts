import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeJaegerTrace } from '../../src/adapters/backends/jaeger/decode-jaeger-trace.js';
import { LsslackError } from '../../src/domain/errors.js';

const TRACE = '5b8efff798038103';
const TRACE_32 = `0000000000000000${TRACE}`;

function tag(key: string, type: string, value: unknown): unknown {
  return { key, type, value };
}

function childOf(spanID: string, traceID = TRACE): unknown {
  return { refType: 'CHILD_OF', traceID, spanID };
}

function followsFrom(spanID: string, traceID = TRACE): unknown {
  return { refType: 'FOLLOWS_FROM', traceID, spanID };
}

/** A v1 `/api/traces/{id}` reply shaped like Jaeger's `ui_01.json` fixture, with the quirks real data has. */
function jaegerDocument(): unknown {
  const base = { traceID: TRACE, logs: [], warnings: null, flags: 1 };
  return {
    data: [
      {
        traceID: TRACE,
        spans: [
          {
            ...base,
            spanID: '0000000000000001',
            operationName: 'GET /cart',
            references: [],
            startTime: 1485467191639875,
            duration: 5000,
            tags: [tag('span.kind', 'string', 'server'), tag('http.status_code', 'int64', 200), tag('sampler.param', 'float64', 0.5)],
            logs: [{ timestamp: 1485467191639875, fields: [tag('event', 'string', 'x')] }],
            processID: 'p1',
          },
          {
            ...base,
            spanID: '0000000000000002',
            operationName: 'cart.load',
            references: [childOf('0000000000000001')],
            startTime: '1485467191640000',
            duration: '2000',
            // error as the string "true"; an int64 too large for a double arrives as a string
            tags: [tag('error', 'string', 'true'), tag('span.kind', 'string', 'client'), tag('big', 'int64', '9223372036854775807'), tag('blob', 'binary', 'AAEC')],
            processID: 'p2',
          },
          {
            ...base,
            spanID: '0000000000000003',
            operationName: 'enqueue',
            // A link to another trace first (how the OTLP translator writes span links), then the parent.
            references: [followsFrom('00000000000000aa', 'ffffffffffffffff'), childOf('0000000000000002'), childOf('0000000000000001')],
            startTime: 1485467191640100,
            duration: 100,
            tags: [tag('span.kind', 'string', 'PRODUCER'), tag('otel.status_code', 'string', 'ERROR'), tag('otel.status_description', 'string', 'queue full')],
            processID: 'p2',
          },
          {
            ...base,
            spanID: '0000000000000004',
            operationName: 'dequeue',
            // No CHILD_OF: the same-trace FOLLOWS_FROM is the parent (the trace id written in its 32-hex form).
            references: [followsFrom('0000000000000003', TRACE_32.toUpperCase())],
            startTime: 1485467191650000,
            duration: 300,
            tags: [tag('span.kind', 'string', 'consumer'), tag('error', 'bool', false)],
            processID: 'p3',
          },
          {
            ...base,
            spanID: '00000000000000AB',
            operationName: '',
            // Only a link to another trace: a root, not an orphan.
            references: [followsFrom('00000000000000aa', 'ffffffffffffffff')],
            startTime: 1485467191660000,
            tags: [tag('span.kind', 'string', 'internal'), tag('error', 'bool', true)],
            process: { serviceName: 'embedded', tags: [] },
          },
          {
            ...base,
            spanID: '3e8',
            operationName: 'legacy',
            references: null,
            parentSpanID: '0000000000000001',
            startTime: 1485467191670000,
            duration: 10,
            tags: null,
            processID: 'missing',
          },
        ],
        processes: {
          p1: { serviceName: 'frontend', tags: [tag('hostname', 'string', 'web-1')] },
          p2: { serviceName: 'cart', tags: [] },
          p3: { serviceName: 'worker' },
        },
        warnings: null,
      },
    ],
    total: 0,
    limit: 0,
    offset: 0,
    errors: null,
  };
}

function expectBadResponse(json: unknown, message: RegExp): void {
  assert.throws(() => decodeJaegerTrace(json), (error: unknown) => {
    assert.ok(error instanceof LsslackError);
    assert.equal(error.code, 'backend_bad_response');
    assert.match(error.message, message);
    return true;
  });
}

function one(spans: unknown[], processes: unknown = { p: { serviceName: 'svc' } }): unknown {
  return { data: [{ traceID: TRACE, spans, processes }] };
}

function span(fields: Record<string, unknown>): Record<string, unknown> {
  return { traceID: TRACE, spanID: '1000000000000001', operationName: 'op', references: [], startTime: 10, duration: 5, tags: [], processID: 'p', ...fields };
}

describe('decodeJaegerTrace', () => {
  it('converts a realistic v1 reply into a Trace', () => {
    assert.deepEqual(decodeJaegerTrace(jaegerDocument()), {
      traceId: TRACE_32,
      spans: [
        { spanId: '0000000000000001', service: 'frontend', name: 'GET /cart', startUs: 1485467191639875, endUs: 1485467191644875, isError: false, kind: 'server' },
        {
          spanId: '0000000000000002',
          parentId: '0000000000000001',
          service: 'cart',
          name: 'cart.load',
          startUs: 1485467191640000,
          endUs: 1485467191642000,
          isError: true,
          kind: 'client',
        },
        {
          spanId: '0000000000000003',
          parentId: '0000000000000002',
          service: 'cart',
          name: 'enqueue',
          startUs: 1485467191640100,
          endUs: 1485467191640200,
          isError: true,
          kind: 'producer',
        },
        {
          spanId: '0000000000000004',
          parentId: '0000000000000003',
          service: 'worker',
          name: 'dequeue',
          startUs: 1485467191650000,
          endUs: 1485467191650300,
          isError: false,
          kind: 'consumer',
        },
        // Missing duration: a zero-length span.
        { spanId: '00000000000000ab', service: 'embedded', name: 'unknown-operation', startUs: 1485467191660000, endUs: 1485467191660000, isError: true, kind: 'internal' },
        // The deprecated parentSpanID, an unknown process, and a shortened span id.
        { spanId: '00000000000003e8', parentId: '0000000000000001', service: 'unknown-service', name: 'legacy', startUs: 1485467191670000, endUs: 1485467191670010, isError: false },
      ],
    });
  });

  it('normalises a 128-bit trace id and falls back to the first span for it', () => {
    const id = '5B8EFFF798038103D269B633813FC60C';
    assert.equal(decodeJaegerTrace({ data: [{ traceID: id, spans: [span({ traceID: id })] }] }).traceId, id.toLowerCase());
    assert.equal(decodeJaegerTrace({ data: [{ spans: [span({ traceID: id })] }] }).traceId, id.toLowerCase());
    assert.equal(decodeJaegerTrace({ data: [{ spans: [span({ traceID: undefined })] }] }).traceId, undefined);
  });

  it('keeps spans the tree analysis copes with: orphans, cycles, duplicates, clock skew, negative durations', () => {
    const trace = decodeJaegerTrace(
      one([
        span({ spanID: '1000000000000001', references: [childOf('1000000000000002')], startTime: 50, duration: 10 }),
        span({ spanID: '1000000000000002', references: [childOf('1000000000000001')], startTime: 10, duration: 5 }),
        span({ spanID: '1000000000000002', references: [childOf('ffffffffffffffff')], startTime: 30, duration: -20 }),
        span({ spanID: '1000000000000003', references: [childOf('1000000000000003')] }),
        span({ spanID: '1000000000000004', references: [childOf('not-an-id')] }),
        span({ spanID: '1000000000000005', references: [childOf('0000000000000000'), { refType: 'CHILD_OF' }] }),
      ]),
    );
    assert.deepEqual(
      trace.spans.map((s) => [s.spanId, s.parentId, s.startUs, s.endUs]),
      [
        ['1000000000000001', '1000000000000002', 50, 60],
        ['1000000000000002', '1000000000000001', 10, 15],
        ['1000000000000002', 'ffffffffffffffff', 30, 10],
        ['1000000000000003', '1000000000000003', 10, 15],
        ['1000000000000004', 'not-an-id', 10, 15],
        ['1000000000000005', undefined, 10, 15],
      ],
    );
  });

  it('tolerates wrong types in tags, references and processes', () => {
    const trace = decodeJaegerTrace(
      one(
        [
          span({
            tags: [null, 'x', { key: 'error', value: 1 }, { key: 'span.kind', value: 7 }, { key: 'otel.status_code', value: 'OK' }],
            references: [null, 3, { refType: 'CHILD_OF', traceID: TRACE, spanID: 42 }, { refType: 'PARENT_OF', spanID: '1000000000000009' }],
            processID: '__proto__',
            operationName: ['x'],
          }),
        ],
        // As JSON.parse builds it: an own `__proto__` key, not a prototype.
        JSON.parse('{"__proto__": {"serviceName": "proto"}, "p": "not an object"}'),
      ),
    );
    assert.deepEqual(trace.spans, [{ spanId: '1000000000000001', service: 'proto', name: 'unknown-operation', startUs: 10, endUs: 15, isError: false }]);
    const noProcesses = decodeJaegerTrace(one([span({ processID: 'toString' })], null));
    assert.equal(noProcesses.spans[0]?.service, 'unknown-service');
  });

  it('skips malformed spans and keeps the rest', () => {
    const trace = decodeJaegerTrace(
      one([
        null,
        span({ spanID: 7 }),
        span({ spanID: 'xyz' }),
        span({ spanID: '0000000000000000' }),
        span({ startTime: 'soon' }),
        span({ startTime: undefined }),
        span({ startTime: Number.POSITIVE_INFINITY }),
        span({ duration: '1e3' }),
        span({ duration: null }),
        span({ spanID: '2000000000000002', startTime: 1e300, duration: 1e300 }),
      ]),
    );
    assert.deepEqual(trace.spans, [{ spanId: '2000000000000002', service: 'svc', name: 'op', startUs: 1e300, endUs: 2e300, isError: false }]);
  });

  it("throws backend_bad_response with Jaeger's own message for an error envelope", () => {
    expectBadResponse({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] }, /^Jaeger trace reply: trace not found \(404\)$/);
    expectBadResponse({ data: [], errors: [{ msg: 'storage timeout' }] }, /storage timeout$/);
    expectBadResponse({ data: null, errors: [{}] }, /error without a message/);
  });

  it('rejects bodies that are not a trace, naming what is wrong', () => {
    expectBadResponse(null, /not a JSON object/);
    expectBadResponse([], /not a JSON object/);
    expectBadResponse({}, /no data array/);
    expectBadResponse({ data: null, errors: null }, /no data array/);
    expectBadResponse({ data: [], errors: [] }, /data array is empty/);
    expectBadResponse({ data: [7] }, /data\[0\] is not an object/);
    expectBadResponse({ data: [{ spans: {} }] }, /data\[0\]\.spans is not an array/);
    expectBadResponse({ data: [{ spans: [] }] }, /trace has no spans/);
    expectBadResponse(one([span({ spanID: '' }), 'x']), /all 2 spans are invalid \(first problem: spans\[0\] has no valid spanID\)/);
  });

  it('decodes 100k spans', () => {
    const n = 100_000;
    const spans: unknown[] = new Array(n);
    const id = (i: number) => `1${(i * 4099).toString(16).padStart(15, '0')}`;
    for (let i = 0; i < n; i++) {
      spans[i] = {
        traceID: TRACE,
        spanID: id(i),
        operationName: 'op',
        references: i === 0 ? [] : [childOf(id(i >> 3))],
        startTime: 1_700_000_000_000_000 + i,
        duration: 100,
        tags: [tag('span.kind', 'string', 'server'), tag('error', 'bool', i % 1000 === 0)],
        logs: [],
        processID: `p${i % 4}`,
      };
    }
    const processes = { p0: { serviceName: 's0' }, p1: { serviceName: 's1' }, p2: { serviceName: 's2' }, p3: { serviceName: 's3' } };
    const trace = decodeJaegerTrace({ data: [{ traceID: TRACE, spans, processes }] });
    assert.equal(trace.spans.length, n);
    assert.deepEqual(trace.spans[n - 1], {
      spanId: id(n - 1),
      parentId: id((n - 1) >> 3),
      service: 's3',
      name: 'op',
      startUs: 1_700_000_000_000_000 + n - 1,
      endUs: 1_700_000_000_000_100 + n - 1,
      isError: false,
      kind: 'server',
    });
    assert.equal(trace.spans.filter((s) => s.isError).length, n / 1000);
  });
});
