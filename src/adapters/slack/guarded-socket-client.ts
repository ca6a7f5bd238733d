import { SocketModeClient } from '@slack/socket-mode';

/**
 * SocketModeClient that survives malformed frames.
 *
 * The SDK's onWebSocketMessage reads `event.payload.event.type` for every `events_api` frame; a
 * frame without `payload` (or without `payload.event`) throws inside an async listener and
 * becomes an unhandled rejection, which kills the process. Such frames are rewritten to a
 * `malformed_envelope` type so the receiver can ack and log them instead; so are envelopes whose
 * type (or event type) is not a string or collides with the client's own event names (see
 * CLIENT_EVENT_NAMES). `onWebSocketMessage` is the SDK's protected extension point
 * (SocketModeClient.d.ts), so this is not a patch.
 */
export class GuardedSocketModeClient extends SocketModeClient {
  /** Called with a reason for every frame that could not be used. */
  onMalformedFrame: (reason: string) => void = () => undefined;

  /**
   * When set, well-formed `events_api` envelopes come here straight from the one JSON.parse of
   * the frame, with an ack bound to their envelope_id, instead of being parsed a second time by
   * the SDK and emitted three times (event type, `slack_event`). Every other frame (hello,
   * disconnect, other envelope types) still goes through the SDK.
   */
  onEventsApi: ((envelope: EventsApiEnvelope) => void) | undefined;

  /**
   * What the SDK's own ack() does: `send(envelope_id)`. The method is `private` in the 3.1.0
   * typings only (it is a plain method, and the version is pinned); every Socket Mode test
   * fails if it ever stops acking.
   */
  private sendAck(envelopeId: string): Promise<void> {
    return (this as unknown as { send(id: string, body?: Record<string, unknown>): Promise<void> }).send(envelopeId);
  }

  /** The connection's socket while acks of this turn of the event loop are being gathered. */
  #corked: { uncork(): void } | undefined;

  /**
   * Acks sent in one turn of the event loop leave in one write. A group commit of the journal
   * resolves dozens of envelopes at once, and undici's WebSocket writes each frame on its own
   * (cork, write, uncork per frame: one writev syscall each, the ack path's largest cost in
   * bench/socket's profile). Corking the connection's socket until setImmediate — the end of this
   * turn, microseconds away — sends them together; a lone ack waits for nothing but that turn.
   * The socket is the SDK's `SlackWebSocket.defaultSocket` (kept there so the SDK can destroy a
   * stalled peer); when it cannot be found, acks are simply written one by one.
   */
  private ackSoon(envelopeId: string): Promise<void> {
    if (this.#corked === undefined) {
      const socket = (this as unknown as { websocket?: { defaultSocket?: unknown } }).websocket?.defaultSocket;
      if (isCorkable(socket) && !socket.destroyed) {
        socket.cork();
        this.#corked = socket;
        setImmediate(() => {
          this.#corked = undefined;
          socket.uncork();
        });
      }
    }
    return this.sendAck(envelopeId);
  }

  protected override async onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void> {
    try {
      if (isBinary) return this.onMalformedFrame('binary frame');
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        return this.onMalformedFrame('frame is not JSON');
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return this.onMalformedFrame('frame is not a JSON object');
      const f = frame as Record<string, unknown>;
      const reason = malformation(f);
      if (reason !== undefined) {
        this.onMalformedFrame(reason);
        if (typeof f.envelope_id !== 'string') return undefined;
        // Let the SDK build its ack() for it; the receiver acks so Slack does not redeliver garbage.
        return await super.onWebSocketMessage(JSON.stringify({ type: 'malformed_envelope', envelope_id: f.envelope_id, payload: {} }), false);
      }
      if (f.type === 'events_api' && this.onEventsApi !== undefined && typeof f.envelope_id === 'string') {
        const envelopeId = f.envelope_id;
        this.onEventsApi({
          envelopeId,
          body: f.payload as Record<string, unknown>,
          retryNum: typeof f.retry_attempt === 'number' ? f.retry_attempt : undefined,
          retryReason: typeof f.retry_reason === 'string' && f.retry_reason !== '' ? f.retry_reason : undefined,
          ack: () => this.ackSoon(envelopeId),
        });
        return undefined;
      }
      return await super.onWebSocketMessage(text, false);
    } catch (error) {
      this.onMalformedFrame(`frame handling failed: ${(error as Error).message}`);
      return undefined;
    }
  }
}

function isCorkable(socket: unknown): socket is { cork(): void; uncork(): void; destroyed: boolean } {
  return typeof socket === 'object' && socket !== null && typeof (socket as { cork?: unknown }).cork === 'function' && typeof (socket as { uncork?: unknown }).uncork === 'function';
}

/** An events_api envelope, parsed once. */
export interface EventsApiEnvelope {
  readonly envelopeId: string;
  readonly body: Record<string, unknown>;
  readonly retryNum: number | undefined;
  readonly retryReason: string | undefined;
  readonly ack: () => Promise<void>;
}

/**
 * The SDK emits an envelope's `type`, and an events_api envelope's `payload.event.type`, as event
 * names on the same EventEmitter that carries its own lifecycle and transport events. A frame typed
 * `disconnected` or `reconnecting` would flip the daemon's connection state (and /readyz) on a
 * healthy socket; `close`, `error` or `ws_message` would reach the SDK's internal listeners. A
 * non-string type is no better: EventEmitter keys are property keys, so `["connected"]` is
 * `connected`. No Slack envelope or event type uses these names, so such frames are malformed.
 */
const CLIENT_EVENT_NAMES: ReadonlySet<string> = new Set([
  'connecting',
  'connected',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'authenticated',
  'error',
  'close',
  'ws_message',
  'slack_event',
  'outgoing_message',
  'newListener',
  'removeListener',
]);

/** Why an envelope (a JSON object) must not reach the SDK's dispatch, or undefined if it may. */
function malformation(f: Record<string, unknown>): string | undefined {
  if (f.type === 'events_api' && !hasEventType(f.payload)) return 'events_api envelope without payload.event.type';
  if (f.type !== undefined && typeof f.type !== 'string') return 'envelope type is not a string';
  if (typeof f.type === 'string' && CLIENT_EVENT_NAMES.has(f.type)) return "envelope type is one of the Socket Mode client's own event names";
  if (f.type === 'events_api' && CLIENT_EVENT_NAMES.has(eventType(f.payload))) return "event type is one of the Socket Mode client's own event names";
  return undefined;
}

function eventType(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return '';
  const event = (payload as Record<string, unknown>).event;
  if (typeof event !== 'object' || event === null) return '';
  const type = (event as Record<string, unknown>).type;
  return typeof type === 'string' ? type : '';
}

function hasEventType(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const event = (payload as Record<string, unknown>).event;
  return typeof event === 'object' && event !== null && typeof (event as Record<string, unknown>).type === 'string';
}
