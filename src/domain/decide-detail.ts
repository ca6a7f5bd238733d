import type { AudienceKind, ChannelPolicy, DetailLevel } from './types.js';

/** The detail levels when no admin said otherwise (LSSLACK_DETAIL_INTERNAL / LSSLACK_DETAIL_EXTERNAL). */
export interface DetailDefaults {
  readonly internal: DetailLevel;
  readonly external: DetailLevel;
}

/** Audiences outside the organisation (or unknown, which counts as outside). */
export function isOutside(audience: AudienceKind): boolean {
  return audience === 'external' || audience === 'unknown';
}

const REVEALS: Readonly<Record<DetailLevel, number>> = { none: 0, summary: 1, full: 2 };

/** The level that shows less. */
export function stricterOf(a: DetailLevel, b: DetailLevel): DetailLevel {
  return REVEALS[a] <= REVEALS[b] ? a : b;
}

/**
 * How much a preview may show in a conversation:
 *
 * - a composer preview is seen only by the person typing: always `full`;
 * - inside the organisation: the channel's `detail`, else the workspace's (`channels set '*'`),
 *   else LSSLACK_DETAIL_INTERNAL (`full`);
 * - outside (a Slack Connect channel, or a lookup that failed — the most restrictive reading):
 *   the channel's `externalDetail`, else the workspace's, else LSSLACK_DETAIL_EXTERNAL
 *   (`summary`) — and a channel's own `detail` still applies when it shows less. So a channel set
 *   to `full` while internal does not start showing everything the day it is shared with another
 *   company: that takes an explicit `--external-detail full`.
 */
export function decideDetail(input: { readonly audience: AudienceKind; readonly channelPolicy?: ChannelPolicy; readonly workspacePolicy?: ChannelPolicy; readonly defaults: DetailDefaults }): DetailLevel {
  const { audience, channelPolicy, workspacePolicy, defaults } = input;
  if (audience === 'composer') return 'full';
  if (!isOutside(audience)) return channelPolicy?.detail ?? workspacePolicy?.detail ?? defaults.internal;
  if (channelPolicy?.externalDetail !== undefined) return channelPolicy.externalDetail;
  const outside = workspacePolicy?.externalDetail ?? defaults.external;
  return channelPolicy?.detail === undefined ? outside : stricterOf(channelPolicy.detail, outside);
}
