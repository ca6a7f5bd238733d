/**
 * The convergence point of both transports: Socket Mode and HTTP both turn what Slack sent into
 * this shape, and nothing downstream knows which one it came by.
 */
export interface InboundEvent {
  readonly source: 'socket' | 'http';
  /** The Events API `event_callback` body (Socket Mode's `payload` is the same object). Untrusted. */
  readonly body: unknown;
  /** Slack's retry counter: `retry_attempt` in Socket Mode, `X-Slack-Retry-Num` over HTTP. */
  readonly retryNum?: number;
  readonly retryReason?: string;
  readonly receivedAt: number;
}

/** What the dispatcher did with an event; the transport acks (or not) based on it. */
export type DispatchResult =
  | { readonly kind: 'queued'; readonly jobs: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'handled' }
  /** The work could not be recorded: do not ack, so Slack redelivers. */
  | { readonly kind: 'rejected'; readonly reason: string };
