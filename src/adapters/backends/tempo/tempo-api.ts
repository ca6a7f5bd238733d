import type { FetchTraceResult } from '../../../domain/ports.js';
import type { BackendAuth } from '../backend-config.js';
import { authHeaders, bodyText, getTraceReply, parseJson, statusError, withQuickRetry, type Asked, type TraceHttp, type TraceReply } from '../http/get-trace-reply.js';
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
  const { asked } = options;
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(options.auth) };
  if (options.tenant !== undefined) headers['x-scope-orgid'] = options.tenant;
  let v2AbsentAt = -Infinity;

  const get = (url: string): Promise<TraceReply> =>
    withQuickRetry(asked, http, async () => {
      const reply = await getTraceReply(url, headers, asked, http);
      if (reply.status >= 500) throw statusError(reply, asked, options.fix);
      return reply;
    });

  const v1 = async (traceId: string): Promise<FetchTraceResult> => {
    const reply = await get(`${base}/api/traces/${encodeURIComponent(traceId)}`);
    if (reply.status === 200) return { kind: 'found', trace: decodeOtlpTrace(parseJson(reply, asked)) };
    if (reply.status === 404) return { kind: 'not_found' };
    throw statusError(reply, asked, options.fix);
  };

  return {
    async fetchTrace(traceId) {
      if (performance.now() - v2AbsentAt < V2_RECHECK_MS) return v1(traceId);
      const reply = await get(`${base}/api/v2/traces/${encodeURIComponent(traceId)}`);
      if (reply.status === 200) {
        const { trace, partial } = unwrapTempoV2(parseJson(reply, asked));
        const decoded = decodeOtlpTrace(trace);
        return { kind: 'found', trace: partial === undefined ? decoded : { ...decoded, partial } };
      }
      if (reply.status === 404) {
        if (!isRouteAbsent(reply)) return { kind: 'not_found' };
        v2AbsentAt = performance.now();
        return v1(traceId);
      }
      throw statusError(reply, asked, options.fix);
    },
  };
}

/** Go's default mux answers unknown routes with exactly this text. */
function isRouteAbsent(reply: TraceReply): boolean {
  return bodyText(reply, 40).trim() === '404 page not found';
}
