import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  generateTrace,
  sampleCheckoutTrace,
  SAMPLE_TRACE_ID,
  SAMPLE_TRACE_SEED_SPAN,
  SAMPLE_TRACE_SELECTED_SPAN,
  startLightstepSimulator,
} from '../../src/simulators/lightstep/index.js';
import type { LightstepSimulator, SimSpan, SimTrace } from '../../src/simulators/lightstep/index.js';

const JSONAPI = 'application/vnd.api+json';

function storedTracesUrl(sim: LightstepSimulator, project: string, spanId?: string, org = sim.org): string {
  const base = `${sim.url}/public/v0.2/${org}/projects/${encodeURIComponent(project)}/stored-traces`;
  return spanId === undefined ? base : `${base}?span-id=${encodeURIComponent(spanId)}`;
}

function auth(sim: LightstepSimulator): Record<string, string> {
  return { authorization: `Bearer ${sim.apiKey}` };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function checkTraceShape(trace: SimTrace, expected: number): void {
  assert.equal(trace.spans.length, expected);
  assert.match(trace.traceId, /^[0-9a-f]{16}$/);
  const byId = new Map<string, SimSpan>();
  for (const s of trace.spans) {
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    assert.ok(!byId.has(s.spanId), `duplicate span id ${s.spanId}`);
    byId.set(s.spanId, s);
  }
  const roots = trace.spans.filter((s) => s.parentId === undefined);
  assert.equal(roots.length, 1, 'exactly one root');
  assert.equal(roots[0]?.kind, 'server');
  for (const s of trace.spans) {
    assert.ok(s.endMicros >= s.startMicros, 'non-negative duration');
    if (s.parentId === undefined) continue;
    const p = byId.get(s.parentId);
    assert.ok(p, `parent ${s.parentId} exists`);
    assert.ok(s.startMicros >= p.startMicros && s.endMicros <= p.endMicros, 'child inside parent window');
  }
}

describe('lightstep simulator: HTTP API', () => {
  let sim: LightstepSimulator;

  before(async () => {
    sim = await startLightstepSimulator({ projects: ['demo', 'staging'] });
    sim.addTrace('demo', sampleCheckoutTrace());
  });
  after(async () => {
    await sim.stop();
  });

  test('url has no trailing slash and uses loopback', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.org, 'demo-org');
    assert.equal(sim.apiKey, 'lightstep-demo-api-key');
  });

  test('auth is required; Bearer/bearer/bare key accepted; unknown org is 401', async () => {
    const url = storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN);
    const badHeaders: Array<Record<string, string>> = [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }];
    for (const headers of badHeaders) {
      const r = await get(url, headers);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('content-type'), JSONAPI);
      assert.equal(r.body.errors[0].status, '401');
      assert.equal(r.body.errors[0].title, 'Unauthorized');
      assert.equal(typeof r.body.errors[0].detail, 'string');
    }
    for (const value of [`Bearer ${sim.apiKey}`, `bearer ${sim.apiKey}`, sim.apiKey]) {
      assert.equal((await get(url, { authorization: value })).status, 200, value);
    }
    const wrongOrg = await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN, 'other-org'), auth(sim));
    assert.equal(wrongOrg.status, 401);
    assert.equal((await get(`${sim.url}/public/v0.2/${sim.org}/projects`)).status, 401);
  });

  test('projects listing and single project', async () => {
    sim.addProject('staging'); // idempotent
    const list = await get(`${sim.url}/public/v0.2/${sim.org}/projects`, auth(sim));
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('content-type'), JSONAPI);
    assert.deepEqual(
      list.body.data.map((p: any) => p.id),
      ['demo', 'staging'],
    );
    const demo = list.body.data[0];
    assert.equal(demo.type, 'project');
    assert.deepEqual(demo.attributes, { name: 'demo' });
    assert.equal(demo.links.self, `${sim.url}/public/v0.2/${sim.org}/projects/demo`);
    assert.equal(list.body.links.self, `${sim.url}/public/v0.2/${sim.org}/projects`);

    const one = await get(`${sim.url}/public/v0.2/${sim.org}/projects/staging`, auth(sim));
    assert.equal(one.status, 200);
    assert.equal(one.body.data.id, 'staging');
    assert.equal(one.body.data.attributes.name, 'staging');

    const missing = await get(`${sim.url}/public/v0.2/${sim.org}/projects/nope`, auth(sim));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].status, '404');

    // addTrace registers its project.
    sim.addTrace('prod', generateTrace({ spans: 5, seed: 9 }));
    const again = await get(`${sim.url}/public/v0.2/${sim.org}/projects`, auth(sim));
    assert.deepEqual(
      again.body.data.map((p: any) => p.id),
      ['demo', 'staging', 'prod'],
    );
  });

  test('stored trace found: real Lightstep shape', async () => {
    const trace = sampleCheckoutTrace();
    const r = await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SELECTED_SPAN), auth(sim));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), JSONAPI);
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
    assert.equal(r.body.data.length, 1);
    const st = r.body.data[0];
    assert.deepEqual(Object.keys(st), ['type', 'id', 'attributes', 'relationships']);
    assert.equal(st.type, 'stored_trace');
    assert.equal(st.id, SAMPLE_TRACE_ID);
    assert.deepEqual(Object.keys(st.attributes), ['start-time-micros', 'end-time-micros', 'spans']);
    assert.equal(st.attributes['start-time-micros'], Math.min(...trace.spans.map((s) => s.startMicros)));
    assert.equal(st.attributes['end-time-micros'], Math.max(...trace.spans.map((s) => s.endMicros)));
    assert.equal(st.attributes.spans.length, trace.spans.length);

    const reporters: any[] = st.relationships.reporters;
    assert.ok(Array.isArray(reporters));
    const services = [...new Set(trace.spans.map((s) => s.service))];
    assert.equal(reporters.length, services.length, 'one reporter per service');
    const serviceOfReporter = new Map<string, string>();
    for (const rep of reporters) {
      assert.deepEqual(Object.keys(rep), ['reporter-id', 'attributes']);
      assert.equal(typeof rep['reporter-id'], 'string');
      assert.equal(typeof rep.attributes['lightstep.hostname'], 'string');
      assert.equal(typeof rep.attributes['lightstep.tracer_platform'], 'string');
      serviceOfReporter.set(rep['reporter-id'], rep.attributes['lightstep.component_name']);
    }
    assert.deepEqual([...serviceOfReporter.values()].sort(), [...services].sort());

    for (const [i, span] of (st.attributes.spans as any[]).entries()) {
      const src = trace.spans[i] as SimSpan;
      assert.deepEqual(Object.keys(span), ['span-id', 'span-name', 'trace-id', 'reporter-id', 'start-time-micros', 'end-time-micros', 'is-error', 'tags']);
      assert.equal(span['span-id'], src.spanId);
      assert.equal(span['span-name'], src.operation);
      assert.equal(span['trace-id'], SAMPLE_TRACE_ID);
      assert.equal(serviceOfReporter.get(span['reporter-id']), src.service);
      assert.equal(span['start-time-micros'], src.startMicros);
      assert.equal(span['end-time-micros'], src.endMicros);
      assert.equal(span['is-error'], src.isError);
      assert.equal(span.tags['span.kind'], src.kind);
      if (src.parentId === undefined) assert.equal('parent_span_guid' in span.tags, false, 'root has no parent tag');
      else assert.equal(span.tags.parent_span_guid, src.parentId);
    }
    const charge = (st.attributes.spans as any[]).find((s) => s['span-id'] === SAMPLE_TRACE_SELECTED_SPAN);
    assert.equal(charge['span-name'], 'charge card');
    assert.equal(charge['is-error'], true);
    assert.equal(serviceOfReporter.get(charge['reporter-id']), 'payment-service');

    // Reporter ids are stable (derived from the service name).
    const again = await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), auth(sim));
    assert.equal(again.text, r.text);
  });

  test('span id matching: leading zeros dropped and uppercase are tolerated', async () => {
    assert.ok(SAMPLE_TRACE_SELECTED_SPAN.startsWith('0'));
    const stripped = SAMPLE_TRACE_SELECTED_SPAN.replace(/^0+/, '');
    assert.equal((await get(storedTracesUrl(sim, 'demo', stripped), auth(sim))).status, 200);
    assert.equal((await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN.toUpperCase()), auth(sim))).status, 200);
  });

  test('404 for unknown span, unknown project, non-hex id', async () => {
    const r = await get(storedTracesUrl(sim, 'demo', 'deadbeefdeadbeef'), auth(sim));
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { errors: [{ status: '404', title: 'No stored traces found' }] });
    assert.equal((await get(storedTracesUrl(sim, 'demo', 'not-hex'), auth(sim))).status, 404);
    // The span exists, but in another project.
    assert.equal((await get(storedTracesUrl(sim, 'staging', SAMPLE_TRACE_SEED_SPAN), auth(sim))).status, 404);
    assert.equal((await get(storedTracesUrl(sim, 'unknown-project', SAMPLE_TRACE_SEED_SPAN), auth(sim))).status, 404);
  });

  test('400 for missing span-id', async () => {
    for (const url of [storedTracesUrl(sim, 'demo'), `${storedTracesUrl(sim, 'demo')}?span-id=`, `${storedTracesUrl(sim, 'demo')}?spanid=abc`]) {
      const r = await get(url, auth(sim));
      assert.equal(r.status, 400, url);
      assert.deepEqual(r.body, { errors: [{ status: '400', title: 'Missing required parameter', detail: 'span-id' }] });
    }
  });

  test('unknown routes 404, other methods 405, malformed paths 400', async () => {
    const unknown = await get(`${sim.url}/public/v0.2/${sim.org}/streams`, auth(sim));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), JSONAPI);
    assert.equal(unknown.body.errors[0].status, '404');
    assert.equal((await get(`${sim.url}/`, auth(sim))).status, 404);

    const post = await fetch(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), { method: 'POST', headers: auth(sim), body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(((await post.json()) as any).errors[0].status, '405');

    const bad = await get(`${sim.url}/public/v0.2/${sim.org}/projects/%E0%A4%A/stored-traces?span-id=1`, auth(sim));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].status, '400');
    // Still serving afterwards.
    assert.equal((await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), auth(sim))).status, 200);
  });

  test('request log records method, path, query and authorization', async () => {
    await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), auth(sim));
    const last = sim.requests[sim.requests.length - 1];
    assert.ok(last);
    assert.equal(last.method, 'GET');
    assert.equal(last.path, `/public/v0.2/${sim.org}/projects/demo/stored-traces`);
    assert.deepEqual(last.query, { 'span-id': SAMPLE_TRACE_SEED_SPAN });
    assert.equal(last.authorization, `Bearer ${sim.apiKey}`);
    assert.ok(Math.abs(last.at - Date.now()) < 10_000);
  });

  test('failNext: scripted replies, then back to normal', async () => {
    const url = storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN);
    const before = sim.storedTraceRequestCount();
    sim.failNext(2, { status: 503 });
    sim.failNext(1, { status: 429, headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1' } });
    sim.failNext(1, { status: 429, headers: { 'Retry-After': '2' }, body: { errors: [{ status: '429', title: 'Too Many Requests' }] } });
    sim.failNext(1, { status: 502, body: '<html>bad gateway</html>' });

    // Non-stored-traces requests do not consume the script.
    assert.equal((await get(`${sim.url}/public/v0.2/${sim.org}/projects`, auth(sim))).status, 200);

    for (let i = 0; i < 2; i++) {
      const r = await get(url, auth(sim));
      assert.equal(r.status, 503);
      assert.equal(r.body.errors[0].status, '503');
    }
    const limited = await get(url, auth(sim));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('x-ratelimit-limit'), '100');
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(limited.headers.get('x-ratelimit-reset'), '1');
    const retry = await get(url, auth(sim));
    assert.equal(retry.status, 429);
    assert.equal(retry.headers.get('retry-after'), '2');
    assert.deepEqual(retry.body, { errors: [{ status: '429', title: 'Too Many Requests' }] });
    const proxy = await get(url, auth(sim));
    assert.equal(proxy.status, 502);
    assert.equal(proxy.text, '<html>bad gateway</html>');
    assert.match(proxy.headers.get('content-type') ?? '', /^text\/plain/);

    assert.equal((await get(url, auth(sim))).status, 200);
    assert.equal(sim.storedTraceRequestCount() - before, 6);
  });

  test('latency delays every response', async () => {
    sim.latencyMs = 150;
    try {
      const t0 = performance.now();
      const r = await get(`${sim.url}/public/v0.2/${sim.org}/projects`, auth(sim));
      assert.equal(r.status, 200);
      assert.ok(performance.now() - t0 >= 140, 'response was delayed');
    } finally {
      sim.latencyMs = 0;
    }
  });

  test('stall holds requests until released', async () => {
    const before = sim.storedTraceRequestCount();
    sim.stall(true);
    const pending = get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), auth(sim));
    let settled = false;
    void pending.then(() => (settled = true));
    await waitFor(() => sim.storedTraceRequestCount() === before + 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'no response while stalled');
    sim.stall(false);
    assert.equal((await pending).status, 200);
  });

  test('removeTrace simulates retention expiry', async () => {
    const t = generateTrace({ spans: 50, seed: 42 });
    sim.addTrace('staging', t);
    const spanId = (t.spans[17] as SimSpan).spanId;
    assert.equal((await get(storedTracesUrl(sim, 'staging', spanId), auth(sim))).status, 200);
    sim.removeTrace('staging', t.traceId);
    assert.equal((await get(storedTracesUrl(sim, 'staging', spanId), auth(sim))).status, 404);
    sim.removeTrace('staging', t.traceId); // no-op
    sim.removeTrace('no-such-project', t.traceId); // no-op
  });

  test('re-adding a trace replaces it and invalidates the cached body', async () => {
    const t = generateTrace({ spans: 20, seed: 5 });
    sim.addTrace('staging', t);
    const first = await get(storedTracesUrl(sim, 'staging', (t.spans[0] as SimSpan).spanId), auth(sim));
    assert.equal(first.body.data[0].attributes.spans.length, 20);
    const smaller: SimTrace = { traceId: t.traceId, spans: t.spans.slice(0, 10) };
    sim.addTrace('staging', smaller);
    const second = await get(storedTracesUrl(sim, 'staging', (t.spans[0] as SimSpan).spanId), auth(sim));
    assert.equal(second.body.data[0].attributes.spans.length, 10);
    assert.equal((await get(storedTracesUrl(sim, 'staging', (t.spans[15] as SimSpan).spanId), auth(sim))).status, 404);
  });

  test('large trace is served and cached', async (t) => {
    const big = generateTrace({ spans: 100_000, seed: 11 });
    sim.addTrace('big', big);
    const url = storedTracesUrl(sim, 'big', (big.spans[99_999] as SimSpan).spanId);
    let t0 = performance.now();
    const first = await get(url, auth(sim));
    const firstMs = performance.now() - t0;
    t0 = performance.now();
    const second = await get(storedTracesUrl(sim, 'big', (big.spans[3] as SimSpan).spanId), auth(sim));
    const secondMs = performance.now() - t0;
    t.diagnostic(`100k spans: ${first.text.length} bytes, first ${firstMs.toFixed(0)} ms, cached ${secondMs.toFixed(0)} ms`);
    assert.equal(first.status, 200);
    assert.equal(first.body.data[0].attributes.spans.length, 100_000);
    assert.equal(second.text, first.text);
  });
});

