/**
 * A loopback simulator of the Jaeger query service (Jaeger v2, or an older v1 without api/v3)
 * plus its OTLP/HTTP receiver, for tests and benchmarks.
 *
 * It speaks the real wire protocols: the internal HTTP JSON API Jaeger UI uses
 * (`/api/traces/{id}`), the api/v3 HTTP gateway returning OTLP/JSON (`/api/v3/traces/{id}`),
 * Go-style error and 404 bodies, and OTLP/HTTP JSON ingest (`POST /v1/traces`). See the Jaeger
 * docs "APIs" page (api/v3 and the internal HTTP JSON API). Shares no code with the product: only
 * node built-ins and sibling simulator modules are imported.
 */
import type { SimTrace } from '../lightstep/generate-trace.js';
import { ChunkWriter } from '../otlp-sim/json-chunks.js';
import { FillerCache, fillerBody } from '../otlp-sim/filler.js';
import { HttpSimulatorBase, goError, jsonReply, normaliseBasePath, pathSegments, stripBasePath } from '../otlp-sim/http-sim.js';
import type { BaseSimulatorOptions, SimReply, SimRequest, SimRoute, TraceBackendSimulator } from '../otlp-sim/http-sim.js';
import { TraceStore, base64ToHex, cachedBody, toStoredTrace, traceKey } from '../otlp-sim/model.js';
import type { StoredTrace, TraceEntry } from '../otlp-sim/model.js';
import { handleOtlpIngest } from '../otlp-sim/otlp-ingest.js';
import { COLLECTOR_STYLE, writeResourceSpans } from '../otlp-sim/otlp-json.js';
import { serialiseJaegerV1 } from './jaeger-v1.js';

/** Options for {@link startJaegerSimulator}. */
export interface JaegerSimulatorOptions extends BaseSimulatorOptions {
  /** Query base path (Jaeger's `base_path`), e.g. `/jaeger`. Default none. The OTLP receiver is not under it. */
  basePath?: string;
  /** Serve api/v3 (Jaeger v2). `false` simulates an older Jaeger whose mux has no such route. Default true. */
  apiV3?: boolean;
}

/** A running Jaeger simulator; see {@link startJaegerSimulator}. */
export interface JaegerSimulator extends TraceBackendSimulator {
  /** Normalised base path (`''` or `/prefix`). */
  readonly basePath: string;
  /** `${url}${basePath}`: prefix of the query routes. */
  readonly queryUrl: string;
  /** OTLP/HTTP traces endpoint, `${url}/v1/traces`. */
  readonly ingestUrl: string;
  /**
   * Stores a trace, replacing one with the same id. `traceId` (1..32 hex) overrides
   * `trace.traceId`, e.g. to store a 128-bit id. Treated as immutable afterwards (bodies are cached).
   */
  addTrace(trace: SimTrace, traceId?: string): void;
  /** Forgets a trace (16- or 32-hex id), e.g. to simulate retention expiry. */
  removeTrace(traceId: string): void;
  /** The stored trace (also ingested ones), or undefined. */
  getTrace(traceId: string): StoredTrace | undefined;
}

/** v1 structured error body (`structuredResponse` with one error). */
function v1Error(status: number, msg: string): SimReply {
  return goError(status, JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] }));
}

/** api/v3 errors are grpc-gateway style JSON written with Go's http.Error (text/plain). */
function v3Error(status: number, message: string): SimReply {
  return goError(status, JSON.stringify({ error: { httpCode: status, message } }));
}

/** Jaeger's model.TraceIDFromString: up to 32 hex digits, any case. */
function parseHexTraceId(raw: string): { key: string } | { error: string } {
  if (raw.length > 32) return { error: `TraceID cannot be longer than 32 hex characters: ${raw}` };
  const key = traceKey(raw);
  return key === undefined ? { error: `strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax` } : { key };
}

