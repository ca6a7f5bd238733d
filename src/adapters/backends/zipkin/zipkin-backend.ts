import type { TraceRef } from '../../../domain/types.js';
import type { ZipkinBackendConfig } from '../backend-config.js';
import type { BackendModule } from '../backend-module.js';
import { authHeaders } from '../http/get-trace-reply.js';
import { listed, probeUrl } from '../http/probe-url.js';
import { parseZipkinLink } from './parse-zipkin-link.js';
import { createZipkinApi } from './zipkin-api.js';

const NOT_FOUND = 'Zipkin has no trace with this id: it may have expired from storage, or was not sampled.';

/** Zipkin: one grant covers the whole backend. */
export const zipkinBackend: BackendModule<ZipkinBackendConfig> = {
  kind: 'zipkin',
  product: 'Zipkin',
  recogniser(config) {
    return (url) => {
      const link = parseZipkinLink(url, config.uiUrl);
      if (link === undefined) return undefined;
      const ref: TraceRef = { url, backendId: config.id, lookup: { kind: 'trace', traceId: link.traceId }, display: { product: 'Zipkin', notFound: NOT_FOUND } };
      return link.selectedSpanId === undefined ? ref : { ...ref, selectedSpanPrefix: link.selectedSpanId };
    };
  },
  client(config, http) {
    const fix = config.auth === undefined ? `Backend "${config.id}" sends no credentials; if a proxy guards ${config.apiUrl}, set tokenEnv or basicAuthEnv for it.` : `Check ${config.auth.from} (backend "${config.id}").`;
    const api = createZipkinApi({ apiUrl: config.apiUrl, auth: config.auth, asked: { backendId: config.id, product: 'Zipkin' }, fix }, http);
    return { fetchTrace: (ref) => api.fetchTrace(ref.lookup.kind === 'trace' ? ref.lookup.traceId : '') };
  },
  domains: (config) => [new URL(config.uiUrl).hostname],
  probe: (config, http) =>
    probeUrl(`${config.apiUrl.replace(/\/+$/, '')}/api/v2/services`, authHeaders(config.auth), { backendId: config.id, product: 'Zipkin' }, http, {
      what: 'a Zipkin server (its v2 API, port 9411)',
      credentials: config.auth?.from ?? 'the Zipkin API (no credentials are configured)',
      describe: (json) => (Array.isArray(json) ? listed(json, 'service') : undefined),
    }),
};
