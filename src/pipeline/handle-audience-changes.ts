import type { EventHandler } from './dispatch.js';
import { isObject, str, teamOf } from './event-fields.js';

/**
 * `channel_shared` / `channel_unshared` (docs.slack.dev/reference/events/channel_shared): a
 * channel gained or lost an outside organisation, so what lsslack knew of its audience is stale.
 * The next preview there asks Slack again (conversations.info) instead of waiting out the cache.
 */
export function createAudienceChangeHandlers(forget: (teamId: string, channel: string) => void): { channel_shared: EventHandler; channel_unshared: EventHandler } {
  const handler: EventHandler = async (body) => {
    const event = isObject(body.event) ? body.event : {};
    const team = teamOf(body);
    const channel = str(event.channel);
    if (team === undefined || channel === undefined) return { kind: 'ignored', reason: `${String(event.type)} without team_id or channel` };
    forget(team, channel);
    return { kind: 'handled' };
  };
  return { channel_shared: handler, channel_unshared: handler };
}
