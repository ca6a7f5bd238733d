import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateTrace, sampleCheckoutTrace, SAMPLE_TRACE_ID, SAMPLE_TRACE_SEED_SPAN, SAMPLE_TRACE_SELECTED_SPAN } from '../../src/simulators/lightstep/index.js';
import type { SimSpan, SimTrace } from '../../src/simulators/lightstep/index.js';
import { startZipkinSimulator } from '../../src/simulators/zipkin/index.js';
import type { ZipkinSimulator } from '../../src/simulators/zipkin/index.js';
import { checkDrip, checkFailNext, checkLatency, checkOversize, checkRequestLog, checkStall, checkStop, get, post } from './trace-sim-helpers.js';
import type { CommonCase, Got } from './trace-sim-helpers.js';

const SAMPLE = sampleCheckoutTrace();
const ROOT = SAMPLE.spans[0] as SimSpan;
const WIDE_ID = '463ac35c9f6413ad48485a3953bb6124';

/** Mixed-case names, an internal span and a datastore client span. */
function mixed(): SimTrace {
  const t0 = 1_750_000_000_000_000;
  return {
    traceId: '00c0ffee00c0ffee',
    spans: [
      { spanId: '1000000000000001', service: 'Web-Frontend', operation: 'GET /Cart', startMicros: t0, endMicros: t0 + 5_000, isError: false, kind: 'server' },
      { spanId: '1000000000000002', parentId: '1000000000000001', service: 'Web-Frontend', operation: 'Render View', startMicros: t0 + 100, endMicros: t0 + 900, isError: false, kind: 'internal' },
      {
        spanId: '1000000000000003',
        parentId: '1000000000000001',
        service: 'Web-Frontend',
        operation: 'redis GET',
        startMicros: t0 + 1_000,
        endMicros: t0 + 1_000,
        isError: true,
        kind: 'client',
        tags: { 'db.system': 'redis', retries: 2 },
      },
    ],
  };
}

function shape(body: any): void {
  assert.ok(Array.isArray(body) && body.length > 0);
  assert.match(body[0].traceId, /^([0-9a-f]{16}|[0-9a-f]{32})$/);
  assert.match(body[0].id, /^[0-9a-f]{16}$/);
}

