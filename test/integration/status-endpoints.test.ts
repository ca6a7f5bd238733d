import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import type { StatusSnapshot } from '../../src/pipeline/status.js';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { SseParser } from '../../src/tui/sse-parser.js';
import { deliver, settle, startStack, traceUrl, waitFor, type Stack } from '../helpers/stack.js';

const agent = new Agent({ keepAliveTimeout: 100 });
after(async () => {
  await agent.close();
});

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const response = await request(url, { dispatcher: agent, headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

async function status(stack: Stack): Promise<StatusSnapshot> {
  const response = await get(`${stack.httpUrl}/status`);
  assert.equal(response.status, 200, response.text);
  return JSON.parse(response.text) as StatusSnapshot;
}

/** Span names and attributes of the sample trace: none may leak into /status. */
const TRACE_CONTENT = ['charge card', 'payment-service', 'GET /checkout', 'card_declined', 'stock_levels', 'api-gateway'];

describe('status endpoints against a running daemon', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.stop();
  });

  it('/healthz is 200 {"status":"ok"} and /readyz 200 while connected', async () => {
    const health = await get(`${stack.httpUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.text), { status: 'ok' });
    const ready = await get(`${stack.httpUrl}/readyz`);
    assert.equal(ready.status, 200, ready.text);
  });

  it('/status counters move as events flow; latency and recent jobs fill in, without trace content or tokens', async () => {
    const start = await status(stack);
    assert.equal(start.version, 'test');
    assert.equal(start.mode, 'socket');
    assert.equal(start.connection.state, 'connected');
    assert.equal(start.ready, true);
    const twice = linkSharedEvent({ channel: 'C0ENDP', urls: [traceUrl()] });
    await stack.slack.sendEvent(twice);
    await stack.slack.sendEvent(twice);
    await stack.slack.sendEvent(linkSharedEvent({ channel: 'C0ENDP', urls: [traceUrl()] }));
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.unfurled >= start.outcomes.unfurled + 2, 'two unfurls');
    const now = await status(stack);
    assert.equal(now.counters.events_received, start.counters.events_received + 3);
    assert.equal(now.counters.events_acked, start.counters.events_acked + 3);
    assert.equal(now.counters.events_deduplicated, start.counters.events_deduplicated + 1);
    assert.equal(now.outcomes.unfurled, start.outcomes.unfurled + 2);
    assert.ok(now.latencyMs.samples >= start.latencyMs.samples + 2);
    assert.ok(now.latencyMs.p50 > 0 && now.latencyMs.p99 >= now.latencyMs.p95 && now.latencyMs.p95 >= now.latencyMs.p50, JSON.stringify(now.latencyMs));
    const newest = now.recentJobs[0];
    assert.ok(newest !== undefined);
    assert.equal(newest.team, 'T0SIM');
    assert.equal(newest.channel, 'C0ENDP');
    assert.equal(newest.backend, 'lightstep');
    assert.equal(newest.scope, 'checkout');
    assert.equal(newest.outcome, 'unfurled');
    assert.equal(typeof newest.durationMs, 'number');
    assert.ok(now.recentJobs.length <= 20 && now.recentErrors.length <= 10);
    assert.equal(now.auth.usersMapped, 1);
    assert.equal(now.auth.usersLinked, 1);
    const body = JSON.stringify(now);
    for (const text of TRACE_CONTENT) assert.equal(body.includes(text), false, `"${text}" is trace content`);
    const secrets = [stack.slack.botToken, stack.slack.appToken, stack.slack.clientSecret, stack.lightstep.apiKey, ...stack.slack.userTokens().map((t) => t.token)];
    assert.ok(secrets.length >= 5);
    for (const secret of secrets) assert.equal(body.includes(secret), false, 'no token in /status');
  });

  it('/status/stream sends a snapshot on connect and another after a job', async () => {
    const controller = new AbortController();
    const response = await request(`${stack.httpUrl}/status/stream`, { dispatcher: agent, signal: controller.signal });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const parser = new SseParser();
    const snapshots: Array<{ at: number; s: StatusSnapshot }> = [];
    const reading = (async () => {
      for await (const chunk of response.body) {
        for (const m of parser.push(chunk as Buffer)) if (m.event === 'status') snapshots.push({ at: Date.now(), s: JSON.parse(m.data) as StatusSnapshot });
      }
    })().catch(() => undefined);
    try {
      await waitFor(() => snapshots.length >= 1, 'the first snapshot');
      const first = snapshots[0]?.s;
      assert.ok(first !== undefined);
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0STREAM', urls: [traceUrl()] }));
      await waitFor(() => snapshots.some((x) => x.s.outcomes.unfurled === first.outcomes.unfurled + 1), 'a snapshot with the new unfurl');
      const after = snapshots.find((x) => x.s.outcomes.unfurled === first.outcomes.unfurled + 1);
      assert.equal(after?.s.recentJobs[0]?.channel, 'C0STREAM');
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('/metrics is Prometheus text: lsslack_ counters, latency histogram, queue gauges, connection state, process metrics', async () => {
    const metrics = await get(`${stack.httpUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = metrics.text;
    for (const pattern of [
      /^# TYPE lsslack_events_total counter$/m,
      /^lsslack_events_total\{result="received"\} [1-9]\d*$/m,
      /^lsslack_events_total\{result="deduplicated"\} [1-9]\d*$/m,
      /^lsslack_jobs_total\{outcome="unfurled"\} [1-9]\d*$/m,
      /^# TYPE lsslack_unfurl_latency_seconds histogram$/m,
      /^lsslack_unfurl_latency_seconds_bucket\{le="\+Inf",outcome="unfurled"\} [1-9]\d*$/m,
      /^lsslack_unfurl_latency_seconds_count\{outcome="unfurled"\} [1-9]\d*$/m,
      /^lsslack_queue_waiting 0$/m,
      /^lsslack_queue_running 0$/m,
      /^lsslack_queue_concurrency \d+$/m,
      /^lsslack_slack_connection_state\{state="connected"\} 1$/m,
      /^lsslack_slack_connection_state\{state="reconnecting"\} 0$/m,
      /^lsslack_process_cpu_user_seconds_total \d/m,
      /^lsslack_process_resident_memory_bytes \d/m,
      /^lsslack_nodejs_heap_size_total_bytes \d/m,
    ]) {
      assert.match(text, pattern);
    }
  });

  it('/readyz is 503 with the reasons once the daemon starts stopping', async () => {
    // Hold one job in flight so the listener stays up while the daemon drains.
    stack.lightstep.stall(true);
    await deliver(stack.slack, linkSharedEvent({ channel: 'C0STOP', urls: [traceUrl()] }));
    const started = Date.now();
    while ((await status(stack)).queue.running === 0) {
      if (Date.now() - started > 5000) assert.fail('the job never started');
      await settle(20);
    }
    const stopping = stack.daemon.stop();
    try {
      const ready = await get(`${stack.httpUrl}/readyz`);
      assert.equal(ready.status, 503);
      const body = JSON.parse(ready.text) as { status: string; reasons: string[] };
      assert.equal(body.status, 'not_ready');
      assert.ok(body.reasons.includes('shutting down'), body.reasons.join('; '));
      const health = await get(`${stack.httpUrl}/healthz`);
      assert.equal(health.status, 200, 'liveness does not depend on readiness');
    } finally {
      stack.lightstep.stall(false);
      await stopping;
    }
  });
});

describe('admin access', () => {
  const TOKEN = 'admin-token-for-the-status-tests';
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { LSSLACK_ADMIN_TOKEN: TOKEN }, linked: false });
  });
  after(async () => {
    await stack.stop();
  });

  it('with LSSLACK_ADMIN_TOKEN set, /status, /status/stream and /metrics need the bearer token; health stays open', async () => {
    for (const path of ['/status', '/status/stream', '/metrics']) {
      const none = await get(`${stack.httpUrl}${path}`);
      assert.equal(none.status, 401, `${path} without a token`);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      assert.equal(none.text.includes(TOKEN), false);
      const wrong = await get(`${stack.httpUrl}${path}`, { authorization: `Bearer ${TOKEN}x` });
      assert.equal(wrong.status, 401, `${path} with a wrong token`);
      const basic = await get(`${stack.httpUrl}${path}`, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` });
      assert.equal(basic.status, 401, `${path} with the token in the wrong scheme`);
    }
    const right = await get(`${stack.httpUrl}/status`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(right.status, 200);
    assert.equal((JSON.parse(right.text) as StatusSnapshot).ready, true);
    assert.equal(right.text.includes(TOKEN), false, 'the snapshot does not echo the token');
    const metrics = await get(`${stack.httpUrl}/metrics`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(metrics.status, 200);
    const controller = new AbortController();
    const stream = await request(`${stack.httpUrl}/status/stream`, { dispatcher: agent, headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    assert.equal(stream.statusCode, 200);
    controller.abort();
    await stream.body.text().catch(() => undefined);
    for (const path of ['/healthz', '/readyz']) assert.equal((await get(`${stack.httpUrl}${path}`)).status, 200, `${path} is open`);
  });
});

describe('non-loopback clients', () => {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === 'IPv4');
  let stack: Stack | undefined;
  before(async () => {
    if (address !== undefined) stack = await startStack({ env: { LSSLACK_HOST: '0.0.0.0' }, linked: false });
  });
  after(async () => {
    await stack?.stop();
  });

  it('are refused /status, /status/stream and /metrics without a token (403); loopback is answered', { skip: address === undefined ? 'this machine has no non-loopback IPv4 address to connect from' : false }, async () => {
    assert.ok(stack !== undefined && address !== undefined);
    const port = new URL(stack.httpUrl).port;
    const remote = `http://${address.address}:${port}`;
    for (const path of ['/status', '/status/stream', '/metrics']) {
      const refused = await get(`${remote}${path}`);
      assert.equal(refused.status, 403, `${path} from ${address.address}`);
      assert.match(refused.text, /loopback/);
    }
    assert.equal((await get(`${remote}/healthz`)).status, 200, '/healthz is open to anyone');
    assert.equal((await get(`http://127.0.0.1:${port}/status`)).status, 200, 'loopback needs no token');
  });
});

