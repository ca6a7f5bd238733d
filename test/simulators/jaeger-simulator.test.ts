import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { generateTrace, sampleCheckoutTrace, SAMPLE_TRACE_ID, SAMPLE_TRACE_SEED_SPAN, SAMPLE_TRACE_SELECTED_SPAN } from '../../src/simulators/lightstep/index.js';
import type { SimSpan, SimTrace } from '../../src/simulators/lightstep/index.js';
import { startJaegerSimulator } from '../../src/simulators/jaeger/index.js';
import type { JaegerSimulator } from '../../src/simulators/jaeger/index.js';
import {
  attrs,
  checkDrip,
  checkFailNext,
  checkLatency,
  checkOversize,
  checkRequestLog,
  checkStall,
  checkStop,
  get,
  hexToB64,
  otlpSpans,
  post,
} from './trace-sim-helpers.js';
import type { CommonCase, Got } from './trace-sim-helpers.js';

const KIND_INT: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const SAMPLE = sampleCheckoutTrace();
const SAMPLE_32 = SAMPLE_TRACE_ID.padStart(32, '0');
const ROOT = SAMPLE.spans[0] as SimSpan;
const WIDE_ID = '5b8efff798038103d269b633813fc60c';

function tiny(): SimTrace {
  const t0 = 1_750_000_000_000_000;
  return {
    traceId: 'a1b2c3d4e5f60718',
    spans: [
      { spanId: '1111111111111111', service: 'edge', operation: 'GET /x', startMicros: t0, endMicros: t0 + 900, isError: false, kind: 'server' },
      { spanId: '2222222222222222', parentId: '1111111111111111', service: 'edge', operation: 'db', startMicros: t0 + 10, endMicros: t0 + 500, isError: true, kind: 'client' },
    ],
  };
}

function v3Shape(body: any): void {
  assert.ok(Array.isArray(body.result.resourceSpans));
  const s = otlpSpans(body.result.resourceSpans)[0]?.span;
  assert.match(s.traceId, /^[0-9a-f]{32}$/);
  assert.match(s.spanId, /^[0-9a-f]{16}$/);
}

function v1Shape(body: any): void {
  assert.equal(body.data.length, 1);
  assert.ok(Array.isArray(body.data[0].spans));
  assert.match(body.data[0].spans[0].spanID, /^[0-9a-f]{16}$/);
  assert.ok(body.data[0].processes.p1);
}

