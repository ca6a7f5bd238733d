import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COLLECTOR_STYLE,
  ChunkWriter,
  OtlpDecodeError,
  TraceStore,
  base64ToHex,
  chunksToString,
  decodeExportRequest,
  durationMicros,
  microsToNanos,
  normaliseBasePath,
  shortTraceId,
  spanKey,
  stripBasePath,
  traceKey,
  writeResourceSpans,
} from '../../src/simulators/otlp-sim/index.js';
import type { StoredSpan } from '../../src/simulators/otlp-sim/index.js';
import { generateTrace } from '../../src/simulators/lightstep/index.js';

describe('otlp-sim: ids and times', () => {
  test('trace keys: 1..32 hex, any case, left-padded; short form only for 64-bit ids', () => {
    assert.equal(traceKey('ABC'), '00000000000000000000000000000abc');
    assert.equal(traceKey('4bf92f3577b34da6'), '00000000000000004bf92f3577b34da6');
    assert.equal(traceKey('x'), undefined);
    assert.equal(traceKey(''), undefined);
    assert.equal(traceKey('a'.repeat(33)), undefined);
    assert.equal(shortTraceId('00000000000000004bf92f3577b34da6'), '4bf92f3577b34da6');
    assert.equal(shortTraceId('5b8efff798038103d269b633813fc60c'), '5b8efff798038103d269b633813fc60c');
    assert.equal(spanKey('C4E7A91D2B35F68'), '0c4e7a91d2b35f68');
    assert.equal(spanKey('1'.repeat(17)), undefined);
    assert.equal(base64ToHex('AAAAAAAAAABL-S81d7NNpg', 16), '00000000000000004bf92f3577b34da6');
    assert.equal(base64ToHex('AAAA', 16), undefined);
  });

  test('µs → ns strings keep every digit; durations come from exact ns when known', () => {
    assert.equal(microsToNanos(1_749_992_800_123_000), '1749992800123000000');
    assert.equal(microsToNanos(0), '0');
    assert.equal(microsToNanos(1.5), '1500');
    assert.equal(microsToNanos(1_749_992_800_123_000.25), '1749992800123000250');
    const s: StoredSpan = { spanId: 'a'.repeat(16), service: 's', operation: 'o', startMicros: 1, endMicros: 2, isError: false, startNanos: '1999', endNanos: '3998' };
    assert.equal(durationMicros(s), 1);
    assert.equal(durationMicros({ ...s, startNanos: undefined, endNanos: undefined }), 1);
  });

  test('base paths', () => {
    assert.equal(normaliseBasePath(undefined), '');
    assert.equal(normaliseBasePath('jaeger/'), '/jaeger');
    assert.equal(normaliseBasePath('/'), '');
    assert.equal(stripBasePath('/jaeger/api/x', '/jaeger'), '/api/x');
    assert.equal(stripBasePath('/jaegerx/api/x', '/jaeger'), undefined);
    assert.equal(stripBasePath('/api/x', ''), '/api/x');
  });
});

describe('otlp-sim: OTLP/JSON decoding', () => {
  const span = (over: Record<string, unknown> = {}): unknown => ({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2', ...over }] }] }],
  });

  test('long-bits timestamps, named enums, structured attribute values, legacy scope key', () => {
    const d = decodeExportRequest({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          instrumentationLibrarySpans: [
            {
              instrumentationLibrary: { name: 'old-lib', version: '0.1' },
              spans: [
                {
                  traceId: 'CvdlGRbNQ92ESOshHIAxnA==',
                  spanId: 't61rcWkgMzE=',
                  name: 'op',
                  kind: 'SPAN_KIND_PRODUCER',
                  startTimeUnixNano: { low: 1_000, high: 1 },
                  endTimeUnixNano: { low: 2_000, high: 1 },
                  attributes: [
                    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
                    { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
                    { key: 'huge', value: { intValue: '9223372036854775807' } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(d.spanCount, 1);
    const s = d.byTrace.get('0af7651916cd43dd8448eb211c80319c')?.[0] as StoredSpan;
    assert.equal(s.spanId, 'b7ad6b7169203331');
    assert.equal(s.kind, 'producer');
    assert.equal(s.isError, true);
    assert.equal(s.startNanos, String(2n ** 32n + 1000n));
    assert.deepEqual(s.scope, { name: 'old-lib', version: '0.1' });
    assert.deepEqual(s.tags, { list: '["a",2]', map: '{"k":true}', huge: '9223372036854775807' });
  });

  test('malformed input is rejected with OtlpDecodeError', () => {
    for (const bad of [null, [], { resourceSpans: {} }, span({ traceId: 'nothex' }), span({ spanId: '' }), span({ kind: 'SPAN_KIND_BOGUS' }), span({ startTimeUnixNano: 'soon' }), span({ traceId: '0'.repeat(32) })]) {
      assert.throws(() => decodeExportRequest(bad), OtlpDecodeError, JSON.stringify(bad));
    }
  });
});

describe('otlp-sim: store and writer', () => {
  test('TraceStore: add/merge/remove, ids normalised without copying clean traces', () => {
    const store = new TraceStore();
    const t = generateTrace({ spans: 10, seed: 1 });
    const e = store.add(t);
    assert.equal(e.spans, t.spans, 'clean ids: same array');
    assert.equal(store.get(traceKey(t.traceId) as string), e);
    const dirty = store.add({ traceId: 'ABC', spans: [{ spanId: 'F', service: 's', operation: 'o', startMicros: 1, endMicros: 2, isError: false }] });
    assert.equal(dirty.spans[0]?.spanId, '000000000000000f');
    assert.throws(() => store.add({ traceId: 'nope', spans: [] }), TypeError);
    store.merge(dirty.key, [{ spanId: '000000000000000f', service: 's', operation: 'renamed', startMicros: 1, endMicros: 2, isError: false }]);
    assert.equal(store.get(dirty.key)?.spans.length, 1);
    assert.equal(store.get(dirty.key)?.spans[0]?.operation, 'renamed');
    assert.equal(store.remove('abc'), true);
    assert.equal(store.remove('abc'), false);
    assert.equal(store.size, 1);
    // A SimTrace may carry a 32-hex (128-bit) id directly.
    const wide = store.add({ traceId: '5B8EFFF798038103D269B633813FC60C', spans: t.spans });
    assert.equal(wide.key, '5b8efff798038103d269b633813fc60c');
    assert.equal(store.get(traceKey(t.traceId.slice(8)) as string), undefined);
  });

  test('writeResourceSpans output is valid JSON for names needing escapes', () => {
    const w = new ChunkWriter();
    const spans: StoredSpan[] = [{ spanId: '1'.repeat(16), service: 'sv"c', operation: 'line\nbreak ✓', startMicros: 1, endMicros: 2, isError: false, tags: { 'k"ey': 'v\\al', nan: Number.NaN } }];
    writeResourceSpans(w, '0'.repeat(31) + '1', spans, COLLECTOR_STYLE);
    const parsed = JSON.parse(chunksToString(w.finish()));
    assert.equal(parsed[0].scopeSpans[0].spans[0].name, 'line\nbreak ✓');
    assert.deepEqual(parsed[0].scopeSpans[0].spans[0].attributes, [
      { key: 'k"ey', value: { stringValue: 'v\\al' } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
    ]);
  });
});
