import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeOtlpTrace, unwrapJaegerV3, unwrapTempoV2 } from '../../src/adapters/backends/otlp/decode-otlp-trace.js';
import { LsslackError } from '../../src/domain/errors.js';

const TRACE_HEX = '5b8efff798038103d269b633813fc60c';
/** Base64 of the bytes a hex id spells, as Tempo's gogo/jsonpb writes ids. */
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

function kv(key: string, value: Record<string, unknown>): unknown {
  return { key, value };
}

function resource(service: string | undefined, spans: unknown[], scopeKey = 'scopeSpans'): unknown {
  return {
    resource: { attributes: service === undefined ? [kv('host.name', { stringValue: 'web-1' })] : [kv('service.name', { stringValue: service }), kv('service.version', { stringValue: '1.2' })] },
    [scopeKey]: [{ scope: { name: 'io.opentelemetry.http', version: '1.0' }, spans }],
  };
}

/** What the collector's ptrace.JSONMarshaler writes (Jaeger v3 `result`): hex ids, integer enums. */
function collectorDocument(): unknown {
  return {
    resourceSpans: [
      resource('frontend', [
        {
          traceId: TRACE_HEX,
          spanId: 'eee19b7ec3c1b174',
          parentSpanId: '',
          name: 'GET /api/cart',
          kind: 2,
          startTimeUnixNano: '1700000000123456789',
          endTimeUnixNano: '1700000000223456999',
          attributes: [kv('http.method', { stringValue: 'GET' }), kv('http.status_code', { intValue: '200' })],
          status: {},
        },
        {
          traceId: TRACE_HEX,
          spanId: 'EEE19B7EC3C1B175',
          parentSpanId: 'EEE19B7EC3C1B174',
          name: 'cart.load',
          kind: 3,
          startTimeUnixNano: 1700000000130000000,
          endTimeUnixNano: '1700000000200000000',
          status: { code: 2, message: 'boom' },
          events: [{ timeUnixNano: '1700000000150000000', name: 'exception', attributes: [] }],
          links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: 'ffffffffffffffff' }],
        },
      ]),
      resource('cart', [
        {
          traceId: TRACE_HEX,
          spanId: '00000000000003e8',
          parentSpanId: 'eee19b7ec3c1b175',
          name: 'SELECT cart',
          kind: 0,
          startTimeUnixNano: '1700000000140000000',
          endTimeUnixNano: '1700000000150000000',
          // Legacy OpenTracing-style error attribute, status unset.
          attributes: [kv('error', { boolValue: true })],
        },
        {
          traceId: TRACE_HEX,
          spanId: '00000000000003e9',
          parentSpanId: 'eee19b7ec3c1b175',
          name: '',
          kind: 1,
          startTimeUnixNano: '1700000000150000000',
          endTimeUnixNano: '1700000000160000000',
          // An explicit OK status wins over the legacy attribute.
          attributes: [kv('error', { boolValue: true })],
          status: { code: 1 },
        },
      ]),
      resource(undefined, [
        {
          traceId: TRACE_HEX,
          spanId: '00000000000003ea',
          parentSpanId: '00000000000003e8',
          name: 'publish',
          kind: 4,
          startTimeUnixNano: '1700000000160000000',
          endTimeUnixNano: '1700000000161000000',
          attributes: [kv('error', { stringValue: 'true' })],
        },
        {
          traceId: TRACE_HEX,
          spanId: '00000000000003eb',
          parentSpanId: '00000000000003ea',
          name: 'consume',
          kind: 5,
          startTimeUnixNano: '1700000000170000000',
          endTimeUnixNano: '1700000000171000000',
        },
      ]),
    ],
  };
}

/** What Tempo's /api/traces/{id} (v1) writes: `batches`, base64 ids, enum names, defaults omitted. */
function tempoV1Document(): unknown {
  return {
    batches: [
      resource(
        'frontend',
        [
          {
            traceId: b64(TRACE_HEX),
            spanId: b64('eee19b7ec3c1b174'),
            name: 'GET /api/cart',
            kind: 'SPAN_KIND_SERVER',
            startTimeUnixNano: '1700000000123456789',
            endTimeUnixNano: '1700000000223456789',
            status: {},
          },
          {
            traceId: b64(TRACE_HEX),
            spanId: b64('eee19b7ec3c1b175'),
            parentSpanId: b64('eee19b7ec3c1b174'),
            name: 'cart.load',
            kind: 'SPAN_KIND_CLIENT',
            startTimeUnixNano: '1700000000130000000',
            endTimeUnixNano: '1700000000200000000',
            status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
          },
          {
            traceId: b64(TRACE_HEX),
            spanId: b64('eee19b7ec3c1b176'),
            parentSpanId: b64('eee19b7ec3c1b174'),
            name: 'render',
            // kind UNSPECIFIED omitted
            startTimeUnixNano: '1700000000200000000',
            endTimeUnixNano: '1700000000210000000',
            status: { code: 'STATUS_CODE_OK' },
          },
        ],
        'instrumentationLibrarySpans',
      ),
    ],
  };
}

