import { isObject, str, teamOf } from './event-fields.js';
import type { UnfurlJob, UnfurlTarget } from '../domain/types.js';

/** Why a link_shared body could not be turned into jobs. */
export type JobsOrProblem = { readonly jobs: UnfurlJob[] } | { readonly problem: string };


/**
 * One job per link of a `link_shared` event (slack-platform.md §2). Composer links (typed, not yet
 * posted: channel "COMPOSER", opaque message_ts) are answered with unfurl_id + source; posted
 * messages with channel + ts.
 */
export function jobsFromLinkShared(body: Record<string, unknown>, receivedAt: number): JobsOrProblem {
  const event = body.event;
  if (!isObject(event)) return { problem: 'event is not an object' };
  const eventId = str(body.event_id);
  const teamId = teamOf(body);
  const userId = str(event.user);
  const channel = str(event.channel);
  const messageTs = str(event.message_ts);
  if (eventId === undefined) return { problem: 'event_id is missing' };
  if (teamId === undefined) return { problem: 'team_id is missing' };
  if (userId === undefined) return { problem: 'event.user is missing' };
  if (channel === undefined || messageTs === undefined) return { problem: 'event.channel or event.message_ts is missing' };
  if (!Array.isArray(event.links)) return { problem: 'event.links is not an array' };
  const target = targetOf(event, channel, messageTs);
  const urls = event.links.map((l) => (isObject(l) ? str(l.url) : undefined)).filter((u): u is string => u !== undefined);
  // The same URL twice in one message is one unfurl (the unfurls map is keyed by URL).
  const unique = [...new Set(urls)];
  // The envelope's own word that the channel is shared with another organisation (slack-platform.md §1.4).
  const extShared = body.is_ext_shared_channel === true || event.is_ext_shared_channel === true ? { extShared: true } : {};
  return {
    jobs: unique.map((url, index) => ({ id: `${eventId}:${index}`, eventId, teamId, userId, channel, messageTs, target, url, receivedAt, ...extShared })),
  };
}

function targetOf(event: Record<string, unknown>, channel: string, messageTs: string): UnfurlTarget {
  const unfurlId = str(event.unfurl_id);
  const source = str(event.source);
  if (unfurlId !== undefined && source !== undefined && (source === 'composer' || channel === 'COMPOSER')) {
    return { kind: 'composer', unfurlId, source };
  }
  return { kind: 'message', channel, ts: messageTs };
}
