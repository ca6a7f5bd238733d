import { isRead, sendJson, type Handler } from './handler.js';

/** Why the daemon is not ready; empty when ready. */
export type ReadinessProbe = () => Promise<string[]>;

/**
 * `/healthz`: the process and its event loop answer (never depends on Slack or Lightstep).
 * `/readyz`: ready to take events, else 503 with the reasons.
 */
export function healthRoutes(readiness: ReadinessProbe): Handler {
  return async (req, res, url) => {
    if (!isRead(req)) return false;
    if (url.pathname === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (url.pathname === '/readyz') {
      const reasons = await readiness();
      sendJson(res, reasons.length === 0 ? 200 : 503, reasons.length === 0 ? { status: 'ready' } : { status: 'not_ready', reasons });
      return true;
    }
    return false;
  };
}