function expectBadResponse(json: unknown, message: RegExp): void {
  assert.throws(() => decodeOtlpTrace(json), (error: unknown) => {
    assert.ok(error instanceof LsslackError);
    assert.equal(error.code, 'backend_bad_response');
    assert.match(error.message, message);
    return true;
  });
}

function span(fields: Record<string, unknown>): Record<string, unknown> {
  return { spanId: '1000000000000001', name: 'op', startTimeUnixNano: '2000', endTimeUnixNano: '5000', ...fields };
}

function decodeOne(fields: Record<string, unknown>): unknown {
  return decodeOtlpTrace({ resourceSpans: [resource('svc', [span(fields)])] }).spans[0];
}

describe('decodeOtlpTrace', () => {
  it('decodes OTLP JSON as the collector writes it (hex ids, integer enums, string nanos)', () => {
    assert.deepEqual(decodeOtlpTrace(collectorDocument()), {
      traceId: TRACE_HEX,
      spans: [
        { spanId: 'eee19b7ec3c1b174', service: 'frontend', name: 'GET /api/cart', startUs: 1700000000123456, endUs: 1700000000223456, isError: false, kind: 'server' },
        {
          spanId: 'eee19b7ec3c1b175',
          parentId: 'eee19b7ec3c1b174',
          service: 'frontend',
          name: 'cart.load',
          // A JSON number above 2^53 already lost precision in JSON.parse (…129999872 ns); what is
          // left is divided exactly.
          startUs: 1700000000129999,
          endUs: 1700000000200000,
          isError: true,
          kind: 'client',
        },
        { spanId: '00000000000003e8', parentId: 'eee19b7ec3c1b175', service: 'cart', name: 'SELECT cart', startUs: 1700000000140000, endUs: 1700000000150000, isError: true },
        {
          spanId: '00000000000003e9',
          parentId: 'eee19b7ec3c1b175',
          service: 'cart',
          name: 'unknown-operation',
          startUs: 1700000000150000,
          endUs: 1700000000160000,
          isError: false,
          kind: 'internal',
        },
        {
          spanId: '00000000000003ea',
          parentId: '00000000000003e8',
          service: 'unknown-service',
          name: 'publish',
          startUs: 1700000000160000,
          endUs: 1700000000161000,
          isError: true,
          kind: 'producer',
        },
        {
          spanId: '00000000000003eb',
          parentId: '00000000000003ea',
          service: 'unknown-service',
          name: 'consume',
          startUs: 1700000000170000,
          endUs: 1700000000171000,
          isError: false,
          kind: 'consumer',
        },
      ],
    });
  });

  it("decodes Tempo v1's batches with base64 ids, enum names and omitted defaults", () => {
    assert.deepEqual(decodeOtlpTrace(tempoV1Document()), {
      traceId: TRACE_HEX,
      spans: [
        { spanId: 'eee19b7ec3c1b174', service: 'frontend', name: 'GET /api/cart', startUs: 1700000000123456, endUs: 1700000000223456, isError: false, kind: 'server' },
        {
          spanId: 'eee19b7ec3c1b175',
          parentId: 'eee19b7ec3c1b174',
          service: 'frontend',
          name: 'cart.load',
          startUs: 1700000000130000,
          endUs: 1700000000200000,
          isError: true,
          kind: 'client',
        },
        { spanId: 'eee19b7ec3c1b176', parentId: 'eee19b7ec3c1b174', service: 'frontend', name: 'render', startUs: 1700000000200000, endUs: 1700000000210000, isError: false },
      ],
    });
  });

  it('truncates ns to µs exactly like BigInt division, from strings and numbers', () => {
    const cases: Array<[unknown, number]> = [
      ['1700000000123456789', 1700000000123456],
      ['999', 0],
      ['0', 0],
      ['1000', 1],
      ['-1500', -1],
      ['9007199254740991999', 9007199254740991],
      ['9999999999999999999', Number(9999999999999999999n / 1000n)],
      ['123456789012345678901234', Number(123456789012345678901234n / 1000n)],
      [1700000000123456789, Number(BigInt(1700000000123456789) / 1000n)],
      [1234567, 1234],
      [1234.9, 1],
    ];
    for (const [nanos, micros] of cases) {
      const decoded = decodeOne({ startTimeUnixNano: nanos, endTimeUnixNano: nanos }) as { startUs: number };
      assert.equal(decoded.startUs, micros, String(nanos));
    }
  });

  it('keeps spans the tree analysis copes with: orphans, cycles, duplicates, clock skew, negative durations', () => {
    const trace = decodeOtlpTrace({
      resourceSpans: [
        resource('svc', [
          span({ spanId: '1000000000000001', parentSpanId: '1000000000000002', startTimeUnixNano: '5000', endTimeUnixNano: '9000' }),
          span({ spanId: '1000000000000002', parentSpanId: '1000000000000001', startTimeUnixNano: '1000', endTimeUnixNano: '2000' }),
          span({ spanId: '1000000000000002', parentSpanId: 'ffffffffffffffff', startTimeUnixNano: '3000', endTimeUnixNano: '1000' }),
          span({ spanId: '1000000000000003', parentSpanId: '1000000000000003' }),
          span({ spanId: '1000000000000004', parentSpanId: 'not an id' }),
        ]),
      ],
    });
    assert.deepEqual(
      trace.spans.map((s) => [s.spanId, s.parentId, s.startUs, s.endUs]),
      [
        ['1000000000000001', '1000000000000002', 5, 9],
        ['1000000000000002', '1000000000000001', 1, 2],
        ['1000000000000002', 'ffffffffffffffff', 3, 1],
        ['1000000000000003', '1000000000000003', 2, 5],
        ['1000000000000004', 'not an id', 2, 5],
      ],
    );
  });

  it('treats an absent, empty or all-zero parent as a root', () => {
    for (const parentSpanId of [undefined, '', '0000000000000000', 'AAAAAAAAAAA=', null, 42]) {
      assert.equal('parentId' in (decodeOne({ parentSpanId }) as object), false, String(parentSpanId));
    }
  });

  it('ignores unknown kinds and status codes', () => {
    assert.equal('kind' in (decodeOne({ kind: 9 }) as object), false);
    assert.equal('kind' in (decodeOne({ kind: 'SPAN_KIND_WEIRD' }) as object), false);
    assert.equal('kind' in (decodeOne({ kind: 'SPAN_KIND_UNSPECIFIED' }) as object), false);
    assert.equal((decodeOne({ status: { code: 7 } }) as { isError: boolean }).isError, false);
    assert.equal((decodeOne({ status: { code: 'STATUS_CODE_UNSET' }, attributes: [kv('error', { boolValue: false })] }) as { isError: boolean }).isError, false);
  });

  it('skips malformed spans and keeps the rest', () => {
    const trace = decodeOtlpTrace({
      resourceSpans: [
        null,
        { resource: null, scopeSpans: 'nope' },
        { resource: { attributes: [null, 7, kv('service.name', { intValue: '3' })] }, scopeSpans: [null, { spans: null }, { spans: [
          null,
          span({ spanId: 12 }),
          span({ spanId: 'xyz' }),
          span({ spanId: '0000000000000000' }),
          span({ startTimeUnixNano: 'soon' }),
          span({ startTimeUnixNano: '1.5e18' }),
          span({ endTimeUnixNano: undefined }),
          span({ endTimeUnixNano: '' }),
          span({ startTimeUnixNano: Number.NaN }),
          span({ spanId: '2000000000000002', name: 42, kind: '2', status: 'ERROR', attributes: 'x', traceId: 5 }),
        ] }] },
      ],
    });
    assert.deepEqual(trace, {
      spans: [{ spanId: '2000000000000002', service: 'unknown-service', name: 'unknown-operation', startUs: 2, endUs: 5, isError: false }],
    });
  });

  it('rejects bodies that are not an OTLP trace, naming what is wrong', () => {
    expectBadResponse(null, /not a JSON object/);
    expectBadResponse([], /not a JSON object/);
    expectBadResponse('<html>', /not a JSON object/);
    expectBadResponse({}, /no resourceSpans \(or batches\) array/);
    expectBadResponse({ resourceSpans: {} }, /no resourceSpans/);
    expectBadResponse({ resourceSpans: [] }, /trace has no spans/);
    expectBadResponse({ batches: [resource('svc', [])] }, /trace has no spans/);
    expectBadResponse(
      { resourceSpans: [resource('svc', [span({ spanId: 'nope' }), null])] },
      /all 2 spans are invalid \(first problem: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\] has no valid spanId\)/,
    );
  });

  it('decodes 100k spans', () => {
    const n = 100_000;
    const spans: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const start = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
      spans[i] = {
        traceId: TRACE_HEX,
        spanId: (0x1000000000000000n + BigInt(i)).toString(16),
        parentSpanId: i === 0 ? '' : (0x1000000000000000n + BigInt(i >> 3)).toString(16),
        name: 'op',
        kind: 2,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 5000n),
        status: i % 1000 === 0 ? { code: 2 } : {},
      };
    }
    const trace = decodeOtlpTrace({ resourceSpans: [resource('svc', spans)] });
    assert.equal(trace.spans.length, n);
    assert.deepEqual(trace.spans[n - 1], {
      spanId: (0x1000000000000000n + BigInt(n - 1)).toString(16),
      parentId: (0x1000000000000000n + BigInt((n - 1) >> 3)).toString(16),
      service: 'svc',
      name: 'op',
      startUs: 1_700_000_000_000_000 + n - 1,
      endUs: 1_700_000_000_000_005 + n - 1,
      isError: false,
      kind: 'server',
    });
    assert.equal(trace.spans.filter((s) => s.isError).length, n / 1000);
  });
});