describe('jaeger simulator: api/v3', () => {
  let sim: JaegerSimulator;
  before(async () => {
    sim = await startJaegerSimulator();
    sim.addTrace(SAMPLE);
    sim.addTrace(tiny());
    sim.addTrace(tiny(), WIDE_ID);
  });
  after(() => sim.stop());

  test('urls: loopback, no trailing slash, ingest at /v1/traces', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.queryUrl, sim.url);
    assert.equal(sim.basePath, '');
    assert.equal(sim.ingestUrl, `${sim.url}/v1/traces`);
  });

  test('200 body is collector OTLP/JSON: hex ids, integer enums, ns strings, one resource per service', async () => {
    const r = await get(`${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(r.body), ['result']);
    assert.deepEqual(Object.keys(r.body.result), ['resourceSpans']);
    const rs = r.body.result.resourceSpans;
    const services = [...new Set(SAMPLE.spans.map((s) => s.service))];
    assert.deepEqual(
      rs.map((x: any) => x.resource.attributes),
      services.map((s) => [{ key: 'service.name', value: { stringValue: s } }]),
    );
    for (const x of rs) {
      assert.equal(x.scopeSpans.length, 1);
      assert.deepEqual(x.scopeSpans[0].scope, { name: 'lsslack-simulator', version: '1.0.0' });
    }
    const spans = otlpSpans(rs);
    assert.equal(spans.length, SAMPLE.spans.length);
    // The root span, field by field (defaults omitted: no parentSpanId).
    assert.deepEqual(spans.find((s) => s.span.spanId === SAMPLE_TRACE_SEED_SPAN)?.span, {
      traceId: SAMPLE_32,
      spanId: SAMPLE_TRACE_SEED_SPAN,
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: `${ROOT.startMicros}000`,
      endTimeUnixNano: `${ROOT.endMicros}000`,
      attributes: [
        { key: 'http.method', value: { stringValue: 'GET' } },
        { key: 'http.route', value: { stringValue: '/checkout' } },
        { key: 'http.status_code', value: { intValue: '502' } },
      ],
      status: { code: 2 },
    });
    for (const { service, span } of spans) {
      const src = SAMPLE.spans.find((s) => s.spanId === span.spanId) as SimSpan;
      assert.equal(service, src.service);
      assert.equal(span.traceId, SAMPLE_32);
      assert.equal(span.parentSpanId, src.parentId);
      assert.equal(span.name, src.operation);
      assert.equal(span.kind, KIND_INT[src.kind as string]);
      assert.equal(typeof span.startTimeUnixNano, 'string');
      assert.equal(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano), BigInt(src.endMicros - src.startMicros) * 1000n);
      assert.deepEqual(span.status, src.isError ? { code: 2 } : {});
    }
    const charge = spans.find((s) => s.span.spanId === SAMPLE_TRACE_SELECTED_SPAN)?.span;
    assert.deepEqual(attrs(charge.attributes), { 'peer.service': 'stripe', 'http.status_code': '402', error: true, 'error.message': 'card_declined: insufficient_funds' });
  });

  test('lookups: 16 or 32 hex, any case, base64; 128-bit ids need all 32 digits', async () => {
    for (const id of [SAMPLE_TRACE_ID, SAMPLE_32, SAMPLE_32.toUpperCase(), SAMPLE_TRACE_ID.toUpperCase(), hexToB64(SAMPLE_32), hexToB64(SAMPLE_32).replace(/=+$/, '')]) {
      const r = await get(`${sim.url}/api/v3/traces/${encodeURIComponent(id)}`);
      assert.equal(r.status, 200, id);
      assert.equal(otlpSpans(r.body.result.resourceSpans)[0]?.span.traceId, SAMPLE_32);
    }
    const wide = await get(`${sim.url}/api/v3/traces/${WIDE_ID.toUpperCase()}`);
    assert.equal(wide.status, 200);
    assert.equal(otlpSpans(wide.body.result.resourceSpans)[0]?.span.traceId, WIDE_ID);
    // The low half alone is a different (64-bit) trace id.
    assert.equal((await get(`${sim.url}/api/v3/traces/${WIDE_ID.slice(16)}`)).status, 404);
  });

  test('not found: 404 grpc-gateway error written by http.Error', async () => {
    const r = await get(`${sim.url}/api/v3/traces/00000000000000000000000000abcdef`);
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.text, '{"error":{"httpCode":404,"message":"trace not found"}}\n');
  });

  test('malformed ids and params: 400 grpc-gateway error', async () => {
    const bad = await get(`${sim.url}/api/v3/traces/not-hex!`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.httpCode, 400);
    assert.match(bad.body.error.message, /^malformed parameter trace_id: /);
    assert.equal((await get(`${sim.url}/api/v3/traces/${'a'.repeat(33)}`)).status, 400);
    const time = await get(`${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}?startTime=yesterday`);
    assert.equal(time.status, 400);
    assert.match(time.body.error.message, /^malformed parameter startTime: /);
  });

  test('startTime/endTime (RFC3339) and the snake_case aliases are accepted and ignored', async () => {
    for (const q of [
      'startTime=2025-06-15T13:00:00Z&endTime=2025-06-15T14:00:00.123456789Z',
      'start_time=2020-01-01T00:00:00%2B02:00&end_time=2020-01-01T00:00:01Z',
      'startTime=2000-01-01T00:00:00Z&endTime=2000-01-01T00:00:01Z&rawTraces=true',
    ]) {
      const r = await get(`${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}?${q}`);
      assert.equal(r.status, 200, q);
      assert.equal(otlpSpans(r.body.result.resourceSpans).length, SAMPLE.spans.length);
    }
  });

  test('unknown routes: Go mux 404; wrong method: 405', async () => {
    for (const path of ['/', '/api/v3/traces', '/api/v3/traces/', '/api/v3/nope', '/api/v4/traces/1']) {
      const r = await get(`${sim.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.text, '404 page not found\n');
      assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    }
    const r = await post(`${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}`, {});
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  });

  test('services', async () => {
    const r = await get(`${sim.url}/api/v3/services`);
    assert.equal(r.status, 200);
    assert.deepEqual(new Set(r.body.services), new Set([...SAMPLE.spans.map((s) => s.service), 'edge']));
  });

  const v3Case = (): CommonCase => ({
    sim: () => sim,
    url: () => `${sim.url}/api/v3/traces/${tiny().traceId}`,
    shape: v3Shape,
    scriptedError: (r: Got, status: number) => assert.equal(r.body.error.httpCode, status),
  });
  test('failNext', () => checkFailNext(v3Case()));
  test('latency', () => checkLatency(v3Case()));
  test('stall', () => checkStall(v3Case()));
  test('dripNext', () => checkDrip(v3Case()));
  test('oversizeNext', () => checkOversize(v3Case()));
  test('request log', () => checkRequestLog(v3Case(), `/api/v3/traces/${tiny().traceId}`));
});

