import type { MessagePort } from 'node:worker_threads';
import type { Logger } from '../../domain/ports.js';
import type { FromThread, LogLevel } from './protocol.js';

/**
 * A Logger for a preview thread: every line goes to the main thread, which writes it with the
 * daemon's own pino (one stream, one redaction list, one level filter). Lines are rare here —
 * the per-job line is written by the main thread when the job ends.
 */
export function createRelayedLogger(port: Pick<MessagePort, 'postMessage'>, bindings: Record<string, unknown> = {}): Logger {
  const emit = (level: LogLevel) => (obj: object, msg?: string) => {
    const message: FromThread = { type: 'log', level, bindings, obj, ...(msg === undefined ? {} : { msg }) };
    try {
      port.postMessage(message);
    } catch {
      // Not cloneable (a function, a socket…): send what JSON keeps of it.
      port.postMessage({ ...message, obj: jsonSafe(obj) });
    }
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createRelayedLogger(port, { ...bindings, ...more }),
  };
}

function jsonSafe(obj: object): object {
  try {
    return JSON.parse(JSON.stringify(obj)) as object;
  } catch {
    return { unserializable: true };
  }
}
