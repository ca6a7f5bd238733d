/** Helpers shared by the Jaeger, Zipkin and Tempo simulator tests (not a test file itself). */
import assert from 'node:assert/strict';
import type { TraceBackendSimulator } from '../../src/simulators/otlp-sim/index.js';

export interface Got {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function get(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Got> {
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Got> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export async function waitFor(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function b64ToHex(s: string): string {
  return Buffer.from(s, 'base64').toString('hex');
}

export function hexToB64(s: string): string {
  return Buffer.from(s, 'hex').toString('base64');
}

/** All spans of an OTLP `resourceSpans` array, each with its resource's service.name. */
export function otlpSpans(resourceSpans: any[], scopeKey = 'scopeSpans'): Array<{ service: string; scope: any; span: any }> {
  const out: Array<{ service: string; scope: any; span: any }> = [];
  for (const rs of resourceSpans) {
    const svc = rs.resource.attributes.find((a: any) => a.key === 'service.name')?.value.stringValue;
    for (const ss of rs[scopeKey]) for (const span of ss.spans) out.push({ service: svc, scope: ss.scope ?? ss.instrumentationLibrary, span });
  }
  return out;
}

/** OTLP attribute list → plain object. */
export function attrs(list: any[] | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    o[kv.key] = v.stringValue ?? v.boolValue ?? v.intValue ?? v.doubleValue;
  }
  return o;
}

/** A fetch that resolves to 'answered' or 'failed', never rejecting (safe to leave pending across stop()). */
export function settle(p: Promise<unknown>): Promise<'answered' | 'failed'> {
  return p.then(
    () => 'answered' as const,
    () => 'failed' as const,
  );
}

/** Reads a response body chunk by chunk; returns the text and the number of reads. */
export async function readChunks(res: Response): Promise<{ text: string; reads: number }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let reads = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads++;
    parts.push(value);
  }
  return { text: Buffer.concat(parts).toString('utf8'), reads };
}

/**
 * The behaviours every simulator shares (failNext, latency, stall, drip, oversize, request log),
 * exercised against one trace-by-id URL. `normal` checks a regular 200 answer.
 */
export interface CommonCase {
  sim: () => TraceBackendSimulator;
  /** A trace-by-id URL that answers 200. */
  url: () => string;
  /** Headers the requests need (auth, tenant). */
  headers?: Record<string, string>;
  /** Checks that a 200 body has this route's shape. */
  shape: (body: any) => void;
  /** The route's error body for a scripted status, e.g. Jaeger's structured error. */
  scriptedError: (r: Got, status: number) => void;
}

export async function checkFailNext(c: CommonCase): Promise<void> {
  const sim = c.sim();
  const before = sim.queryCount();
  sim.failNext(2, { status: 503 });
  sim.failNext(1, { status: 429, headers: { 'Retry-After': '2' } });
  sim.failNext(1, { status: 502, body: '<html>bad gateway</html>' });
  sim.failNext(1, { status: 500, body: { oops: true } });
  for (let i = 0; i < 2; i++) {
    const r = await get(c.url(), c.headers);
    assert.equal(r.status, 503);
    c.scriptedError(r, 503);
  }
  const limited = await get(c.url(), c.headers);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '2');
  const proxy = await get(c.url(), c.headers);
  assert.equal(proxy.status, 502);
  assert.equal(proxy.text, '<html>bad gateway</html>');
  assert.match(proxy.headers.get('content-type') ?? '', /^text\/plain/);
  const json = await get(c.url(), c.headers);
  assert.equal(json.status, 500);
  assert.deepEqual(json.body, { oops: true });
  const ok = await get(c.url(), c.headers);
  assert.equal(ok.status, 200);
  c.shape(ok.body);
  assert.equal(sim.queryCount() - before, 6);
}

export async function checkLatency(c: CommonCase): Promise<void> {
  const sim = c.sim();
  sim.latencyMs = 200;
  try {
    const t0 = performance.now();
    const r = await get(c.url(), c.headers);
    assert.equal(r.status, 200);
    // A lower bound only: the simulator cannot answer before its delay, however slow the machine.
    assert.ok(performance.now() - t0 >= 190, 'response was delayed');
  } finally {
    sim.latencyMs = 0;
  }
}

export async function checkStall(c: CommonCase): Promise<void> {
  const sim = c.sim();
  const before = sim.queryCount();
  sim.stall(true);
  let settled = false;
  const pending = get(c.url(), c.headers).finally(() => (settled = true));
  await waitFor(() => sim.queryCount() === before + 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false, 'no response while stalled');
  sim.stall(false);
  const r = await pending;
  assert.equal(r.status, 200);
  c.shape(r.body);
}

