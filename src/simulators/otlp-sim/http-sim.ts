/**
 * The loopback HTTP machinery shared by the Jaeger, Zipkin and Tempo simulators: listening,
 * request log, auth, latency, stall, scripted failures, slow ("dripped") and oversized answers,
 * request-body reading and a stop() that leaves no handle behind.
 *
 * It mirrors the Lightstep simulator's behaviour and options. Like every simulator it shares no
 * code with the product: node built-ins and sibling simulator modules only.
 */
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { byteLength } from './json-chunks.js';

/** Credentials a simulator demands, as a reverse proxy or auth extension in front of it would. */
export interface SimAuth {
  /** Accepted `Authorization: Bearer <token>`. */
  bearer?: string;
  /** Accepted HTTP basic credentials as `"user:token"` (Grafana Cloud style instance id + token). */
  basic?: string;
}

/** Options every trace-backend simulator takes. */
export interface BaseSimulatorOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (default) picks a free one, see `url`. */
  port?: number;
  /** Initial value of `latencyMs`. Default 0. */
  latencyMs?: number;
  /** When set, requests without matching credentials get 401 (every route). Default: no auth. */
  auth?: SimAuth;
}

/** A scripted reply for `failNext`. */
export interface ScriptedReply {
  status: number;
  /** Extra/overriding response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /**
   * Body. Omitted: the backend's own error body for `status`. A string or Uint8Array is sent
   * verbatim (handy for an HTML 502 from a proxy); anything else is JSON-encoded.
   */
  body?: unknown;
}

/** Options of `dripNext`: the body goes out `bytesPerChunk` bytes every `intervalMs`. */
export interface DripOptions {
  bytesPerChunk: number;
  intervalMs: number;
}

/** Options of `oversizeNext`. */
export interface OversizeOptions {
  /** Approximate body size in bytes. */
  bytes: number;
  /** Send without Content-Length (Transfer-Encoding: chunked), so a client cannot refuse it up front. */
  chunked?: boolean;
}

/** One entry of `requests`. */
export interface RecordedRequest {
  method: string;
  /** Raw path without the query string (not percent-decoded). */
  path: string;
  /** Query parameters; the first value wins when a name repeats. */
  query: Record<string, string>;
  authorization?: string;
  /** `X-Scope-OrgID` (Tempo tenant). */
  scopeOrgId?: string;
  /**
   * Selected request headers (lowercase names): authorization, x-scope-orgid, accept,
   * content-type, content-encoding, user-agent.
   */
  headers: Record<string, string>;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** The API all three trace-backend simulators share. */
export interface TraceBackendSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash, no base path). */
  readonly url: string;
  /** Delay added before every response, ms. Mutable. */
  latencyMs: number;
  /** While on, requests get no response until `stall(false)` (then they are served) or `stop()` (then their sockets close). */
  stall(on: boolean): void;
  /**
   * The next `count` trace-by-id requests that pass auth get `reply` instead of a real answer.
   * Calls queue up behind each other.
   */
  failNext(count: number, reply: ScriptedReply): void;
  /**
   * The next `count` trace-by-id answers (whatever they are, scripted ones included) send their
   * body slowly: headers at once, then `bytesPerChunk` bytes every `intervalMs`.
   */
  dripNext(count: number, options: DripOptions): void;
  /**
   * The next `count` trace-by-id requests that pass auth get a valid-looking 200 body of about
   * `bytes` bytes in the route's own format (whether or not the trace exists).
   */
  oversizeNext(count: number, options: number | OversizeOptions): void;
  /** The most recent requests (bounded: roughly the last 10,000), oldest first. */
  readonly requests: RecordedRequest[];
  /** Number of requests received on trace-by-id routes (any outcome, including 401 and scripted failures). */
  queryCount(): number;
  /** Closes the listener, every connection, stalled or delayed request and pending timer. Idempotent. */
  stop(): Promise<void>;
}

/** A parsed request as routes see it. */
export interface SimRequest {
  method: string;
  /** Raw path without the query string. */
  path: string;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Request body (decompressed); empty for GET. */
  body: Buffer;
}

/** What a route answers. */
export interface SimReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | readonly Buffer[];
  /** No Content-Length: Transfer-Encoding chunked. */
  chunked?: boolean;
}

