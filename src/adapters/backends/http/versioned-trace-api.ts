import type { FetchTraceResult } from '../../../domain/ports.js';
import type { Trace } from '../../../domain/types.js';
import { getTraceReply, statusError, withQuickRetry, type Asked, type TraceHttp, type TraceReply } from './get-trace-reply.js';

/** One version of a backend's trace-by-id route. */
export interface TraceRoute {
  /** The URL of trace `traceId` (already encoded). */
  readonly url: (traceId: string) => string;
  /** A 200 reply → the trace (throws `backend_bad_response` for garbage). */
  readonly decode: (reply: TraceReply) => Trace;
}

export interface VersionedTraceApiOptions {
  readonly asked: Asked;
  readonly fix: string;
  readonly headers: Record<string, string>;
  /** The route to try first (Jaeger v3, Tempo v2) and how to tell its 404 for a missing route from one for a missing trace. */
  readonly newer: TraceRoute & { readonly routeAbsent: (reply: TraceReply) => boolean };
  /** The route every version has (Jaeger v1, Tempo v1). */
  readonly older: TraceRoute;
  /** After the newer route turned out to be absent, try it again this much later (the server may be upgraded). */
  readonly recheckMs: number;
}

/**
 * Jaeger and Tempo both grew a better trace API while older servers still answer only the old
 * one (trace-backends.md §2, §3): ask the newer route, and on a 404 for the route itself (not for
 * the trace) use the older one, remembering that for a while so each trace costs one request.
 */
export function createVersionedTraceApi(options: VersionedTraceApiOptions, http: TraceHttp): { fetchTrace(traceId: string): Promise<FetchTraceResult> } {
  const { asked, fix, headers, newer, older } = options;
  let newerAbsentAt = -Infinity;
  const get = (url: string): Promise<TraceReply> =>
    withQuickRetry(asked, http, async () => {
      const reply = await getTraceReply(url, headers, asked, http);
      if (reply.status >= 500) throw statusError(reply, asked, fix);
      return reply;
    });
  const fetchOlder = async (traceId: string): Promise<FetchTraceResult> => {
    const reply = await get(older.url(traceId));
    if (reply.status === 200) return { kind: 'found', trace: older.decode(reply) };
    if (reply.status === 404) return { kind: 'not_found' };
    throw statusError(reply, asked, fix);
  };
  return {
    async fetchTrace(traceId) {
      if (performance.now() - newerAbsentAt < options.recheckMs) return fetchOlder(traceId);
      const reply = await get(newer.url(traceId));
      if (reply.status === 200) return { kind: 'found', trace: newer.decode(reply) };
      if (reply.status === 404) {
        if (!newer.routeAbsent(reply)) return { kind: 'not_found' };
        newerAbsentAt = performance.now();
        return fetchOlder(traceId);
      }
      throw statusError(reply, asked, fix);
    },
  };
}
