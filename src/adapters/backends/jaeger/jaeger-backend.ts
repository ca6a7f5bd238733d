import type { TraceRef } from '../../../domain/types.js';
import type { JaegerBackendConfig } from '../backend-config.js';
import type { BackendModule } from '../backend-module.js';
import { authHeaders } from '../http/get-trace-reply.js';
import { listed, probeUrl } from '../http/probe-url.js';
import { createJaegerApi } from './jaeger-api.js';
import { parseJaegerLink } from './parse-jaeger-link.js';

const NOT_FOUND = 'Jaeger has no trace with this id: it may have expired from storage, or was not sampled.';

/** Jaeger (v1 and v2 query service): one grant covers the whole backend. */
export const jaegerBackend: BackendModule<JaegerBackendConfig> = {
  kind: 'jaeger',
  product: 'Jaeger',
  recogniser(config) {
    return (url) => {
      const link = parseJaegerLink(url, config.uiUrl);
      if (link === undefined) return undefined;
      const ref: TraceRef = { url, backendId: config.id, lookup: { kind: 'trace', traceId: link.traceId }, display: { product: 'Jaeger', notFound: NOT_FOUND } };
      return link.selectedSpanId === undefined ? ref : { ...ref, selectedSpanPrefix: link.selectedSpanId };
    };
  },
  client(config, http) {
    const api = createJaegerApi({ apiUrl: config.apiUrl, auth: config.auth, asked: { backendId: config.id, product: 'Jaeger' }, fix: credentialsFix(config) }, http);
    return { fetchTrace: (ref) => api.fetchTrace(ref.lookup.kind === 'trace' ? ref.lookup.traceId : '') };
  },
  domains: (config) => [new URL(config.uiUrl).hostname],
  probe: (config, http) =>
    probeUrl(`${config.apiUrl.replace(/\/+$/, '')}/api/services`, authHeaders(config.auth), { backendId: config.id, product: 'Jaeger' }, http, {
      what: "a Jaeger query service (the API Jaeger UI uses, port 16686)",
      credentials: config.auth?.from ?? 'the Jaeger API (no credentials are configured)',
      describe: (json) => (Array.isArray((json as { data?: unknown })?.data) ? listed((json as { data: unknown[] }).data, 'service') : undefined),
    }),
};

function credentialsFix(config: JaegerBackendConfig): string {
  return config.auth === undefined ? `Backend "${config.id}" sends no credentials; if a proxy guards ${config.apiUrl}, set tokenEnv or basicAuthEnv for it.` : `Check ${config.auth.from} (backend "${config.id}").`;
}
