import { request, type Dispatcher } from 'undici';
import { LsslackError } from '../../../domain/errors.js';
import type { TraceLimits } from '../backend-config.js';

/** What every backend client gets to read traces with. */
export interface TraceHttp {
  readonly dispatcher: Dispatcher;
  readonly limits: TraceLimits;
  /** A quick in-request retry happened (for the `backend_retries` counter). */
  readonly onRetry?: (backendId: string, reason: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Who is being asked, for messages and for the error's `backend` fact. */
export interface Asked {
  readonly backendId: string;
  /** `Jaeger`, `Tempo (grafana/tempo-prod)`… */
  readonly product: string;
}

export interface TraceReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * GET a trace with both bounds every backend read has: one deadline for the whole exchange
 * (undici's own timeouts are per phase and per chunk, so a server dripping a byte every few
 * seconds would never trip them) and a byte cap (Content-Length checked before reading, streamed
 * bytes counted while reading, so a 300 MB body is refused without being buffered).
 *
 * Ends in:
 * - `backend_unavailable` when no answer came (refused, reset, no headers before the deadline);
 * - `trace_timeout` when the server answered but the body did not finish before the deadline;
 * - `trace_too_large` past the cap.
 * Any status comes back as a reply: what it means is the caller's (each API says it differently).
 */
export async function getTraceReply(url: string, headers: Record<string, string>, asked: Asked, http: TraceHttp): Promise<TraceReply> {
  const { maxBytes, deadlineMs } = http.limits;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { dispatcher: http.dispatcher, headers, signal: controller.signal, headersTimeout: deadlineMs, bodyTimeout: deadlineMs });
  } catch (error) {
    clearTimeout(timer);
    const timedOut = controller.signal.aborted;
    const why = timedOut ? `no answer within ${seconds(deadlineMs)}` : `${(error as NodeJS.ErrnoException).code ?? 'network error'}: ${(error as Error).message}`;
    throw new LsslackError('backend_unavailable', `${asked.product} could not be reached (${why}).`, { cause: error, backend: asked.backendId, timedOut });
  }
  try {
    const declared = Number(single(response.headers['content-length']));
    if (Number.isFinite(declared) && declared > maxBytes) {
      throw tooLarge(asked, `${mib(declared)} declared, the limit is ${mib(maxBytes)}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      const piece = chunk as Buffer;
      total += piece.length;
      if (total > maxBytes) throw tooLarge(asked, `more than ${mib(maxBytes)} sent, the limit`);
      chunks.push(piece);
    }
    return { status: response.statusCode, headers: response.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (error) {
    response.body.destroy();
    if (error instanceof LsslackError) throw error;
    if (controller.signal.aborted) {
      throw new LsslackError('trace_timeout', `${asked.product} did not finish sending the trace within ${seconds(deadlineMs)}.`, { cause: error, backend: asked.backendId, timedOut: true });
    }
    throw new LsslackError('backend_unavailable', `${asked.product} broke off while sending the trace (${(error as Error).message}).`, { cause: error, backend: asked.backendId });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One quick second try for a blip (a reset connection, a 502 from a proxy restarting). Anything
 * longer is the queue's business: it defers the job without holding a worker.
 */
export async function withQuickRetry<T>(asked: Asked, http: TraceHttp, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof LsslackError) || error.code !== 'backend_unavailable' || error.timedOut === true) throw error;
    http.onRetry?.(asked.backendId, error.message);
    await (http.sleep ?? sleepFor)(100 + (http.random ?? Math.random)() * 300);
    return attempt();
  }
}

/**
 * What an HTTP status that is not the API's success or not-found means, as the error to throw:
 * refused credentials, rate limits (with when to come back), outages, anything else a bad reply.
 */
export function statusError(reply: Pick<TraceReply, 'status' | 'headers'>, asked: Asked, fix: string): LsslackError {
  const { status } = reply;
  if (status === 401 || status === 403) {
    return new LsslackError('backend_unauthorized', `${asked.product} refused the request (HTTP ${status}). ${fix}`, { backend: asked.backendId, upstream: `HTTP ${status}` });
  }
  if (status === 429) {
    return new LsslackError('backend_rate_limited', `${asked.product} is rate-limiting lsslack (HTTP 429).`, { backend: asked.backendId, retryAfterMs: rateLimitWait(reply.headers), upstream: 'HTTP 429' });
  }
  if (status >= 500) return new LsslackError('backend_unavailable', `${asked.product} answered HTTP ${status}.`, { backend: asked.backendId, upstream: `HTTP ${status}` });
  return new LsslackError('backend_bad_response', `${asked.product} answered HTTP ${status}.`, { backend: asked.backendId, upstream: `HTTP ${status}` });
}

/** The reply body as JSON; a body that is not JSON is a bad reply. */
export function parseJson(reply: TraceReply, asked: Asked): unknown {
  try {
    return JSON.parse(reply.body.toString('utf8'));
  } catch (error) {
    throw new LsslackError('backend_bad_response', `${asked.product} answered ${reply.status} with a body that is not JSON (${(error as Error).message}).`, { cause: error, backend: asked.backendId });
  }
}

/** The reply body as text (error bodies), at most `max` characters. */
export function bodyText(reply: TraceReply, max = 200): string {
  return reply.body.toString('utf8', 0, Math.min(reply.body.length, max * 4)).slice(0, max);
}

/** `Authorization` for configured credentials. */
export function authHeaders(auth: { readonly bearer?: string; readonly basic?: string } | undefined): Record<string, string> {
  if (auth?.bearer !== undefined) return { authorization: `Bearer ${auth.bearer}` };
  if (auth?.basic !== undefined) return { authorization: `Basic ${Buffer.from(auth.basic, 'utf8').toString('base64')}` };
  return {};
}

/** Seconds to wait from `Retry-After`, or Lightstep's `X-RateLimit-Reset` (seconds until reset). */
function rateLimitWait(headers: TraceReply['headers']): number {
  for (const name of ['retry-after', 'x-ratelimit-reset']) {
    const value = Number(single(headers[name]));
    if (Number.isFinite(value) && value >= 0) return Math.min(3_600_000, value * 1000);
  }
  return 1000;
}

function tooLarge(asked: Asked, why: string): LsslackError {
  return new LsslackError('trace_too_large', `the trace from ${asked.product} is too large: ${why}`, { backend: asked.backendId });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 2 : 0)} MiB`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
