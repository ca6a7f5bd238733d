/**
 * A loopback simulator of Grafana Tempo's HTTP API (query frontend plus the distributor's
 * OTLP/HTTP receiver), for tests and benchmarks.
 *
 * It speaks the real wire protocol described in Tempo's "Tempo HTTP API" docs: trace by id v1
 * (`/api/traces/{id}`, `{"batches":[…]}`) and v2 (`/api/v2/traces/{id}`,
 * `{"trace":{"resourceSpans":[…]},"status":"PARTIAL",…}`), both in Tempo's gogo-jsonpb flavour
 * of OTLP/JSON (base64 ids, enum names, int64 as strings, defaults omitted); multi-tenancy via
 * `X-Scope-OrgID` (`a|b` queries several tenants); `/ready`; OTLP/HTTP JSON ingest. Shares no
 * code with the product: only node built-ins and sibling simulator modules are imported.
 */
import type { SimTrace } from '../lightstep/generate-trace.js';
import { ChunkWriter, byteLength } from '../otlp-sim/json-chunks.js';
import { FillerCache, fillerBody } from '../otlp-sim/filler.js';
import { HttpSimulatorBase, goError, jsonReply, normaliseBasePath, pathSegments, stripBasePath } from '../otlp-sim/http-sim.js';
import type { BaseSimulatorOptions, SimReply, SimRequest, SimRoute, TraceBackendSimulator } from '../otlp-sim/http-sim.js';
import { TraceStore, cachedBody, toStoredTrace, traceKey } from '../otlp-sim/model.js';
import type { StoredSpan, StoredTrace, TraceEntry } from '../otlp-sim/model.js';
import { handleOtlpIngest } from '../otlp-sim/otlp-ingest.js';
import { writeResourceSpansEntries } from '../otlp-sim/otlp-json.js';
import type { OtlpJsonStyle } from '../otlp-sim/otlp-json.js';

/** Options for {@link startTempoSimulator}. */
export interface TempoSimulatorOptions extends BaseSimulatorOptions {
  /** Serve `/api/v2/traces/{id}` (Tempo 2.5+). `false` simulates an older Tempo without the route. Default true. */
  apiV2?: boolean;
  /** Require `X-Scope-OrgID` and keep traces per tenant (`multitenancy_enabled`). Default false. */
  multitenant?: boolean;
  /** Write the pre-OTLP-1.0 keys `instrumentationLibrarySpans`/`instrumentationLibrary` (older Tempo). Default false. */
  legacyScopeKey?: boolean;
  /** Tempo's `http_api_prefix`: prefix of the query routes and `/ready`. Default none. */
  basePath?: string;
  /**
   * Body of a trace-not-found 404. Default empty: Tempo's trace-by-id combiner answers 404 with no
   * body when every querier job found nothing.
   */
  notFoundBody?: string;
  /** Version reported by `/api/status/buildinfo`. Default `2.9.0` (`2.4.2` with `apiV2: false`). */
  version?: string;
}

/** Per-call tenant selection (multitenant mode). */
export interface TenantOption {
  /** Tenant (X-Scope-OrgID). Required in multitenant mode, ignored otherwise. */
  tenant?: string;
}

/** A running Tempo simulator; see {@link startTempoSimulator}. */
export interface TempoSimulator extends TraceBackendSimulator {
  readonly basePath: string;
  /** `${url}${basePath}`: prefix of the query routes. */
  readonly apiUrl: string;
  /** OTLP/HTTP traces endpoint, `${url}/v1/traces`. */
  readonly ingestUrl: string;
  readonly multitenant: boolean;
  /**
   * Stores a trace (in `options.tenant` when multitenant), replacing one with the same id.
   * `options.traceId` (1..32 hex) overrides `trace.traceId`. Treated as immutable afterwards.
   */
  addTrace(trace: SimTrace, options?: TenantOption & { traceId?: string }): void;
  removeTrace(traceId: string, options?: TenantOption): void;
  /** Makes v2 answers for this trace say `"status":"PARTIAL"` with `message` (v1 has no such field). */
  markPartial(traceId: string, message?: string, options?: TenantOption): void;
  /** Undoes {@link markPartial}. */
  markComplete(traceId: string, options?: TenantOption): void;
  /** The stored trace (also ingested ones), or undefined. */
  getTrace(traceId: string, options?: TenantOption): StoredTrace | undefined;
}

