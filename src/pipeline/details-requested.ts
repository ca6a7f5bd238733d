import { isObject, str, teamOf } from './event-fields.js';
import type { UnfurlJob } from '../domain/types.js';
import type { JobsOrProblem } from './link-shared.js';


/**
 * `entity_details_requested` (docs.slack.dev/reference/events/entity_details_requested): a viewer
 * opened the flexpane of one of our Work Object cards. One job, for that viewer: `user` is who
 * must be entitled, `trigger_id` is what the answer (`entity.presentDetails`) is bound to, and
 * `external_ref.id` must be echoed back. The trace is the link as posted (`app_unfurl_url`),
 * falling back to the entity's canonical URL.
 */
export function jobFromDetailsRequest(body: Record<string, unknown>, receivedAt: number): JobsOrProblem {
  const event = body.event;
  if (!isObject(event)) return { problem: 'event is not an object' };
  const eventId = str(body.event_id);
  const teamId = teamOf(body);
  const userId = str(event.user);
  const triggerId = str(event.trigger_id);
  const externalRefId = isObject(event.external_ref) ? str(event.external_ref.id) : undefined;
  const url = str(event.app_unfurl_url) ?? str(event.entity_url) ?? (isObject(event.link) ? str(event.link.url) : undefined);
  if (eventId === undefined) return { problem: 'event_id is missing' };
  if (teamId === undefined) return { problem: 'team_id is missing' };
  if (userId === undefined) return { problem: 'event.user is missing' };
  if (triggerId === undefined) return { problem: 'event.trigger_id is missing' };
  if (externalRefId === undefined) return { problem: 'event.external_ref.id is missing' };
  if (url === undefined) return { problem: 'event.app_unfurl_url is missing' };
  const channel = str(event.channel) ?? '';
  const messageTs = str(event.message_ts) ?? '';
  return {
    jobs: [
      {
        id: `${eventId}:details`,
        eventId,
        teamId,
        userId,
        channel,
        messageTs,
        target: { kind: 'message', channel, ts: messageTs },
        url,
        receivedAt,
        kind: 'details',
        triggerId,
        externalRefId,
      } satisfies UnfurlJob,
    ],
  };
}
