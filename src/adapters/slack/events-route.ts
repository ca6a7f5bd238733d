import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LsslackError, type ErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports.js';
import type { Dispatcher } from '../../pipeline/dispatch.js';
import { sendJson, type Handler } from '../http/handler.js';
import { readBody } from './read-body.js';
import { verifySlackSignature } from './verify-signature.js';

export interface EventsRouteOptions {
  readonly signingSecret: string;
  readonly dispatcher: Dispatcher;
  readonly log: Logger;
  readonly now?: () => number;
  readonly path?: string;
  readonly maxBodyBytes?: number;
  readonly bodyTimeoutMs?: number;
  /** Whether events are accepted at all (false while shutting down: Slack then retries elsewhere). */
  readonly accepting?: () => boolean;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  signature_invalid: 401,
  request_stale: 401,
  body_too_large: 413,
  unsupported_media_type: 415,
  request_malformed: 400,
};

/**
 * `POST /slack/events`: the HTTP Events API transport (slack-platform.md §1). The raw body is
 * verified before it is parsed or trusted; `url_verification` echoes the challenge; an
 * `event_callback` is queued and answered 200 before any network call; everything else is 200 so
 * Slack does not retry it.
 */
export function eventsRoute(options: EventsRouteOptions): Handler {
  const path = options.path ?? '/slack/events';
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const bodyTimeout = options.bodyTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'events' });

  return async (req, res, url) => {
    if (url.pathname !== path) return false;
    const requestId = String(res.getHeader('x-request-id') ?? '');
    try {
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
        return true;
      }
      const kind = mediaType(req.headers);
      if (kind === undefined) throw new LsslackError('unsupported_media_type', 'Content-Type must be application/json or application/x-www-form-urlencoded');
      const raw = await readBody(req, limit, bodyTimeout);
      // Slack's ssl_check posts are unsigned (slack-platform.md §1.1); answer them and trust nothing in them.
      if (kind === 'form' && isSslCheck(raw)) {
        sendJson(res, 200, { ok: true });
        return true;
      }
      verifySlackSignature({ signingSecret: options.signingSecret, rawBody: raw, timestamp: single(req.headers, 'x-slack-request-timestamp'), signature: single(req.headers, 'x-slack-signature'), now: now() });
      const body = parse(raw, kind);
      await answer(req, res, body);
    } catch (error) {
      reject(res, error, requestId);
    }
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    if (body.type === 'url_verification') {
      sendJson(res, 200, { challenge: typeof body.challenge === 'string' ? body.challenge : '' });
      return;
    }
    if (body.type !== 'event_callback') {
      sendJson(res, 200, { ok: true, ignored: true });
      return;
    }
    if (options.accepting?.() === false) {
      // Not a 2xx: Slack retries, and another replica (or this one after restart) takes it.
      sendJson(res, 503, { error: 'shutting_down' }, { 'retry-after': '1' });
      return;
    }
    const retryNum = Number(single(req.headers, 'x-slack-retry-num'));
    const result = await options.dispatcher.dispatch({
      source: 'http',
      body,
      retryNum: Number.isInteger(retryNum) ? retryNum : undefined,
      retryReason: single(req.headers, 'x-slack-retry-reason'),
      receivedAt: now(),
    });
    if (result.kind === 'rejected') {
      sendJson(res, 503, { error: 'not_recorded' }, { 'retry-after': '1' });
      return;
    }
    sendJson(res, 200, { ok: true });
  }

  function reject(res: ServerResponse, error: unknown, requestId: string): void {
    const e = error instanceof LsslackError ? error : new LsslackError('internal', (error as Error).message);
    const status = e.code === 'request_malformed' && e.timedOut === true ? 408 : (STATUS[e.code] ?? 500);
    // Only the reason and the request id: never headers or body.
    log.warn({ requestId, code: e.code, reason: e.message }, 'event request rejected');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body we stopped reading leaves the connection unusable; close it after answering.
    const close = status === 413 || status === 408 || (status === 400 && e.message.includes('truncated'));
    // Internal failures say nothing about internals; the request id finds the log line.
    const message = status >= 500 ? 'lsslack could not handle this request' : e.message;
    sendJson(res, status, { error: status >= 500 ? 'internal' : e.code, message, requestId }, close ? { connection: 'close' } : {});
  }
}

function mediaType(headers: IncomingHttpHeaders): 'json' | 'form' | undefined {
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

/** A header that must appear exactly once; duplicates arrive joined with ", " (node:http) and are refused. */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (typeof value !== 'string' || value.includes(',')) return undefined;
  return value.trim();
}

function isSslCheck(raw: Buffer): boolean {
  if (raw.length > 4096) return false;
  return new URLSearchParams(raw.toString('utf8')).get('ssl_check') === '1';
}

function parse(raw: Buffer, kind: 'json' | 'form'): Record<string, unknown> {
  let text = raw.toString('utf8');
  if (kind === 'form') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new LsslackError('request_malformed', 'A form-encoded body must carry a payload= field');
    text = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LsslackError('request_malformed', 'The body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LsslackError('request_malformed', 'The body must be a JSON object');
  return parsed as Record<string, unknown>;
}
