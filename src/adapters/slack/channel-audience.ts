import webApi from '@slack/web-api';
import type { AudienceDirectory, Logger } from '../../domain/ports.js';
import type { AudienceKind } from '../../domain/types.js';
import { slackLoggerFor } from './slack-logger.js';

const { WebClient } = webApi;

export interface ChannelAudienceOptions {
  readonly botToken: string;
  readonly apiUrl: string;
  readonly log: Logger;
  /** How long an answer is trusted (channel_shared / channel_unshared end it early). */
  readonly ttlMs?: number;
  /** How long a failed lookup counts as "unknown" before it is tried again. */
  readonly failureTtlMs?: number;
  readonly now?: () => number;
}

export interface ChannelAudience extends AudienceDirectory {
  /** The channel was shared or unshared: ask Slack again next time. */
  forget(teamId: string, channel: string): void;
}

/**
 * Who sees a conversation, from Slack's `conversations.info` (bot token; channels:read,
 * groups:read, im:read, mpim:read — docs.slack.dev) and its sharing flags, cached per channel. A
 * lookup that fails counts as `unknown`, which every policy treats like the most restrictive
 * audience (a channel shared outside), and is retried soon.
 */
const MAX_CHANNELS = 10_000;

export function createChannelAudience(options: ChannelAudienceOptions): ChannelAudience {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? 10 * 60_000;
  const failureTtl = options.failureTtlMs ?? 30_000;
  const log = options.log.child({ component: 'audience' });
  const client = new WebClient(options.botToken, { slackApiUrl: options.apiUrl, logger: slackLoggerFor(options.log, 'audience-sdk'), timeout: 5_000, retryConfig: { retries: 1 }, rejectRateLimitedCalls: true });
  const cache = new Map<string, { kind: AudienceKind; until: number }>();
  const inFlight = new Map<string, Promise<AudienceKind>>();
  const remember = (key: string, kind: AudienceKind, forMs: number) => {
    // Bounded: the oldest answer goes first (Maps keep insertion order).
    if (cache.size >= MAX_CHANNELS && !cache.has(key)) cache.delete(cache.keys().next().value!);
    cache.set(key, { kind, until: now() + forMs });
  };

  const lookup = async (key: string, channel: string): Promise<AudienceKind> => {
    try {
      const result = await client.conversations.info({ channel });
      const kind = audienceOfFlags((result.channel ?? {}) as Flags);
      remember(key, kind, ttl);
      return kind;
    } catch (error) {
      const e = error as { data?: { error?: string }; message?: string };
      log.warn({ channel, slackError: e.data?.error ?? e.message }, 'conversations.info failed: previews there are shown as to an outside audience until it works');
      remember(key, 'unknown', failureTtl);
      return 'unknown';
    }
  };

  return {
    async audienceOf(teamId, channel, hint) {
      // The event itself said the channel is shared outside: no lookup can make it more private.
      if (hint?.extShared === true) return 'external';
      const key = `${teamId}\u0000${channel}`;
      const hit = cache.get(key);
      if (hit !== undefined && hit.until > now()) return hit.kind;
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = lookup(key, channel).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    forget(teamId, channel) {
      cache.delete(`${teamId}\u0000${channel}`);
    },
  };
}

interface Flags {
  readonly is_im?: boolean;
  readonly is_mpim?: boolean;
  readonly is_private?: boolean;
  readonly is_shared?: boolean;
  readonly is_ext_shared?: boolean;
  readonly is_org_shared?: boolean;
  readonly is_pending_ext_shared?: boolean;
}

/**
 * Slack's flags, most restrictive first: shared with another organisation (or about to be), or
 * shared in a way that is neither that nor across one's own Enterprise org, is outside.
 */
export function audienceOfFlags(f: Flags): AudienceKind {
  if (f.is_ext_shared === true || f.is_pending_ext_shared === true) return 'external';
  if (f.is_shared === true && f.is_org_shared !== true) return 'external';
  if (f.is_im === true) return 'dm';
  if (f.is_mpim === true) return 'mpim';
  if (f.is_org_shared === true) return 'org_shared';
  if (f.is_private === true) return 'private';
  return 'internal';
}
