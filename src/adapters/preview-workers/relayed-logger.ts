import type { Logger } from '../../domain/ports.js';
import type { FromWorker, LogLevel } from './protocol.js';

/**
 * A Logger for a preview worker: every line goes to the daemon, which writes it with its own pino
 * (one stream, one redaction list, one level filter). Lines are rare here — the per-job line is
 * written by the daemon when the job ends.
 */
export function createRelayedLogger(send: (message: FromWorker) => void, bindings: Record<string, unknown> = {}): Logger {
  const emit = (level: LogLevel) => (obj: object, msg?: string) => {
    const message: FromWorker = { type: 'log', level, bindings, obj: jsonSafe(obj), ...(msg === undefined ? {} : { msg }) };
    send(message);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createRelayedLogger(send, { ...bindings, ...more }),
  };
}

/** Only what JSON keeps: errors, sockets and functions do not cross a process boundary. */
function jsonSafe(obj: object): object {
  try {
    return JSON.parse(JSON.stringify(obj)) as object;
  } catch {
    return { unserializable: true };
  }
}
