import type pg from 'pg';
import type { ChannelPolicy, DetailLevel, UnfurlTarget, UserMapping } from '../../../domain/types.js';
import type { OAuthState, PendingUnfurl, Store, StoredLink } from '../store.js';
import { storeUnavailable } from './pg-pool.js';

interface MappingRow { team_id: string; slack_user_id: string; trace_user: string; grants: string[]; mapped_at: string }
interface PolicyRow { team_id: string; channel: string; detail: DetailLevel | null; external_detail: DetailLevel | null; grants: string[] | null; set_at: string }
const toPolicy = (r: PolicyRow): ChannelPolicy => ({
  teamId: r.team_id,
  channel: r.channel,
  ...(r.detail === null ? {} : { detail: r.detail }),
  ...(r.external_detail === null ? {} : { externalDetail: r.external_detail }),
  ...(r.grants === null ? {} : { grants: r.grants }),
  setAt: r.set_at,
});
interface LinkRow { team_id: string; slack_user_id: string; team_name: string; scope: string; token_cipher: string; refresh_token_cipher: string | null; expires_at: string | null; linked_at: string }
interface PendingRow { id: string; team_id: string; slack_user_id: string; channel: string; message_ts: string; target: UnfurlTarget; url: string; event_id: string; created_at: string; expires_at: string }

const toMapping = (r: MappingRow): UserMapping => ({ teamId: r.team_id, slackUserId: r.slack_user_id, traceUser: r.trace_user, grants: r.grants, mappedAt: r.mapped_at });
const toLink = (r: LinkRow): StoredLink => ({
  teamId: r.team_id,
  slackUserId: r.slack_user_id,
  teamName: r.team_name,
  scope: r.scope,
  tokenCipher: r.token_cipher,
  ...(r.refresh_token_cipher === null ? {} : { refreshTokenCipher: r.refresh_token_cipher }),
  ...(r.expires_at === null ? {} : { expiresAt: Number(r.expires_at) }),
  linkedAt: r.linked_at,
});
const toPending = (r: PendingRow): PendingUnfurl => ({
  id: r.id, teamId: r.team_id, slackUserId: r.slack_user_id, channel: r.channel, messageTs: r.message_ts,
  target: r.target, url: r.url, eventId: r.event_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
});

/**
 * The Store on PostgreSQL, shared by every replica. Single-use marks, state and pending unfurls
 * are taken with `DELETE … RETURNING` / `INSERT … ON CONFLICT DO NOTHING RETURNING`, so two
 * replicas can never both consume the same one.
 */
