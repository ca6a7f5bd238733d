/**
 * A loopback simulator of a Zipkin server's v2 HTTP API, for tests and benchmarks.
 *
 * It speaks the real wire protocol (zipkin2-api.yaml): `GET /api/v2/trace/{traceId}` answers a
 * JSON array of v2 spans in no particular order, `GET /api/v2/services` the service names,
 * `POST /api/v2/spans` ingests JSON_V2 span lists as @opentelemetry/exporter-zipkin sends them.
 * Shares no code with the product: only node built-ins and sibling simulator modules are imported.
 */
import type { SimTrace } from '../lightstep/generate-trace.js';
import { FillerCache, fillerBody } from '../otlp-sim/filler.js';
import { HttpSimulatorBase, jsonReply, normaliseBasePath, pathSegments, stripBasePath } from '../otlp-sim/http-sim.js';
import type { BaseSimulatorOptions, SimReply, SimRequest, SimRoute, TraceBackendSimulator } from '../otlp-sim/http-sim.js';
import { TraceStore, cachedBody, toStoredTrace, traceKey } from '../otlp-sim/model.js';
import type { StoredTrace } from '../otlp-sim/model.js';
import { ZipkinDecodeError, decodeZipkinSpans, serialiseZipkinTrace } from './zipkin-json.js';

/** Options for {@link startZipkinSimulator}. */
export interface ZipkinSimulatorOptions extends BaseSimulatorOptions {
  /** Prefix of every route, e.g. `/zipkin` behind a reverse proxy. Default none. */
  basePath?: string;
  /**
   * Serve each server child of a client span (other service) as a `shared: true` span with the
   * client's id, as B3-propagating instrumentation reports it. Default false.
   */
  sharedSpans?: boolean;
  /**
   * Reject upper-case hex ids with 400 like the real server (`... should be lower-hex encoded
   * with no prefix`). Default false: ids in any case are accepted and lowercased.
   */
  strictLowerHex?: boolean;
}

/** A running Zipkin simulator; see {@link startZipkinSimulator}. */
export interface ZipkinSimulator extends TraceBackendSimulator {
  /** Normalised base path (`''` or `/prefix`). */
  readonly basePath: string;
  /** `${url}${basePath}`: prefix of all routes. */
  readonly apiUrl: string;
  /** `${url}${basePath}/api/v2/spans`: where exporters POST spans. */
  readonly ingestUrl: string;
  /**
   * Stores a trace, replacing one with the same id. `traceId` (1..32 hex) overrides
   * `trace.traceId`. Treated as immutable afterwards (bodies are cached).
   */
  addTrace(trace: SimTrace, traceId?: string): void;
  /** Forgets a trace (16- or 32-hex id). */
  removeTrace(traceId: string): void;
  /** The stored trace (also ingested ones), or undefined. */
  getTrace(traceId: string): StoredTrace | undefined;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/** Armeria (Zipkin's HTTP server) answers errors with a short text body. */
function textReply(status: number, body: string, headers: Record<string, string> = {}): SimReply {
  return { status, headers: { ...TEXT, ...headers }, body };
}

function statusText(status: number, reason: string): SimReply {
  return textReply(status, `${status} ${reason}`);
}

class ZipkinSim extends HttpSimulatorBase implements ZipkinSimulator {
  readonly basePath: string;
  private readonly sharedSpans: boolean;
  private readonly strict: boolean;
  private readonly store = new TraceStore();
  private readonly fillers = new FillerCache();
  private readonly servicesRoute: SimRoute;
  private readonly healthRoute: SimRoute;
  private readonly ingestRoute: SimRoute;

  constructor(options: ZipkinSimulatorOptions) {
    super(options);
    this.basePath = normaliseBasePath(options.basePath);
    this.sharedSpans = options.sharedSpans ?? false;
    this.strict = options.strictLowerHex ?? false;
    const error = (status: number, message: string): SimReply => textReply(status, message);
    this.servicesRoute = {
      kind: 'other',
      methods: ['GET'],
      // Zipkin lists lowercased service names, sorted.
      handle: () => jsonReply(200, JSON.stringify([...new Set(this.store.services().filter((s) => s !== '').map((s) => s.toLowerCase()))].sort())),
      error,
    };
    this.healthRoute = {
      kind: 'other',
      methods: ['GET'],
      handle: () => jsonReply(200, JSON.stringify({ status: 'UP', zipkin: { status: 'UP', details: { 'InMemoryStorage{}': { status: 'UP' } } } })),
      error,
    };
    // GET lists span names of a service (zipkin2-api `/spans`); POST is the collector endpoint.
    this.ingestRoute = { kind: 'ingest', methods: ['GET', 'POST'], handle: (req) => (req.method === 'POST' ? this.ingest(req) : this.spanNames(req)), error };
  }

  get apiUrl(): string {
    return `${this.url}${this.basePath}`;
  }

