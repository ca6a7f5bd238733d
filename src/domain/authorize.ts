import type { UserMapping } from './types.js';

/** What the access check decided for one link. */
export type AccessDecision =
  | { readonly kind: 'allowed'; readonly userToken?: string }
  | { readonly kind: 'prompt'; readonly reason: 'not_mapped' | 'not_linked' }
  | { readonly kind: 'denied' };

/** Whether a mapping grants a project. `'*'` grants every project. */
export function mappingAllows(mapping: UserMapping, project: string): boolean {
  return mapping.projects === '*' || mapping.projects.includes(project);
}

/**
 * Decide who sees what. An unfurl is a broadcast to the channel, so the sharer must be entitled
 * to the project; an employee of one customer must never see another's traces.
 *
 * - With linking required: not linked → prompt (mapped or not); linked but not entitled → denied
 *   (nothing is fetched, nothing posted); linked and entitled → allowed with the user's token.
 * - Without linking (mapping only): not mapped → prompt; mapped but not entitled → denied.
 */
export function decideAccess(input: {
  readonly mapping: UserMapping | undefined;
  readonly userToken: string | undefined;
  readonly project: string;
  readonly requireLink: boolean;
}): AccessDecision {
  const { mapping, userToken, project, requireLink } = input;
  if (requireLink) {
    if (userToken === undefined) return { kind: 'prompt', reason: mapping === undefined ? 'not_mapped' : 'not_linked' };
    if (mapping === undefined || !mappingAllows(mapping, project)) return { kind: 'denied' };
    return { kind: 'allowed', userToken };
  }
  if (mapping === undefined) return { kind: 'prompt', reason: 'not_mapped' };
  return mappingAllows(mapping, project) ? { kind: 'allowed' } : { kind: 'denied' };
}