describe('jaeger simulator: v1 API (Jaeger UI)', () => {
  let sim: JaegerSimulator;
  before(async () => {
    sim = await startJaegerSimulator();
    sim.addTrace(SAMPLE);
    sim.addTrace(tiny());
    sim.addTrace(tiny(), WIDE_ID);
  });
  after(() => sim.stop());

  test('200 body: envelope, spans with references/tags/logs, one process per service', async () => {
    const r = await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual({ ...r.body, data: undefined }, { data: undefined, total: 0, limit: 0, offset: 0, errors: null });
    const t = r.body.data[0];
    assert.deepEqual(Object.keys(t), ['traceID', 'spans', 'processes', 'warnings']);
    assert.equal(t.traceID, SAMPLE_TRACE_ID);
    assert.equal(t.warnings, null);
    const services = [...new Set(SAMPLE.spans.map((s) => s.service))];
    assert.deepEqual(
      t.processes,
      Object.fromEntries(services.map((s, i) => [`p${i + 1}`, { serviceName: s, tags: [] }])),
    );
    assert.deepEqual(t.spans[0], {
      traceID: SAMPLE_TRACE_ID,
      spanID: SAMPLE_TRACE_SEED_SPAN,
      flags: 1,
      operationName: 'GET /checkout',
      references: [],
      startTime: ROOT.startMicros,
      duration: ROOT.endMicros - ROOT.startMicros,
      tags: [
        { key: 'http.method', type: 'string', value: 'GET' },
        { key: 'http.route', type: 'string', value: '/checkout' },
        { key: 'http.status_code', type: 'int64', value: 502 },
        { key: 'otel.scope.name', type: 'string', value: 'lsslack-simulator' },
        { key: 'otel.scope.version', type: 'string', value: '1.0.0' },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'error', type: 'bool', value: true },
      ],
      logs: [],
      processID: 'p1',
      warnings: null,
    });
    const procOf = (pid: string): string => t.processes[pid].serviceName;
    for (const span of t.spans) {
      const src = SAMPLE.spans.find((s) => s.spanId === span.spanID) as SimSpan;
      assert.equal(span.traceID, SAMPLE_TRACE_ID);
      assert.equal(procOf(span.processID), src.service);
      assert.deepEqual(span.references, src.parentId === undefined ? [] : [{ refType: 'CHILD_OF', traceID: SAMPLE_TRACE_ID, spanID: src.parentId }]);
      assert.equal(span.startTime, src.startMicros);
      assert.equal(span.duration, src.endMicros - src.startMicros);
      const tags = Object.fromEntries(span.tags.map((x: any) => [x.key, x.value]));
      assert.equal(tags['span.kind'], src.kind);
      assert.equal(tags['error'], src.isError ? true : undefined);
      assert.equal(tags['otel.status_code'], src.isError ? 'ERROR' : undefined);
      // The charge-card span already has an error tag: it is not duplicated.
      assert.equal(span.tags.filter((x: any) => x.key === 'error').length, src.isError ? 1 : 0);
    }
  });

  test('128-bit ids are written as 32 hex, 64-bit ones as 16', async () => {
    const wide = await get(`${sim.url}/api/traces/${WIDE_ID}`);
    assert.equal(wide.status, 200);
    assert.equal(wide.body.data[0].traceID, WIDE_ID);
    assert.equal(wide.body.data[0].spans[1].references[0].traceID, WIDE_ID);
    const narrow = await get(`${sim.url}/api/traces/${SAMPLE_32.toUpperCase()}`);
    assert.equal(narrow.status, 200);
    assert.equal(narrow.body.data[0].traceID, SAMPLE_TRACE_ID);
  });

  test('not found and malformed ids: structured errors', async () => {
    const r = await get(`${sim.url}/api/traces/abcdef`);
    assert.equal(r.status, 404);
    assert.equal(r.text, '{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}\n');
    const bad = await get(`${sim.url}/api/traces/xyz`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].code, 400);
    assert.equal(bad.body.data, null);
    const badStart = await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}?start=soon`);
    assert.equal(badStart.status, 400);
    const ok = await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}?start=1749992800000000&end=1749992900000000&raw=true`);
    assert.equal(ok.status, 200);
  });

  test('services', async () => {
    const r = await get(`${sim.url}/api/services`);
    assert.equal(r.status, 200);
    assert.equal(r.body.total, r.body.data.length);
    assert.ok(r.body.data.includes('payment-service'));
  });

  test('removeTrace and re-adding replace the stored trace and its cached bodies', async () => {
    const t = generateTrace({ spans: 30, seed: 4 });
    sim.addTrace(t);
    assert.equal((await get(`${sim.url}/api/traces/${t.traceId}`)).body.data[0].spans.length, 30);
    assert.equal(otlpSpans((await get(`${sim.url}/api/v3/traces/${t.traceId}`)).body.result.resourceSpans).length, 30);
    sim.addTrace({ traceId: t.traceId, spans: t.spans.slice(0, 5) });
    assert.equal((await get(`${sim.url}/api/traces/${t.traceId}`)).body.data[0].spans.length, 5);
    assert.equal(otlpSpans((await get(`${sim.url}/api/v3/traces/${t.traceId}`)).body.result.resourceSpans).length, 5);
    sim.removeTrace(t.traceId.toUpperCase());
    assert.equal((await get(`${sim.url}/api/traces/${t.traceId}`)).status, 404);
    assert.equal(sim.getTrace(t.traceId), undefined);
    sim.removeTrace(t.traceId); // no-op
  });

  const v1Case = (): CommonCase => ({
    sim: () => sim,
    url: () => `${sim.url}/api/traces/${tiny().traceId}`,
    shape: v1Shape,
    scriptedError: (r: Got, status: number) => assert.deepEqual(r.body, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg: 'Service Unavailable' }] }),
  });
  test('failNext', () => checkFailNext(v1Case()));
  test('dripNext', () => checkDrip(v1Case()));
  test('oversizeNext', () => checkOversize(v1Case()));

  test('100k-span trace: both APIs, all spans, cached body reused', async (t) => {
    const big = generateTrace({ spans: 100_000, seed: 17 });
    sim.addTrace(big);
    const t0 = performance.now();
    const v1 = await get(`${sim.url}/api/traces/${big.traceId}`);
    const v1Ms = performance.now() - t0;
    const t1 = performance.now();
    const v3 = await get(`${sim.url}/api/v3/traces/${big.traceId}`);
    const v3Ms = performance.now() - t1;
    t.diagnostic(`100k spans: v1 ${v1.text.length} bytes in ${v1Ms.toFixed(0)} ms, v3 ${v3.text.length} bytes in ${v3Ms.toFixed(0)} ms`);
    assert.equal(v1.status, 200);
    assert.equal(v1.body.data[0].spans.length, 100_000);
    assert.equal(v3.status, 200);
    assert.equal(otlpSpans(v3.body.result.resourceSpans).length, 100_000);
    assert.equal((await get(`${sim.url}/api/traces/${big.traceId}`)).text, v1.text);
  });
});