/** Tempo's tenant when multi-tenancy is disabled. */
const SINGLE_TENANT = 'single-tenant';
const DEFAULT_PARTIAL_MESSAGE = 'Trace exceeds maximum size of 5000000 bytes, a partial trace is returned';

const STYLE: OtlpJsonStyle = { ids: 'base64', enums: 'name' };
const LEGACY_STYLE: OtlpJsonStyle = { ids: 'base64', enums: 'name', legacyScopeKey: true };

interface Found {
  tenant: string;
  entry: TraceEntry;
}

class TempoSim extends HttpSimulatorBase implements TempoSimulator {
  readonly basePath: string;
  readonly multitenant: boolean;
  private readonly apiV2: boolean;
  private readonly style: OtlpJsonStyle;
  private readonly notFoundBody: string;
  private readonly version: string;
  private readonly stores = new Map<string, TraceStore>();
  /** tenant → trace key → partial message. */
  private readonly partial = new Map<string, Map<string, string>>();
  private readonly fillers = new FillerCache();
  private readonly fixed: Record<'ready' | 'echo' | 'buildinfo' | 'ingest', SimRoute>;

  constructor(options: TempoSimulatorOptions) {
    super(options);
    this.basePath = normaliseBasePath(options.basePath);
    this.multitenant = options.multitenant ?? false;
    this.apiV2 = options.apiV2 ?? true;
    this.style = options.legacyScopeKey === true ? LEGACY_STYLE : STYLE;
    this.notFoundBody = options.notFoundBody ?? '';
    this.version = options.version ?? (this.apiV2 ? '2.9.0' : '2.4.2');
    const error = (status: number, message: string): SimReply => goError(status, message);
    this.fixed = {
      // Tempo writes these with http.Error, hence the trailing newline.
      ready: { kind: 'other', methods: ['GET'], handle: () => goError(200, 'ready'), error },
      echo: { kind: 'other', methods: ['GET'], handle: () => ({ status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'echo' }), error },
      buildinfo: {
        kind: 'other',
        methods: ['GET'],
        handle: () => jsonReply(200, JSON.stringify({ version: this.version, revision: 'simulator', branch: 'HEAD', buildUser: '', buildDate: '', goVersion: 'go1.24.0' })),
        error,
      },
      ingest: {
        kind: 'ingest',
        methods: ['POST'],
        handle: (req) => handleOtlpIngest(req, (key, spans) => this.storeFor(this.requestTenants(req)[0] ?? SINGLE_TENANT).merge(key, spans)),
        error,
      },
    };
  }

  get apiUrl(): string {
    return `${this.url}${this.basePath}`;
  }

  get ingestUrl(): string {
    return `${this.url}/v1/traces`;
  }

  private tenantOf(options: TenantOption | undefined): string {
    if (!this.multitenant) return SINGLE_TENANT;
    const t = options?.tenant;
    if (t === undefined || t === '') throw new TypeError('multitenant Tempo simulator: pass { tenant }');
    return t;
  }

  private storeFor(tenant: string): TraceStore {
    let s = this.stores.get(tenant);
    if (s === undefined) this.stores.set(tenant, (s = new TraceStore()));
    return s;
  }

  addTrace(trace: SimTrace, options?: TenantOption & { traceId?: string }): void {
    this.storeFor(this.tenantOf(options)).add(trace, options?.traceId);
  }

  removeTrace(traceId: string, options?: TenantOption): void {
    this.stores.get(this.tenantOf(options))?.remove(traceId);
  }

  markPartial(traceId: string, message: string = DEFAULT_PARTIAL_MESSAGE, options?: TenantOption): void {
    const key = traceKey(traceId);
    if (key === undefined) throw new TypeError(`trace id must be 1..32 hex digits, got ${JSON.stringify(traceId)}`);
    const tenant = this.tenantOf(options);
    let m = this.partial.get(tenant);
    if (m === undefined) this.partial.set(tenant, (m = new Map()));
    m.set(key, message);
  }

