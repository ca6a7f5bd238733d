import type { FetchTraceResult } from '../../../domain/ports.js';
import type { BackendAuth } from '../backend-config.js';
import { authHeaders, parseJson, type Asked, type TraceHttp, type TraceReply } from '../http/get-trace-reply.js';
import { createVersionedTraceApi } from '../http/versioned-trace-api.js';
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
  const base = options.apiUrl.replace(/\/+$/, '');
  return createVersionedTraceApi(
    {
      asked: options.asked,
      fix: options.fix,
      headers: { accept: 'application/json', ...authHeaders(options.auth) },
      newer: {
        url: (id) => `${base}/api/v3/traces/${encodeURIComponent(id)}`,
        decode: (reply) => decodeOtlpTrace(unwrapJaegerV3(parseJson(reply, options.asked))),
        routeAbsent: (reply) => !isV3NotFound(reply),
      },
      older: { url: (id) => `${base}/api/traces/${encodeURIComponent(id)}`, decode: (reply) => decodeJaegerTrace(parseJson(reply, options.asked)) },
      recheckMs: V3_RECHECK_MS,
    },
    http,
  );
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