/** A matched route. */
export interface SimRoute {
  /** `query`: trace-by-id (counted; failNext/oversize/drip apply). `ingest`: reads a body. */
  readonly kind: 'query' | 'ingest' | 'other';
  /** Accepted methods (HEAD is implied by GET); others get 405. */
  readonly methods: readonly string[];
  handle(req: SimRequest): SimReply;
  /** This route's error body for `status` (failNext without a body). */
  error(status: number, message: string): SimReply;
  /** A 200 body of about `bytes` bytes in this route's format (oversizeNext). */
  oversize?(bytes: number): readonly Buffer[];
}

const MAX_LOG = 10_000;
/** Trimming in batches keeps appends O(1) amortised instead of shifting 10k entries per request. */
const LOG_SLACK = 1_000;
/** Ingest bodies above this get 413; exporters batch far below it. */
const MAX_BODY = 64 << 20;
const LOGGED_HEADERS = ['authorization', 'x-scope-orgid', 'accept', 'content-type', 'content-encoding', 'user-agent'] as const;

/** Go's `http.Error`: text/plain, nosniff, and a trailing newline. Jaeger and Tempo are Go servers. */
export function goError(status: number, text: string): SimReply {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: `${text}\n`,
  };
}

/** A JSON reply. */
export function jsonReply(status: number, body: string | readonly Buffer[], headers: Record<string, string> = {}): SimReply {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body };
}

/** Splits a raw path into percent-decoded segments (throws URIError on malformed encoding). */
export function pathSegments(path: string): string[] {
  return path.split('/').slice(1).map((s) => decodeURIComponent(s));
}

/** Normalises a base path option: `''` or `/prefix` without a trailing slash. */
export function normaliseBasePath(basePath: string | undefined): string {
  if (basePath === undefined) return '';
  let p = basePath.trim();
  while (p.endsWith('/')) p = p.slice(0, -1);
  if (p !== '' && !p.startsWith('/')) p = `/${p}`;
  return p;
}

