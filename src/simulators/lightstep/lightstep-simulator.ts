/**
 * A loopback simulator of the Lightstep (ServiceNow Cloud Observability) public API v0.2, for
 * tests, benchmarks and `lsslack demo`.
 *
 * It speaks the real wire protocol (paths, Bearer auth, JSON:API bodies with kebab-case
 * attributes, `application/vnd.api+json`, 4xx error objects) and shares no code with the product:
 * only node built-ins and the sibling generate-trace module are imported, so the product's
 * Lightstep client is tested against an independent reading of the API reference.
 */
import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimSpan, SimTrace } from './generate-trace.js';

/** Options for {@link startLightstepSimulator}. */
export interface LightstepSimulatorOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (default) picks a free one, see {@link LightstepSimulator.url}. */
  port?: number;
  /** The only organization the API answers for. Default `demo-org`. */
  org?: string;
  /** The only accepted API key. Default `lightstep-demo-api-key`. */
  apiKey?: string;
  /** Initial value of {@link LightstepSimulator.latencyMs}. Default 0. */
  latencyMs?: number;
  /** Projects that exist from the start (they hold no traces). Default none. */
  projects?: string[];
}

/** A scripted reply for {@link LightstepSimulator.failNext}. */
export interface ScriptedReply {
  status: number;
  /** Extra/overriding response headers, e.g. `Retry-After` or `X-RateLimit-*`. */
  headers?: Record<string, string>;
  /**
   * Body. Omitted: a JSON:API error object for `status`. A string or Uint8Array is sent verbatim
   * (handy for an HTML 502 from a proxy); anything else is JSON-encoded.
   */
  body?: unknown;
}

/** One entry of {@link LightstepSimulator.requests}. */
export interface RecordedRequest {
  method: string;
  /** Raw path without the query string (not percent-decoded). */
  path: string;
  /** Query parameters; the first value wins when a name repeats. */
  query: Record<string, string>;
  authorization?: string;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** A running simulator; see {@link startLightstepSimulator}. */
export interface LightstepSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash); the API lives under `/public/v0.2/{org}`. */
  readonly url: string;
  readonly org: string;
  readonly apiKey: string;
  /**
   * Stores a trace in a project (registering the project). Re-adding a trace with the same id
   * replaces it. The trace is treated as immutable afterwards: its serialised body is cached, so
   * re-add it after mutating it.
   */
  addTrace(project: string, trace: SimTrace): void;
  addProject(project: string): void;
  /** Forgets a trace, e.g. to simulate retention expiry (its spans then answer 404). */
  removeTrace(project: string, traceId: string): void;
  /** Delay added before every response, ms. Mutable. */
  latencyMs: number;
  /** While on, incoming requests get no response until `stall(false)` (then they are served) or `stop()` (then their sockets are closed). */
  stall(on: boolean): void;
  /**
   * The next `count` stored-traces requests that pass auth get `reply` instead of a real answer.
   * Calls queue up behind each other.
   */
  failNext(count: number, reply: ScriptedReply): void;
  /** The most recent requests (bounded: roughly the last 10,000), oldest first. */
  readonly requests: RecordedRequest[];
  /** Number of requests received on a stored-traces path (any outcome, including 401 and scripted failures). */
  storedTraceRequestCount(): number;
  /** Closes the listener, every connection and every stalled or delayed request. Idempotent. */
  stop(): Promise<void>;
}

const CONTENT_TYPE = 'application/vnd.api+json';
const MAX_LOG = 10_000;
/** Trimming in batches keeps appends O(1) amortised instead of shifting 10k entries per request. */
const LOG_SLACK = 1_000;
const HEX_ID = /^[0-9a-f]{1,16}$/;

interface TraceEntry {
  readonly trace: SimTrace;
  /** Serialised 200 body (chunks, in order), built on first request. */
  body?: Buffer[];
}

interface ProjectState {
  readonly name: string;
  readonly traces: Map<string, TraceEntry>;
  /** spanId (normalised 16-hex) → trace: O(1) stored-traces lookups even for 1M-span traces. */
  readonly bySpan: Map<string, TraceEntry>;
}

interface Reporter {
  readonly id: string;
  /** Pre-encoded `{"reporter-id":…,"attributes":{…}}`. */
  readonly json: string;
}