describe('unwrapJaegerV3', () => {
  it('returns the OTLP document inside result', () => {
    const document = collectorDocument();
    assert.equal(unwrapJaegerV3({ result: document }), document);
  });

  it("turns Jaeger's error body into backend_bad_response with its message", () => {
    assert.throws(() => unwrapJaegerV3({ error: { httpCode: 500, message: 'storage unavailable' } }), {
      code: 'backend_bad_response',
      message: 'Jaeger v3 reply: error (500): storage unavailable',
    });
    assert.throws(() => unwrapJaegerV3({ error: {} }), { code: 'backend_bad_response', message: 'Jaeger v3 reply: error: no message' });
  });

  it('rejects bodies without a result', () => {
    for (const body of [null, [], 'x', {}, { result: [] }, { result: null }]) {
      assert.throws(() => unwrapJaegerV3(body), { code: 'backend_bad_response' }, JSON.stringify(body));
    }
  });
});

describe('unwrapTempoV2', () => {
  it('returns the trace of a complete reply (status omitted) without partial', () => {
    const trace = { resourceSpans: [] };
    assert.deepEqual(unwrapTempoV2({ trace, metrics: { inspectedBytes: '1' } }), { trace });
  });

  it('reports a PARTIAL reply with its message, or a generic reason', () => {
    const trace = { resourceSpans: [] };
    assert.deepEqual(unwrapTempoV2({ trace, status: 'PARTIAL', message: 'trace exceeds max size' }), { trace, partial: 'trace exceeds max size' });
    assert.deepEqual(unwrapTempoV2({ trace, status: 'PARTIAL' }), { trace, partial: 'the trace is incomplete' });
    assert.deepEqual(unwrapTempoV2({ trace, status: 1, message: '' }), { trace, partial: 'the trace is incomplete' });
    assert.deepEqual(unwrapTempoV2({ trace, status: 'COMPLETE', message: 'ignored' }), { trace });
  });

  it('feeds decodeOtlpTrace with the same base64/enum-name encoding as v1', () => {
    const v1 = tempoV1Document() as { batches: unknown[] };
    const { trace } = unwrapTempoV2({ trace: { resourceSpans: v1.batches }, status: 'PARTIAL' });
    assert.equal(decodeOtlpTrace(trace).spans.length, 3);
  });

  it('rejects bodies without a trace object', () => {
    for (const body of [null, [], {}, { trace: null }, { trace: [] }, { status: 'PARTIAL', message: 'x' }]) {
      assert.throws(() => unwrapTempoV2(body), { code: 'backend_bad_response' }, JSON.stringify(body));
    }
  });
});