describe('/status/stream on its own listener', () => {
  it('sends the first snapshot on connect, not on a tick, and one more on each change', { timeout: 60_000 }, async () => {
    const { createHttpServer } = await import('../../src/adapters/http/http-server.js');
    const { statusRoutes } = await import('../../src/adapters/http/status-routes.js');
    const { pino } = await import('pino');
    let served = 0;
    let changed: (() => void) | undefined;
    const routes = statusRoutes({
      // Each snapshot says which one it is, so the test knows what it got.
      snapshot: async () => ({ version: `snapshot ${++served}` }) as unknown as StatusSnapshot,
      onChange: (listener) => {
        changed = listener;
        return () => {
          changed = undefined;
        };
      },
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      // No tick within this test: whatever arrives was sent on connect or on a change.
      intervalMs: 3_600_000,
    });
    const server = createHttpServer({ host: '127.0.0.1', port: 0, handlers: [routes.handler], log: pino({ level: 'silent' }) });
    const { port } = await server.start();
    const controller = new AbortController();
    try {
      // Headers leave with the first snapshot: a stream that sent none must fail this test, not hang it.
      const response = await request(`http://127.0.0.1:${port}/status/stream`, { dispatcher: agent, signal: controller.signal, headersTimeout: 20_000 });
      const parser = new SseParser();
      const versions: string[] = [];
      const reading = (async () => {
        for await (const chunk of response.body) for (const m of parser.push(chunk as Buffer)) versions.push((JSON.parse(m.data) as StatusSnapshot).version);
      })().catch(() => undefined);
      await waitFor(() => versions.length === 1, 'the snapshot sent on connect');
      assert.deepEqual(versions, ['snapshot 1']);
      changed?.();
      await waitFor(() => versions.length === 2, 'the snapshot after a change');
      assert.deepEqual(versions, ['snapshot 1', 'snapshot 2']);
      controller.abort();
      await reading;
    } finally {
      controller.abort();
      routes.closeStreams();
      await server.stop();
    }
  });
});