/** Strips `basePath` from `path`; undefined when the path is outside it. */
export function stripBasePath(path: string, basePath: string): string | undefined {
  if (basePath === '') return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

class BodyTooLarge extends Error {}

/**
 * Base class of the simulators. Subclasses route requests and render their backend's bodies;
 * this class does everything else.
 */
export abstract class HttpSimulatorBase implements TraceBackendSimulator {
  url = '';
  latencyMs: number;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly auth: SimAuth | undefined;
  private readonly scripted: ScriptedReply[] = [];
  private readonly oversized: OversizeOptions[] = [];
  private readonly dripped: DripOptions[] = [];
  private stalled = false;
  protected stopped = false;
  private stopping: Promise<void> | undefined;
  private queries = 0;
  /** Wake-ups of stalled requests; resolved by stall(false) or stop(). */
  private readonly parked = new Set<() => void>();
  /** Pending latency timers, so stop() can clear them instead of leaving handles behind. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  /** Pending drip timers. */
  private readonly dripTimers = new Set<NodeJS.Timeout>();

  constructor(options: BaseSimulatorOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    this.auth = options.auth;
    if (this.auth !== undefined && this.auth.bearer === undefined && this.auth.basic === undefined) {
      throw new TypeError('auth needs a bearer token or basic credentials');
    }
    // HTTP keep-alive is Node's default; `keepAlive` here additionally enables TCP keep-alive probes.
    this.server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Last-resort guard: a simulator bug must surface as a 500, never crash the test process.
        if (this.stopped) {
          res.destroy();
          return;
        }
        this.write(res, goError(500, err instanceof Error ? err.message : String(err)));
      });
    });
    // Long enough to be reused across a test burst, short enough not to pile up idle sockets.
    this.server.keepAliveTimeout = 5_000;
  }

  /** Routes a request path (raw, without query string); undefined → {@link notFound}. May throw URIError. */
  protected abstract route(path: string): SimRoute | undefined;
  /** Answer for a path no route matches. */
  protected abstract notFound(path: string): SimReply;
  /** Answer for missing or wrong credentials. */
  protected abstract unauthorized(): SimReply;
  /** Extra admission check after auth (e.g. Tempo's tenant header); a reply rejects the request. */
  protected admit(_route: SimRoute, _req: SimRequest): SimReply | undefined {
    return undefined;
  }
  /** Answer for a method the route does not accept. Default: Go's ServeMux 405. */
  protected methodNotAllowed(route: SimRoute): SimReply {
    const allow = route.methods.includes('GET') ? [...route.methods, 'HEAD'] : [...route.methods];
    const r = goError(405, 'Method Not Allowed');
    return { ...r, headers: { ...r.headers, Allow: allow.join(', ') } };
  }
  /** Answer for a malformed path. */
  protected badPath(): SimReply {
    return goError(400, 'Bad Request');
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
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

  stall(on: boolean): void {
    this.stalled = on;
    if (!on) this.wakeParked();
  }

  failNext(count: number, reply: ScriptedReply): void {
    for (let i = 0; i < count; i++) this.scripted.push(reply);
  }

  dripNext(count: number, options: DripOptions): void {
    if (!(options.bytesPerChunk >= 1) || !(options.intervalMs >= 0)) throw new RangeError('dripNext needs bytesPerChunk >= 1 and intervalMs >= 0');
    for (let i = 0; i < count; i++) this.dripped.push({ bytesPerChunk: Math.floor(options.bytesPerChunk), intervalMs: options.intervalMs });
  }

  oversizeNext(count: number, options: number | OversizeOptions): void {
    const o = typeof options === 'number' ? { bytes: options } : options;
    if (!(o.bytes >= 1)) throw new RangeError('oversizeNext needs bytes >= 1');
    for (let i = 0; i < count; i++) this.oversized.push(o);
  }

  queryCount(): number {
    return this.queries;
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopped = true;
    this.stopping = new Promise<void>((resolve) => {
      // 'close' is emitted before libuv has finished closing the handles; the timer fires on the
      // next loop iteration, after the close phase, so callers see no leftover handles at all.
      this.server.close(() => setTimeout(resolve, 0));
      // Drops idle keep-alive sockets and the sockets of stalled/delayed/dripping requests alike.
      this.server.closeAllConnections();
    });
    for (const [timer, wake] of this.delays) {
      clearTimeout(timer);
      wake();
    }
    this.delays.clear();
    for (const t of this.dripTimers) clearTimeout(t);
    this.dripTimers.clear();
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

  /** Honours stall (before and after the latency, so toggling it mid-delay still holds requests) and latency. */
  private async waitTurn(): Promise<void> {
    while (this.stalled && !this.stopped) await this.park();
    const ms = this.latencyMs;
    if (ms > 0 && !this.stopped) await this.delay(ms);
    while (this.stalled && !this.stopped) await this.park();
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) tooLarge = true;
        else chunks.push(c);
      });
      req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
      req.on('error', reject);
      req.on('close', () => {
        if (!req.complete) reject(new Error('request aborted'));
      });
    });
  }

  private authorised(header: string | undefined): boolean {
    const auth = this.auth;
    if (auth === undefined) return true;
    if (header === undefined) return false;
    const m = /^(\S+)\s+(.+)$/.exec(header.trim());
    if (!m) return false;
    const scheme = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    if (scheme === 'bearer' && auth.bearer !== undefined) return value === auth.bearer;
    if (scheme === 'basic' && auth.basic !== undefined) {
      return Buffer.from(value, 'base64').toString('utf8') === auth.basic;
    }
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    let path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const query: Record<string, string> = {};
    for (const [k, v] of params) if (!(k in query)) query[k] = v;
    const headers: Record<string, string> = {};
    for (const h of LOGGED_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const entry: RecordedRequest = { method, path, query, headers, at: Date.now() };
    if (headers['authorization'] !== undefined) entry.authorization = headers['authorization'];
    if (headers['x-scope-orgid'] !== undefined) entry.scopeOrgId = headers['x-scope-orgid'];
    this.log(entry);

    // Absolute-form request targets (`GET http://host/path`) are legal HTTP; reduce them to a path.
    if (!path.startsWith('/')) {
      try {
        path = new URL(raw).pathname;
      } catch {
        path = '';
      }
    }
    let route: SimRoute | undefined;
    let badPath = path === '';
    if (!badPath) {
      try {
        route = this.route(path);
      } catch {
        badPath = true; // malformed percent-encoding
      }
    }
    if (route?.kind === 'query') this.queries++;

    let body: Buffer = Buffer.alloc(0);
    let bodyError: SimReply | undefined;
    if (method === 'GET' || method === 'HEAD') req.resume();
    else {
      try {
        body = await this.readBody(req);
        body = decompress(body, req.headers['content-encoding']);
      } catch (err) {
        if (this.stopped || req.destroyed) {
          res.destroy();
          return;
        }
        bodyError = err instanceof BodyTooLarge ? goError(413, 'request body too large') : goError(400, `cannot read request body: ${(err as Error).message}`);
      }
    }

    await this.waitTurn();
    if (this.stopped) {
      res.destroy();
      return;
    }

    if (badPath) return this.write(res, this.badPath());
    if (!this.authorised(req.headers.authorization)) return this.write(res, this.unauthorized());
    if (route === undefined) return this.write(res, this.notFound(path));
    const allowed = route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'));
    if (!allowed) return this.write(res, this.methodNotAllowed(route));
    if (bodyError !== undefined) return this.write(res, bodyError);
    const simReq: SimRequest = { method, path, params, headers: req.headers, body };
    const rejected = this.admit(route, simReq);
    if (rejected !== undefined) return this.write(res, rejected);

    if (route.kind !== 'query') return this.write(res, route.handle(simReq));
    const drip = this.dripped.shift();
    const script = this.scripted.shift();
    if (script !== undefined) return this.write(res, scriptedReply(route, script), drip);
    const big = this.oversized.shift();
    if (big !== undefined && route.oversize !== undefined) {
      const reply = jsonReply(200, route.oversize(big.bytes));
      if (big.chunked === true) reply.chunked = true;
      return this.write(res, reply, drip);
    }
    return this.write(res, route.handle(simReq), drip);
  }

  private write(res: ServerResponse, reply: SimReply, drip?: DripOptions): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const b = reply.body;
    const chunks: readonly Buffer[] = b === undefined ? [] : typeof b === 'string' ? [Buffer.from(b, 'utf8')] : Buffer.isBuffer(b) ? [b] : (b as readonly Buffer[]);
    res.statusCode = reply.status;
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.chunked === true) {
      res.removeHeader('Content-Length');
      res.setHeader('Transfer-Encoding', 'chunked');
    } else res.setHeader('Content-Length', byteLength(chunks));
    if (drip !== undefined && res.req.method !== 'HEAD') {
      this.drip(res, chunks, drip);
      return;
    }
    // Cached chunks are handed over by reference (no copy); the socket drains them in order.
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) res.write(chunks[i] as Buffer);
    res.end(last >= 0 ? chunks[last] : undefined);
  }

  /** Sends headers now and the body `bytesPerChunk` bytes at a time, every `intervalMs`. */
  private drip(res: ServerResponse, chunks: readonly Buffer[], opts: DripOptions): void {
    res.flushHeaders();
    let ci = 0;
    let off = 0;
    const next = (): void => {
      if (res.destroyed || this.stopped) return;
      const parts: Buffer[] = [];
      let want = opts.bytesPerChunk;
      while (want > 0 && ci < chunks.length) {
        const c = chunks[ci] as Buffer;
        const take = Math.min(want, c.length - off);
        parts.push(c.subarray(off, off + take));
        off += take;
        want -= take;
        if (off >= c.length) {
          ci++;
          off = 0;
        }
      }
      if (parts.length > 0) res.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
      if (ci >= chunks.length) {
        res.end();
        return;
      }
      const t = setTimeout(() => {
        this.dripTimers.delete(t);
        next();
      }, opts.intervalMs);
      this.dripTimers.add(t);
    };
    next();
  }
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return body;
  if (e === 'gzip') return gunzipSync(body, { maxOutputLength: MAX_BODY });
  if (e === 'deflate') return inflateSync(body, { maxOutputLength: MAX_BODY });
  throw new Error(`unsupported Content-Encoding ${e}`);
}

function scriptedReply(route: SimRoute, reply: ScriptedReply): SimReply {
  let out: SimReply;
  if (reply.body === undefined) out = route.error(reply.status, STATUS_CODES[reply.status] ?? 'Error');
  else if (typeof reply.body === 'string') out = { status: reply.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: reply.body };
  else if (reply.body instanceof Uint8Array) {
    const buf = Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
    out = { status: reply.status, headers: { 'Content-Type': 'application/octet-stream' }, body: buf };
  } else out = jsonReply(reply.status, JSON.stringify(reply.body));
  return { ...out, status: reply.status, headers: { ...out.headers, ...reply.headers } };
}
