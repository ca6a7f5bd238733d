import type { Command } from 'commander';
import type { Config } from '../../config/config.js';
import { LsslackError } from '../../domain/errors.js';
import type { ChannelPolicy, DetailLevel } from '../../domain/types.js';
import { TEAM_ID, formatTable, openAdminStore, parseGrants, requireTeam, unknownBackendWarnings } from '../admin-args.js';
import { configFor } from '../context.js';

/** A public (C…) or private (G…) channel, a DM (D…), or `*`: the workspace's default. */
const CHANNEL = /^([CGD][A-Z0-9]{2,}|\*)$/;
const LEVELS: readonly DetailLevel[] = ['full', 'summary', 'none'];

interface SetOptions {
  team?: string;
  detail?: string;
  externalDetail?: string;
  allow?: string;
  config?: string;
}

/**
 * `lsslack channels set|unset|list`: how much previews show in a channel (or by default in a
 * workspace) and which traces may be previewed there at all. Works on the store directly; a
 * running daemon reads policies on every preview, so changes apply at once.
 */
export function registerChannels(program: Command): void {
  const channels = program.command('channels').description('say how much trace previews show in a channel, or by default in a workspace');

  channels
    .command('set <channel>')
    .description('set a channel\'s policy (C…, G…, D…), or the workspace default with "*"; options not given keep their value')
    .option('--team <team-id>', 'Slack workspace id (T…), required')
    .option('--detail <level>', 'full, summary (duration, status and counts; no names) or none (no preview; with Work Objects only a card naming the link)')
    .option('--external-detail <level>', 'the level while the channel is shared with another organisation (default: the stricter of --detail and LSSLACK_DETAIL_EXTERNAL)')
    .option('--allow <grants>', 'channels only: previews here only of these backends/scopes, e.g. lightstep/payments (narrows what each sharer may show, never widens it)')
    .option('--config <file>', 'config file')
    .action(async (channel: string, opts: SetOptions) => {
      const team = requireTeam(opts.team);
      checkIds(channel, team);
      const detail = levelOf(opts.detail, '--detail');
      const externalDetail = levelOf(opts.externalDetail, '--external-detail');
      const grants = opts.allow === undefined ? undefined : parseGrants(opts.allow, '--allow');
      if (detail === undefined && externalDetail === undefined && grants === undefined) {
        throw new LsslackError('usage', 'Give at least one of --detail full|summary|none, --external-detail full|summary|none or --allow <grants>.');
      }
      if (channel === '*' && grants !== undefined) throw new LsslackError('usage', '--allow is per channel: a workspace default ("*") cannot narrow grants. Narrow what users may see with `lsslack users map --allow`.');
      const config = configFor({ config: opts.config });
      for (const warning of unknownBackendWarnings(grants ?? [], config)) process.stderr.write(`lsslack: warning: ${warning}\n`);
      const { store, close } = await openAdminStore(config);
      let policy: ChannelPolicy;
      try {
        const before = await store.findPolicy(team, channel);
        // Options not given keep what the policy had: `set --allow …` does not reset its detail.
        policy = withoutUndefined({
          teamId: team,
          channel,
          detail: detail ?? before?.detail,
          externalDetail: externalDetail ?? before?.externalDetail,
          grants: grants ?? before?.grants,
          setAt: new Date().toISOString(),
        });
        await store.putPolicy(policy);
      } finally {
        await close();
      }
      process.stdout.write(`${channel === '*' ? `Workspace ${team} default` : `Channel ${channel} (team ${team})`}: ${describe(policy, config)}.\n`);
    });

  channels
    .command('unset <channel>')
    .description('remove a channel\'s policy (or the workspace default "*"): the defaults apply again')
    .option('--team <team-id>', 'Slack workspace id (T…), required')
    .option('--config <file>', 'config file')
    .action(async (channel: string, opts: { team?: string; config?: string }) => {
      const team = requireTeam(opts.team);
      checkIds(channel, team);
      const { store, close } = await openAdminStore(configFor({ config: opts.config }));
      const removed = await store.removePolicy(team, channel).finally(close);
      if (!removed) throw new LsslackError('not_found', `No policy for ${channel} in team ${team}. See \`lsslack channels list\`.`);
      process.stdout.write(`Removed the policy of ${channel === '*' ? 'the workspace default' : channel} (team ${team}).\n`);
    });

  channels
    .command('list')
    .description('show channel policies and the defaults')
    .option('--json', 'machine-readable output')
    .option('--config <file>', 'config file')
    .action(async (opts: { json?: boolean; config?: string }) => {
      const config = configFor({ config: opts.config });
      const { store, close } = await openAdminStore(config);
      const policies = await store.listPolicies().finally(close);
      const sorted = [...policies].sort((a, b) => a.teamId.localeCompare(b.teamId) || (a.channel === '*' ? -1 : b.channel === '*' ? 1 : a.channel.localeCompare(b.channel)));
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify({ defaults: config.detailDefaults, policies: sorted }, null, 2)}\n`);
        return;
      }
      const defaults = `Defaults: ${config.detailDefaults.internal} in internal channels, ${config.detailDefaults.external} in channels shared outside (LSSLACK_DETAIL_INTERNAL, LSSLACK_DETAIL_EXTERNAL).\n`;
      if (sorted.length === 0) {
        process.stdout.write(`${defaults}No channel policies. Add one with: lsslack channels set <channel-id> --team <team-id> --detail full|summary|none\n`);
        return;
      }
      const rows = sorted.map((p) => [p.teamId, p.channel === '*' ? '* (workspace)' : p.channel, p.detail ?? '-', p.externalDetail ?? '-', p.grants?.join(',') ?? '-', p.setAt]);
      process.stdout.write(`${defaults}${formatTable([['TEAM', 'CHANNEL', 'DETAIL', 'EXTERNAL DETAIL', 'ONLY', 'SET AT'], ...rows])}`);
    });
}

function levelOf(value: string | undefined, flag: string): DetailLevel | undefined {
  if (value === undefined) return undefined;
  if (!(LEVELS as readonly string[]).includes(value)) throw new LsslackError('usage', `${flag} must be full, summary or none, not ${JSON.stringify(value.slice(0, 40))}.`);
  return value as DetailLevel;
}

function checkIds(channel: string, teamId: string): void {
  const problems: string[] = [];
  if (!CHANNEL.test(channel)) problems.push(`"${channel.slice(0, 40)}" is not a channel id (like C0123ABCD: channel details → About → Channel ID) or "*" (the workspace default; quote it in the shell)`);
  if (!TEAM_ID.test(teamId)) problems.push(`--team "${teamId.slice(0, 40)}" is not a Slack workspace id (like T0123ABCD)`);
  if (problems.length > 0) throw new LsslackError('usage', problems.join('; '));
}

function describe(policy: ChannelPolicy, config: Config): string {
  const parts: string[] = [];
  const inside = policy.detail ?? (policy.channel === '*' ? config.detailDefaults.internal : `the workspace default`);
  parts.push(`${inside} while internal`);
  parts.push(`${policy.externalDetail ?? (policy.detail === undefined ? 'the default' : `the stricter of ${policy.detail} and the default`)} while shared outside`);
  if (policy.grants !== undefined) parts.push(`only ${policy.grants.join(', ')}`);
  return parts.join('; ');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
