import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateTrace, sampleCheckoutTrace, SAMPLE_TRACE_ID, SAMPLE_TRACE_SEED_SPAN, SAMPLE_TRACE_SELECTED_SPAN } from '../../src/simulators/lightstep/index.js';
import type { SimSpan, SimTrace } from '../../src/simulators/lightstep/index.js';
import { startTempoSimulator } from '../../src/simulators/tempo/index.js';
import type { TempoSimulator } from '../../src/simulators/tempo/index.js';
import {
  attrs,
  b64ToHex,
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

const SAMPLE = sampleCheckoutTrace();
const SAMPLE_32 = SAMPLE_TRACE_ID.padStart(32, '0');
const ROOT = SAMPLE.spans[0] as SimSpan;
const WIDE_ID = '5b8efff798038103d269b633813fc60c';
const KIND_NAME: Record<string, string> = {
  internal: 'SPAN_KIND_INTERNAL',
  server: 'SPAN_KIND_SERVER',
  client: 'SPAN_KIND_CLIENT',
  producer: 'SPAN_KIND_PRODUCER',
  consumer: 'SPAN_KIND_CONSUMER',
};

/** An internal span and a span of unspecified kind. */
function small(): SimTrace {
  const t0 = 1_750_000_000_000_000;
  return {
    traceId: '0123456789abcdef',
    spans: [
      { spanId: 'aaaaaaaaaaaaaaaa', service: 'worker', operation: 'job', startMicros: t0, endMicros: t0 + 1_000, isError: false, kind: 'internal' },
      { spanId: 'bbbbbbbbbbbbbbbb', parentId: 'aaaaaaaaaaaaaaaa', service: 'worker', operation: 'step', startMicros: t0 + 1, endMicros: t0 + 2, isError: false },
    ],
  };
}

function v2Shape(body: any): void {
  const s = otlpSpans(body.trace.resourceSpans)[0]?.span;
  assert.match(s.traceId, /^[A-Za-z0-9+/]{22}==$/);
  assert.match(s.spanId, /^[A-Za-z0-9+/]{11}=$/);
}

function v1Shape(body: any): void {
  const s = otlpSpans(body.batches)[0]?.span;
  assert.match(s.traceId, /^[A-Za-z0-9+/]{22}==$/);
}

describe('tempo simulator: trace by id', () => {
  let sim: TempoSimulator;
  before(async () => {
    sim = await startTempoSimulator();
    sim.addTrace(SAMPLE);
    sim.addTrace(small());
    sim.addTrace(small(), { traceId: WIDE_ID });
  });
  after(() => sim.stop());

  test('urls', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.apiUrl, sim.url);
    assert.equal(sim.ingestUrl, `${sim.url}/v1/traces`);
    assert.equal(sim.multitenant, false);
  });

  test('v2 200: gogo-jsonpb OTLP — base64 ids, enum names, ns strings, defaults omitted', async () => {
    const r = await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    // A complete trace: no status / message (PartialStatus COMPLETE is the proto default).
    assert.deepEqual(Object.keys(r.body), ['trace', 'metrics']);
    assert.deepEqual(Object.keys(r.body.trace), ['resourceSpans']);
    assert.match(r.body.metrics.inspectedBytes, /^\d+$/);
    const rs = r.body.trace.resourceSpans;
    assert.equal(rs.length, new Set(SAMPLE.spans.map((s) => s.service)).size);
    const spans = otlpSpans(rs);
    assert.equal(spans.length, SAMPLE.spans.length);
    assert.deepEqual(spans.find((s) => b64ToHex(s.span.spanId) === SAMPLE_TRACE_SEED_SPAN)?.span, {
      traceId: 'AAAAAAAAAABL+S81d7NNpg==',
      spanId: hexToB64(SAMPLE_TRACE_SEED_SPAN),
      name: 'GET /checkout',
      kind: 'SPAN_KIND_SERVER',
      startTimeUnixNano: `${ROOT.startMicros}000`,
      endTimeUnixNano: `${ROOT.endMicros}000`,
      attributes: [
        { key: 'http.method', value: { stringValue: 'GET' } },
        { key: 'http.route', value: { stringValue: '/checkout' } },
        { key: 'http.status_code', value: { intValue: '502' } },
      ],
      status: { code: 'STATUS_CODE_ERROR' },
    });
    for (const { service, span } of spans) {
      assert.equal(b64ToHex(span.traceId), SAMPLE_32);
      const src = SAMPLE.spans.find((s) => s.spanId === b64ToHex(span.spanId)) as SimSpan;
      assert.equal(service, src.service);
      assert.equal(span.parentSpanId === undefined ? undefined : b64ToHex(span.parentSpanId), src.parentId);
      assert.equal(span.kind, KIND_NAME[src.kind as string]);
      assert.deepEqual(span.status, src.isError ? { code: 'STATUS_CODE_ERROR' } : {});
    }
    const charge = spans.find((s) => b64ToHex(s.span.spanId) === SAMPLE_TRACE_SELECTED_SPAN);
    assert.equal(attrs(charge?.span.attributes)['error.message'], 'card_declined: insufficient_funds');
  });

  test('v2: internal kind is named, unspecified kind is omitted', async () => {
    const r = await get(`${sim.url}/api/v2/traces/0123456789abcdef`);
    const [job, step] = otlpSpans(r.body.trace.resourceSpans).map((s) => s.span);
    assert.equal(job.kind, 'SPAN_KIND_INTERNAL');
    assert.equal('kind' in step, false);
    assert.deepEqual(step.status, {});
  });

  test('v2 partial traces: status PARTIAL and message, until marked complete', async () => {
    sim.markPartial(SAMPLE_TRACE_ID, 'Trace exceeds maximum size of 100 bytes, a partial trace is returned');
    const partial = await get(`${sim.url}/api/v2/traces/${SAMPLE_32}`);
    assert.equal(partial.status, 200);
    assert.deepEqual(Object.keys(partial.body), ['trace', 'metrics', 'status', 'message']);
    assert.equal(partial.body.status, 'PARTIAL');
    assert.equal(partial.body.message, 'Trace exceeds maximum size of 100 bytes, a partial trace is returned');
    assert.equal(otlpSpans(partial.body.trace.resourceSpans).length, SAMPLE.spans.length);
    // v1 has no status field: same body either way.
    assert.deepEqual(Object.keys((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`)).body), ['batches']);
    sim.markPartial(SAMPLE_TRACE_ID.toUpperCase());
    assert.match((await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`)).body.message, /partial trace is returned/);
    sim.markComplete(SAMPLE_TRACE_ID);
    assert.deepEqual(Object.keys((await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`)).body), ['trace', 'metrics']);
  });

  test('v1 200: {"batches":[…]} with the same encoding quirks', async () => {
    const r = await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(r.body), ['batches']);
    assert.ok(Object.keys(r.body.batches[0]).includes('scopeSpans'));
    const v2 = await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`);
    assert.deepEqual(r.body.batches, v2.body.trace.resourceSpans);
  });

  test('lookups: 16 or 32 hex, any case; 128-bit ids need all digits', async () => {
    for (const id of [SAMPLE_TRACE_ID, SAMPLE_32, SAMPLE_TRACE_ID.toUpperCase(), SAMPLE_32.toUpperCase(), SAMPLE_TRACE_ID.replace(/^4/, '04')]) {
      for (const path of ['/api/traces/', '/api/v2/traces/']) assert.equal((await get(`${sim.url}${path}${id}`)).status, 200, `${path}${id}`);
    }
    const wide = await get(`${sim.url}/api/v2/traces/${WIDE_ID}`);
    assert.equal(wide.status, 200);
    assert.equal(b64ToHex(otlpSpans(wide.body.trace.resourceSpans)[0]?.span.traceId), WIDE_ID);
    assert.equal((await get(`${sim.url}/api/v2/traces/${WIDE_ID.slice(16)}`)).status, 404);
  });

  test('not found: 404 with an empty body; malformed ids: 400 text', async () => {
    for (const path of ['/api/traces/', '/api/v2/traces/']) {
      const r = await get(`${sim.url}${path}deadbeef`);
      assert.equal(r.status, 404);
      assert.equal(r.text, '');
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    }
    const bad = await get(`${sim.url}/api/traces/xyz`);
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "trace IDs can only contain hex characters: invalid character 'x' at position 1\n");
    const long = await get(`${sim.url}/api/v2/traces/${'f'.repeat(34)}`);
    assert.equal(long.status, 400);
    assert.equal(long.text, "trace IDs can't be larger than 128 bits\n");
    assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}?start=1749992800&end=1749992900`)).status, 200);
    assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}?start=noon`)).status, 400);
  });

  test('/ready, /api/echo, buildinfo; unknown routes: mux 404', async () => {
    const ready = await get(`${sim.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(ready.text, 'ready\n');
    assert.equal((await get(`${sim.url}/api/echo`)).text, 'echo');
    assert.equal((await get(`${sim.url}/api/status/buildinfo`)).body.version, '2.9.0');
    for (const path of ['/', '/api/v3/traces/1', '/api/traces', '/api/traces/']) {
      const r = await get(`${sim.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.text, '404 page not found\n');
    }
  });

  const v2Case = (): CommonCase => ({
    sim: () => sim,
    url: () => `${sim.url}/api/v2/traces/0123456789abcdef`,
    shape: v2Shape,
    scriptedError: (r: Got) => assert.equal(r.text, 'Service Unavailable\n'),
  });
  const v1Case = (): CommonCase => ({ ...v2Case(), url: () => `${sim.url}/api/traces/0123456789abcdef`, shape: v1Shape });
  test('failNext', () => checkFailNext(v2Case()));
  test('latency', () => checkLatency(v2Case()));
  test('stall', () => checkStall(v2Case()));
  test('dripNext', () => checkDrip(v2Case()));
  test('oversizeNext (v2)', () => checkOversize(v2Case()));
  test('oversizeNext (v1)', () => checkOversize(v1Case()));
  test('request log', () => checkRequestLog(v2Case(), '/api/v2/traces/0123456789abcdef'));

  test('100k-span trace: v1 and v2', async (t) => {
    const big = generateTrace({ spans: 100_000, seed: 31 });
    sim.addTrace(big);
    const t0 = performance.now();
    const v2 = await get(`${sim.url}/api/v2/traces/${big.traceId}`);
    t.diagnostic(`100k spans: v2 ${v2.text.length} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(v2.status, 200);
    assert.equal(otlpSpans(v2.body.trace.resourceSpans).length, 100_000);
    const v1 = await get(`${sim.url}/api/traces/${big.traceId}`);
    assert.equal(otlpSpans(v1.body.batches).length, 100_000);
    assert.equal((await get(`${sim.url}/api/v2/traces/${big.traceId}`)).text, v2.text);
  });
});

describe('tempo simulator: multi-tenancy', () => {
  let sim: TempoSimulator;
  before(async () => {
    sim = await startTempoSimulator({ multitenant: true });
    sim.addTrace(SAMPLE, { tenant: 'team-a' });
    sim.addTrace(small(), { tenant: 'team-b' });
  });
  after(() => sim.stop());

  test('no X-Scope-OrgID: 401 "no org id" (but /ready needs none)', async () => {
    for (const path of [`/api/traces/${SAMPLE_TRACE_ID}`, `/api/v2/traces/${SAMPLE_TRACE_ID}`]) {
      const r = await get(`${sim.url}${path}`);
      assert.equal(r.status, 401);
      assert.equal(r.text, 'no org id\n');
    }
    assert.equal((await get(`${sim.url}/ready`)).status, 200);
    assert.throws(() => sim.addTrace(SAMPLE), TypeError);
  });

  test('a trace is only found under its tenant', async () => {
    const url = `${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`;
    assert.equal((await get(url, { 'X-Scope-OrgID': 'team-a' })).status, 200);
    assert.equal((await get(url, { 'X-Scope-OrgID': 'team-b' })).status, 404);
    assert.equal((await get(`${sim.url}/api/traces/0123456789abcdef`, { 'X-Scope-OrgID': 'team-b' })).status, 200);
    assert.equal(sim.getTrace(SAMPLE_TRACE_ID, { tenant: 'team-b' }), undefined);
    assert.equal(sim.getTrace(SAMPLE_TRACE_ID, { tenant: 'team-a' })?.spans.length, SAMPLE.spans.length);
  });

  test('cross-tenant query (a|b) labels resources with their tenant', async () => {
    const r = await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`, { 'X-Scope-OrgID': 'team-b|team-a' });
    assert.equal(r.status, 200);
    for (const rs of r.body.trace.resourceSpans) assert.equal(attrs(rs.resource.attributes)['tenant'], 'team-a');
  });

  test('partial marks are per tenant', async () => {
    sim.addTrace(SAMPLE, { tenant: 'team-b' });
    sim.markPartial(SAMPLE_TRACE_ID, 'cut', { tenant: 'team-b' });
    const url = `${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`;
    assert.equal((await get(url, { 'X-Scope-OrgID': 'team-b' })).body.status, 'PARTIAL');
    assert.equal((await get(url, { 'X-Scope-OrgID': 'team-a' })).body.status, undefined);
    sim.removeTrace(SAMPLE_TRACE_ID, { tenant: 'team-b' });
    assert.equal((await get(url, { 'X-Scope-OrgID': 'team-b' })).status, 404);
  });

  test('OTLP ingest goes to the X-Scope-OrgID tenant', async () => {
    const req = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ingest-svc' } }] },
          scopeSpans: [{ spans: [{ traceId: WIDE_ID, spanId: '0102030405060708', name: 'op', kind: 1, startTimeUnixNano: '1000', endTimeUnixNano: '5000' }] }],
        },
      ],
    };
    const denied = await post(sim.ingestUrl, req);
    assert.equal(denied.status, 401);
    assert.equal(denied.text, 'no org id\n');
    const r = await post(sim.ingestUrl, req, { 'content-type': 'application/json', 'x-scope-orgid': 'team-c' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { partialSuccess: {} });
    const found = await get(`${sim.url}/api/v2/traces/${WIDE_ID}`, { 'X-Scope-OrgID': 'team-c' });
    assert.equal(found.status, 200);
    const [span] = otlpSpans(found.body.trace.resourceSpans);
    assert.equal(span?.service, 'ingest-svc');
    assert.equal(span?.span.spanId, hexToB64('0102030405060708'));
    assert.equal(span?.span.kind, 'SPAN_KIND_INTERNAL');
    assert.equal(span?.span.startTimeUnixNano, '1000');
    assert.equal((await get(`${sim.url}/api/v2/traces/${WIDE_ID}`, { 'X-Scope-OrgID': 'team-a' })).status, 404);
  });

  test('failNext applies after the tenant check', async () => {
    sim.failNext(1, { status: 500 });
    assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`)).status, 401);
    assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`, { 'X-Scope-OrgID': 'team-a' })).status, 500);
  });
});