describe('lightstep simulator: lifecycle', () => {
  test('options are honoured', async () => {
    const sim = await startLightstepSimulator({ org: 'acme', apiKey: 'k-123', latencyMs: 0, projects: ['p1'] });
    try {
      assert.equal(sim.org, 'acme');
      const r = await get(`${sim.url}/public/v0.2/acme/projects`, { authorization: 'Bearer k-123' });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.data.map((p: any) => p.id),
        ['p1'],
      );
      assert.equal((await get(`${sim.url}/public/v0.2/demo-org/projects`, { authorization: 'Bearer k-123' })).status, 401);
    } finally {
      await sim.stop();
    }
  });

  test('stop() ends stalled and delayed requests, closes keep-alive sockets, is idempotent', { timeout: 20_000 }, async () => {
    const serversBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const sim = await startLightstepSimulator({ projects: ['demo'] });
    sim.addTrace('demo', sampleCheckoutTrace());
    // A completed request leaves an idle keep-alive socket behind.
    assert.equal((await get(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), auth(sim))).status, 200);

    sim.stall(true);
    // Settle into a value right away so the rejection is never "unhandled" while stop() runs.
    const stalled = fetch(storedTracesUrl(sim, 'demo', SAMPLE_TRACE_SEED_SPAN), { headers: auth(sim) }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => sim.storedTraceRequestCount() === 2);

    // If stop() waited for the stalled request, this test would hit its timeout.
    await Promise.all([sim.stop(), sim.stop()]);
    await sim.stop();
    assert.equal(await stalled, 'failed');

    const serversAfter = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    assert.equal(serversAfter, serversBefore);
    await assert.rejects(fetch(`${sim.url}/public/v0.2/demo-org/projects`, { headers: auth(sim) }));
  });

  test('stop() during latency does not wait for the timer', { timeout: 20_000 }, async () => {
    const sim = await startLightstepSimulator({ latencyMs: 60_000 });
    const pending = fetch(`${sim.url}/public/v0.2/demo-org/projects`, { headers: auth(sim) }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => sim.requests.length === 1);
    // If stop() waited for the 60 s latency timer, this test would hit its timeout.
    await sim.stop();
    assert.equal(await pending, 'failed');
  });

  test('request log stays bounded', async () => {
    const sim = await startLightstepSimulator();
    try {
      // 12,000 pipelined requests on one socket: fast enough to push the log past its bound.
      const n = 12_000;
      const { hostname: host, port } = new URL(sim.url);
      const socket = connect(Number(port), host);
      socket.resume();
      const closed = new Promise<void>((resolve, reject) => {
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      const one = `GET /public/v0.2/demo-org/projects HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      socket.write(one.repeat(n - 1) + one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
      await closed;
      assert.ok(sim.requests.length >= 10_000 && sim.requests.length <= 11_000, `log size ${sim.requests.length}`);
      assert.equal(sim.requests[sim.requests.length - 1]?.path, '/public/v0.2/demo-org/projects');
    } finally {
      await sim.stop();
    }
  });
});

describe('generateTrace', () => {
  test('same seed → same trace; different seed → different trace', () => {
    const a = generateTrace({ spans: 2_000, seed: 123 });
    const b = generateTrace({ spans: 2_000, seed: 123 });
    const c = generateTrace({ spans: 2_000, seed: 124 });
    assert.deepEqual(a, b);
    assert.notEqual(a.traceId, c.traceId);
    assert.notDeepEqual(a.spans, c.spans);
  });

  test('exact size, unique ids, parents exist, children inside parent window', () => {
    for (const [n, seed] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [7, 4],
      [100, 5],
      [1_000, 6],
      [25_000, 7],
    ] as const) {
      checkTraceShape(generateTrace({ spans: n, seed }), n);
    }
    checkTraceShape(generateTrace({ spans: 500, seed: 8, services: 1 }), 500);
    checkTraceShape(generateTrace({ spans: 500, seed: 9, services: 40, errorRate: 0.5 }), 500);
  });

  test('realistic shape: depth, fan-out, kinds, services, error rate', () => {
    const trace = generateTrace({ spans: 100_000, seed: 77, startMicros: 1_700_000_000_000_000 });
    const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
    const depth = new Map<string, number>();
    const children = new Map<string, number>();
    let maxDepth = 0;
    for (const s of trace.spans) {
      // Parents always precede children in the array, so depth is known by the time we get here.
      const d = s.parentId === undefined ? 0 : (depth.get(s.parentId) as number) + 1;
      depth.set(s.spanId, d);
      maxDepth = Math.max(maxDepth, d);
      if (s.parentId !== undefined) children.set(s.parentId, (children.get(s.parentId) ?? 0) + 1);
    }
    assert.equal(trace.spans[0]?.startMicros, 1_700_000_000_000_000);
    assert.ok(maxDepth >= 10 && maxDepth <= 20, `depth ${maxDepth}`);
    assert.ok(Math.max(...children.values()) >= 50, 'at least one wide fan-out');
    const kinds = new Set(trace.spans.map((s) => s.kind));
    for (const k of ['server', 'client', 'producer', 'consumer', 'internal'] as const) assert.ok(kinds.has(k), `has ${k}`);
    assert.equal(new Set(trace.spans.map((s) => s.service)).size, 8);
    const crossService = trace.spans.filter((s) => s.kind === 'server' && s.parentId !== undefined);
    assert.ok(crossService.length > 0);
    for (const s of crossService) {
      const client = byId.get(s.parentId as string) as SimSpan;
      assert.equal(client.kind, 'client');
      assert.notEqual(client.service, s.service);
    }
    for (const s of trace.spans.filter((x) => x.kind === 'consumer')) {
      assert.equal(byId.get(s.parentId as string)?.kind, 'producer');
    }
    const errors = trace.spans.filter((s) => s.isError).length / trace.spans.length;
    assert.ok(errors > 0.005 && errors < 0.02, `error rate ${errors}`);
    assert.equal(generateTrace({ spans: 1_000, seed: 1, errorRate: 0 }).spans.filter((s) => s.isError).length, 0);
  });

  test('rejects invalid sizes', () => {
    assert.throws(() => generateTrace({ spans: 0 }), RangeError);
    assert.throws(() => generateTrace({ spans: 1.5 }), RangeError);
  });

  test('1,000,000 spans', (t) => {
    const t0 = performance.now();
    const trace = generateTrace({ spans: 1_000_000, seed: 2024 });
    const ms = performance.now() - t0;
    t.diagnostic(`generated 1M spans in ${ms.toFixed(0)} ms`);
    assert.equal(trace.spans.length, 1_000_000);
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, 1_000_000);
  });
});

describe('sampleCheckoutTrace', () => {
  test('is a valid, fixed demo trace', () => {
    const trace = sampleCheckoutTrace();
    checkTraceShape(trace, trace.spans.length);
    assert.ok(trace.spans.length >= 10 && trace.spans.length <= 16);
    assert.equal(trace.traceId, SAMPLE_TRACE_ID);
    const root = trace.spans.find((s) => s.parentId === undefined) as SimSpan;
    assert.equal(root.spanId, SAMPLE_TRACE_SEED_SPAN);
    assert.equal(root.service, 'frontend');
    assert.equal(root.operation, 'GET /checkout');
    const selected = trace.spans.find((s) => s.spanId === SAMPLE_TRACE_SELECTED_SPAN) as SimSpan;
    assert.equal(selected.service, 'payment-service');
    assert.equal(selected.operation, 'charge card');
    assert.equal(selected.isError, true);
    assert.deepEqual(sampleCheckoutTrace(), trace);
    const shifted = sampleCheckoutTrace(root.startMicros + 1_000_000);
    assert.equal((shifted.spans[0] as SimSpan).startMicros, root.startMicros + 1_000_000);
    assert.deepEqual(
      shifted.spans.map((s) => s.spanId),
      trace.spans.map((s) => s.spanId),
    );
  });
});