describe('jaeger simulator: options', () => {
  test('apiV3: false answers every api/v3 path with the Go mux 404 (route absent)', async () => {
    const sim = await startJaegerSimulator({ apiV3: false });
    try {
      sim.addTrace(SAMPLE);
      for (const path of [`/api/v3/traces/${SAMPLE_TRACE_ID}`, '/api/v3/services']) {
        const r = await get(`${sim.url}${path}`);
        assert.equal(r.status, 404);
        assert.equal(r.text, '404 page not found\n');
      }
      // A missing trace on v1 is distinguishable: JSON errors.
      assert.equal((await get(`${sim.url}/api/traces/abc`)).body.errors[0].code, 404);
      assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`)).status, 200);
    } finally {
      await sim.stop();
    }
  });

  test('basePath prefixes the query routes (not the OTLP receiver)', async () => {
    const sim = await startJaegerSimulator({ basePath: '/jaeger/' });
    try {
      sim.addTrace(SAMPLE);
      assert.equal(sim.basePath, '/jaeger');
      assert.equal(sim.queryUrl, `${sim.url}/jaeger`);
      assert.equal((await get(`${sim.url}/jaeger/api/traces/${SAMPLE_TRACE_ID}`)).status, 200);
      assert.equal((await get(`${sim.url}/jaeger/api/v3/traces/${SAMPLE_TRACE_ID}`)).status, 200);
      for (const path of [`/api/traces/${SAMPLE_TRACE_ID}`, `/api/v3/traces/${SAMPLE_TRACE_ID}`, `/jaegerx/api/traces/${SAMPLE_TRACE_ID}`]) {
        const r = await get(`${sim.url}${path}`);
        assert.equal(r.status, 404, path);
        assert.equal(r.text, '404 page not found\n');
      }
      assert.equal(sim.ingestUrl, `${sim.url}/v1/traces`);
    } finally {
      await sim.stop();
    }
  });

  test('auth: bearer or basic; 401 when missing or wrong', async () => {
    const sim = await startJaegerSimulator({ auth: { bearer: 'tok-1', basic: 'admin:s3cret' } });
    try {
      sim.addTrace(SAMPLE);
      const url = `${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}`;
      const before = sim.queryCount();
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` }, { authorization: 'tok-1' }];
      for (const h of attempts) {
        const r = await get(url, h);
        assert.equal(r.status, 401, JSON.stringify(h));
        assert.equal(r.text, 'Unauthorized\n');
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
      assert.equal(sim.queryCount() - before, 4, '401s are counted');
      assert.equal((await get(url, { authorization: 'Bearer tok-1' })).status, 200);
      assert.equal((await get(url, { authorization: 'bearer tok-1' })).status, 200);
      assert.equal((await get(url, { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` })).status, 200);
      // failNext only applies to requests that pass auth.
      sim.failNext(1, { status: 503 });
      assert.equal((await get(url)).status, 401);
      assert.equal((await get(url, { authorization: 'Bearer tok-1' })).status, 503);
    } finally {
      await sim.stop();
    }
  });

  test('stop(): idempotent, ends stalled/delayed/dripping requests, no handles left', { timeout: 20_000 }, () =>
    checkStop(
      async () => {
        const sim = await startJaegerSimulator();
        sim.addTrace(SAMPLE);
        return sim;
      },
      (sim) => `${sim.url}/api/v3/traces/${SAMPLE_TRACE_ID}`,
    ),
  );
});

describe('jaeger simulator: OTLP/HTTP ingest', () => {
  let sim: JaegerSimulator;
  before(async () => {
    sim = await startJaegerSimulator();
  });
  after(() => sim.stop());

  const TRACE = '0af7651916cd43dd8448eb211c80319c';

  test('hex ids, string and number timestamps, int enums; readable through both APIs', async () => {
    const r = await post(sim.ingestUrl, {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'web-1' } }] },
          scopeSpans: [
            {
              scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
              spans: [
                {
                  traceId: TRACE,
                  spanId: 'b7ad6b7169203331',
                  name: 'GET /checkout',
                  kind: 2,
                  startTimeUnixNano: '1750000000123456789',
                  endTimeUnixNano: '1750000000987654321',
                  attributes: [
                    { key: 'http.status_code', value: { intValue: '500' } },
                    { key: 'ratio', value: { doubleValue: 0.25 } },
                  ],
                  status: { code: 2, message: 'boom' },
                  flags: 257,
                },
                {
                  traceId: TRACE,
                  spanId: '00f067aa0ba902b7',
                  parentSpanId: 'b7ad6b7169203331',
                  name: 'SELECT',
                  kind: 3,
                  startTimeUnixNano: 1750000000200000000,
                  endTimeUnixNano: 1750000000300000000,
                  events: [{ timeUnixNano: '1750000000250000000', name: 'row', attributes: [{ key: 'n', value: { intValue: 3 } }] }],
                  status: {},
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(r.body, { partialSuccess: {} });

    const v3 = await get(`${sim.url}/api/v3/traces/${TRACE}`);
    assert.equal(v3.status, 200);
    const [rs] = v3.body.result.resourceSpans;
    assert.deepEqual(attrs(rs.resource.attributes), { 'service.name': 'checkout', 'host.name': 'web-1' });
    assert.deepEqual(rs.scopeSpans[0].scope, { name: '@opentelemetry/instrumentation-http', version: '0.57.0' });
    const [root, db] = rs.scopeSpans[0].spans;
    assert.deepEqual(root, {
      traceId: TRACE,
      spanId: 'b7ad6b7169203331',
      flags: 257,
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: '1750000000123456789',
      endTimeUnixNano: '1750000000987654321',
      attributes: [
        { key: 'http.status_code', value: { intValue: '500' } },
        { key: 'ratio', value: { doubleValue: 0.25 } },
      ],
      status: { message: 'boom', code: 2 },
    });
    assert.equal(db.parentSpanId, 'b7ad6b7169203331');
    assert.equal(db.kind, 3);
    assert.deepEqual(db.status, {});
    assert.deepEqual(db.events, [{ timeUnixNano: '1750000000250000000', name: 'row', attributes: [{ key: 'n', value: { intValue: '3' } }] }]);

    const v1 = await get(`${sim.url}/api/traces/${TRACE}`);
    assert.equal(v1.status, 200);
    const t = v1.body.data[0];
    assert.equal(t.traceID, TRACE);
    assert.deepEqual(t.processes, { p1: { serviceName: 'checkout', tags: [{ key: 'host.name', type: 'string', value: 'web-1' }] } });
    const v1Root = t.spans.find((s: any) => s.spanID === 'b7ad6b7169203331');
    // µs truncated from ns, duration from the exact ns difference.
    assert.equal(v1Root.startTime, 1750000000123456);
    assert.equal(v1Root.duration, Math.floor((987654321 - 123456789) / 1000));
    assert.deepEqual(
      v1Root.tags.filter((x: any) => x.key !== 'http.status_code' && x.key !== 'ratio'),
      [
        { key: 'otel.scope.name', type: 'string', value: '@opentelemetry/instrumentation-http' },
        { key: 'otel.scope.version', type: 'string', value: '0.57.0' },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.status_description', type: 'string', value: 'boom' },
      ],
    );
    const v1Db = t.spans.find((s: any) => s.spanID === '00f067aa0ba902b7');
    assert.deepEqual(v1Db.references, [{ refType: 'CHILD_OF', traceID: TRACE, spanID: 'b7ad6b7169203331' }]);
    assert.deepEqual(v1Db.logs, [{ timestamp: 1750000000250000, fields: [{ key: 'event', type: 'string', value: 'row' }, { key: 'n', type: 'int64', value: 3 }] }]);
  });

  test('base64 ids, enum names, snake_case keys, gzip; merged into the existing trace', async () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'payments' } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: hexToB64(TRACE),
                  span_id: hexToB64('1234567890abcdef'),
                  parent_span_id: hexToB64('00f067aa0ba902b7'),
                  name: 'charge',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: '1750000000400000000',
                  end_time_unix_nano: '1750000000500000000',
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    });
    const r = await post(sim.ingestUrl, gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(r.status, 200);
    const stored = sim.getTrace(TRACE.toUpperCase());
    assert.equal(stored?.spans.length, 3);
    const v3 = await get(`${sim.url}/api/v3/traces/${TRACE}`);
    const spans = otlpSpans(v3.body.result.resourceSpans);
    assert.equal(spans.length, 3);
    const charge = spans.find((s) => s.span.spanId === '1234567890abcdef');
    assert.equal(charge?.service, 'payments');
    assert.equal(charge?.span.kind, 3);
    assert.deepEqual(charge?.span.status, { code: 1 });
    const v1 = await get(`${sim.url}/api/traces/${TRACE}`);
    assert.equal(v1.body.data[0].spans.length, 3);
    assert.deepEqual(Object.values(v1.body.data[0].processes).map((p: any) => p.serviceName), ['checkout', 'payments']);
  });

  test('re-sent spans replace rather than duplicate', async () => {
    const span = { traceId: 'f'.repeat(32), spanId: 'abcdefabcdefabcd', name: 'a', startTimeUnixNano: '1', endTimeUnixNano: '2' };
    const req = (name: string): unknown => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, name }] }] }] });
    assert.equal((await post(sim.ingestUrl, req('first'))).status, 200);
    assert.equal((await post(sim.ingestUrl, req('second'))).status, 200);
    const t = sim.getTrace('f'.repeat(32));
    assert.equal(t?.spans.length, 1);
    assert.equal(t?.spans[0]?.operation, 'second');
    assert.equal(t?.spans[0]?.service, 'unknown_service');
  });

  test('malformed requests: 400 Status JSON; protobuf: 415; GET: 405', async () => {
    const junk = await post(sim.ingestUrl, '{nope');
    assert.equal(junk.status, 400);
    assert.equal(junk.body.code, 3);
    const badId = await post(sim.ingestUrl, { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '1' }] }] }] });
    assert.equal(badId.status, 400);
    assert.match(badId.body.message, /traceId/);
    const proto = await post(sim.ingestUrl, new Uint8Array([1, 2, 3]), { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 415);
    assert.equal((await get(sim.ingestUrl)).status, 405);
    assert.equal(sim.queryCount(), 4, 'only trace-by-id requests are counted');
  });
});
