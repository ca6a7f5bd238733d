/**
 * OAuth v2 side of the simulator: the browser authorize page, `oauth.v2.access` (code exchange and token
 * refresh) and the registry of every token the simulator knows (slack-platform.md §5.1–5.2).
 */

import type { ServerResponse } from 'node:http';
import type { SimConfig } from './config.js';
import { randomDigits, randomHex } from './config.js';
import type { AuthorizeIdentity, IssuedUserToken } from './types.js';

/** A code is valid for 10 minutes after the redirect (§5.1). */
const CODE_TTL_MS = 10 * 60 * 1000;
/** Rotating access tokens live 12 h (§5.2). */
const ROTATING_EXPIRES_IN_S = 43_200;

interface Identity {
  userId: string;
  teamId: string;
  teamName: string;
}

interface UserTokenRecord extends Identity {
  token: string;
  scope: string;
  /** Epoch ms; only for rotating tokens. */
  expiresAt?: number;
}

interface CodeRecord {
  identity: Identity;
  redirectUri: string;
  userScope: string;
  botScope: string;
  expiresAt: number;
}

interface RefreshRecord extends Identity {
  scope: string;
}

/** How a presented token authenticates. */
export type TokenCheck =
  | { kind: 'bot' }
  | { kind: 'app' }
  | { kind: 'user'; record: Readonly<UserTokenRecord> }
  | { kind: 'error'; error: 'not_authed' | 'invalid_auth' | 'token_revoked' | 'token_expired' };

/** A JSON answer for a Web API method. */
export type ApiAnswer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** OAuth v2 state: codes, user tokens, refresh tokens, revocations. */
export class OAuthState {
  readonly #config: SimConfig;
  #identity: Identity;
  #denyNext = false;
  readonly #codes = new Map<string, CodeRecord>();
  readonly #userTokens = new Map<string, UserTokenRecord>();
  readonly #refreshTokens = new Map<string, RefreshRecord>();
  readonly #revoked = new Set<string>();
  readonly #expired = new Set<string>();

  constructor(config: SimConfig) {
    this.#config = config;
    this.#identity = { userId: 'U0SIMUSER', teamId: config.teamId, teamName: config.teamName };
  }