/** Lowercases and left-pads to 16 hex, because some link builders drop leading zeros. */
function normaliseSpanId(id: string): string {
  return id.toLowerCase().padStart(16, '0');
}

const TRACER_PLATFORMS = ['go', 'go', 'node', 'java', 'python'];
const reporterCache = new Map<string, Reporter>();

/** One reporter per service, derived from its name so ids are stable across runs and traces. */
function reporterFor(service: string): Reporter {
  let r = reporterCache.get(service);
  if (r === undefined) {
    const digest = createHash('sha256').update(service).digest();
    const id = digest.toString('hex', 0, 8);
    const host = `${service}-${digest.toString('hex', 8, 11)}`;
    const platform = TRACER_PLATFORMS[(digest[12] as number) % TRACER_PLATFORMS.length] as string;
    const json = JSON.stringify({
      'reporter-id': id,
      attributes: { 'lightstep.component_name': service, 'lightstep.hostname': host, 'lightstep.tracer_platform': platform },
    });
    r = { id, json };
    reporterCache.set(service, r);
  }
  return r;
}

/**
 * Appends strings into fixed-size Buffers. A 1M-span body is ~280 MB: one JSON.stringify would
 * approach V8's maximum string length, and growing string ropes then concatenating Buffers spent
 * most of its time in GC and copying. Writing each span straight into 8 MB chunks avoids both.
 */
class ChunkWriter {
  static readonly CHUNK = 8 << 20;
  readonly chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(ChunkWriter.CHUNK);
  private off = 0;

  write(s: string): void {
    const worst = s.length * 3; // worst-case UTF-8 expansion of UTF-16 code units
    if (this.off + worst > this.cur.length) {
      this.flush();
      if (worst > ChunkWriter.CHUNK) {
        this.chunks.push(Buffer.from(s, 'utf8'));
        return;
      }
      this.cur = Buffer.allocUnsafe(ChunkWriter.CHUNK);
    }
    this.off += this.cur.write(s, this.off, 'utf8');
  }

  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.off > 0) this.chunks.push(this.cur.subarray(0, this.off));
    this.cur = Buffer.alloc(0);
    this.off = 0;
  }
}

