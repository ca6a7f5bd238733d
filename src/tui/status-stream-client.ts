import { Agent, request } from 'undici';
import type { StatusSnapshot } from '../pipeline/status.js';
import { bodyMessage, describeHttpError, parseSnapshot } from './read-snapshot.js';
import { SseParser } from './sse-parser.js';

/** How the dashboard's link to the daemon is doing (not Slack's: that is in the snapshot). */
export type StreamState =
  | { readonly kind: 'connecting'; readonly since: number }
  | { readonly kind: 'live'; readonly since: number }
  /** `since`: when the stream was lost (kept across attempts); `attempt` counts from 1. */
  | { readonly kind: 'reconnecting'; readonly since: number; readonly attempt: number; readonly lastError: string; readonly retryInMs: number }
  /** The daemon answered 401 (wrong or missing token) or 403 (not loopback and no token set). */
  | { readonly kind: 'unauthorized'; readonly since: number; readonly status: number; readonly message: string };

/** What the dashboard hook subscribes to; the stream client implements it, tests may fake it. */
export interface StatusSource {
  readonly state: StreamState;
  readonly latest: StatusSnapshot | undefined;
  /** Called on every snapshot and every state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Idempotent: stops reconnecting and releases every socket and timer. */
  close(): void;
}

export interface StatusStreamOptions {
  /** The daemon listener, e.g. http://127.0.0.1:8080 (the client adds /status/stream). */
  readonly url: string;
  /** LSSLACK_ADMIN_TOKEN, sent as `Authorization: Bearer …`. */
  readonly token?: string;
  /** First reconnect delay; doubles per failed attempt up to `maxDelayMs`. @default 250 */
  readonly minDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** No bytes for this long (the daemon pushes every second) → drop the stream and reconnect. @default 5000 */
  readonly staleMs?: number;
  readonly now?: () => number;
}

/**
 * Follows `GET /status/stream` (Server-Sent Events) and keeps following it: when the daemon is
 * unreachable, restarts or goes silent, it reconnects by itself with capped exponential backoff.
 */
export function createStatusStreamClient(options: StatusStreamOptions): StatusSource {
  const now = options.now ?? Date.now;
  const minDelay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const staleMs = options.staleMs ?? 5000;
  const streamUrl = new URL('status/stream', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const agent = new Agent({ connect: { timeout: 3000 }, headersTimeout: 5000, bodyTimeout: 0, keepAliveTimeout: 1000 });
  const listeners = new Set<() => void>();
  let state: StreamState = { kind: 'connecting', since: now() };
  let latest: StatusSnapshot | undefined;
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let abort: AbortController | undefined;

  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const setState = (next: StreamState) => {
    state = next;
    notify();
  };

  const scheduleRetry = (reason: string, unauthorized?: { status: number; message: string }) => {
    if (closed) return;
    attempt += 1;
    const delay = unauthorized === undefined ? Math.min(maxDelay, minDelay * 2 ** (attempt - 1)) : maxDelay;
    if (unauthorized !== undefined) {
      const since = state.kind === 'unauthorized' ? state.since : now();
      setState({ kind: 'unauthorized', since, ...unauthorized });
    } else {
      const since = state.kind === 'reconnecting' ? state.since : now();
      setState({ kind: 'reconnecting', since, attempt, lastError: reason, retryInMs: delay });
    }
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const controller = new AbortController();
    abort = controller;
    let watchdog: NodeJS.Timeout | undefined;
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(new Error(`no data for ${staleMs / 1000} s`)), staleMs);
    };
    try {
      feed();
      const response = await request(streamUrl, { dispatcher: agent, headers, signal: controller.signal });
      if (response.statusCode === 401 || response.statusCode === 403) {
        const body = await response.body.text().catch(() => '');
        clearTimeout(watchdog);
        scheduleRetry(`HTTP ${response.statusCode}`, { status: response.statusCode, message: bodyMessage(body) ?? `HTTP ${response.statusCode}` });
        return;
      }
      const type = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        await response.body.dump().catch(() => undefined);
        // A 404 or an HTML page: something else listens there (wrong --url?).
        throw new Error(response.statusCode !== 200 ? `HTTP ${response.statusCode} from ${streamUrl}` : `${streamUrl} is not an event stream (${type || 'no content type'})`);
      }
      const parser = new SseParser();
      for await (const chunk of response.body) {
        feed();
        for (const message of parser.push(chunk as Buffer)) {
          if (message.event !== 'status') continue;
          const snapshot = parseSnapshot(message.data);
          if (snapshot === undefined || closed) continue;
          latest = snapshot;
          attempt = 0;
          if (state.kind !== 'live') state = { kind: 'live', since: now() };
          notify();
        }
      }
      clearTimeout(watchdog);
      scheduleRetry('the daemon closed the stream');
    } catch (error) {
      clearTimeout(watchdog);
      if (closed) return;
      const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : describeHttpError(error);
      scheduleRetry(reason);
    } finally {
      if (abort === controller) abort = undefined;
    }
  }

  void connect();

  return {
    get state() {
      return state;
    },
    get latest() {
      return latest;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      clearTimeout(retryTimer);
      abort?.abort(new Error('closed'));
      void agent.destroy().catch(() => undefined);
    },
  };
}