  /** Sets who "clicks Allow" on the following authorize requests. */
  authorizeAs(identity: AuthorizeIdentity): void {
    const teamId = identity.teamId ?? this.#config.teamId;
    const teamName =
      identity.teamName ?? (teamId === this.#config.teamId ? this.#config.teamName : `Workspace ${teamId}`);
    this.#identity = { userId: identity.userId, teamId, teamName };
  }

  /** Makes the next authorize request answer `error=access_denied` (the user clicked Cancel). */
  denyNextAuthorization(): void {
    this.#denyNext = true;
  }

  /** Later calls with `token` answer `token_revoked`. */
  revokeToken(token: string): void {
    this.#revoked.add(token);
  }

  /** Later calls with `token` answer `token_expired`. */
  expireToken(token: string): void {
    this.#expired.add(token);
  }

  /** Every user token issued so far (revoked or not). */
  userTokens(): IssuedUserToken[] {
    return [...this.#userTokens.values()].map((r) => ({
      token: r.token,
      userId: r.userId,
      teamId: r.teamId,
      scope: r.scope,
    }));
  }

  /** Classifies a token presented to the Web API. Revocation/expiry wins over everything else. */
  checkToken(token: string | undefined): TokenCheck {
    if (token === undefined || token === '') return { kind: 'error', error: 'not_authed' };
    if (this.#revoked.has(token)) return { kind: 'error', error: 'token_revoked' };
    if (this.#expired.has(token)) return { kind: 'error', error: 'token_expired' };
    if (token === this.#config.botToken) return { kind: 'bot' };
    if (token === this.#config.appToken) return { kind: 'app' };
    const record = this.#userTokens.get(token);
    if (record === undefined) return { kind: 'error', error: 'invalid_auth' };
    if (record.expiresAt !== undefined && Date.now() >= record.expiresAt) {
      return { kind: 'error', error: 'token_expired' };
    }
    return { kind: 'user', record };
  }

  /**
   * `GET /oauth/v2/authorize`: validates the request like Slack's consent page would, then simulates the user's
   * decision with a 302 to `redirect_uri` (§5.1). There is no HTML consent step: tests follow the redirect.
   */
  handleAuthorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const clientId = q.get('client_id');
    if (clientId !== this.#config.clientId) {
      this.#errorPage(res, 'invalid_client_id', `Unknown client_id ${JSON.stringify(clientId ?? '')}.`);
      return;
    }
    const redirectUri = q.get('redirect_uri') ?? '';
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      this.#errorPage(res, 'bad_redirect_uri', 'redirect_uri must be an absolute http(s) URL.');
      return;
    }
    if ((target.protocol !== 'http:' && target.protocol !== 'https:') || target.hash !== '') {
      // Slack also forbids fragments in redirect URLs (§5.1).
      this.#errorPage(res, 'bad_redirect_uri', 'redirect_uri must be an absolute http(s) URL without #.');
      return;
    }
    const state = q.get('state');
    if (this.#denyNext) {
      this.#denyNext = false;
      target.searchParams.set('error', 'access_denied');
    } else {
      this.#pruneCodes();
      const code = `${randomDigits(10)}.${randomDigits(13)}.${randomHex(32)}`;
      this.#codes.set(code, {
        identity: { ...this.#identity },
        redirectUri,
        userScope: q.get('user_scope') ?? '',
        botScope: q.get('scope') ?? '',
        expiresAt: Date.now() + CODE_TTL_MS,
      });
      target.searchParams.set('code', code);
    }
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString(), 'content-type': 'text/html; charset=utf-8' });
    res.end(`<a href="${escapeHtml(target.toString())}">Continue</a>`);
  }

  /**
   * `oauth.v2.access`. Client credentials come from HTTP Basic auth (preferred by Slack) or body fields.
   * The code is consumed as soon as it is presented, even when a later check fails, as Slack's codes are single-use.
   */
  access(args: Record<string, unknown>, basic: { id: string; secret: string } | undefined): ApiAnswer {
    const code = str(args.code);
    const codeRecord = code === undefined ? undefined : this.#codes.get(code);
    if (code !== undefined) this.#codes.delete(code);

    const clientId = basic?.id ?? str(args.client_id);
    const clientSecret = basic?.secret ?? str(args.client_secret);
    if (clientId !== this.#config.clientId) return { ok: false, error: 'invalid_client_id' };
    if (clientSecret !== this.#config.clientSecret) return { ok: false, error: 'bad_client_secret' };

    const grantType = str(args.grant_type);
    if (grantType === 'refresh_token') return this.#refresh(str(args.refresh_token));
    if (grantType !== undefined && grantType !== 'authorization_code') {
      return { ok: false, error: 'invalid_grant_type' };
    }
    if (codeRecord === undefined || Date.now() >= codeRecord.expiresAt) return { ok: false, error: 'invalid_code' };
    if (str(args.redirect_uri) !== codeRecord.redirectUri) return { ok: false, error: 'bad_redirect_uri' };

    const { identity } = codeRecord;
    const authedUser: Record<string, unknown> = { id: identity.userId };
    if (codeRecord.userScope !== '') {
      const issued = this.#issueUserToken(identity, codeRecord.userScope);
      authedUser.scope = codeRecord.userScope;
      authedUser.access_token = issued.token;
      authedUser.token_type = 'user';
      if (issued.refreshToken !== undefined) {
        authedUser.refresh_token = issued.refreshToken;
        authedUser.expires_in = ROTATING_EXPIRES_IN_S;
      }
    }
    const answer: ApiAnswer = {
      ok: true,
      app_id: this.#config.appId,
      authed_user: authedUser,
      scope: codeRecord.botScope,
      token_type: 'bot',
      team: { id: identity.teamId, name: identity.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
    if (codeRecord.botScope !== '') {
      // A bot-scope install also returns the (static) bot token; the product only does user-scope installs.
      answer.access_token = this.#config.botToken;
      answer.bot_user_id = this.#config.botUserId;
    }
    return answer;
  }

  #refresh(refreshToken: string | undefined): ApiAnswer {
    const record = refreshToken === undefined ? undefined : this.#refreshTokens.get(refreshToken);
    if (refreshToken === undefined || record === undefined) return { ok: false, error: 'invalid_refresh_token' };
    // Refresh tokens are single-use (§5.2). The old access token stays valid until it expires.
    this.#refreshTokens.delete(refreshToken);
    const issued = this.#issueUserToken(record, record.scope, true);
    return {
      ok: true,
      app_id: this.#config.appId,
      access_token: issued.token,
      refresh_token: issued.refreshToken,
      expires_in: ROTATING_EXPIRES_IN_S,
      token_type: 'user',
      scope: record.scope,
      team: { id: record.teamId, name: record.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  #issueUserToken(
    identity: Identity,
    scope: string,
    rotating = this.#config.tokenRotation,
  ): { token: string; refreshToken?: string } {
    const base = `xoxp-${randomDigits(10)}-${randomDigits(12)}-${randomDigits(13)}-${randomHex(16)}`;
    const record: UserTokenRecord = {
      userId: identity.userId,
      teamId: identity.teamId,
      teamName: identity.teamName,
      scope,
      token: rotating ? `xoxe.${base}` : base,
    };
    if (!rotating) {
      this.#userTokens.set(record.token, record);
      return { token: record.token };
    }
    record.expiresAt = Date.now() + ROTATING_EXPIRES_IN_S * 1000;
    this.#userTokens.set(record.token, record);
    const refreshToken = `xoxe-1-${randomHex(48)}`;
    this.#refreshTokens.set(refreshToken, {
      userId: identity.userId,
      teamId: identity.teamId,
      teamName: identity.teamName,
      scope,
    });
    return { token: record.token, refreshToken };
  }

  #pruneCodes(): void {
    const now = Date.now();
    for (const [code, record] of this.#codes) if (now >= record.expiresAt) this.#codes.delete(code);
  }

  #errorPage(res: ServerResponse, error: string, detail: string): void {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><title>Slack (simulated): ${escapeHtml(error)}</title></head>` +
        `<body><h1>${escapeHtml(error)}</h1><p>${escapeHtml(detail)}</p></body></html>`,
    );
  }
}