export function createPgStore(pool: pg.Pool, now: () => number = Date.now): Store {
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> => {
    try {
      return await pool.query<R>(sql, params);
    } catch (error) {
      throw storeUnavailable(error);
    }
  };
  const putMapping = (m: UserMapping) =>
    q('INSERT INTO mappings (team_id, slack_user_id, trace_user, grants, mapped_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (team_id, slack_user_id) DO UPDATE SET trace_user=EXCLUDED.trace_user, grants=EXCLUDED.grants, mapped_at=EXCLUDED.mapped_at', [m.teamId, m.slackUserId, m.traceUser, JSON.stringify(m.grants), m.mappedAt]);
  const putLink = (l: StoredLink) =>
    q('INSERT INTO links (team_id, slack_user_id, team_name, scope, token_cipher, refresh_token_cipher, expires_at, linked_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (team_id, slack_user_id) DO UPDATE SET team_name=EXCLUDED.team_name, scope=EXCLUDED.scope, token_cipher=EXCLUDED.token_cipher, refresh_token_cipher=EXCLUDED.refresh_token_cipher, expires_at=EXCLUDED.expires_at, linked_at=EXCLUDED.linked_at', [l.teamId, l.slackUserId, l.teamName, l.scope, l.tokenCipher, l.refreshTokenCipher ?? null, l.expiresAt ?? null, l.linkedAt]);
  const putPending = (p: PendingUnfurl) =>
    q('INSERT INTO pending_unfurls (id, team_id, slack_user_id, channel, message_ts, target, url, event_id, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (team_id, channel, message_ts, url) DO UPDATE SET id=EXCLUDED.id, slack_user_id=EXCLUDED.slack_user_id, target=EXCLUDED.target, event_id=EXCLUDED.event_id, created_at=EXCLUDED.created_at, expires_at=EXCLUDED.expires_at', [p.id, p.teamId, p.slackUserId, p.channel, p.messageTs, JSON.stringify(p.target), p.url, p.eventId, p.createdAt, p.expiresAt]);

  const putPolicy = (p: ChannelPolicy) =>
    q('INSERT INTO channel_policies (team_id, channel, detail, external_detail, grants, set_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (team_id, channel) DO UPDATE SET detail=EXCLUDED.detail, external_detail=EXCLUDED.external_detail, grants=EXCLUDED.grants, set_at=EXCLUDED.set_at', [p.teamId, p.channel, p.detail ?? null, p.externalDetail ?? null, p.grants === undefined ? null : JSON.stringify(p.grants), p.setAt]);

  return {
    async listPolicies() {
      return (await q<PolicyRow>('SELECT * FROM channel_policies ORDER BY team_id, channel')).rows.map(toPolicy);
    },
    async findPolicy(teamId, channel) {
      const row = (await q<PolicyRow>('SELECT * FROM channel_policies WHERE team_id=$1 AND channel=$2', [teamId, channel])).rows[0];
      return row === undefined ? undefined : toPolicy(row);
    },
    async putPolicy(p) {
      await putPolicy(p);
    },
    async removePolicy(teamId, channel) {
      return ((await q('DELETE FROM channel_policies WHERE team_id=$1 AND channel=$2', [teamId, channel])).rowCount ?? 0) > 0;
    },
    async listMappings() {
      return (await q<MappingRow>('SELECT * FROM mappings ORDER BY team_id, slack_user_id')).rows.map(toMapping);
    },
    async findMapping(teamId, userId) {
      const row = (await q<MappingRow>('SELECT * FROM mappings WHERE team_id=$1 AND slack_user_id=$2', [teamId, userId])).rows[0];
      return row === undefined ? undefined : toMapping(row);
    },
    async putMapping(m) {
      await putMapping(m);
    },
    async removeMapping(teamId, userId) {
      return ((await q('DELETE FROM mappings WHERE team_id=$1 AND slack_user_id=$2', [teamId, userId])).rowCount ?? 0) > 0;
    },
    async listLinks() {
      return (await q<LinkRow>('SELECT * FROM links ORDER BY team_id, slack_user_id')).rows.map(toLink);
    },
    async findLink(teamId, userId) {
      const row = (await q<LinkRow>('SELECT * FROM links WHERE team_id=$1 AND slack_user_id=$2', [teamId, userId])).rows[0];
      return row === undefined ? undefined : toLink(row);
    },
    async putLink(l) {
      await putLink(l);
    },
    async removeLink(teamId, userId) {
      return ((await q('DELETE FROM links WHERE team_id=$1 AND slack_user_id=$2', [teamId, userId])).rowCount ?? 0) > 0;
    },
    async removeTeam(teamId) {
      const links = (await q('DELETE FROM links WHERE team_id=$1', [teamId])).rowCount ?? 0;
      const pending = (await q('DELETE FROM pending_unfurls WHERE team_id=$1', [teamId])).rowCount ?? 0;
      await q('DELETE FROM jobs WHERE job->>\'teamId\' = $1', [teamId]);
      return { links, pending };
    },
    async consumeOnce(id, expiresAt) {
      await q('DELETE FROM used_once WHERE expires_at <= $1', [now()]);
      return ((await q('INSERT INTO used_once (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id', [id, expiresAt])).rowCount ?? 0) === 1;
    },
    async isUsed(id) {
      return ((await q('SELECT 1 FROM used_once WHERE id = $1 AND expires_at > $2', [id, now()])).rowCount ?? 0) > 0;
    },
    async putState(state: OAuthState) {
      await q('DELETE FROM oauth_states WHERE expires_at <= $1', [now()]);
      await q('INSERT INTO oauth_states (id, session_id, team_id, slack_user_id, expires_at) VALUES ($1,$2,$3,$4,$5)', [state.id, state.sessionId, state.teamId, state.slackUserId, state.expiresAt]);
    },
    async takeState(id) {
      const row = (await q<{ id: string; session_id: string; team_id: string; slack_user_id: string; expires_at: string }>('DELETE FROM oauth_states WHERE id=$1 RETURNING *', [id])).rows[0];
      return row === undefined ? undefined : { id: row.id, sessionId: row.session_id, teamId: row.team_id, slackUserId: row.slack_user_id, expiresAt: Number(row.expires_at) };
    },
    async putPending(p) {
      await putPending(p);
    },
    async takePending(teamId, userId) {
      return (await q<PendingRow>('DELETE FROM pending_unfurls WHERE team_id=$1 AND slack_user_id=$2 AND expires_at > $3 RETURNING *', [teamId, userId, now()])).rows.map(toPending);
    },
    async countPending() {
      return Number((await q<{ n: string }>('SELECT count(*) AS n FROM pending_unfurls WHERE expires_at > $1', [now()])).rows[0]?.n ?? 0);
    },
    async exportData() {
      const [mappings, links, pending, policies] = await Promise.all([
        q<MappingRow>('SELECT * FROM mappings ORDER BY team_id, slack_user_id'),
        q<LinkRow>('SELECT * FROM links ORDER BY team_id, slack_user_id'),
        q<PendingRow>('SELECT * FROM pending_unfurls ORDER BY created_at'),
        q<PolicyRow>('SELECT * FROM channel_policies ORDER BY team_id, channel'),
      ]);
      return { version: 2, mappings: mappings.rows.map(toMapping), links: links.rows.map(toLink), pending: pending.rows.map(toPending), policies: policies.rows.map(toPolicy) };
    },
    async importData(snapshot) {
      for (const m of snapshot.mappings) await putMapping(m);
      for (const l of snapshot.links) await putLink(l);
      for (const p of snapshot.pending) await putPending(p);
      for (const p of snapshot.policies ?? []) await putPolicy(p);
    },
    async ping() {
      await q('SELECT 1');
    },
    async close() {
      // The pool belongs to the persistence bundle, which ends it once.
    },
  };
}