  get ingestUrl(): string {
    return `${this.apiUrl}/api/v2/spans`;
  }

  addTrace(trace: SimTrace, traceId?: string): void {
    this.store.add(trace, traceId);
  }

  removeTrace(traceId: string): void {
    this.store.remove(traceId);
  }

  getTrace(traceId: string): StoredTrace | undefined {
    const key = traceKey(traceId);
    const e = key === undefined ? undefined : this.store.get(key);
    return e === undefined ? undefined : toStoredTrace(e);
  }

  protected route(path: string): SimRoute | undefined {
    const rel = stripBasePath(path, this.basePath);
    if (rel === undefined) return undefined;
    if (rel === '/health') return this.healthRoute;
    const segs = pathSegments(rel);
    if (segs[0] !== 'api' || segs[1] !== 'v2') return undefined;
    if (segs.length === 3 && segs[2] === 'services') return this.servicesRoute;
    if (segs.length === 3 && segs[2] === 'spans') return this.ingestRoute;
    if (segs.length === 4 && segs[2] === 'trace' && segs[3] !== '') return this.traceRoute(segs[3] as string);
    return undefined;
  }

  protected notFound(): SimReply {
    return statusText(404, 'Not Found');
  }

  protected unauthorized(): SimReply {
    // Zipkin has no auth of its own: this is the reverse proxy in front of it.
    return textReply(401, '401 Unauthorized', { 'WWW-Authenticate': 'Basic realm="zipkin"' });
  }

  protected methodNotAllowed(): SimReply {
    return statusText(405, 'Method Not Allowed');
  }

  private traceRoute(rawId: string): SimRoute {
    return {
      kind: 'query',
      methods: ['GET'],
      handle: () => this.trace(rawId),
      error: (status, message) => textReply(status, message),
      oversize: (bytes) => this.fillers.get('zipkin', bytes, () => fillerBody(bytes, (t) => serialiseZipkinTrace(t.traceId.padStart(32, '0'), t.spans))),
    };
  }

  /** Zipkin's `Span.normalizeTraceId`: 1..32 hex, left-padded to 16 or 32; a 32-hex id with a zero high half is the 16-hex one. */
  private trace(rawId: string): SimReply {
    if (rawId.length > 32) return textReply(400, 'traceId.length > 32');
    if (this.strict && /[A-F]/.test(rawId)) return textReply(400, `${rawId} should be lower-hex encoded with no prefix`);
    const key = traceKey(rawId);
    if (key === undefined) return textReply(400, `${rawId} should be lower-hex encoded with no prefix`);
    if (/^0+$/.test(key)) return textReply(400, 'traceId is all zeros');
    const entry = this.store.get(key);
    if (entry === undefined) return textReply(404, `${rawId.toLowerCase()} not found`);
    const format = this.sharedSpans ? 'zipkin-shared' : 'zipkin';
    return jsonReply(200, cachedBody(entry, format, () => serialiseZipkinTrace(entry.key, entry.spans, { sharedSpans: this.sharedSpans })));
  }

  private spanNames(req: SimRequest): SimReply {
    const service = (req.params.get('serviceName') ?? '').toLowerCase();
    const names = new Set<string>();
    for (const key of this.store.keys()) {
      for (const s of this.store.get(key)?.spans ?? []) if (s.service.toLowerCase() === service && s.operation !== '') names.add(s.operation.toLowerCase());
    }
    return jsonReply(200, JSON.stringify([...names].sort()));
  }

  private ingest(req: SimRequest): SimReply {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      // The real collector also takes thrift and proto3; this simulator decodes JSON only.
      return textReply(415, `Unsupported Content-Type ${type ?? ''}: the simulator decodes application/json (JSON_V2) only`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return textReply(400, `Malformed reading List<Span> from json: ${(err as Error).message}`);
    }
    let byTrace;
    try {
      byTrace = decodeZipkinSpans(parsed, !this.strict);
    } catch (err) {
      if (err instanceof ZipkinDecodeError) return textReply(400, err.message);
      throw err;
    }
    for (const [key, spans] of byTrace) this.store.merge(key, spans);
    // Zipkin accepts spans asynchronously: 202 with an empty body.
    return { status: 202, body: '' };
  }
}

/**
 * Starts a Zipkin v2 API simulator on loopback.
 *
 * Routes (all under `basePath`; unknown paths → 404 `404 Not Found`):
 * - `GET /api/v2/trace/{traceId}`: JSON array of spans (shuffled); unknown → 404 `{id} not found`.
 * - `GET /api/v2/services`, `GET /health`: health probes.
 * - `POST /api/v2/spans`: JSON_V2 ingest → 202.
 */
export async function startZipkinSimulator(options: ZipkinSimulatorOptions = {}): Promise<ZipkinSimulator> {
  const sim = new ZipkinSim(options);
  await sim.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return sim;
}
