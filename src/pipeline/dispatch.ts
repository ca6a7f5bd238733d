import type { Logger } from '../domain/ports.js';
import type { DispatchResult, InboundEvent } from './inbound-event.js';

/**
 * Handles one inner event type (`event.type`) of an event_callback. Handlers that create work
 * deduplicate it themselves, together with recording it (see record-new-jobs.ts); the others
 * (revocations) are idempotent.
 */
export type EventHandler = (body: Record<string, unknown>, event: InboundEvent) => Promise<DispatchResult>;

export interface Dispatcher {
  dispatch(event: InboundEvent): Promise<DispatchResult>;
}

export interface DispatcherOptions {
  /** Inner event type → handler. Adding a type is one entry here. */
  readonly handlers: Readonly<Record<string, EventHandler>>;
  readonly log: Logger;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Routes an event_callback to its handler by inner type; anything else is ignored (and acked). */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { log } = options;
  return {
    async dispatch(event) {
      const body = event.body;
      if (!isObject(body)) return ignored(log, 'body is not a JSON object');
      if (body.type !== 'event_callback') return ignored(log, `envelope type ${describeType(body.type)} is not handled`);
      const inner = body.event;
      if (!isObject(inner) || typeof inner.type !== 'string') return ignored(log, 'event.type is missing');
      if (typeof body.event_id !== 'string' || body.event_id === '') return ignored(log, 'event_id is missing');
      // Own properties only: an event.type of "__proto__" or "valueOf" must not reach Object.prototype.
      const handler = Object.hasOwn(options.handlers, inner.type) ? options.handlers[inner.type] : undefined;
      if (handler === undefined) return { kind: 'ignored', reason: `event type ${describeType(inner.type)} is not handled` };
      return handler(body, event);
    },
  };
}

function ignored(log: Logger, reason: string): DispatchResult {
  log.warn({ reason }, 'malformed event ignored');
  return { kind: 'ignored', reason };
}

/** A short, safe description of an untrusted `type` for a log line (never the whole value). */
function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.slice(0, 64));
  return type === null || type === undefined ? 'null' : typeof type;
}
