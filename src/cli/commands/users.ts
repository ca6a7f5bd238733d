import type { Command } from 'commander';
import { openConfiguredStore, type StoreHandle } from '../../app/open-persistence.js';
import type { Config } from '../../config/config.js';
import { createLogger } from '../create-logger.js';
import { LsslackError } from '../../domain/errors.js';
import type { UserMapping } from '../../domain/types.js';
import { configFor } from '../context.js';

const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;
const TEAM_ID = /^[TE][A-Z0-9]{2,}$/;
/** `backend` or `backend/scope`: a backend id (config), then optionally one scope of it. */
const GRANT = /^[a-z0-9][a-z0-9_-]{0,31}(\/[^\s,/][^\s,]{0,199})?$/;

interface MapOptions {
  team?: string;
  allow?: string;
  projects?: string;
  allProjects?: boolean;
  config?: string;
}

/** `lsslack users map|unmap|unlink|list`: who may see which traces. Works on the store directly; a running daemon sees changes at once. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('say which Slack users may see which trace backends (and which scopes of them)');

  users
    .command('map <slack-user-id> <trace-user>')
    .description('allow a Slack user to unfurl traces of some backends or scopes (replaces what they had)')
    .option('--team <team-id>', 'Slack workspace id (T…), required')
    .option('--allow <grants>', 'comma-separated grants: a backend id (all of it) or backend/scope, e.g. lightstep/checkout,jaeger,grafana/tempo-prod')
    .option('--projects <list>', 'comma-separated Lightstep projects of the backend "lightstep" (same as --allow lightstep/p1,lightstep/p2)')
    .option('--all-projects', 'every Lightstep project (same as --allow lightstep)')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, traceUser: string, opts: MapOptions) => {
      const team = requireTeam(opts.team);
      checkIds(slackUserId, team);
      const grants = grantsFrom(opts);
      if (traceUser.trim() === '') throw new LsslackError('usage', 'The trace user (their e-mail or user name in the trace tools) must not be empty.');
      const config = configFor({ config: opts.config });
      for (const warning of unknownBackendWarnings(grants, config)) process.stderr.write(`lsslack: warning: ${warning}\n`);
      const { store, close } = await openStore(config);
      const mapping: UserMapping = { teamId: team, slackUserId, traceUser, grants, mappedAt: new Date().toISOString() };
      try {
        await store.putMapping(mapping);
      } finally {
        await close();
      }
      process.stdout.write(`Mapped ${slackUserId} (team ${team}) to ${traceUser}: ${describeGrants(grants)}.\n`);
    });

  users
    .command('unmap <slack-user-id>')
    .description('remove a mapping (the user can no longer unfurl anything)')
    .option('--team <team-id>', 'Slack workspace id (T…), required')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, opts: { team?: string; config?: string }) => {
      const team = requireTeam(opts.team);
      checkIds(slackUserId, team);
      const { store, close } = await openStore(configFor({ config: opts.config }));
      const removed = await store.removeMapping(team, slackUserId).finally(close);
      if (!removed) throw new LsslackError('not_found', `No mapping for ${slackUserId} in team ${team}. See \`lsslack users list\`.`);
      process.stdout.write(`Unmapped ${slackUserId} (team ${team}).\n`);
    });

  users
    .command('unlink <slack-user-id>')
    .description("forget a user's completed Slack link (their stored token); they will be prompted again")
    .option('--team <team-id>', 'Slack workspace id (T…), required')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, opts: { team?: string; config?: string }) => {
      const team = requireTeam(opts.team);
      checkIds(slackUserId, team);
      const { store, close } = await openStore(configFor({ config: opts.config }));
      const removed = await store.removeLink(team, slackUserId).finally(close);
      if (!removed) throw new LsslackError('not_found', `${slackUserId} in team ${team} is not linked.`);
      process.stdout.write(`Unlinked ${slackUserId} (team ${team}).\n`);
    });

  users
    .command('list')
    .description('show mappings, their grants and link status (never tokens)')
    .option('--json', 'machine-readable output')
    .option('--config <file>', 'config file')
    .action(async (opts: { json?: boolean; config?: string }) => {
      const { store, close } = await openStore(configFor({ config: opts.config }));
      const [mappings, links] = await Promise.all([store.listMappings(), store.listLinks()]).finally(close);
      const rows = mappings.map((m) => {
        const link = links.find((l) => l.teamId === m.teamId && l.slackUserId === m.slackUserId);
        return { team: m.teamId, slackUser: m.slackUserId, traceUser: m.traceUser, grants: m.grants, mappedAt: m.mappedAt, linked: link !== undefined, linkedAt: link?.linkedAt, scope: link?.scope };
      });
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No users mapped yet. Add one with: lsslack users map <slack-user-id> <trace-user> --team <team-id> --allow <backend/scope,backend>\n');
        return;
      }
      const table = [['TEAM', 'SLACK USER', 'TRACE USER', 'GRANTS', 'LINKED'], ...rows.map((r) => [r.team, r.slackUser, r.traceUser, r.grants.join(','), r.linked ? `yes, ${r.linkedAt} (${r.scope})` : 'no'])];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      process.stdout.write(`${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
    });
}

/** The grants a `users map` gives: exactly one of --allow, --projects, --all-projects. */
export function grantsFrom(opts: Pick<MapOptions, 'allow' | 'projects' | 'allProjects'>): string[] {
  const given = [opts.allow !== undefined, opts.projects !== undefined, opts.allProjects === true].filter(Boolean).length;
  if (given !== 1) throw new LsslackError('usage', 'Give exactly one of --allow backend/scope,backend (e.g. --allow lightstep/checkout,jaeger), --projects p1,p2 (Lightstep projects) or --all-projects.');
  if (opts.allProjects === true) return ['lightstep'];
  const list = opts.allow ?? (opts.projects ?? '').split(',').map((p) => (p.trim() === '' ? '' : `lightstep/${p.trim()}`)).join(',');
  const grants = [...new Set(list.split(',').map((g) => g.trim()).filter((g) => g !== ''))];
  if (grants.length === 0) throw new LsslackError('usage', `${opts.allow !== undefined ? '--allow' : '--projects'} needs at least one entry, e.g. ${opts.allow !== undefined ? '--allow lightstep/checkout,jaeger' : '--projects checkout,payments'}`);
  const bad = grants.filter((g) => !GRANT.test(g));
  if (bad.length > 0) throw new LsslackError('usage', `Not a grant: ${bad.map((g) => JSON.stringify(g.slice(0, 80))).join(', ')}. A grant is a backend id (lowercase, as configured) or backend/scope, e.g. lightstep/checkout or grafana/tempo-prod.`);
  return grants;
}

