import type { FetchTraceResult } from '../../../domain/ports.js';
import type { BackendAuth } from '../backend-config.js';
import { authHeaders, getTraceReply, parseJson, statusError, withQuickRetry, type Asked, type TraceHttp } from '../http/get-trace-reply.js';
import { decodeZipkinTrace } from './decode-zipkin-trace.js';

export interface ZipkinApiOptions {
  readonly apiUrl: string;
  readonly auth?: BackendAuth;
  readonly asked: Asked;
  readonly fix: string;
}

/** Zipkin's v2 API (zipkin2-api.yaml): `GET {api}/api/v2/trace/{traceId}` → an array of v2 spans, 404 when absent. */
export function createZipkinApi(options: ZipkinApiOptions, http: TraceHttp): { fetchTrace(traceId: string): Promise<FetchTraceResult> } {
  const { asked } = options;
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers = { accept: 'application/json', ...authHeaders(options.auth) };
  return {
    async fetchTrace(traceId) {
      const reply = await withQuickRetry(asked, http, async () => {
        const r = await getTraceReply(`${base}/api/v2/trace/${encodeURIComponent(traceId)}`, headers, asked, http);
        if (r.status >= 500) throw statusError(r, asked, options.fix);
        return r;
      });
      if (reply.status === 200) return { kind: 'found', trace: decodeZipkinTrace(parseJson(reply, asked)) };
      if (reply.status === 404) return { kind: 'not_found' };
      throw statusError(reply, asked, options.fix);
    },
  };
}
