import { SocketModeClient } from '@slack/socket-mode';

/**
 * SocketModeClient that survives malformed frames.
 *
 * The SDK's onWebSocketMessage reads `event.payload.event.type` for every `events_api` frame; a
 * frame without `payload` (or without `payload.event`) throws inside an async listener and
 * becomes an unhandled rejection, which kills the process. Such frames are rewritten to a
 * `malformed_envelope` type so the receiver can ack and log them instead. `onWebSocketMessage`
 * is the SDK's protected extension point (SocketModeClient.d.ts), so this is not a patch.
 */
export class GuardedSocketModeClient extends SocketModeClient {
  /** Called with a reason for every frame that could not be used. */
  onMalformedFrame: (reason: string) => void = () => undefined;

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
      if (f.type === 'events_api' && !hasEventType(f.payload)) {
        this.onMalformedFrame('events_api envelope without payload.event.type');
        if (typeof f.envelope_id !== 'string') return undefined;
        // Let the SDK build its ack() for it; the receiver acks so Slack does not redeliver garbage.
        return await super.onWebSocketMessage(JSON.stringify({ type: 'malformed_envelope', envelope_id: f.envelope_id, payload: {} }), false);
      }
      return await super.onWebSocketMessage(text, false);
    } catch (error) {
      this.onMalformedFrame(`frame handling failed: ${(error as Error).message}`);
      return undefined;
    }
  }
}

function hasEventType(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const event = (payload as Record<string, unknown>).event;
  return typeof event === 'object' && event !== null && typeof (event as Record<string, unknown>).type === 'string';
}
