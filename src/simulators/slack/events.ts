/**
 * Event payloads and HTTP Events API delivery, i.e. the simulator acting as Slack towards a Request URL
 * (slack-platform.md §1.1, §1.4, §1.5, §2). The signing code is the simulator's own, written from the docs,
 * so that it independently checks the product's verifier.
 */

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { PostEventOptions, PostEventResult } from './types.js';

let eventCounter = 0;
let tsCounter = 0;

/** Options for {@link linkSharedEvent}. */
export interface LinkSharedEventOptions {
  teamId?: string;
  userId?: string;
  /** Default `COMPOSER` for composer events, else `C0SIMCHAN`. */
  channel?: string;
  /** Default: an opaque composer id, or a fresh `seconds.micros` ts for posted messages. */
  messageTs?: string;
  urls: string[];
  eventId?: string;
  /** Default `composer` when `channel` is `COMPOSER`, else `conversations_history`. */
  source?: 'composer' | 'conversations_history';
  unfurlId?: string;
  threadTs?: string;
  appId?: string;
  /** The envelope's `is_ext_shared_channel` (§1.4: the link was shared in a Slack Connect channel). Default false. */
  isExtSharedChannel?: boolean;
}

/** Options for {@link channelSharedEvent}. */
export interface ChannelSharedEventOptions {
  /** Default `T0SIM`. */
  teamId?: string;
  channel: string;
  /** The workspace or organisation (`E…`) that joined the channel. */
  connectedTeamId: string;
  eventId?: string;
  /** Default `A0SIM`. */
  appId?: string;
}

/** Options for {@link channelUnsharedEvent}. */
export interface ChannelUnsharedEventOptions {
  /** Default `T0SIM`. */
  teamId?: string;
  channel: string;
  /** The workspace or organisation (`E…`) that was removed from the channel. */
  previouslyConnectedTeamId: string;
  /** Whether the channel is still shared with some other organisation. */
  isExtShared: boolean;
  eventId?: string;
  /** Default `A0SIM`. */
  appId?: string;
}

function base36(length: number): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (const b of randomBytes(length)) out += alphabet[b % 36];
  return out;
}

/** A unique Slack-style ts (`seconds.micros`); a counter keeps it unique within one millisecond. */
function freshTs(): string {
  const micros = BigInt(Date.now()) * 1000n + BigInt(tsCounter++ % 1000);
  const s = micros.toString();
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}

/** The link's host name; Slack puts the registered unfurl domain here (§2), which for tests is the host. */
function domainOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function nextEventId(): string {
  eventCounter += 1;
  return `Ev0SIM${String(eventCounter).padStart(6, '0')}${base36(4).toUpperCase()}`;
}

/** §1.4: `authorizations` is truncated to one element, the installation that receives the event. */
function botAuthorizations(teamId: string): object[] {
  return [{ enterprise_id: null, team_id: teamId, user_id: 'U0SIMBOT', is_bot: true, is_enterprise_install: false }];
}

/** The outer `event_callback` body around `event`, as the docs.slack.dev event pages show it. */
function eventCallback(
  options: { teamId?: string; appId?: string; eventId?: string },
  event: Record<string, unknown>,
): object {
  const teamId = options.teamId ?? 'T0SIM';
  return {
    token: 'simVerificationToken0000',
    team_id: teamId,
    api_app_id: options.appId ?? 'A0SIM',
    event,
    type: 'event_callback',
    event_id: options.eventId ?? nextEventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: botAuthorizations(teamId),
  };
}

/**
 * `channel_shared` (docs.slack.dev/reference/events/channel_shared): a channel was shared with, or gained, an external
 * workspace or organisation. Needs `channels:read` (public) or `groups:read` (private channels).
 */
export function channelSharedEvent(options: ChannelSharedEventOptions): object {
  const event = {
    type: 'channel_shared',
    connected_team_id: options.connectedTeamId,
    channel: options.channel,
    event_ts: freshTs(),
  };
  return eventCallback(options, event);
}

/**
 * `channel_unshared` (docs.slack.dev/reference/events/channel_unshared): an external workspace or organisation was
 * removed; `is_ext_shared` tells whether the channel is still shared with another one.
 */
export function channelUnsharedEvent(options: ChannelUnsharedEventOptions): object {
  const event = {
    type: 'channel_unshared',
    previously_connected_team_id: options.previouslyConnectedTeamId,
    channel: options.channel,
    is_ext_shared: options.isExtShared,
    event_ts: freshTs(),
  };
  return eventCallback(options, event);
}

/** Everything an `entity_details_requested` body needs; the trigger id is issued by the simulator. */
export interface EntityDetailsRequestedParts {
  teamId: string;
  appId: string;
  botUserId: string;
  user: string;
  url: string;
  externalRef: { id: string; type?: string };
  entityUrl?: string;
  channel?: string;
  messageTs?: string;
  threadTs?: string;
  triggerId: string;
}

/**
 * `entity_details_requested` (docs.slack.dev/reference/events/entity_details_requested): a viewer opened a Work
 * Object's flexpane. Field order and shape follow the docs' example: `link` and `entity_url` name the entity's
 * canonical URL while `app_unfurl_url` is the link as posted. `thread_ts` appears only for thread replies.
 */