  markComplete(traceId: string, options?: TenantOption): void {
    const key = traceKey(traceId);
    if (key !== undefined) this.partial.get(this.tenantOf(options))?.delete(key);
  }

  getTrace(traceId: string, options?: TenantOption): StoredTrace | undefined {
    const key = traceKey(traceId);
    const e = key === undefined ? undefined : this.stores.get(this.tenantOf(options))?.get(key);
    return e === undefined ? undefined : toStoredTrace(e);
  }

  /** Tenants named by the request: `X-Scope-OrgID`, `a|b` for a cross-tenant query. */
  private requestTenants(req: SimRequest): string[] {
    if (!this.multitenant) return [SINGLE_TENANT];
    const h = req.headers['x-scope-orgid'];
    const v = typeof h === 'string' ? h.trim() : '';
    return v === '' ? [] : [...new Set(v.split('|').map((t) => t.trim()).filter((t) => t !== ''))];
  }

  protected admit(route: SimRoute, req: SimRequest): SimReply | undefined {
    // With multi-tenancy enabled every API request needs X-Scope-OrgID (Tempo docs, "Enable
    // multi-tenancy"); the tenant middleware rejects it otherwise. /ready is not behind it.
    if (this.multitenant && route.kind !== 'other' && this.requestTenants(req).length === 0) return goError(401, 'no org id');
    return undefined;
  }

  protected route(path: string): SimRoute | undefined {
    if (path === '/v1/traces') return this.fixed.ingest;
    const rel = stripBasePath(path, this.basePath);
    if (rel === undefined) return undefined;
    if (rel === '/ready') return this.fixed.ready;
    const segs = pathSegments(rel);
    if (segs[0] !== 'api') return undefined;
    if (segs.length === 2 && segs[1] === 'echo') return this.fixed.echo;
    if (segs.length === 3 && segs[1] === 'status' && segs[2] === 'buildinfo') return this.fixed.buildinfo;
    if (segs.length === 3 && segs[1] === 'traces' && segs[2] !== '') return this.traceRoute(segs[2] as string, 1);
    if (this.apiV2 && segs.length === 4 && segs[1] === 'v2' && segs[2] === 'traces' && segs[3] !== '') return this.traceRoute(segs[3] as string, 2);
    return undefined;
  }

  protected notFound(): SimReply {
    // gorilla/mux's default: how a client tells "no such route" (e.g. no v2) from "no such trace".
    return goError(404, '404 page not found');
  }

  protected unauthorized(): SimReply {
    // Tempo has no auth of its own: this is the gateway in front of it (basic auth for hosted Tempo).
    const r = goError(401, 'Unauthorized');
    return { ...r, headers: { ...r.headers, 'WWW-Authenticate': 'Basic realm="tempo"' } };
  }

  private traceRoute(rawId: string, version: 1 | 2): SimRoute {
    const format = version === 1 ? 'v1' : 'v2';
    return {
      kind: 'query',
      methods: ['GET'],
      handle: (req) => this.trace(req, rawId, version),
      error: (status, message) => goError(status, message),
      oversize: (bytes) =>
        this.fillers.get(format, bytes, () =>
          fillerBody(bytes, (t) => {
            const key = t.traceId.padStart(32, '0');
            const entry: TraceEntry = { key, spans: t.spans, cache: new Map() };
            return version === 1 ? this.v1Body([{ tenant: '', entry }], false) : this.v2Body([{ tenant: '', entry }], false, []);
          }),
        ),
    };
  }

