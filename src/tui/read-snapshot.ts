import type { StatusSnapshot } from '../pipeline/status.js';

/**
 * Parse a `/status` body. Checks the shape the dashboard relies on, so a wrong URL (another
 * service's JSON) or a truncated frame is rejected instead of crashing a component.
 */
export function parseSnapshot(text: string): StatusSnapshot | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Record<string, unknown>;
  const objects = ['connection', 'queue', 'counters', 'outcomes', 'failedByCode', 'latencyMs', 'auth'];
  const ok =
    typeof s.version === 'string' &&
    typeof s.now === 'number' &&
    typeof s.uptimeS === 'number' &&
    typeof s.ready === 'boolean' &&
    Array.isArray(s.notReadyReasons) &&
    Array.isArray(s.recentJobs) &&
    Array.isArray(s.recentErrors) &&
    objects.every((key) => typeof s[key] === 'object' && s[key] !== null);
  return ok ? (value as StatusSnapshot) : undefined;
}

/** A short, human reason for a failed request (undici and Node network errors). */
export function describeHttpError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no answer (headers timed out)',
    UND_ERR_SOCKET: 'connection closed',
    UND_ERR_CLOSED: 'connection closed',
  };
  if (code !== undefined && known[code] !== undefined) return `${known[code]} (${code})`;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  return code === undefined ? message : `${message} (${code})`;
}

/** The `message` of a JSON error body, such as the daemon's 401/403 answers. */
export function bodyMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