export function entityDetailsRequestedEvent(parts: EntityDetailsRequestedParts): object {
  const entityUrl = parts.entityUrl ?? parts.url;
  const externalRef: Record<string, string> = { id: parts.externalRef.id };
  if (parts.externalRef.type !== undefined) externalRef.type = parts.externalRef.type;
  const event: Record<string, unknown> = {
    type: 'entity_details_requested',
    user: parts.user,
    external_ref: externalRef,
    entity_url: entityUrl,
    link: { url: entityUrl, domain: domainOf(entityUrl) },
    app_unfurl_url: parts.url,
    event_ts: freshTs(),
    trigger_id: parts.triggerId,
    user_locale: 'en-US',
    channel: parts.channel ?? 'C0SIMCHAN',
    message_ts: parts.messageTs ?? freshTs(),
  };
  if (parts.threadTs !== undefined) event.thread_ts = parts.threadTs;
  return {
    token: 'simVerificationToken0000',
    team_id: parts.teamId,
    api_app_id: parts.appId,
    event,
    type: 'event_callback',
    authorizations: [
      { enterprise_id: null, team_id: parts.teamId, user_id: parts.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    event_id: nextEventId(),
    event_time: Math.floor(Date.now() / 1000),
  };
}

/**
 * Builds a realistic `event_callback` body carrying a `link_shared` event (§1.4 + §2), as delivered over HTTP or
 * inside a Socket Mode envelope. Composer events (`source: 'composer'`) use `channel: 'COMPOSER'` and an opaque
 * `message_ts` that only works with chat.unfurl (§8 item 6).
 */
export function linkSharedEvent(options: LinkSharedEventOptions): object {
  const teamId = options.teamId ?? 'T0SIM';
  const userId = options.userId ?? 'U0SIMUSER';
  const appId = options.appId ?? 'A0SIM';
  const source = options.source ?? (options.channel === 'COMPOSER' ? 'composer' : 'conversations_history');
  const channel = options.channel ?? (source === 'composer' ? 'COMPOSER' : 'C0SIMCHAN');
  const messageTs =
    options.messageTs ?? (source === 'composer' ? `${userId}-${randomUUID()}-${base36(32)}` : freshTs());
  const eventTs = freshTs();
  // Opaque like Slack's `C123456.123456789.987501.1b90…` (§2); only chat.unfurl interprets it.
  const tsDigits = messageTs.replace(/[^0-9A-Za-z]/g, '').slice(0, 24);
  const unfurlId = options.unfurlId ?? `${channel}.${tsDigits}.${base36(6)}.${randomBytes(16).toString('hex')}`;
  const eventId = options.eventId ?? nextEventId();
  const event: Record<string, unknown> = {
    type: 'link_shared',
    channel,
    is_bot_user_member: true,
    user: userId,
    message_ts: messageTs,
    unfurl_id: unfurlId,
    source,
    links: options.urls.map((url) => ({ domain: domainOf(url), url })),
    event_ts: eventTs,
  };
  if (options.threadTs !== undefined) event.thread_ts = options.threadTs;
  const context = JSON.stringify({ e: 'link_shared', t: teamId, c: channel });
  const eventContext = `4-${Buffer.from(context).toString('base64url')}`;
  return {
    token: 'simVerificationToken0000',
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: botAuthorizations(teamId),
    is_ext_shared_channel: options.isExtSharedChannel ?? false,
    event_context: eventContext,
  };
}

/**
 * Slack's v0 request signature (§1.1): `v0=` + hex HMAC-SHA256 over `v0:<ts>:<raw body>` keyed by the signing
 * secret as UTF-8.
 */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', Buffer.from(signingSecret, 'utf8'));
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** Tracks in-flight deliveries so that `stop()` can abort them. */
export class EventPoster {
  readonly #inFlight = new Set<http.ClientRequest>();
  #stopped = false;

  /** Delivers a signed Events API request; see `SlackSimulator.postEvent`. */
  post(requestUrl: string, body: object | string, options: PostEventOptions): Promise<PostEventResult> {
    if (this.#stopped) return Promise.reject(new Error('Slack simulator stopped'));
    const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? 'application/json',
      'content-length': String(raw.length),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(options.signingSecret, timestamp, raw),
      accept: '*/*',
    };
    // §1.5: retries carry the attempt number and why the previous attempt failed.
    if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
    if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const target = new URL(requestUrl);
    const transport = target.protocol === 'https:' ? https : http;

    return new Promise((resolve, reject) => {
      const started = performance.now();
      // agent: false → a fresh connection closed after the exchange, so no keep-alive socket outlives stop().
      const req = transport.request(target, { method: 'POST', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          this.#inFlight.delete(req);
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          this.#inFlight.delete(req);
          clearTimeout(timer);
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          });
        });
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`postEvent to ${requestUrl} got no complete response within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (error) => {
        this.#inFlight.delete(req);
        clearTimeout(timer);
        reject(error);
      });
      this.#inFlight.add(req);
      req.end(raw);
    });
  }

  /** Aborts in-flight deliveries. */
  close(): void {
    this.#stopped = true;
    for (const req of this.#inFlight) req.destroy(new Error('Slack simulator stopped'));
    this.#inFlight.clear();
  }
}
