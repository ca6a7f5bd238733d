/**
 * Conversations known to the simulator and the conversation objects `conversations.info` answers with
 * (slack-platform.md §9 "Audiences"). Shapes follow the examples on docs.slack.dev/reference/methods/conversations.info
 * (a channel, and the shorter 1:1 IM object) and the field notes of docs.slack.dev/reference/objects/conversation-object.
 */

import type { SimConfig } from './config.js';
import type { ApiAnswer } from './oauth.js';
import type { ConversationInfo } from './types.js';

/** When every simulated conversation was "created": a fixed instant keeps answers deterministic. */
const CREATED = 1_700_000_000;

interface StoredConversation {
  readonly info: Readonly<ConversationInfo>;
  /** Epoch ms of the last `setConversation`; Slack's `updated` is in milliseconds. */
  readonly updated: number;
}

/** Conversation registry plus the per-channel lookup counter used by cache tests. */
export class Conversations {
  readonly #config: SimConfig;
  readonly #known = new Map<string, StoredConversation>();
  readonly #lookups = new Map<string, number>();
  #totalLookups = 0;
  readonly #startedAt = Date.now();

  constructor(config: SimConfig) {
    this.#config = config;
  }

  /** See `SlackSimulator.setConversation`. */
  set(id: string, info: ConversationInfo): void {
    if (typeof id !== 'string' || id === '') throw new TypeError('setConversation: id must be a non-empty string');
    if (info.isIm === true && info.isMpim === true) {
      throw new TypeError('setConversation: a conversation cannot be both an IM and a group DM (isIm and isMpim)');
    }
    this.#known.set(id, { info: { ...info }, updated: Date.now() });
  }

  /** Counts one `conversations.info` request, whatever its answer (faults included). */
  countLookup(channel: string): void {
    this.#totalLookups += 1;
    this.#lookups.set(channel, (this.#lookups.get(channel) ?? 0) + 1);
  }

  /** See `SlackSimulator.conversationLookups`. */
  lookups(channel?: string): number {
    return channel === undefined ? this.#totalLookups : (this.#lookups.get(channel) ?? 0);
  }

  /** The `conversations.info` answer for `id`. */
  info(id: string, includeLocale: boolean): ApiAnswer {
    const stored = this.#known.get(id);
    const fallback = this.#config.defaultConversation;
    if (stored === undefined && fallback === 'not_found') return { ok: false, error: 'channel_not_found' };
    const info = stored?.info ?? (fallback as Readonly<ConversationInfo>);
    const updated = stored?.updated ?? this.#startedAt;
    const channel = info.isIm === true ? this.#imObject(id, info, updated) : this.#channelObject(id, info, updated);
    // include_locale adds the conversation's locale (docs.slack.dev/reference/methods/conversations.info).
    if (includeLocale) channel.locale = 'en-US';
    return { ok: true, channel };
  }

  /** Public and private channels and group DMs share the long shape of the docs' first example. */
  #channelObject(id: string, info: Readonly<ConversationInfo>, updated: number): Record<string, unknown> {
    const isMpim = info.isMpim === true;
    // Group DMs are always private; the docs' conversation object says so for is_private.
    const isPrivate = isMpim || info.isPrivate === true;
    // Private channels created before March 2021 have G ids and are "groups" (docs.slack.dev/reference/objects/
    // group-object): `is_channel: false`, `is_group: true`; group DMs also report `is_group: true`. Newer private
    // channels are channels with `is_private: true`.
    const legacyGroup = isPrivate && !isMpim && id.startsWith('G');
    const isChannel = !isMpim && !legacyGroup;
    const isExtShared = info.isExtShared === true;
    const isOrgShared = info.isOrgShared === true;
    const isShared = info.isShared ?? (isExtShared || isOrgShared);
    const name =
      info.name ?? (isMpim ? 'mpdm-u0simuser--u0simother--u0simthird-1' : `sim-${id.toLowerCase()}`);
    const teamId = this.#config.teamId;
    return {
      id,
      name,
      is_channel: isChannel,
      is_group: isMpim || legacyGroup,
      is_im: false,
      is_mpim: isMpim,
      is_private: isPrivate,
      created: CREATED,
      is_archived: false,
      is_general: false,
      unlinked: 0,
      name_normalized: name,
      is_shared: isShared,
      is_org_shared: isOrgShared,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: teamId,
      updated,
      parent_conversation: null,
      creator: 'U0SIMUSER',
      is_ext_shared: isExtShared,
      // The external organisation of a Slack Connect channel is not one of the installation's teams.
      shared_team_ids: [teamId],
      pending_connected_team_ids: [],
      is_member: true,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
    };
  }

  /**
   * A 1:1 DM comes back in the docs' short `success_im` shape: `is_im: true` and `user`, but no `name`,
   * `is_channel`, `is_private` or `is_ext_shared` (so code that reads `is_private` alone misclassifies DMs).
   * A DM with someone from another organisation also reports `is_ext_shared`/`is_shared` when set.
   */
  #imObject(id: string, info: Readonly<ConversationInfo>, updated: number): Record<string, unknown> {
    const channel: Record<string, unknown> = {
      id,
      created: CREATED,
      is_archived: false,
      is_im: true,
      is_org_shared: info.isOrgShared === true,
      context_team_id: this.#config.teamId,
      updated,
      user: info.user ?? 'U0SIMUSER',
      is_user_deleted: false,
      priority: 0,
    };
    if (info.isExtShared === true) channel.is_ext_shared = true;
    if ((info.isShared ?? (info.isExtShared === true || info.isOrgShared === true)) === true) channel.is_shared = true;
    return channel;
  }
}
