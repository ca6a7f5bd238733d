import { LsslackError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports.js';
import type { Dispatcher } from '../../pipeline/dispatch.js';
import type { ConnectionState, ConnectionTracker } from '../../pipeline/connection-state.js';
import { GuardedSocketModeClient, type EventsApiEnvelope } from './guarded-socket-client.js';
import { slackLoggerFor } from './slack-logger.js';

export interface SocketReceiverOptions {
  readonly appToken: string;
  readonly apiUrl: string;
  readonly dispatcher: Dispatcher;
  readonly log: Logger;
  readonly connection: ConnectionTracker;
  /** Ping timeout and reconnect back-off base (SDK default 5000 ms; tests use less). */
  readonly clientPingTimeoutMs?: number;
  readonly onDropped?: (reason: string) => void;
}

export interface SocketReceiver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface SlackEventArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: string;
  type: string;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Socket Mode transport: envelopes in, InboundEvents to the dispatcher, ack once the work is
 * queued (slack-platform.md §4.1 step 5: ack promptly or Slack retries). `disconnect` messages
 * (refresh, warning) are handled by the SDK's reconnect; events that land in the gap come back as
 * retries and are deduplicated by event_id.
 */
export function createSocketReceiver(options: SocketReceiverOptions): SocketReceiver {
  const log = options.log.child({ component: 'socket' });
  const client = new GuardedSocketModeClient({
    appToken: options.appToken,
    logger: slackLoggerFor(options.log, 'socket-mode-sdk'),
    clientPingTimeout: options.clientPingTimeoutMs ?? 5000,
    // A short HTTP retry budget: the SDK's default is 100 retries of apps.connections.open.
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 5, factor: 1.6, minTimeout: 200, maxTimeout: 5000 } },
  });
  const setState = (state: ConnectionState) => options.connection.set(state);
  client.onMalformedFrame = (reason) => {
    log.warn({ reason }, 'malformed Socket Mode frame dropped');
    options.onDropped?.(reason);
  };
  client.on('connecting', () => setState('connecting'));
  client.on('connected', () => setState('connected'));
  client.on('reconnecting', () => setState('reconnecting'));
  client.on('disconnected', () => setState('disconnected'));
  client.on('error', (error: Error) => log.warn({ err: error.message }, 'Socket Mode connection error'));
  client.on('slack_event', (args: SlackEventArgs) => {
    void handle(args).catch((error: unknown) => {
      // Not acked: Slack redelivers the envelope.
      log.error({ err: (error as Error).message, envelopeId: args.envelope_id }, 'event handling failed; not acknowledged');
    });
  });

  // Frames other than events_api (the SDK's path): nothing to record, just ack.
  async function handle(args: SlackEventArgs): Promise<void> {
    if (args.type === 'events_api') return;
    if (args.type === 'malformed_envelope') options.onDropped?.('malformed envelope acknowledged');
    await args.ack();
  }

  client.onEventsApi = (envelope) => {
    void handleEvent(envelope).catch((error: unknown) => {
      log.error({ err: (error as Error).message, envelopeId: envelope.envelopeId }, 'event handling failed; not acknowledged');
    });
  };

  async function handleEvent(envelope: EventsApiEnvelope): Promise<void> {
    const result = await options.dispatcher.dispatch({
      source: 'socket',
      body: envelope.body,
      retryNum: envelope.retryNum,
      retryReason: envelope.retryReason,
      receivedAt: Date.now(),
    });
    if (result.kind === 'rejected') {
      log.warn({ envelopeId: envelope.envelopeId, reason: result.reason }, 'event not recorded; not acknowledged so Slack redelivers it');
      return;
    }
    await envelope.ack();
  }

  let started = false;
  let stopped = false;
  return {
    async start() {
      if (started) return;
      started = true;
      setState('connecting');
      try {
        await client.start();
      } catch (error) {
        setState('down');
        const detail = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
        throw new LsslackError('slack_token_invalid', `Socket Mode could not connect (${detail}). Check SLACK_APP_TOKEN: an app-level token (xapp-…) with connections:write, and that Socket Mode is enabled for the app.`, { cause: error, upstream: detail });
      }
    },
    async stop() {
      if (stopped || !started) return;
      stopped = true;
      await client.disconnect().catch(() => undefined);
      client.removeAllListeners();
      setState('disconnected');
    },
  };
}