/** Grants naming a backend that is not configured here do nothing until one is: say so, but keep them. */
function unknownBackendWarnings(grants: readonly string[], config: Config): string[] {
  const configured = config.backends.map((b) => b.id);
  const unknown = [...new Set(grants.map((g) => g.split('/')[0]!).filter((id) => !configured.includes(id)))];
  if (unknown.length === 0 || configured.length === 0) return [];
  return [`no trace backend ${unknown.map((id) => `"${id}"`).join(', ')} is configured here (configured: ${configured.join(', ')}); ${unknown.length === 1 ? 'that grant does' : 'those grants do'} nothing until one is.`];
}

function describeGrants(grants: readonly string[]): string {
  return grants.map((g) => (g.includes('/') ? g : `all of ${g}`)).join(', ');
}

function requireTeam(team: string | undefined): string {
  if (team === undefined || team === '') throw new LsslackError('usage', '--team <team-id> is required: the Slack workspace id (like T0123ABCD).');
  return team;
}

function checkIds(slackUserId: string, teamId: string): void {
  const problems: string[] = [];
  if (!SLACK_ID.test(slackUserId)) problems.push(`"${slackUserId}" is not a Slack user id (like U0123ABCD; find it in the user's profile → ⋮ → Copy member ID)`);
  if (!TEAM_ID.test(teamId)) problems.push(`--team "${teamId}" is not a Slack workspace id (like T0123ABCD)`);
  if (problems.length > 0) throw new LsslackError('usage', problems.join('; '));
}

/** The configured store (lowdb file or PostgreSQL), with warnings (not info) logged to stderr. */
async function openStore(config: Config): Promise<StoreHandle> {
  return openConfiguredStore(config, createLogger('warn', 2));
}