/** Printable ASCII without `"` and `\\`: such strings need no JSON escaping. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON string literal; skips JSON.stringify for the common plain-ASCII case (3x faster on 1M spans). */
function jsonString(s: string): string {
  return JSON_SAFE.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * Decimal form of an epoch-µs integer. V8's generic double-to-string is ~4x slower than Smi
 * formatting on this hot path, so a 16-digit integer is printed as two Smi-sized halves.
 */
function jsonInt(n: number): string {
  const v = Math.round(n);
  if (v >= 1e9 && Number.isSafeInteger(v)) {
    const hi = Math.floor(v / 1e9);
    const lo = v - hi * 1e9;
    return `${hi}${String(lo).padStart(9, '0')}`;
  }
  return String(v);
}

/** Serialises a trace into the stored-traces 200 body, as Buffer chunks to be written in order. */
function serialiseTrace(trace: SimTrace): Buffer[] {
  const spans: SimSpan[] = trace.spans;
  let minStart = spans.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  let maxEnd = spans.length === 0 ? 0 : Number.NEGATIVE_INFINITY;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as SimSpan;
    if (s.startMicros < minStart) minStart = s.startMicros;
    if (s.endMicros > maxEnd) maxEnd = s.endMicros;
  }
  const traceIdJson = JSON.stringify(trace.traceId);
  const reporters = new Map<string, Reporter>();
  const reporterIdJson = new Map<string, string>();
  const out = new ChunkWriter();
  out.write(
    `{"data":[{"type":"stored_trace","id":${traceIdJson},"attributes":{"start-time-micros":${jsonInt(minStart)},` +
      `"end-time-micros":${jsonInt(maxEnd)},"spans":[`,
  );
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as SimSpan;
    let rid = reporterIdJson.get(s.service);
    if (rid === undefined) {
      const rep = reporterFor(s.service);
      reporters.set(s.service, rep);
      rid = JSON.stringify(rep.id);
      reporterIdJson.set(s.service, rid);
    }
    let tags = '';
    if (s.parentId !== undefined) tags = `"parent_span_guid":${jsonString(s.parentId)}`;
    if (s.kind !== undefined) tags += `${tags === '' ? '' : ','}"span.kind":${jsonString(s.kind)}`;
    if (s.tags !== undefined) {
      for (const [k, v] of Object.entries(s.tags)) {
        if (k === 'parent_span_guid' || k === 'span.kind') continue;
        tags += `${tags === '' ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
      }
    }
    out.write(
      `${i === 0 ? '' : ','}{"span-id":${jsonString(s.spanId)},"span-name":${jsonString(s.operation)},` +
        `"trace-id":${traceIdJson},"reporter-id":${rid},"start-time-micros":${jsonInt(s.startMicros)},` +
        `"end-time-micros":${jsonInt(s.endMicros)},"is-error":${s.isError ? 'true' : 'false'},"tags":{${tags}}}`,
    );
  }
  out.write(`]},"relationships":{"reporters":[${[...reporters.values()].map((r) => r.json).join(',')}]}}]}`);
  return out.finish();
}

function errorBody(status: number, title: string, detail?: string): string {
  const err: Record<string, string> = { status: String(status), title };
  if (detail !== undefined) err['detail'] = detail;
  return JSON.stringify({ errors: [err] });
}

type Route =
  | { kind: 'projects'; org: string }
  | { kind: 'project'; org: string; project: string }
  | { kind: 'stored-traces'; org: string; project: string };

class Simulator implements LightstepSimulator {
  url = '';
  readonly org: string;
  readonly apiKey: string;
  latencyMs: number;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly projects = new Map<string, ProjectState>();
  private readonly scripted: ScriptedReply[] = [];
  private stalled = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private storedTraceCount = 0;
  /** Wake-ups of stalled requests; resolved by stall(false) or stop(). */
  private readonly parked = new Set<() => void>();
  /** Pending latency timers, so stop() can clear them instead of leaving handles behind. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();

  constructor(options: LightstepSimulatorOptions) {
    this.org = options.org ?? 'demo-org';
    this.apiKey = options.apiKey ?? 'lightstep-demo-api-key';
    this.latencyMs = options.latencyMs ?? 0;
    for (const p of options.projects ?? []) this.addProject(p);
    // HTTP keep-alive is Node's default; `keepAlive` here additionally enables TCP keep-alive probes.
    this.server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Last-resort guard: a simulator bug must surface as a 500, never crash the test process.
        this.send(res, 500, errorBody(500, 'Internal Server Error', err instanceof Error ? err.message : String(err)));
      });
    });
    // Long enough to be reused across a benchmark burst, short enough not to pile up idle sockets.
    this.server.keepAliveTimeout = 5_000;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const addr = this.server.address() as AddressInfo;
        const h = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
        this.url = `http://${h}:${addr.port}`;
        resolve();
      });
    });
  }

  addProject(project: string): void {
    if (typeof project !== 'string' || project === '') throw new TypeError('project name must be a non-empty string');
    if (!this.projects.has(project)) this.projects.set(project, { name: project, traces: new Map(), bySpan: new Map() });
  }

  addTrace(project: string, trace: SimTrace): void {
    this.addProject(project);
    const state = this.projects.get(project) as ProjectState;
    this.removeTrace(project, trace.traceId);
    // A fresh entry: any cached body of a previous version is dropped with the old entry.
    const entry: TraceEntry = { trace };
    state.traces.set(trace.traceId, entry);
    for (const s of trace.spans) state.bySpan.set(normaliseSpanId(s.spanId), entry);
  }

  removeTrace(project: string, traceId: string): void {
    const state = this.projects.get(project);
    const old = state?.traces.get(traceId);
    if (state === undefined || old === undefined) return;
    state.traces.delete(traceId);
    for (const s of old.trace.spans) {
      const key = normaliseSpanId(s.spanId);
      // Another trace may have claimed the same span id since; only drop our own mapping.
      if (state.bySpan.get(key) === old) state.bySpan.delete(key);
    }
  }

  stall(on: boolean): void {
    this.stalled = on;
    if (!on) this.wakeParked();
  }

  failNext(count: number, reply: ScriptedReply): void {
    for (let i = 0; i < count; i++) this.scripted.push(reply);
  }

  storedTraceRequestCount(): number {
    return this.storedTraceCount;
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopped = true;
    this.stopping = new Promise<void>((resolve) => {
      // 'close' is emitted before libuv has finished closing the handles; the timer fires on the
      // next loop iteration, after the close phase, so callers see no leftover handles at all.
      this.server.close(() => setTimeout(resolve, 0));
      // Drops idle keep-alive sockets and the sockets of stalled/delayed requests alike.
      this.server.closeAllConnections();
    });
    for (const [timer, wake] of this.delays) {
      clearTimeout(timer);
      wake();
    }
    this.delays.clear();
    this.wakeParked();
    return this.stopping;
  }

  private wakeParked(): void {
    const waiting = [...this.parked];
    this.parked.clear();
    for (const wake of waiting) wake();
  }

  private park(): Promise<void> {
    return new Promise((resolve) => this.parked.add(resolve));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolve();
      }, ms);
      this.delays.set(timer, resolve);
    });
  }

  private log(entry: RecordedRequest): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOG + LOG_SLACK) this.requests.splice(0, this.requests.length - MAX_LOG);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Request bodies are irrelevant here; drain them so keep-alive sockets stay usable.
    req.resume();
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    let path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const entries: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const [k, v] of params) {
      if (!seen.has(k)) {
        seen.add(k);
        entries.push([k, v]);
      }
    }
    const authorization = req.headers.authorization;
    const entry: RecordedRequest = { method, path, query: Object.fromEntries(entries), at: Date.now() };
    if (authorization !== undefined) entry.authorization = authorization;
    this.log(entry);

    // Absolute-form request targets (`GET http://host/path`) are legal HTTP; reduce them to a path.
    if (!path.startsWith('/')) {
      try {
        path = new URL(raw).pathname;
      } catch {
        path = '';
      }
    }
    let route: Route | undefined;
    let badPath = path === '';
    if (!badPath) {
      try {
        route = matchRoute(path);
      } catch {
        badPath = true; // malformed percent-encoding
      }
    }
    if (route?.kind === 'stored-traces') this.storedTraceCount++;

    await this.waitTurn();
    if (this.stopped) {
      res.destroy();
      return;
    }

    if (badPath) return this.send(res, 400, errorBody(400, 'Bad Request', 'malformed request path'));
    if (method !== 'GET' && method !== 'HEAD') {
      return this.send(res, 405, errorBody(405, 'Method Not Allowed', `${method} is not supported`), { Allow: 'GET, HEAD' });
    }
    if (route === undefined) return this.send(res, 404, errorBody(404, 'Not Found', `no route for ${path}`));
    if (!this.authorised(authorization)) {
      return this.send(res, 401, errorBody(401, 'Unauthorized', 'missing or invalid API key'));
    }
    // An unknown org answers exactly like a bad key (401): the real API does not reveal which
    // organizations exist, and a client must treat both as "check your configuration".
    if (route.org !== this.org) return this.send(res, 401, errorBody(401, 'Unauthorized', 'missing or invalid API key'));

    if (route.kind === 'projects') {
      const selfUrl = `${this.url}/public/v0.2/${encodeURIComponent(this.org)}/projects`;
      const data = [...this.projects.values()].map((p) => this.projectResource(p.name));
      return this.send(res, 200, JSON.stringify({ data, links: { self: selfUrl } }));
    }
    if (route.kind === 'project') {
      if (!this.projects.has(route.project)) return this.send(res, 404, errorBody(404, 'Not Found', `project ${route.project} not found`));
      const resource = this.projectResource(route.project);
      return this.send(res, 200, JSON.stringify({ data: resource, links: { self: resource.links.self } }));
    }

    const script = this.scripted.shift();
    if (script !== undefined) return this.sendScripted(res, script);
    const spanParam = params.get('span-id');
    if (spanParam === null || spanParam.trim() === '') {
      return this.send(res, 400, errorBody(400, 'Missing required parameter', 'span-id'));
    }
    const project = this.projects.get(route.project);
    if (project === undefined) return this.send(res, 404, errorBody(404, 'Not Found', `project ${route.project} not found`));
    const wanted = spanParam.trim().toLowerCase();
    const found = HEX_ID.test(wanted) ? project.bySpan.get(normaliseSpanId(wanted)) : undefined;
    if (found === undefined) return this.send(res, 404, errorBody(404, 'No stored traces found'));
    found.body ??= serialiseTrace(found.trace);
    return this.send(res, 200, found.body);
  }

  /** Honours stall (before and after the latency, so toggling it mid-delay still holds requests) and latency. */
  private async waitTurn(): Promise<void> {
    while (this.stalled && !this.stopped) await this.park();
    const ms = this.latencyMs;
    if (ms > 0 && !this.stopped) await this.delay(ms);
    while (this.stalled && !this.stopped) await this.park();
  }

  private authorised(header: string | undefined): boolean {
    if (header === undefined) return false;
    const value = header.trim();
    // Most clients send `Bearer`/`bearer`; the docs' curl example sends the bare key.
    const m = /^bearer\s+(.+)$/i.exec(value);
    const key = m ? (m[1] as string).trim() : value;
    return key === this.apiKey;
  }

  private projectResource(name: string): { type: string; id: string; attributes: { name: string }; links: { self: string }; relationships: unknown } {
    const self = `${this.url}/public/v0.2/${encodeURIComponent(this.org)}/projects/${encodeURIComponent(name)}`;
    return {
      type: 'project',
      id: name,
      attributes: { name },
      links: { self },
      relationships: { streams: { links: { related: `${self}/streams` } } },
    };
  }

  private sendScripted(res: ServerResponse, reply: ScriptedReply): void {
    let body: string | Buffer;
    let type = CONTENT_TYPE;
    if (reply.body === undefined) body = errorBody(reply.status, STATUS_CODES[reply.status] ?? 'Error');
    else if (typeof reply.body === 'string') {
      body = reply.body;
      type = 'text/plain; charset=utf-8';
    } else if (reply.body instanceof Uint8Array) {
      body = Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
      type = 'application/octet-stream';
    } else body = JSON.stringify(reply.body);
    this.send(res, reply.status, body, { 'Content-Type': type, ...reply.headers });
  }

  private send(res: ServerResponse, status: number, body: string | Buffer | Buffer[], headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const chunks = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body;
    let length = 0;
    for (const c of chunks) length += c.byteLength;
    res.statusCode = status;
    res.setHeader('Content-Type', CONTENT_TYPE);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', length);
    // The cached chunks are handed over by reference (no copy); the socket drains them in order.
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) res.write(chunks[i] as Buffer);
    res.end(last >= 0 ? chunks[last] : undefined);
  }
}