export async function checkDrip(c: CommonCase): Promise<void> {
  const sim = c.sim();
  const normal = await get(c.url(), c.headers);
  sim.dripNext(1, { bytesPerChunk: Math.ceil(normal.text.length / 8), intervalMs: 15 });
  const res = await fetch(c.url(), { headers: c.headers });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(normal.text)));
  const { text, reads } = await readChunks(res);
  assert.equal(text, normal.text);
  assert.ok(reads >= 2, `body arrived in pieces (${reads} reads)`);

  // A client deadline on the body fires: the body would take hours.
  sim.dripNext(1, { bytesPerChunk: 1, intervalMs: 1_000 });
  const slow = await fetch(c.url(), { headers: c.headers, signal: AbortSignal.timeout(300) });
  assert.equal(slow.status, 200);
  await assert.rejects(slow.text(), (err: Error) => err.name === 'TimeoutError' || err.name === 'AbortError');
  // The simulator is still healthy afterwards.
  assert.equal((await get(c.url(), c.headers)).status, 200);
}

export async function checkOversize(c: CommonCase): Promise<void> {
  const sim = c.sim();
  sim.oversizeNext(1, 2_000_000);
  const big = await get(c.url(), c.headers);
  assert.equal(big.status, 200);
  const len = Number(big.headers.get('content-length'));
  assert.equal(len, Buffer.byteLength(big.text));
  assert.ok(len >= 1_900_000 && len <= 2_600_000, `about 2 MB, got ${len}`);
  c.shape(big.body);

  sim.oversizeNext(1, { bytes: 1_000_000, chunked: true });
  const chunked = await get(c.url(), c.headers);
  assert.equal(chunked.status, 200);
  assert.equal(chunked.headers.get('content-length'), null);
  assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
  assert.ok(chunked.text.length >= 900_000, `about 1 MB, got ${chunked.text.length}`);
  c.shape(chunked.body);

  const normal = await get(c.url(), c.headers);
  assert.equal(normal.status, 200);
  assert.ok(normal.text.length < 500_000, 'back to the real trace');
}

export async function checkRequestLog(c: CommonCase, expectedPath: string): Promise<void> {
  const sim = c.sim();
  const url = `${c.url()}?startTime=2025-01-01T00:00:00Z&x=1&x=2`;
  await get(url, { ...c.headers, authorization: 'Bearer abc', 'x-scope-orgid': 'tenant-a', 'user-agent': 'sim-test' });
  const last = sim.requests[sim.requests.length - 1];
  assert.ok(last);
  assert.equal(last.method, 'GET');
  assert.equal(last.path, expectedPath);
  assert.deepEqual(last.query, { startTime: '2025-01-01T00:00:00Z', x: '1' });
  assert.equal(last.authorization, 'Bearer abc');
  assert.equal(last.scopeOrgId, 'tenant-a');
  assert.equal(last.headers['user-agent'], 'sim-test');
  assert.ok(Math.abs(last.at - Date.now()) < 60_000);
}

/** stop(): ends stalled and dripping requests, closes keep-alive sockets, is idempotent, leaves no server handle. */
export async function checkStop(start: () => Promise<TraceBackendSimulator>, url: (sim: TraceBackendSimulator) => string, headers: Record<string, string> = {}): Promise<void> {
  const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const serversBefore = servers();
  const sim = await start();
  assert.equal(servers(), serversBefore + 1);
  assert.equal((await get(url(sim), headers)).status, 200); // leaves an idle keep-alive socket

  sim.dripNext(1, { bytesPerChunk: 1, intervalMs: 60_000 });
  const dripping = await fetch(url(sim), { headers });
  const dripBody = settle(dripping.text());

  sim.latencyMs = 60_000;
  const delayed = settle(fetch(url(sim), { headers }));
  await waitFor(() => sim.queryCount() === 3);
  sim.latencyMs = 0;
  sim.stall(true);
  const stalled = settle(fetch(url(sim), { headers }));
  await waitFor(() => sim.queryCount() === 4);

  // If stop() waited for any of those, this test would hit its timeout.
  await Promise.all([sim.stop(), sim.stop()]);
  await sim.stop();
  assert.equal(await dripBody, 'failed');
  assert.equal(await delayed, 'failed');
  assert.equal(await stalled, 'failed');
  assert.equal(servers(), serversBefore);
  await assert.rejects(fetch(url(sim), { headers }));
}
