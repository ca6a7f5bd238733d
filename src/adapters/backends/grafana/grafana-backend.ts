import type { FetchTraceResult } from '../../../domain/ports.js';
import type { TraceRef } from '../../../domain/types.js';
import type { GrafanaBackendConfig, GrafanaDatasourceConfig } from '../backend-config.js';
import type { BackendModule, ProbeResult } from '../backend-module.js';
import { authHeaders, type Asked, type TraceHttp } from '../http/get-trace-reply.js';
import { listed, probeUrl } from '../http/probe-url.js';
import { createJaegerApi } from '../jaeger/jaeger-api.js';
import { createTempoApi } from '../tempo/tempo-api.js';
import { createZipkinApi } from '../zipkin/zipkin-api.js';
import { parseGrafanaLink } from './parse-grafana-link.js';

const PRODUCT = { tempo: 'Tempo', jaeger: 'Jaeger', zipkin: 'Zipkin' } as const;

/**
 * Grafana Explore links to a trace (trace-backends.md §3, "Grafana Explore URLs"). The pane's
 * datasource uid picks, by configuration, the Tempo, Jaeger or Zipkin API the trace is read from;
 * each datasource is a grant scope (`grafana/tempo-prod`). A datasource that is not configured is
 * not a link lsslack can fetch, so it is not recognised at all.
 */
export const grafanaBackend: BackendModule<GrafanaBackendConfig> = {
  kind: 'grafana',
  product: 'Grafana',
  recogniser(config) {
    const byName = new Map<string, string>();
    for (const [uid, ds] of Object.entries(config.datasources)) if (ds.name !== undefined) byName.set(ds.name, uid);
    return (url) => {
      const link = parseGrafanaLink(url, config.url);
      if (link === undefined || link.datasource === undefined) return undefined;
      const uid = Object.hasOwn(config.datasources, link.datasource) ? link.datasource : byName.get(link.datasource);
      if (uid === undefined) return undefined;
      const ds = config.datasources[uid]!;
      const ref: TraceRef = {
        url,
        backendId: config.id,
        scope: uid,
        lookup: { kind: 'trace', traceId: link.traceId },
        display: { product: 'Grafana', where: `datasource ${uid}`, notFound: `${PRODUCT[ds.kind]} has no trace with this id: it may have expired, or not reached ${PRODUCT[ds.kind]} yet.` },
      };
      return link.selectedSpanId === undefined ? ref : { ...ref, selectedSpanPrefix: link.selectedSpanId };
    };
  },
  client(config, http) {
    const apis = new Map<string, { fetchTrace(traceId: string): Promise<FetchTraceResult> }>();
    for (const [uid, ds] of Object.entries(config.datasources)) apis.set(uid, apiFor(config, uid, ds, http));
    return {
      async fetchTrace(ref) {
        const api = ref.scope === undefined ? undefined : apis.get(ref.scope);
        if (api === undefined || ref.lookup.kind !== 'trace') return { kind: 'not_found' };
        return api.fetchTrace(ref.lookup.traceId);
      },
    };
  },
  domains: (config) => [new URL(config.url).hostname],
  async probe(config, http) {
    const results = await Promise.all(Object.entries(config.datasources).map(async ([uid, ds]) => ({ uid, result: await probeDatasource(config, uid, ds, http) })));
    const failed = results.find((r) => !r.result.ok);
    if (failed !== undefined && !failed.result.ok) return { ok: false, detail: `datasource ${failed.uid}: ${failed.result.detail}`, fix: failed.result.fix };
    return { ok: true, detail: results.map((r) => `${r.uid}: ${r.result.detail}`).join('; ') || 'no datasources configured' };
  },
};

function askedFor(config: GrafanaBackendConfig, uid: string, ds: GrafanaDatasourceConfig): Asked {
  return { backendId: config.id, product: `${PRODUCT[ds.kind]} (${config.id}/${uid})` };
}

function fixFor(config: GrafanaBackendConfig, uid: string, ds: GrafanaDatasourceConfig): string {
  return ds.auth === undefined
    ? `Datasource "${uid}" of backend "${config.id}" sends no credentials; set tokenEnv or basicAuthEnv for it if ${ds.apiUrl} needs them (Grafana Cloud does).`
    : `Check ${ds.auth.from} (datasource "${uid}" of backend "${config.id}").`;
}

function apiFor(config: GrafanaBackendConfig, uid: string, ds: GrafanaDatasourceConfig, http: TraceHttp): { fetchTrace(traceId: string): Promise<FetchTraceResult> } {
  const common = { apiUrl: ds.apiUrl, auth: ds.auth, asked: askedFor(config, uid, ds), fix: fixFor(config, uid, ds) };
  switch (ds.kind) {
    case 'tempo':
      return createTempoApi({ ...common, tenant: ds.tenant }, http);
    case 'jaeger':
      return createJaegerApi(common, http);
    case 'zipkin':
      return createZipkinApi(common, http);
  }
}

function probeDatasource(config: GrafanaBackendConfig, uid: string, ds: GrafanaDatasourceConfig, http: TraceHttp): Promise<ProbeResult> {
  const base = ds.apiUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = authHeaders(ds.auth);
  const credentials = ds.auth?.from ?? `datasource ${uid} (no credentials are configured)`;
  switch (ds.kind) {
    case 'tempo':
      if (ds.tenant !== undefined) headers['x-scope-orgid'] = ds.tenant;
      return probeUrl(`${base}/ready`, headers, askedFor(config, uid, ds), http, { what: 'a Tempo query frontend (port 3200)', credentials, describe: (_json, text) => (text.trim().toLowerCase().startsWith('ready') ? `Tempo ready${ds.tenant === undefined ? '' : `, tenant ${ds.tenant}`}` : undefined) });
    case 'jaeger':
      return probeUrl(`${base}/api/services`, headers, askedFor(config, uid, ds), http, { what: 'a Jaeger query service', credentials, describe: (json) => (Array.isArray((json as { data?: unknown })?.data) ? listed((json as { data: unknown[] }).data, 'service') : undefined) });
    case 'zipkin':
      return probeUrl(`${base}/api/v2/services`, headers, askedFor(config, uid, ds), http, { what: 'a Zipkin server', credentials, describe: (json) => (Array.isArray(json) ? listed(json, 'service') : undefined) });
  }
}
