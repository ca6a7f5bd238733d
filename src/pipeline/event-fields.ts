/** Reading untrusted event_callback bodies: only what has the expected type counts as present. */

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A non-empty string, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The workspace an event is for: `team_id`, or the first authorization's (org-wide installs). */
export function teamOf(body: Record<string, unknown>): string | undefined {
  const auth = Array.isArray(body.authorizations) ? body.authorizations[0] : undefined;
  return str(body.team_id) ?? (isObject(auth) ? str(auth.team_id) : undefined);
}
