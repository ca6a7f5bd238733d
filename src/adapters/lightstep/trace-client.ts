import { Agent, request, type Dispatcher } from 'undici';
import { LsslackError } from '../../domain/errors.js';
import type { FetchTraceResult, Logger, TraceSource } from '../../domain/ports.js';
import type { TraceRef } from '../../domain/types.js';
import { decodeStoredTrace } from './decode-stored-trace.js';

export interface LightstepClientOptions {
  readonly apiUrl: string;
  readonly org: string;
  readonly apiKey: string;
  readonly log: Logger;
  /** Tests and benchmarks may pass their own; by default a keep-alive Agent. */
  readonly dispatcher?: Dispatcher;
  /** Attempts after the first on 5xx, 429 and network errors. */
  readonly retries?: number;
  readonly timeoutMs?: number;
  /** Largest wait honoured for a 429's reset time; longer waits fail the job instead of hogging a worker. */
  readonly maxRateLimitWaitMs?: number;
  readonly onRetry?: (reason: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LightstepTraceSource extends TraceSource {
  close(): Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches stored traces from the Lightstep public API (trace-backends.md §1):
 * `GET {api}/public/v0.2/{org}/projects/{project}/stored-traces?span-id={seed}`.
 * Retries 5xx and network errors with full-jitter exponential back-off, honours 429
 * `X-RateLimit-Reset` / `Retry-After`, maps 404 to "trace no longer stored".
 */
export function createLightstepClient(options: LightstepClientOptions): LightstepTraceSource {
  const ownsDispatcher = options.dispatcher === undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dispatcher =
    options.dispatcher ??
    new Agent({ keepAliveTimeout: 30_000, connections: 128, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: 5_000 } });
  const retries = options.retries ?? 3;
  const sleep = options.sleep ?? sleepFor;
  const maxWait = options.maxRateLimitWaitMs ?? 30_000;
  const base = options.apiUrl.replace(/\/+$/, '');
  const log = options.log.child({ component: 'lightstep' });

  async function once(ref: TraceRef, signal?: AbortSignal): Promise<{ done: FetchTraceResult } | { retryAfterMs: number; reason: string }> {
    const url = `${base}/public/v0.2/${encodeURIComponent(options.org)}/projects/${encodeURIComponent(ref.project)}/stored-traces?span-id=${ref.seedSpanId}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        dispatcher,
        signal,
        headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/vnd.api+json, application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      if (signal?.aborted === true) throw error;
      return { retryAfterMs: -1, reason: `network: ${(error as Error).message}` };
    }
    const status = response.statusCode;
    if (status === 200) {
      let json: unknown;
      try {
        json = await response.body.json();
      } catch (error) {
        throw new LsslackError('lightstep_bad_response', `Lightstep answered 200 with a body that is not JSON: ${(error as Error).message}`, { cause: error });
      }
      return { done: { kind: 'found', trace: decodeStoredTrace(json) } };
    }
    await response.body.dump().catch(() => undefined);
    if (status === 404) return { done: { kind: 'not_found' } };
    if (status === 401 || status === 403) {
      throw new LsslackError('lightstep_unauthorized', `Lightstep refused the API key (HTTP ${status}). Check LIGHTSTEP_API_KEY and LIGHTSTEP_ORG (${options.org}); the key needs access to project ${ref.project}.`);
    }
    if (status === 429) return { retryAfterMs: rateLimitWait(response.headers), reason: 'rate limited (429)' };
    if (status >= 500) return { retryAfterMs: -1, reason: `HTTP ${status}` };
    throw new LsslackError('lightstep_bad_response', `Lightstep answered HTTP ${status} for project ${ref.project}, span ${ref.seedSpanId}.`);
  }

  return {
    async fetchTrace(ref, signal) {
      let last = '';
      for (let attempt = 0; attempt <= retries; attempt += 1) {
        const result = await once(ref, signal);
        if ('done' in result) return result.done;
        last = result.reason;
        if (attempt === retries) break;
        if (result.retryAfterMs > maxWait) {
          throw new LsslackError('lightstep_rate_limited', `Lightstep rate limit resets in ${Math.ceil(result.retryAfterMs / 1000)} s; giving up on this trace.`);
        }
        // Full jitter (AWS architecture blog): spreads retries of many workers apart.
        const wait = result.retryAfterMs >= 0 ? result.retryAfterMs : Math.random() * Math.min(4_000, 200 * 2 ** attempt);
        options.onRetry?.(result.reason);
        log.debug({ attempt: attempt + 1, reason: result.reason, waitMs: Math.round(wait) }, 'retrying Lightstep');
        await sleep(wait);
      }
      const code = last.startsWith('rate limited') ? 'lightstep_rate_limited' : 'lightstep_unavailable';
      throw new LsslackError(code, `Lightstep stored-traces failed after ${retries + 1} attempts (${last}).`);
    },
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** Seconds to wait from `X-RateLimit-Reset` (Lightstep: seconds until reset) or `Retry-After`. */
function rateLimitWait(headers: Record<string, string | string[] | undefined>): number {
  for (const name of ['x-ratelimit-reset', 'retry-after']) {
    const raw = headers[name];
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  }
  return 1000;
}
