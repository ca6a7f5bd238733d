import type { ServerResponse } from 'node:http';
import type { StatusSnapshot } from '../../pipeline/status.js';
import { adminAllowed } from './admin-access.js';
import { isRead, sendJson, type Handler } from './handler.js';

export interface StatusRoutesOptions {
  readonly snapshot: () => Promise<StatusSnapshot>;
  /** Subscribe to "something changed" (a job ended); returns an unsubscribe function. */
  readonly onChange: (listener: () => void) => () => void;
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  readonly adminToken?: string;
  /** Push interval of /status/stream (the issue asks for at least once a second). */
  readonly intervalMs?: number;
}

export interface StatusRoutes {
  readonly handler: Handler;
  /** End every open stream (on shutdown), so the listener can close. */
  closeStreams(): void;
}

/** `/status` (JSON), `/status/stream` (Server-Sent Events), `/metrics` (Prometheus text). */
export function statusRoutes(options: StatusRoutesOptions): StatusRoutes {
  const streams = new Set<ServerResponse>();
  const interval = options.intervalMs ?? 1000;

  const stream = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    streams.add(res);
    let sending = false;
    let again = false;
    // Coalesce bursts of job outcomes: one snapshot in flight at a time, at most one queued.
    const push = async () => {
      if (sending) {
        again = true;
        return;
      }
      sending = true;
      try {
        do {
          again = false;
          const snapshot = await options.snapshot();
          if (res.writableEnded || res.destroyed) return;
          res.write(`event: status\ndata: ${JSON.stringify(snapshot)}\n\n`);
        } while (again);
      } catch {
        // A failed snapshot (store unreadable) skips one push; the next tick tries again.
      } finally {
        sending = false;
      }
    };
    const timer = setInterval(() => void push(), interval);
    const unsubscribe = options.onChange(() => void push());
    res.on('close', () => {
      clearInterval(timer);
      unsubscribe();
      streams.delete(res);
    });
    void push();
  };

  const handler: Handler = async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/status' && path !== '/status/stream' && path !== '/metrics') return false;
    if (!isRead(req)) {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
      return true;
    }
    if (!adminAllowed(req, options.adminToken)) {
      const status = options.adminToken === undefined ? 403 : 401;
      sendJson(res, status, { error: status === 401 ? 'unauthorized' : 'forbidden', message: options.adminToken === undefined ? 'Only loopback clients may read this unless LSSLACK_ADMIN_TOKEN is set.' : 'Send Authorization: Bearer <LSSLACK_ADMIN_TOKEN>.' }, status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      return true;
    }
    if (path === '/status') sendJson(res, 200, await options.snapshot());
    else if (path === '/status/stream') stream(res);
    else {
      const { contentType, body } = await options.metrics();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    }
    return true;
  };

  return {
    handler,
    closeStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