describe('tempo simulator: options', () => {
  test('apiV2: false → /api/v2/... is a mux 404 (route absent); v1 still answers', async () => {
    const sim = await startTempoSimulator({ apiV2: false });
    try {
      sim.addTrace(SAMPLE);
      const r = await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`);
      assert.equal(r.status, 404);
      assert.equal(r.text, '404 page not found\n');
      assert.equal((await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`)).status, 200);
      // A missing trace on v1 is distinguishable: an empty 404.
      assert.equal((await get(`${sim.url}/api/traces/abc`)).text, '');
      assert.equal((await get(`${sim.url}/api/status/buildinfo`)).body.version, '2.4.2');
    } finally {
      await sim.stop();
    }
  });

  test('legacyScopeKey writes instrumentationLibrarySpans / instrumentationLibrary', async () => {
    const sim = await startTempoSimulator({ legacyScopeKey: true, notFoundBody: 'trace not found' });
    try {
      sim.addTrace(SAMPLE);
      const r = await get(`${sim.url}/api/traces/${SAMPLE_TRACE_ID}`);
      const batch = r.body.batches[0];
      assert.deepEqual(Object.keys(batch), ['resource', 'instrumentationLibrarySpans']);
      assert.deepEqual(batch.instrumentationLibrarySpans[0].instrumentationLibrary, { name: 'lsslack-simulator', version: '1.0.0' });
      assert.equal(otlpSpans(r.body.batches, 'instrumentationLibrarySpans').length, SAMPLE.spans.length);
      assert.equal((await get(`${sim.url}/api/traces/abc`)).text, 'trace not found');
    } finally {
      await sim.stop();
    }
  });

  test('basePath (http_api_prefix) and basic auth', async () => {
    const sim = await startTempoSimulator({ basePath: '/tempo', auth: { basic: '12345:glc_token' } });
    try {
      sim.addTrace(SAMPLE);
      const ok = { authorization: `Basic ${Buffer.from('12345:glc_token').toString('base64')}` };
      assert.equal(sim.apiUrl, `${sim.url}/tempo`);
      assert.equal((await get(`${sim.url}/tempo/api/v2/traces/${SAMPLE_TRACE_ID}`, ok)).status, 200);
      assert.equal((await get(`${sim.url}/tempo/ready`, ok)).status, 200);
      assert.equal((await get(`${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`, ok)).status, 404);
      const denied = await get(`${sim.url}/tempo/api/v2/traces/${SAMPLE_TRACE_ID}`, { authorization: 'Basic bm9wZQ==' });
      assert.equal(denied.status, 401);
      assert.equal(denied.text, 'Unauthorized\n');
      assert.equal((await get(`${sim.url}/tempo/api/v2/traces/${SAMPLE_TRACE_ID}`)).status, 401);
    } finally {
      await sim.stop();
    }
  });

  test('stop(): idempotent, ends stalled/delayed/dripping requests, no handles left', { timeout: 20_000 }, () =>
    checkStop(
      async () => {
        const sim = await startTempoSimulator({ multitenant: true });
        sim.addTrace(SAMPLE, { tenant: 't' });
        return sim;
      },
      (sim) => `${sim.url}/api/v2/traces/${SAMPLE_TRACE_ID}`,
      { 'x-scope-orgid': 't' },
    ),
  );
});
