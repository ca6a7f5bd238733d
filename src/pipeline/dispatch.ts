import type { Logger } from '../domain/ports.js';
import type { DispatchResult, InboundEvent } from './inbound-event.js';
import type { Deduper } from './deduper.js';

/** Handles one inner event type (`event.type`) of an event_callback. */
export type EventHandler = (body: Record<string, unknown>, event: InboundEvent) => Promise<DispatchResult>;

export interface Dispatcher {
  dispatch(event: InboundEvent): Promise<DispatchResult>;
}

export interface DispatcherOptions {
  /** Inner event type → handler. Adding a type is one entry here. */
  readonly handlers: Readonly<Record<string, EventHandler>>;
  readonly log: Logger;
  readonly deduper: Deduper;
  /** How long an event_id is remembered; Slack's last retry comes ~5 min after the first try. */
  readonly dedupeTtlMs?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Routes an event_callback to its handler, once per `event_id` however often Slack redelivers it
 * (retries over HTTP, redelivery after a socket gap, several Socket Mode connections).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const ttl = options.dedupeTtlMs ?? 10 * 60_000;
  const { deduper, log } = options;
  return {
    async dispatch(event) {
      const body = event.body;
      if (!isObject(body)) return ignored(log, 'body is not a JSON object');
      if (body.type !== 'event_callback') return ignored(log, `envelope type ${JSON.stringify(body.type ?? null)} is not handled`);
      const inner = body.event;
      if (!isObject(inner) || typeof inner.type !== 'string') return ignored(log, 'event.type is missing');
      const handler = options.handlers[inner.type];
      if (handler === undefined) return { kind: 'ignored', reason: `event type ${inner.type} is not handled` };
      const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
      const key = eventId === undefined ? undefined : `event:${eventId}`;
      if (key !== undefined && !(await deduper.firstSeen([key], ttl))[0]) {
        log.debug({ eventId, retryNum: event.retryNum, source: event.source }, 'duplicate event dropped');
        return { kind: 'duplicate' };
      }
      try {
        const result = await handler(body, event);
        // Not recorded: forget the id so Slack's redelivery is processed.
        if (result.kind === 'rejected' && key !== undefined) await deduper.forget([key]);
        return result;
      } catch (error) {
        if (key !== undefined) await deduper.forget([key]);
        throw error;
      }
    },
  };
}

function ignored(log: Logger, reason: string): DispatchResult {
  log.warn({ reason }, 'malformed event ignored');
  return { kind: 'ignored', reason };
}