  private trace(req: SimRequest, rawId: string, version: 1 | 2): SimReply {
    const bad = /[^0-9a-fA-F]/.exec(rawId);
    if (bad !== null) {
      return goError(400, `trace IDs can only contain hex characters: invalid character '${bad[0]}' at position ${bad.index + 1}`);
    }
    const key = traceKey(rawId);
    if (key === undefined) return goError(400, "trace IDs can't be larger than 128 bits");
    for (const p of ['start', 'end']) {
      const v = req.params.get(p);
      if (v !== null && v !== '' && !/^\d+$/.test(v)) return goError(400, `invalid ${p}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
    const tenants = this.requestTenants(req);
    const found: Found[] = [];
    for (const tenant of tenants) {
      const entry = this.stores.get(tenant)?.get(key);
      if (entry !== undefined) found.push({ tenant, entry });
    }
    if (found.length === 0) return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: this.notFoundBody };
    // A cross-tenant query labels each resource with its tenant.
    const crossTenant = tenants.length > 1;
    if (version === 1) return jsonReply(200, this.v1Body(found, crossTenant));
    const messages: string[] = [];
    for (const f of found) {
      const m = this.partial.get(f.tenant)?.get(key);
      if (m !== undefined) messages.push(m);
    }
    return jsonReply(200, this.v2Body(found, crossTenant, messages));
  }

  /** `{"batches":[…]}`: Tempo's MarshalToJSONV1 renames the `resourceSpans` key, nothing else. */
  private v1Body(found: readonly Found[], crossTenant: boolean): Buffer[] {
    if (found.length === 1 && !crossTenant) {
      const entry = (found[0] as Found).entry;
      return cachedBody(entry, this.style.legacyScopeKey === true ? 'tempo-v1-legacy' : 'tempo-v1', () => this.render('{"batches":[', [entry], ']}'));
    }
    return this.render('{"batches":[', found.map((f) => f.entry), ']}', found);
  }

  /** `{"trace":{"resourceSpans":[…]},"metrics":{…},"status":"PARTIAL","message":"…"}` (TraceByIDResponse field order). */
  private v2Body(found: readonly Found[], crossTenant: boolean, partialMessages: readonly string[]): Buffer[] {
    let traceJson: Buffer[];
    if (found.length === 1 && !crossTenant) {
      const entry = (found[0] as Found).entry;
      traceJson = cachedBody(entry, this.style.legacyScopeKey === true ? 'tempo-v2-legacy' : 'tempo-v2', () => this.render('{"trace":{"resourceSpans":[', [entry], ']}'));
    } else traceJson = this.render('{"trace":{"resourceSpans":[', found.map((f) => f.entry), ']}', found);
    let tail = `,"metrics":{"inspectedBytes":"${byteLength(traceJson)}"}`;
    // PartialStatus COMPLETE is the proto default, so jsonpb omits status (and an empty message).
    if (partialMessages.length > 0) tail += `,"status":"PARTIAL","message":${JSON.stringify(partialMessages.join('; '))}`;
    return [...traceJson, Buffer.from(`${tail}}`, 'utf8')];
  }

  private render(prefix: string, entries: readonly TraceEntry[], suffix: string, labelled?: readonly Found[]): Buffer[] {
    const out = new ChunkWriter();
    out.write(prefix);
    let first = true;
    entries.forEach((entry, i) => {
      const tenant = labelled?.[i]?.tenant;
      const wrote = writeResourceSpansEntries(out, entry.key, entry.spans as StoredSpan[], this.style, first, tenant === undefined ? undefined : { tenant });
      if (wrote) first = false;
    });
    out.write(suffix);
    return out.finish();
  }
}

/**
 * Starts a Grafana Tempo API simulator on loopback.
 *
 * Routes (under `basePath`; unknown paths → `404 page not found`):
 * - `GET /api/traces/{id}`: `{"batches":[…]}`; unknown trace → 404 (empty body by default).
 * - `GET /api/v2/traces/{id}` (unless `apiV2: false`): `{"trace":{…},"metrics":{…}}` plus
 *   `status`/`message` for traces marked partial.
 * - `GET /ready` (`ready`), `GET /api/echo`, `GET /api/status/buildinfo`.
 * - `POST /v1/traces` (not under basePath): OTLP/HTTP JSON ingest into the X-Scope-OrgID tenant.
 * Multitenant mode: API requests without `X-Scope-OrgID` → 401 `no org id`.
 */
export async function startTempoSimulator(options: TempoSimulatorOptions = {}): Promise<TempoSimulator> {
  const sim = new TempoSim(options);
  await sim.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return sim;
}