/** api/v3 also accepts base64 (std or URL alphabet, padded or not) of 16 or 8 id bytes. */
function parseV3TraceId(raw: string): { key: string } | { error: string } {
  const hex = parseHexTraceId(raw);
  if ('key' in hex || raw.length > 24) return hex;
  const b = base64ToHex(raw, 16) ?? base64ToHex(raw, 8);
  return b === undefined ? hex : { key: b.padStart(32, '0') };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const GO_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

class JaegerSim extends HttpSimulatorBase implements JaegerSimulator {
  readonly basePath: string;
  private readonly apiV3: boolean;
  private readonly store = new TraceStore();
  private readonly fillers = new FillerCache();
  private readonly routes: Record<'v1Services' | 'v3Services' | 'ingest', SimRoute>;

  constructor(options: JaegerSimulatorOptions) {
    super(options);
    this.basePath = normaliseBasePath(options.basePath);
    this.apiV3 = options.apiV3 ?? true;
    this.routes = {
      v1Services: {
        kind: 'other',
        methods: ['GET'],
        handle: () => {
          const services = this.store.services();
          return jsonReply(200, JSON.stringify({ data: services, total: services.length, limit: 0, offset: 0, errors: null }));
        },
        error: v1Error,
      },
      v3Services: {
        kind: 'other',
        methods: ['GET'],
        handle: () => jsonReply(200, JSON.stringify({ services: this.store.services() })),
        error: v3Error,
      },
      ingest: {
        kind: 'ingest',
        methods: ['POST'],
        handle: (req) => handleOtlpIngest(req, (key, spans) => this.store.merge(key, spans)),
        error: (status, message) => jsonReply(status, JSON.stringify({ code: 2, message })),
      },
    };
  }

  get queryUrl(): string {
    return `${this.url}${this.basePath}`;
  }

  get ingestUrl(): string {
    return `${this.url}/v1/traces`;
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
    if (path === '/v1/traces') return this.routes.ingest;
    const rel = stripBasePath(path, this.basePath);
    if (rel === undefined) return undefined;
    const segs = pathSegments(rel);
    if (segs[0] !== 'api') return undefined;
    if (segs[1] === 'v3') {
      if (!this.apiV3) return undefined;
      if (segs.length === 3 && segs[2] === 'services') return this.routes.v3Services;
      if (segs.length === 4 && segs[2] === 'traces' && segs[3] !== '') return this.v3TraceRoute(segs[3] as string);
      return undefined;
    }
    if (segs.length === 2 && segs[1] === 'services') return this.routes.v1Services;
    if (segs.length === 3 && segs[1] === 'traces' && segs[2] !== '') return this.v1TraceRoute(segs[2] as string);
    return undefined;
  }

  protected notFound(): SimReply {
    // Go's default ServeMux answer: how a client tells "no such route" (e.g. no api/v3) from "no such trace".
    return goError(404, '404 page not found');
  }

  protected unauthorized(): SimReply {
    const r = goError(401, 'Unauthorized');
    return { ...r, headers: { ...r.headers, 'WWW-Authenticate': 'Bearer realm="jaeger"' } };
  }

  private v1TraceRoute(rawId: string): SimRoute {
    return {
      kind: 'query',
      methods: ['GET'],
      handle: (req) => this.v1Trace(req, rawId),
      error: v1Error,
      oversize: (bytes) => this.fillers.get('v1', bytes, () => fillerBody(bytes, (t) => serialiseJaegerV1(t.traceId.padStart(32, '0'), t.spans))),
    };
  }

  private v3TraceRoute(rawId: string): SimRoute {
    return {
      kind: 'query',
      methods: ['GET'],
      handle: (req) => this.v3Trace(req, rawId),
      error: v3Error,
      oversize: (bytes) => this.fillers.get('v3', bytes, () => fillerBody(bytes, (t) => serialiseV3(t.traceId.padStart(32, '0'), t.spans))),
    };
  }

  private lookup(key: string): TraceEntry | undefined {
    return this.store.get(key);
  }

  private v1Trace(req: SimRequest, rawId: string): SimReply {
    const id = parseHexTraceId(rawId);
    if ('error' in id) return v1Error(400, id.error);
    for (const p of ['start', 'end']) {
      const v = req.params.get(p);
      if (v !== null && v !== '' && !/^-?\d+$/.test(v)) {
        return v1Error(400, `unable to parse param '${p}': strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
      }
    }
    const raw = req.params.get('raw');
    if (raw !== null && raw !== '' && !GO_BOOL.has(raw)) return v1Error(400, `unable to parse param 'raw': strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
    const entry = this.lookup(id.key);
    if (entry === undefined) return v1Error(404, 'trace not found');
    return jsonReply(200, cachedBody(entry, 'jaeger-v1', () => serialiseJaegerV1(entry.key, entry.spans)));
  }

  private v3Trace(req: SimRequest, rawId: string): SimReply {
    const id = parseV3TraceId(rawId);
    if ('error' in id) return v3Error(400, `malformed parameter trace_id: ${id.error}`);
    // camelCase names are current; the snake_case ones are still accepted as deprecated aliases.
    for (const [name, legacy] of [
      ['startTime', 'start_time'],
      ['endTime', 'end_time'],
    ] as const) {
      const which = req.params.get(name) !== null && req.params.get(name) !== '' ? name : legacy;
      const v = req.params.get(which);
      if (v !== null && v !== '' && !(RFC3339.test(v) && !Number.isNaN(Date.parse(v)))) {
        return v3Error(400, `malformed parameter ${which}: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.999999999Z07:00": cannot parse`);
      }
    }
    for (const which of ['rawTraces', 'raw_traces']) {
      const v = req.params.get(which);
      if (v !== null && v !== '' && !GO_BOOL.has(v)) return v3Error(400, `malformed parameter ${which}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
    const entry = this.lookup(id.key);
    if (entry === undefined) return v3Error(404, 'trace not found');
    return jsonReply(200, cachedBody(entry, 'jaeger-v3', () => serialiseV3(entry.key, entry.spans)));
  }
}

/** `{"result":{"resourceSpans":[...]}}`: the api/v3 gateway's wrapper around collector OTLP/JSON. */
function serialiseV3(key: string, spans: TraceEntry['spans']): Buffer[] {
  const out = new ChunkWriter();
  out.write('{"result":{"resourceSpans":');
  writeResourceSpans(out, key, spans, COLLECTOR_STYLE);
  out.write('}}');
  return out.finish();
}

/**
 * Starts a Jaeger query-service simulator on loopback.
 *
 * Routes (query routes under `basePath`; unknown paths → Go's `404 page not found`):
 * - `GET /api/traces/{id}`: v1 JSON model; not found → 404 structured error.
 * - `GET /api/v3/traces/{id}` (unless `apiV3: false`): OTLP/JSON in `{"result":…}`; not found →
 *   404 `{"error":{"httpCode":404,"message":"trace not found"}}`.
 * - `GET /api/services`, `GET /api/v3/services`: service names (health probes).
 * - `POST /v1/traces` (not under basePath): OTLP/HTTP JSON ingest, merged into stored traces.
 */
export async function startJaegerSimulator(options: JaegerSimulatorOptions = {}): Promise<JaegerSimulator> {
  const sim = new JaegerSim(options);
  await sim.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return sim;
}
