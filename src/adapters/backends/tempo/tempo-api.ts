import type { FetchTraceResult } from '../../../domain/ports.js';
import type { BackendAuth } from '../backend-config.js';
import { authHeaders, bodyText, parseJson, type Asked, type TraceHttp, type TraceReply } from '../http/get-trace-reply.js';
import { createVersionedTraceApi } from '../http/versioned-trace-api.js';
import { decodeOtlpTrace, unwrapTempoV2 } from '../otlp/decode-otlp-trace.js';

export interface TempoApiOptions {
  readonly apiUrl: string;
  readonly tenant?: string;
  readonly auth?: BackendAuth;
  readonly asked: Asked;
  readonly fix: string;
}

/** After a Tempo turned out to lack the v2 API, ask it again this much later (it may be upgraded). */
const V2_RECHECK_MS = 10 * 60_000;

/**
 * Grafana Tempo's query API (trace-backends.md §3): `GET /api/v2/traces/{id}` first
 * (`{"trace":{resourceSpans},"status":"PARTIAL"}` when Tempo had to cut the trace), then the older
 * `GET /api/traces/{id}` (`{"batches":[…]}`) when v2 is absent — a 404 on the route (Go's plain
 * `404 page not found`), not Tempo's own "trace not found". Both encode ids in base64 and enums as
 * names (gogo jsonpb). A tenant goes in `X-Scope-OrgID` (Tempo's multi-tenancy docs).
 */
export function createTempoApi(options: TempoApiOptions, http: TraceHttp): { fetchTrace(traceId: string): Promise<FetchTraceResult> } {
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(options.auth) };
  if (options.tenant !== undefined) headers['x-scope-orgid'] = options.tenant;
  return createVersionedTraceApi(
    {
      asked: options.asked,
      fix: options.fix,
      headers,
      newer: {
        url: (id) => `${base}/api/v2/traces/${encodeURIComponent(id)}`,
        decode: (reply) => {
          const { trace, partial } = unwrapTempoV2(parseJson(reply, options.asked));
          const decoded = decodeOtlpTrace(trace);
          return partial === undefined ? decoded : { ...decoded, partial };
        },
        routeAbsent: isRouteAbsent,
      },
      older: { url: (id) => `${base}/api/traces/${encodeURIComponent(id)}`, decode: (reply) => decodeOtlpTrace(parseJson(reply, options.asked)) },
      recheckMs: V2_RECHECK_MS,
    },
    http,
  );
}

/** Go's default mux answers unknown routes with exactly this text. */
function isRouteAbsent(reply: TraceReply): boolean {
  return bodyText(reply, 40).trim() === '404 page not found';
}