/** Maps a raw path to a route; throws URIError on malformed percent-encoding. */
function matchRoute(path: string): Route | undefined {
  const segs = path.split('/').slice(1).map((s) => decodeURIComponent(s));
  if (segs.length > 1 && segs[segs.length - 1] === '') segs.pop(); // tolerate one trailing slash
  if (segs[0] !== 'public' || segs[1] !== 'v0.2' || segs[3] !== 'projects') return undefined;
  const org = segs[2];
  if (org === undefined || org === '') return undefined;
  if (segs.length === 4) return { kind: 'projects', org };
  const project = segs[4];
  if (project === undefined || project === '') return undefined;
  if (segs.length === 5) return { kind: 'project', org, project };
  if (segs.length === 6 && segs[5] === 'stored-traces') return { kind: 'stored-traces', org, project };
  return undefined;
}

/**
 * Starts a Lightstep public API simulator on loopback.
 *
 * Endpoints (all GET/HEAD; other methods → 405; unknown paths → 404; malformed paths → 400):
 * - `/public/v0.2/{org}/projects` and `/public/v0.2/{org}/projects/{project}`
 * - `/public/v0.2/{org}/projects/{project}/stored-traces?span-id=<hex>`
 *
 * Auth: `Authorization: Bearer <apiKey>` (case-insensitive scheme) or the bare key; a wrong key
 * and an unknown org both give 401.
 */
export async function startLightstepSimulator(options: LightstepSimulatorOptions = {}): Promise<LightstepSimulator> {
  const sim = new Simulator(options);
  await sim.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return sim;
}
