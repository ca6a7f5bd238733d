import type { TraceRef, UserMapping } from './types.js';

/** What the access check decided for one link. */
export type AccessDecision =
  | { readonly kind: 'allowed'; readonly userToken: string }
  | { readonly kind: 'prompt'; readonly reason: 'not_mapped' | 'not_linked' }
  | { readonly kind: 'denied' };

/** The grant a link needs at least: `backend/scope`, or `backend` where the backend has no scopes. */
export function grantFor(ref: Pick<TraceRef, 'backendId' | 'scope'>): string {
  return ref.scope === undefined ? ref.backendId : `${ref.backendId}/${ref.scope}`;
}

/**
 * Whether grants allow a link: `backend` grants all of that backend, `backend/scope` one scope of
 * it. Nothing else matches — no prefixes, no wildcards — so a grant can never reach further
 * than it reads.
 */
export function grantsAllow(grants: readonly string[], ref: Pick<TraceRef, 'backendId' | 'scope'>): boolean {
  if (grants.includes(ref.backendId)) return true;
  return ref.scope !== undefined && grants.includes(`${ref.backendId}/${ref.scope}`);
}

/**
 * Narrows grants to those a narrower list also allows (a channel that shows only some scopes):
 * the result never allows more than either list.
 */
export function narrowGrants(grants: readonly string[], narrower: readonly string[]): string[] {
  const covered = (grant: string, list: readonly string[]) => {
    const slash = grant.indexOf('/');
    return list.includes(grant) || (slash > 0 && list.includes(grant.slice(0, slash)));
  };
  const out = new Set<string>();
  for (const g of grants) if (covered(g, narrower)) out.add(g);
  for (const n of narrower) if (covered(n, grants)) out.add(n);
  return [...out];
}

/**
 * Decide who sees what. An unfurl is a broadcast to the channel, so the sharer must be entitled
 * to the link's backend and scope: an employee of one customer must never see another's traces.
 *
 * - not linked (mapped or not) → prompt, so they can link (or learn to ask an admin);
 * - linked but not granted this backend/scope → denied: nothing is fetched, nothing is posted;
 * - linked and granted → allowed, posted with the user's own token.
 */
export function decideAccess(input: { readonly mapping: UserMapping | undefined; readonly userToken: string | undefined; readonly ref: Pick<TraceRef, 'backendId' | 'scope'>; readonly channelGrants?: readonly string[] }): AccessDecision {
  const { mapping, userToken, ref } = input;
  if (userToken === undefined) return { kind: 'prompt', reason: mapping === undefined ? 'not_mapped' : 'not_linked' };
  if (mapping === undefined) return { kind: 'denied' };
  const grants = input.channelGrants === undefined ? mapping.grants : narrowGrants(mapping.grants, input.channelGrants);
  if (!grantsAllow(grants, ref)) return { kind: 'denied' };
  return { kind: 'allowed', userToken };
}
