import type { Command } from 'commander';
import { openConfiguredStore, type StoreHandle } from '../../app/open-persistence.js';
import { createLogger } from '../create-logger.js';
import { LsslackError } from '../../domain/errors.js';
import type { UserMapping } from '../../domain/types.js';
import { configFor } from '../context.js';

const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;
const TEAM_ID = /^[TE][A-Z0-9]{2,}$/;

/** `lsslack users map|unmap|unlink|list`: who may see which project's traces. Works on the store directly; a running daemon sees changes at once. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('map Slack users to Lightstep users and the projects they may see');

  users
    .command('map <slack-user-id> <lightstep-user>')
    .description('allow a Slack user to unfurl traces of some projects (or all)')
    .requiredOption('--team <team-id>', 'Slack workspace id (T…)')
    .option('--projects <list>', 'comma-separated Lightstep project names')
    .option('--all-projects', 'allow every project')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, lightstepUser: string, opts: { team: string; projects?: string; allProjects?: boolean; config?: string }) => {
      checkIds(slackUserId, opts.team);
      if ((opts.projects === undefined) === (opts.allProjects !== true)) {
        throw new LsslackError('usage', 'Give exactly one of --projects p1,p2 or --all-projects.');
      }
      const projects = opts.allProjects === true ? '*' : parseProjects(opts.projects ?? '');
      if (lightstepUser.trim() === '') throw new LsslackError('usage', 'The Lightstep user must not be empty.');
      const { store, close } = await openStore(opts.config);
      const mapping: UserMapping = { teamId: opts.team, slackUserId, lightstepUser, projects, mappedAt: new Date().toISOString() };
      await store.putMapping(mapping);
      await close();
      process.stdout.write(`Mapped ${slackUserId} (team ${opts.team}) to ${lightstepUser}: ${projects === '*' ? 'all projects' : `projects ${projects.join(', ')}`}.\n`);
    });

  users
    .command('unmap <slack-user-id>')
    .description('remove a mapping (the user can no longer unfurl anything)')
    .requiredOption('--team <team-id>', 'Slack workspace id (T…)')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, opts: { team: string; config?: string }) => {
      checkIds(slackUserId, opts.team);
      const { store, close } = await openStore(opts.config);
      const removed = await store.removeMapping(opts.team, slackUserId);
      await close();
      if (!removed) throw new LsslackError('not_found', `No mapping for ${slackUserId} in team ${opts.team}. See \`lsslack users list\`.`);
      process.stdout.write(`Unmapped ${slackUserId} (team ${opts.team}).\n`);
    });

  users
    .command('unlink <slack-user-id>')
    .description("forget a user's completed Slack link (their stored token); they will be prompted again")
    .requiredOption('--team <team-id>', 'Slack workspace id (T…)')
    .option('--config <file>', 'config file')
    .action(async (slackUserId: string, opts: { team: string; config?: string }) => {
      checkIds(slackUserId, opts.team);
      const { store, close } = await openStore(opts.config);
      const removed = await store.removeLink(opts.team, slackUserId);
      await close();
      if (!removed) throw new LsslackError('not_found', `${slackUserId} in team ${opts.team} is not linked.`);
      process.stdout.write(`Unlinked ${slackUserId} (team ${opts.team}).\n`);
    });

  users
    .command('list')
    .description('show mappings and link status (never tokens)')
    .option('--json', 'machine-readable output')
    .option('--config <file>', 'config file')
    .action(async (opts: { json?: boolean; config?: string }) => {
      const { store, close } = await openStore(opts.config);
      const [mappings, links] = await Promise.all([store.listMappings(), store.listLinks()]);
      await close();
      const rows = mappings.map((m) => {
        const link = links.find((l) => l.teamId === m.teamId && l.slackUserId === m.slackUserId);
        return { team: m.teamId, slackUser: m.slackUserId, lightstepUser: m.lightstepUser, projects: m.projects, mappedAt: m.mappedAt, linked: link !== undefined, linkedAt: link?.linkedAt, scope: link?.scope };
      });
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No users mapped yet. Add one with: lsslack users map <slack-user-id> <lightstep-user> --team <team-id> --projects <p1,p2>\n');
        return;
      }
      const table = [['TEAM', 'SLACK USER', 'LIGHTSTEP USER', 'PROJECTS', 'LINKED'], ...rows.map((r) => [r.team, r.slackUser, r.lightstepUser, r.projects === '*' ? '(all)' : r.projects.join(','), r.linked ? `yes, ${r.linkedAt} (${r.scope})` : 'no'])];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      process.stdout.write(`${table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
    });
}

function checkIds(slackUserId: string, teamId: string): void {
  const problems: string[] = [];
  if (!SLACK_ID.test(slackUserId)) problems.push(`"${slackUserId}" is not a Slack user id (like U0123ABCD; find it in the user's profile → ⋮ → Copy member ID)`);
  if (!TEAM_ID.test(teamId)) problems.push(`--team "${teamId}" is not a Slack workspace id (like T0123ABCD)`);
  if (problems.length > 0) throw new LsslackError('usage', problems.join('; '));
}

function parseProjects(list: string): string[] {
  const projects = [...new Set(list.split(',').map((p) => p.trim()).filter((p) => p !== ''))];
  if (projects.length === 0) throw new LsslackError('usage', '--projects needs at least one project name, e.g. --projects checkout,payments');
  return projects;
}

/** The configured store (lowdb file or PostgreSQL), with warnings (not info) logged to stderr. */
async function openStore(file: string | undefined): Promise<StoreHandle> {
  return openConfiguredStore(configFor({ config: file }), createLogger('warn', 2));
}
