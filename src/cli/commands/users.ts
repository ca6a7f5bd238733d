import type { Command } from 'commander';
import { LsslackError } from '../../domain/errors.js';
import type { UserMapping } from '../../domain/types.js';
import { TEAM_ID, formatTable, openAdminStore as openStore, parseGrants, requireTeam, unknownBackendWarnings } from '../admin-args.js';
import { configFor } from '../context.js';

const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;

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
      process.stdout.write(formatTable(table));
    });
}

/** The grants a `users map` gives: exactly one of --allow, --projects, --all-projects. */
export function grantsFrom(opts: Pick<MapOptions, 'allow' | 'projects' | 'allProjects'>): string[] {
  const given = [opts.allow !== undefined, opts.projects !== undefined, opts.allProjects === true].filter(Boolean).length;
  if (given !== 1) throw new LsslackError('usage', 'Give exactly one of --allow backend/scope,backend (e.g. --allow lightstep/checkout,jaeger), --projects p1,p2 (Lightstep projects) or --all-projects.');
  if (opts.allProjects === true) return ['lightstep'];
  const list = opts.allow ?? (opts.projects ?? '').split(',').map((p) => (p.trim() === '' ? '' : `lightstep/${p.trim()}`)).join(',');
  if (opts.allow === undefined && list.trim() === '') throw new LsslackError('usage', '--projects needs at least one entry, e.g. --projects checkout,payments');
  return parseGrants(list, '--allow');
}

function describeGrants(grants: readonly string[]): string {
  return grants.map((g) => (g.includes('/') ? g : `all of ${g}`)).join(', ');
}

function checkIds(slackUserId: string, teamId: string): void {
  const problems: string[] = [];
  if (!SLACK_ID.test(slackUserId)) problems.push(`"${slackUserId}" is not a Slack user id (like U0123ABCD; find it in the user's profile → ⋮ → Copy member ID)`);
  if (!TEAM_ID.test(teamId)) problems.push(`--team "${teamId}" is not a Slack workspace id (like T0123ABCD)`);
  if (problems.length > 0) throw new LsslackError('usage', problems.join('; '));
}
