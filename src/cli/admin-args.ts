import { openConfiguredStore, type StoreHandle } from '../app/open-persistence.js';
import type { Config } from '../config/config.js';
import { LsslackError } from '../domain/errors.js';
import { createLogger } from './create-logger.js';

/** What the admin commands (`users`, `channels`) check their arguments against. */
export const TEAM_ID = /^[TE][A-Z0-9]{2,}$/;
/** `backend` or `backend/scope`: a backend id (config), then optionally one scope of it. */
const GRANT = /^[a-z0-9][a-z0-9_-]{0,31}(\/[^\s,/][^\s,]{0,199})?$/;

export function requireTeam(team: string | undefined): string {
  if (team === undefined || team === '') throw new LsslackError('usage', '--team <team-id> is required: the Slack workspace id (like T0123ABCD).');
  return team;
}

/** A comma-separated list of grants, checked and deduplicated; `flag` names the option in errors. */
export function parseGrants(list: string, flag: string): string[] {
  const grants = [...new Set(list.split(',').map((g) => g.trim()).filter((g) => g !== ''))];
  if (grants.length === 0) throw new LsslackError('usage', `${flag} needs at least one entry, e.g. ${flag} lightstep/checkout,jaeger`);
  const bad = grants.filter((g) => !GRANT.test(g));
  if (bad.length > 0) throw new LsslackError('usage', `Not a grant: ${bad.map((g) => JSON.stringify(g.slice(0, 80))).join(', ')}. A grant is a backend id (lowercase, as configured) or backend/scope, e.g. lightstep/checkout or grafana/tempo-prod.`);
  return grants;
}

/** Grants naming a backend that is not configured here do nothing until one is: say so, but keep them. */
export function unknownBackendWarnings(grants: readonly string[], config: Config): string[] {
  const configured = config.backends.map((b) => b.id);
  const unknown = [...new Set(grants.map((g) => g.split('/')[0]!).filter((id) => !configured.includes(id)))];
  if (unknown.length === 0 || configured.length === 0) return [];
  return [`no trace backend ${unknown.map((id) => `"${id}"`).join(', ')} is configured here (configured: ${configured.join(', ')}); ${unknown.length === 1 ? 'that grant does' : 'those grants do'} nothing until one is.`];
}

/** The configured store (lowdb file or PostgreSQL), with warnings (not info) logged to stderr. */
export async function openAdminStore(config: Config): Promise<StoreHandle> {
  return openConfiguredStore(config, createLogger('warn', 2));
}

/** Rows as aligned columns under a header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}