describe('zipkin simulator: GET /api/v2/trace/{traceId}', () => {
  let sim: ZipkinSimulator;
  before(async () => {
    sim = await startZipkinSimulator();
    sim.addTrace(SAMPLE);
    sim.addTrace(mixed());
    sim.addTrace(mixed(), WIDE_ID);
  });
  after(() => sim.stop());

  test('urls', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.apiUrl, sim.url);
    assert.equal(sim.ingestUrl, `${sim.url}/api/v2/spans`);
  });

  test('200: JSON array of v2 spans, Zipkin field order, lowercase names, string tags', async () => {
    const r = await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.body.length, SAMPLE.spans.length);
    const root = r.body.find((s: any) => s.id === SAMPLE_TRACE_SEED_SPAN);
    assert.deepEqual(Object.keys(root), ['traceId', 'id', 'kind', 'name', 'timestamp', 'duration', 'localEndpoint', 'tags']);
    assert.deepEqual(root, {
      traceId: SAMPLE_TRACE_ID,
      id: SAMPLE_TRACE_SEED_SPAN,
      kind: 'SERVER',
      name: 'get /checkout',
      timestamp: ROOT.startMicros,
      duration: ROOT.endMicros - ROOT.startMicros,
      localEndpoint: { serviceName: 'frontend' },
      tags: { 'http.method': 'GET', 'http.route': '/checkout', 'http.status_code': '502', error: 'true' },
    });
    for (const span of r.body) {
      const src = SAMPLE.spans.find((s) => s.spanId === span.id) as SimSpan;
      assert.equal(span.parentId, src.parentId);
      assert.equal(span.kind, (src.kind as string).toUpperCase());
      assert.equal(span.name, src.operation.toLowerCase());
      assert.equal(span.localEndpoint.serviceName, src.service);
      assert.equal(span.timestamp, src.startMicros);
      assert.equal(span.duration, src.endMicros - src.startMicros);
      assert.equal('error' in (span.tags ?? {}), src.isError, span.id);
      for (const v of Object.values(span.tags ?? {})) assert.equal(typeof v, 'string');
    }
    // Client spans name the service they call.
    const gw = r.body.find((s: any) => s.id === '8e1d4b6a2c9f7302');
    assert.deepEqual(gw.remoteEndpoint, { serviceName: 'api-gateway' });
    const charge = r.body.find((s: any) => s.id === SAMPLE_TRACE_SELECTED_SPAN);
    assert.deepEqual(charge.remoteEndpoint, { serviceName: 'stripe' });
    assert.equal(charge.tags.error, 'true');
  });

  test('spans come in no particular order (but reproducibly)', async () => {
    const a = await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`);
    const b = await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`);
    assert.notDeepEqual(
      a.body.map((s: any) => s.id),
      SAMPLE.spans.map((s) => s.spanId),
    );
    assert.equal(a.text, b.text);
  });

  test('Zipkin normalisation: lowercase service/span names, no kind for local spans, zero duration omitted', async () => {
    const r = await get(`${sim.url}/api/v2/trace/00c0ffee00c0ffee`);
    assert.equal(r.status, 200);
    const byId = Object.fromEntries(r.body.map((s: any) => [s.id, s]));
    assert.equal(byId['1000000000000001'].name, 'get /cart');
    assert.deepEqual(byId['1000000000000001'].localEndpoint, { serviceName: 'web-frontend' });
    assert.equal(byId['1000000000000002'].name, 'render view');
    assert.equal('kind' in byId['1000000000000002'], false);
    assert.equal('parentId' in byId['1000000000000001'], false);
    const redis = byId['1000000000000003'];
    assert.equal('duration' in redis, false);
    assert.deepEqual(redis.remoteEndpoint, { serviceName: 'redis' });
    assert.deepEqual(redis.tags, { 'db.system': 'redis', retries: '2', error: 'true' });
  });

  test('lookups: 16 or 32 hex, any case; 128-bit ids are served as 32 hex and need all digits', async () => {
    for (const id of [SAMPLE_TRACE_ID, SAMPLE_TRACE_ID.padStart(32, '0'), SAMPLE_TRACE_ID.toUpperCase(), SAMPLE_TRACE_ID.padStart(32, '0').toUpperCase()]) {
      const r = await get(`${sim.url}/api/v2/trace/${id}`);
      assert.equal(r.status, 200, id);
      assert.equal(r.body[0].traceId, SAMPLE_TRACE_ID);
    }
    const wide = await get(`${sim.url}/api/v2/trace/${WIDE_ID}`);
    assert.equal(wide.status, 200);
    assert.equal(wide.body[0].traceId, WIDE_ID);
    assert.equal((await get(`${sim.url}/api/v2/trace/${WIDE_ID.slice(16)}`)).status, 404);
  });

  test('not found: 404 with a plain body; malformed ids: 400', async () => {
    const r = await get(`${sim.url}/api/v2/trace/abcdef1234567890`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(r.text, 'abcdef1234567890 not found');
    for (const id of ['xyz', 'a'.repeat(33), '0000']) assert.equal((await get(`${sim.url}/api/v2/trace/${id}`)).status, 400, id);
  });

  test('unknown routes 404; other methods 405', async () => {
    for (const path of ['/', '/api/v1/trace/1', '/api/v2/trace', '/api/v2/trace/', '/zipkin/api/v2/trace/1']) {
      assert.equal((await get(`${sim.url}${path}`)).status, 404, path);
    }
    assert.equal((await post(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`, [])).status, 405);
  });

  test('services (sorted, lowercase), span names and /health', async () => {
    const r = await get(`${sim.url}/api/v2/services`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, [...new Set([...SAMPLE.spans.map((s) => s.service), 'web-frontend'])].sort());
    const names = await get(`${sim.url}/api/v2/spans?serviceName=Web-Frontend`);
    assert.deepEqual(names.body, ['get /cart', 'redis get', 'render view']);
    const health = await get(`${sim.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'UP');
  });

  const common = (): CommonCase => ({
    sim: () => sim,
    url: () => `${sim.url}/api/v2/trace/00c0ffee00c0ffee`,
    shape,
    scriptedError: (r: Got) => assert.equal(r.text, 'Service Unavailable'),
  });
  test('failNext', () => checkFailNext(common()));
  test('latency', () => checkLatency(common()));
  test('stall', () => checkStall(common()));
  test('dripNext', () => checkDrip(common()));
  test('oversizeNext', () => checkOversize(common()));
  test('request log', () => checkRequestLog(common(), '/api/v2/trace/00c0ffee00c0ffee'));

  test('100k-span trace', async (t) => {
    const big = generateTrace({ spans: 100_000, seed: 23 });
    sim.addTrace(big);
    const t0 = performance.now();
    const r = await get(`${sim.url}/api/v2/trace/${big.traceId}`);
    t.diagnostic(`100k spans: ${r.text.length} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 100_000);
    assert.equal(new Set(r.body.map((s: any) => s.id)).size, 100_000);
    assert.equal((await get(`${sim.url}/api/v2/trace/${big.traceId}`)).text, r.text);
  });
});

describe('zipkin simulator: shared spans (B3)', () => {
  let sim: ZipkinSimulator;
  before(async () => {
    sim = await startZipkinSimulator({ sharedSpans: true });
    sim.addTrace(SAMPLE);
  });
  after(() => sim.stop());

  test('each server child of a client span reuses the client id, shared: true', async () => {
    const r = await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, SAMPLE.spans.length);
    const byId = new Map(SAMPLE.spans.map((s) => [s.spanId, s]));
    const sharedServers = SAMPLE.spans.filter((s) => s.kind === 'server' && s.parentId !== undefined && byId.get(s.parentId)?.kind === 'client');
    assert.equal(sharedServers.length, 4);
    // Server span id → the client id it is now known by.
    const alias = new Map(sharedServers.map((s) => [s.spanId, s.parentId as string]));
    const renamed = (id: string | undefined): string | undefined => (id === undefined ? undefined : (alias.get(id) ?? id));
    for (const server of sharedServers) {
      const client = byId.get(server.parentId as string) as SimSpan;
      // The server's own id is gone ...
      assert.equal(r.body.filter((s: any) => s.id === server.spanId).length, 0);
      // ... and two spans carry the client's id: the client and the shared server half.
      const pair = r.body.filter((s: any) => s.id === client.spanId);
      assert.equal(pair.length, 2);
      const shared = pair.find((s: any) => s.shared === true);
      const cl = pair.find((s: any) => s.shared === undefined);
      assert.equal(shared.kind, 'SERVER');
      assert.equal(shared.localEndpoint.serviceName, server.service);
      assert.equal(shared.parentId, renamed(client.parentId));
      assert.equal(shared.timestamp, server.startMicros);
      assert.equal(cl.kind, 'CLIENT');
      assert.equal(cl.parentId, renamed(client.parentId));
      // Children of the server now point at the shared id.
      for (const child of SAMPLE.spans.filter((s) => s.parentId === server.spanId)) {
        assert.equal(r.body.find((s: any) => s.id === child.spanId).parentId, client.spanId);
      }
    }
    // Producer → consumer is not an RPC: not shared.
    assert.equal(r.body.find((s: any) => s.id === '4c6e8a0b2d4f1b8b').parentId, '6d1f3b5a7c9e2a7a');
  });
});

describe('zipkin simulator: POST /api/v2/spans', () => {
  let sim: ZipkinSimulator;
  before(async () => {
    sim = await startZipkinSimulator();
  });
  after(() => sim.stop());

  const TRACE = '5af7183fb1d4cf5f4a9b34e6e5c0d1aa';

  test('JSON_V2 list → 202, read back (lowercased, shared span kept apart)', async () => {
    const spans = [
      {
        traceId: TRACE,
        id: '352bff9a74ca9ad2',
        name: 'GET /Orders',
        kind: 'SERVER',
        timestamp: 1_750_000_000_000_000,
        duration: 20_000,
        localEndpoint: { serviceName: 'Orders' },
        tags: { 'http.method': 'GET', 'service.name': 'Orders' },
        annotations: [
          { timestamp: 1_750_000_000_015_000, value: 'late' },
          { timestamp: 1_750_000_000_005_000, value: 'early' },
        ],
      },
      {
        traceId: TRACE,
        parentId: '352bff9a74ca9ad2',
        id: 'bb3e7cbe7aa1b3c4',
        name: 'charge',
        kind: 'CLIENT',
        timestamp: 1_750_000_000_001_000,
        duration: 9_000,
        localEndpoint: { serviceName: 'orders' },
        remoteEndpoint: { serviceName: 'stripe' },
        tags: { error: 'card declined', 'otel.status_code': 'ERROR' },
      },
      {
        traceId: TRACE,
        parentId: '352bff9a74ca9ad2',
        id: 'bb3e7cbe7aa1b3c4',
        name: 'charge',
        kind: 'SERVER',
        shared: true,
        timestamp: 1_750_000_000_002_000,
        duration: 7_000,
        localEndpoint: { serviceName: 'payments' },
      },
    ];
    const r = await post(sim.ingestUrl, spans);
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    const t = await get(`${sim.url}/api/v2/trace/${TRACE}`);
    assert.equal(t.status, 200);
    assert.equal(t.body.length, 3);
    const root = t.body.find((s: any) => s.id === '352bff9a74ca9ad2');
    assert.deepEqual(root, {
      traceId: TRACE,
      id: '352bff9a74ca9ad2',
      kind: 'SERVER',
      name: 'get /orders',
      timestamp: 1_750_000_000_000_000,
      duration: 20_000,
      localEndpoint: { serviceName: 'orders' },
      annotations: [
        { timestamp: 1_750_000_000_005_000, value: 'early' },
        { timestamp: 1_750_000_000_015_000, value: 'late' },
      ],
      tags: { 'http.method': 'GET', 'service.name': 'Orders' },
    });
    const pair = t.body.filter((s: any) => s.id === 'bb3e7cbe7aa1b3c4');
    assert.equal(pair.length, 2);
    const client = pair.find((s: any) => s.kind === 'CLIENT');
    assert.deepEqual(client.remoteEndpoint, { serviceName: 'stripe' });
    assert.equal(client.tags.error, 'card declined');
    assert.equal(pair.find((s: any) => s.kind === 'SERVER').shared, true);
    assert.deepEqual((await get(`${sim.url}/api/v2/services`)).body, ['orders', 'payments']);
  });

  test('later batches merge into the trace; upper-case ids are accepted by default', async () => {
    const r = await post(sim.ingestUrl, [{ traceId: TRACE.toUpperCase(), parentId: '352BFF9A74CA9AD2', id: 'ABCDEF0123456789', name: 'audit', timestamp: 1_750_000_000_010_000, duration: 5, localEndpoint: { serviceName: 'orders' } }]);
    assert.equal(r.status, 202);
    const t = await get(`${sim.url}/api/v2/trace/${TRACE}`);
    assert.equal(t.body.length, 4);
    const audit = t.body.find((s: any) => s.id === 'abcdef0123456789');
    assert.equal(audit.parentId, '352bff9a74ca9ad2');
    assert.equal('kind' in audit, false);
  });

  test('malformed bodies: 400; thrift/proto: 415', async () => {
    assert.equal((await post(sim.ingestUrl, '{"not":"a list"}')).status, 400);
    assert.equal((await post(sim.ingestUrl, '[{')).status, 400);
    const badId = await post(sim.ingestUrl, [{ traceId: 'zz', id: '1' }]);
    assert.equal(badId.status, 400);
    assert.equal(badId.text, 'zz should be lower-hex encoded with no prefix');
    assert.equal((await post(sim.ingestUrl, [{ traceId: 'a'.repeat(33), id: '1' }])).text, 'traceId.length > 32');
    assert.equal((await post(sim.ingestUrl, new Uint8Array([1]), { 'content-type': 'application/x-thrift' })).status, 415);
  });
});

describe('zipkin simulator: options', () => {
  test('strictLowerHex rejects upper-case ids like the real server', async () => {
    const sim = await startZipkinSimulator({ strictLowerHex: true });
    try {
      sim.addTrace(SAMPLE);
      assert.equal((await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`)).status, 200);
      const r = await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID.toUpperCase()}`);
      assert.equal(r.status, 400);
      assert.equal(r.text, `${SAMPLE_TRACE_ID.toUpperCase()} should be lower-hex encoded with no prefix`);
      assert.equal((await post(sim.ingestUrl, [{ traceId: 'ABCDEF0123456789', id: '1' }])).status, 400);
    } finally {
      await sim.stop();
    }
  });

  test('basePath prefixes every route', async () => {
    const sim = await startZipkinSimulator({ basePath: 'zipkin' });
    try {
      sim.addTrace(SAMPLE);
      assert.equal(sim.apiUrl, `${sim.url}/zipkin`);
      assert.equal(sim.ingestUrl, `${sim.url}/zipkin/api/v2/spans`);
      assert.equal((await get(`${sim.url}/zipkin/api/v2/trace/${SAMPLE_TRACE_ID}`)).status, 200);
      assert.equal((await get(`${sim.url}/zipkin/api/v2/services`)).status, 200);
      assert.equal((await get(`${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`)).status, 404);
    } finally {
      await sim.stop();
    }
  });

  test('auth: 401 from the proxy in front unless credentials match', async () => {
    const sim = await startZipkinSimulator({ auth: { basic: 'zipkin:pw' } });
    try {
      sim.addTrace(SAMPLE);
      const url = `${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`;
      const attempts: Array<Record<string, string>> = [{}, { authorization: `Basic ${Buffer.from('zipkin:nope').toString('base64')}` }, { authorization: 'Bearer pw' }];
      for (const h of attempts) {
        const r = await get(url, h);
        assert.equal(r.status, 401);
        assert.equal(r.text, '401 Unauthorized');
        assert.equal(r.headers.get('www-authenticate'), 'Basic realm="zipkin"');
      }
      assert.equal((await get(url, { authorization: `Basic ${Buffer.from('zipkin:pw').toString('base64')}` })).status, 200);
    } finally {
      await sim.stop();
    }
  });

  test('stop(): idempotent, ends stalled/delayed/dripping requests, no handles left', { timeout: 20_000 }, () =>
    checkStop(
      async () => {
        const sim = await startZipkinSimulator();
        sim.addTrace(SAMPLE);
        return sim;
      },
      (sim) => `${sim.url}/api/v2/trace/${SAMPLE_TRACE_ID}`,
    ),
  );
});
