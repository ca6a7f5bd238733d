import type { FetchTraceResult } from '../../../domain/ports.js';
import type { BackendAuth } from '../backend-config.js';
import { authHeaders, getTraceReply, parseJson, statusError, withQuickRetry, type Asked, type TraceHttp, type TraceReply } from '../http/get-trace-reply.js';
import { decodeOtlpTrace, unwrapJaegerV3 } from '../otlp/decode-otlp-trace.js';
import { decodeJaegerTrace } from './decode-jaeger-trace.js';

export interface JaegerApiOptions {
  readonly apiUrl: string;
  readonly auth?: BackendAuth;
  readonly asked: Asked;
  /** What to tell the operator when the credentials are refused. */
  readonly fix: string;
}

/** After a query service turned out to lack the v3 API, ask it again this much later (it may be upgraded). */
const V3_RECHECK_MS = 10 * 60_000;

/**
 * Jaeger's query service (trace-backends.md §2): the v3 API first —
 * `GET {api}/api/v3/traces/{id}`, OTLP JSON inside `{"result":…}` (Jaeger v2) — and the v1 API
 * Jaeger UI itself uses, `GET {api}/api/traces/{id}` (Jaeger JSON), when v3 is absent. "Absent" is
 * a 404 on the route (Go's plain `404 page not found`), which is told apart from a 404 on the
 * trace by the v3 error body `{"error":{"httpCode":404,…}}`.
 */
export function createJaegerApi(options: JaegerApiOptions, http: TraceHttp): { fetchTrace(traceId: string): Promise<FetchTraceResult> } {
  const { asked } = options;
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers = { accept: 'application/json', ...authHeaders(options.auth) };
  let v3AbsentAt = -Infinity;

  const get = (url: string): Promise<TraceReply> =>
    withQuickRetry(asked, http, async () => {
      const reply = await getTraceReply(url, headers, asked, http);
      if (reply.status >= 500) throw statusError(reply, asked, options.fix);
      return reply;
    });

  const v1 = async (traceId: string): Promise<FetchTraceResult> => {
    const reply = await get(`${base}/api/traces/${encodeURIComponent(traceId)}`);
    if (reply.status === 200) return { kind: 'found', trace: decodeJaegerTrace(parseJson(reply, asked)) };
    if (reply.status === 404) return { kind: 'not_found' };
    throw statusError(reply, asked, options.fix);
  };

  return {
    async fetchTrace(traceId) {
      if (performance.now() - v3AbsentAt < V3_RECHECK_MS) return v1(traceId);
      const reply = await get(`${base}/api/v3/traces/${encodeURIComponent(traceId)}`);
      if (reply.status === 200) return { kind: 'found', trace: decodeOtlpTrace(unwrapJaegerV3(parseJson(reply, asked))) };
      if (reply.status === 404) {
        if (isV3NotFound(reply)) return { kind: 'not_found' };
        v3AbsentAt = performance.now();
        return v1(traceId);
      }
      throw statusError(reply, asked, options.fix);
    },
  };
}

/** The v3 API's own 404 (grpc-gateway error body): the route exists, the trace does not. */
function isV3NotFound(reply: TraceReply): boolean {
  try {
    const body = JSON.parse(reply.body.toString('utf8')) as { error?: { httpCode?: unknown; code?: unknown } };
    return typeof body?.error === 'object' && body.error !== null && (body.error.httpCode === 404 || body.error.code === 5);
  } catch {
    return false;
  }
}
