import type { EventHandler } from './dispatch.js';

export interface RevocationHandlerOptions {
  readonly dropLink: (teamId: string, slackUserId: string, reason: string) => Promise<void>;
  readonly removeTeam: (teamId: string) => Promise<{ links: number; pending: number }>;
  /** Queued jobs of this workspace received before `at` are skipped. */
  readonly markUninstalled: (teamId: string, at: number) => void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `tokens_revoked`: the listed users' links are dropped (their tokens no longer work).
 * `app_uninstalled`: every link and pending unfurl of the workspace is removed.
 * Both are Slack's word on tokens; a later share simply prompts again.
 */
export function createRevocationHandlers(options: RevocationHandlerOptions): { tokens_revoked: EventHandler; app_uninstalled: EventHandler } {
  return {
    async tokens_revoked(body) {
      const team = typeof body.team_id === 'string' ? body.team_id : undefined;
      const event = isObject(body.event) ? body.event : {};
      const tokens = isObject(event.tokens) ? event.tokens : {};
      const users = Array.isArray(tokens.oauth) ? tokens.oauth.filter((u): u is string => typeof u === 'string') : [];
      if (team === undefined) return { kind: 'ignored', reason: 'tokens_revoked without team_id' };
      for (const user of users) await options.dropLink(team, user, 'tokens_revoked');
      return { kind: 'handled' };
    },
    async app_uninstalled(body, event) {
      const team = typeof body.team_id === 'string' ? body.team_id : undefined;
      if (team === undefined) return { kind: 'ignored', reason: 'app_uninstalled without team_id' };
      options.markUninstalled(team, event.receivedAt);
      await options.removeTeam(team);
      return { kind: 'handled' };
    },
  };
}
