import type { UserMapping } from './types.js';

/** What the access check decided for one link. */
export type AccessDecision =
  | { readonly kind: 'allowed'; readonly userToken: string }
  | { readonly kind: 'prompt'; readonly reason: 'not_mapped' | 'not_linked' }
  | { readonly kind: 'denied' };

/** Whether a mapping grants a project. `'*'` grants every project. */
export function mappingAllows(mapping: UserMapping, project: string): boolean {
  return mapping.projects === '*' || mapping.projects.includes(project);
}

/**
 * Decide who sees what. An unfurl is a broadcast to the channel, so the sharer must be entitled
 * to the project: an employee of one customer must never see another's traces.
 *
 * - not linked (mapped or not) → prompt, so they can link (or learn to ask an admin);
 * - linked but not mapped to this project → denied: nothing is fetched, nothing is posted;
 * - linked and entitled → allowed, posted with the user's own token.
 */
export function decideAccess(input: { readonly mapping: UserMapping | undefined; readonly userToken: string | undefined; readonly project: string }): AccessDecision {
  const { mapping, userToken, project } = input;
  if (userToken === undefined) return { kind: 'prompt', reason: mapping === undefined ? 'not_mapped' : 'not_linked' };
  if (mapping === undefined || !mappingAllows(mapping, project)) return { kind: 'denied' };
  return { kind: 'allowed', userToken };
}
