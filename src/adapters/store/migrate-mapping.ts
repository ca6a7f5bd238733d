import type { UserMapping } from '../../domain/types.js';

/** A mapping as releases before trace backends wrote it: Lightstep projects only. */
interface LegacyMapping {
  readonly teamId: string;
  readonly slackUserId: string;
  readonly lightstepUser: string;
  readonly projects: readonly string[] | '*';
  readonly mappedAt: string;
}

/**
 * Brings a stored mapping to the current shape. Projects were always Lightstep projects of the
 * one Lightstep backend, so `[a, b]` becomes the grants `lightstep/a, lightstep/b` and `'*'`
 * (every project) the grant `lightstep`: nobody sees more, or less, than before.
 */
export function migrateMapping(stored: UserMapping | LegacyMapping): UserMapping {
  if (!('projects' in stored) || 'grants' in stored) return stored as UserMapping;
  const grants = stored.projects === '*' ? ['lightstep'] : stored.projects.map((p) => `lightstep/${p}`);
  return { teamId: stored.teamId, slackUserId: stored.slackUserId, traceUser: stored.lightstepUser, grants, mappedAt: stored.mappedAt };
}
