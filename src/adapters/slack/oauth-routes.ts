import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import webApi from '@slack/web-api';
import type { Logger } from '../../domain/ports.js';
import type { UserMapping } from '../../domain/types.js';
import type { Keyring } from '../crypto/keyring.js';
import { isRead, sendHtml, type Handler } from '../http/handler.js';
import { escapeHtml, renderPage, type PageContent } from '../http/pages.js';
import type { Store } from '../store/store.js';
import { readBody } from './read-body.js';
import { slackLoggerFor } from './slack-logger.js';

const { WebClient } = webApi;

const BASE = '/integration/auth/slack';
const COOKIE = 'lsslack_link_session';
const SESSION_TTL_MS = 30 * 60_000;
const STATE_TTL_MS = 10 * 60_000;
export const USER_SCOPES = 'links:read,links:write';

export interface OAuthRoutesOptions {
  readonly keyring: Keyring;
  readonly store: Store;
  readonly log: Logger;
  readonly publicUrl: () => string;
  readonly authorizeUrl: string;
  readonly apiUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly now?: () => number;
  /** oauth.v2.access timeout. */
  readonly timeoutMs?: number;
  /** Called once a user has linked, to deliver the unfurls that prompted them. */
  readonly onLinked: (teamId: string, slackUserId: string) => Promise<void>;
}

interface Session {
  readonly sid: string;
  readonly team: string;
  readonly user: string;
  readonly lsu: string;
  /** The prompt link this session came from: spent when the person presses "Add to Slack". */
  readonly jti: string;
  /** When that link expires (the single-use mark is kept as long). */
  readonly linkExp: number;
  readonly exp: number;
}

/** The most a form post to initiate can carry (a CSRF token and nothing else). */
const FORM_LIMIT = 4096;

type Page = { status: number; page: PageContent; headers?: Record<string, string> };

/**
 * The identity-linking flow (a 5-step design, stricter than @slack/oauth):
 * 0. `GET /integration/auth/slack?t=…` — signed, expiring, single-use link token from the prompt
 *    → browser session cookie + a page naming who is linked to whom. A GET changes nothing, so a
 *    reload, or a link scanner that prefetches every URL in a message, cannot use the link up;
 * 1. `POST …/initiate` (the page's "Add to Slack" form, with a CSRF token tied to the session) —
 *    spends the link (single use), then a single-use `state` (256 random bits) bound to that
 *    session and Slack user, 10 minutes → 303 to Slack's authorize page;
 * 2–4. `…/callback` — state checked and consumed, `oauth.v2.access`, the returned user and team must
 *    be the prompted ones, then the token is stored encrypted and the waiting unfurl delivered.
 */
export function oauthRoutes(options: OAuthRoutesOptions): Handler {
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'oauth' });
  const client = new WebClient(undefined, {
    slackApiUrl: options.apiUrl,
    logger: slackLoggerFor(options.log, 'oauth-sdk'),
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: 0 },
  });
  const redirectUri = () => `${options.publicUrl()}${BASE}/callback`;
  const secure = () => options.publicUrl().startsWith('https://');

  const cookie = (value: string, maxAgeS: number) =>
    `${COOKIE}=${value}; Path=${BASE}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure() ? '; Secure' : ''}`;

  const readSession = (req: IncomingMessage): Session | undefined => {
    const raw = parseCookies(req.headers.cookie)[COOKIE];
    if (raw === undefined) return undefined;
    const claims = options.keyring.verify(raw);
    if (claims === undefined || claims.kind !== 'session') return undefined;
    const { sid, team, user, lsu, jti, linkExp, exp } = claims;
    if (typeof sid !== 'string' || typeof team !== 'string' || typeof user !== 'string' || typeof lsu !== 'string' || typeof jti !== 'string' || typeof linkExp !== 'number' || typeof exp !== 'number') return undefined;
    return exp > now() ? { sid, team, user, lsu, jti, linkExp, exp } : undefined;
  };

  async function start(url: URL): Promise<Page> {
    const token = url.searchParams.get('t');
    if (token === null || token === '') return problem(400, 'This link is incomplete', 'The address is missing its sign-in token. Share the trace link in Slack again and use the new “Connect” prompt.');
    const claims = options.keyring.verify(token);
    if (claims === undefined || typeof claims.team !== 'string' || typeof claims.user !== 'string' || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') {
      return problem(400, 'This link is not valid', 'The address was changed or is not from lsslack. Share the trace link in Slack again and use the new prompt.');
    }
    if (claims.exp <= now()) return problem(410, 'This link has expired', 'Links from the prompt are valid for 30 minutes. Share the trace link in Slack again to get a fresh one.');
    const mapping = await options.store.findMapping(claims.team, claims.user);
    if (mapping === undefined) return notMapped(claims.team, claims.user);
    // Single use, spent when the person acts (initiate): looking is free, but a spent link shows nothing.
    if (await options.store.isUsed(`link:${claims.jti}`)) return alreadyUsed();
    const session: Session = { sid: randomBytes(16).toString('base64url'), team: claims.team, user: claims.user, lsu: mapping.traceUser, jti: claims.jti, linkExp: claims.exp, exp: now() + SESSION_TTL_MS };
    return {
      status: 200,
      headers: { 'set-cookie': cookie(options.keyring.sign({ kind: 'session', ...session }), SESSION_TTL_MS / 1000) },
      page: {
        title: 'Connect Slack to lsslack',
        paragraphs: [
          `You are linking Slack user <strong>${escapeHtml(claims.user)}</strong> in workspace <strong>${escapeHtml(claims.team)}</strong> to <strong>${escapeHtml(mapping.traceUser)}</strong> in your trace tools.`,
          `Once linked, trace links you share from ${grantsText(mapping)} unfurl into previews, posted with your own Slack authorization. Slack will ask you to allow lsslack to read and unfurl links for you.`,
        ],
        action: { label: 'Add to Slack', href: `${BASE}/initiate`, post: { csrf: csrfFor(session) } },
      },
    };
  }

  /** A token only this session's page carries: a cross-site form cannot post it (double submit). */
  const csrfFor = (session: Session) => options.keyring.sign({ kind: 'csrf', sid: session.sid });
  const csrfValid = (session: Session, token: string | null) => {
    if (token === null || token === '') return false;
    const claims = options.keyring.verify(token);
    return claims?.kind === 'csrf' && claims.sid === session.sid;
  };

  async function initiate(req: IncomingMessage): Promise<Page | { redirect: string }> {
    if (req.method !== 'POST') {
      return { status: 405, headers: { allow: 'POST' }, page: { title: 'Use the button on the page', tone: 'problem', paragraphs: ['Linking starts when you press “Add to Slack” on the page the Slack prompt opens. Open the link from the Slack prompt again.'] } };
    }
    const session = readSession(req);
    if (session === undefined) return noSession();
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBody(req, FORM_LIMIT, 10_000)).toString('utf8'));
    } catch {
      return problem(400, 'Something is missing', 'The form did not arrive whole. Open the link from the Slack prompt again and press the button.');
    }
    if (!csrfValid(session, form.get('csrf'))) {
      log.warn({ team: session.team, user: session.user }, 'initiate without the page\'s CSRF token; nothing started');
      return problem(403, 'This request did not come from the lsslack page', 'For your safety lsslack only starts linking from its own page. Open the link from the Slack prompt again and press the button there.');
    }
    // Single use: the first press spends the link, so a forwarded or replayed one starts nothing.
    if (!(await options.store.consumeOnce(`link:${session.jti}`, session.linkExp))) return alreadyUsed();
    const state = randomBytes(32).toString('base64url');
    await options.store.putState({ id: state, sessionId: session.sid, teamId: session.team, slackUserId: session.user, expiresAt: now() + STATE_TTL_MS });
    const target = new URL(options.authorizeUrl);
    target.searchParams.set('client_id', options.clientId);
    target.searchParams.set('user_scope', USER_SCOPES);
    target.searchParams.set('state', state);
    target.searchParams.set('redirect_uri', redirectUri());
    target.searchParams.set('team', session.team);
    return { redirect: target.toString() };
  }

  async function callback(req: IncomingMessage, url: URL): Promise<Page> {
    const session = readSession(req);
    if (session === undefined) return noSession();
    const stateId = url.searchParams.get('state');
    if (stateId === null || stateId === '') return problem(400, 'Something is missing', 'Slack sent you back without the information lsslack needs. Share the trace link in Slack again and use the new prompt.');
    // Consumed on first use, whatever happens next.
    const state = await options.store.takeState(stateId);
    // The store prunes expired states, so an expired attempt usually lands here too: say so.
    if (state === undefined) return problem(400, 'This sign-in attempt is no longer valid', 'It has expired (you have 10 minutes to approve in Slack), was already used, or was not started in this browser. Share the trace link in Slack again and use the new prompt.');
    if (state.expiresAt <= now()) return problem(400, 'This sign-in attempt has expired', 'You have 10 minutes to approve in Slack. Share the trace link in Slack again and use the new prompt.');
    if (state.sessionId !== session.sid) return problem(403, 'This sign-in belongs to another browser session', 'For your safety lsslack only completes a sign-in in the browser that started it. Share the trace link in Slack again and use the new prompt.');
    const error = url.searchParams.get('error');
    if (error !== null) {
      if (error !== 'access_denied') log.warn({ team: session.team, user: session.user, reason: error.slice(0, 100) }, 'Slack ended the sign-in with an error');
      return error === 'access_denied'
        ? { status: 200, headers: clearCookie(), page: { title: 'Nothing was linked', paragraphs: ['You chose not to allow lsslack in Slack, so nothing was linked and no previews will be posted for you. You can start again from the next prompt.'] } }
        : problem(400, 'Slack did not complete the sign-in', 'Slack stopped the sign-in before it finished, so nothing was linked. Share the trace link in Slack again and use the new prompt; if it happens again, tell your lsslack admin (the reason is in the lsslack log).');
    }
    const code = url.searchParams.get('code');
    if (code === null || code === '') return problem(400, 'Something is missing', 'Slack sent you back without an authorization code. Share the trace link in Slack again and use the new prompt.');
    return exchange(session, code);
  }

  async function exchange(session: Session, code: string): Promise<Page> {
    let result: Awaited<ReturnType<typeof client.oauth.v2.access>>;
    try {
      result = await client.oauth.v2.access({ client_id: options.clientId, client_secret: options.clientSecret, code, redirect_uri: redirectUri() });
    } catch (error) {
      const e = error as { code?: string; data?: { error?: string }; message?: string };
      const reason = e.data?.error ?? (e.code === 'slack_webapi_request_error' ? 'no answer' : (e.message ?? 'error'));
      log.warn({ team: session.team, user: session.user, reason }, 'oauth.v2.access failed');
      // A 4xx (issue 3: "rejected, each with a 4xx"), not a 5xx: this request's state is already
      // consumed and Slack's code is single-use, so resending it can never succeed — the person has
      // to start again. Not 408: browsers may silently resend a request answered 408.
      return problem(400, 'Slack did not confirm the sign-in', 'lsslack could not complete the exchange with Slack. Nothing was stored. Share the trace link in Slack again in a few minutes and use the new prompt; if it keeps failing, tell your lsslack admin.');
    }
    const authed = result.authed_user;
    const teamId = result.team?.id;
    if (authed?.id !== session.user || teamId !== session.team) {
      // A link forwarded to someone else links nobody.
      log.warn({ expectedTeam: session.team, expectedUser: session.user, gotTeam: teamId, gotUser: authed?.id }, 'oauth identity mismatch; nothing stored');
      return problem(403, 'This link was for someone else', 'You signed in to Slack as a different person (or workspace) than the one this link was made for. Nothing was linked. Share the trace link yourself to get your own prompt.');
    }
    if (typeof authed.access_token !== 'string') return problem(400, 'Slack did not send a token', 'Nothing was stored. Share the trace link in Slack again and use the new prompt.');
    const rotation = authed as { refresh_token?: string; expires_in?: number };
    await options.store.putLink({
      teamId: session.team,
      slackUserId: session.user,
      teamName: result.team?.name ?? '',
      scope: authed.scope ?? '',
      tokenCipher: options.keyring.encrypt(authed.access_token),
      ...(typeof rotation.refresh_token === 'string' ? { refreshTokenCipher: options.keyring.encrypt(rotation.refresh_token) } : {}),
      ...(typeof rotation.expires_in === 'number' ? { expiresAt: now() + rotation.expires_in * 1000 } : {}),
      linkedAt: new Date(now()).toISOString(),
    });
    log.info({ team: session.team, user: session.user, traceUser: session.lsu }, 'user linked');
    await options.onLinked(session.team, session.user);
    return {
      status: 200,
      headers: clearCookie(),
      page: {
        title: 'You are connected',
        tone: 'success',
        paragraphs: [
          `Slack user <strong>${escapeHtml(session.user)}</strong> is now linked to <strong>${escapeHtml(session.lsu)}</strong>.`,
          'The trace link you shared is being unfurled now. You can close this tab and go back to Slack.',
        ],
      },
    };
  }

  const clearCookie = () => ({ 'set-cookie': cookie('', 0) });

  return async (req, res, url) => {
    if (!url.pathname.startsWith(BASE)) return false;
    if (!isRead(req) && url.pathname !== `${BASE}/initiate`) return false;
    let outcome: Page | { redirect: string };
    if (url.pathname === BASE) outcome = await start(url);
    else if (url.pathname === `${BASE}/initiate`) outcome = await initiate(req);
    else if (url.pathname === `${BASE}/callback`) outcome = await callback(req, url);
    else return false;
    send(res, outcome, [new URL(options.authorizeUrl).origin]);
    return true;
  };
}

function send(res: ServerResponse, outcome: Page | { redirect: string }, formTargets: readonly string[]): void {
  if ('redirect' in outcome) {
    // 303: the answer to a POST is a GET of Slack's authorize page.
    res.writeHead(303, { location: outcome.redirect, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
    return;
  }
  sendHtml(res, outcome.status, renderPage(outcome.page), outcome.headers, formTargets);
}

function problem(status: number, title: string, text: string): Page {
  return { status, page: { title, tone: 'problem', paragraphs: [text] } };
}

function alreadyUsed(): Page {
  return problem(410, 'This link was already used', 'Each prompt link starts linking once. Share the trace link in Slack again to get a new one.');
}

function noSession(): Page {
  return problem(401, 'Your sign-in session is missing', 'This step only works in the browser where you opened the link from Slack, within 30 minutes. Open the link from the Slack prompt again.');
}

function notMapped(team: string, user: string): Page {
  return {
    status: 403,
    page: {
      title: 'Ask an admin to add you first',
      tone: 'problem',
      paragraphs: [
        `Slack user <strong>${escapeHtml(user)}</strong> in workspace <strong>${escapeHtml(team)}</strong> is not yet allowed to see any traces through lsslack, so there is nothing to link.`,
        'Send this to your lsslack admin; they run it on the lsslack server (with your user in the trace tools and what you may see, such as lightstep/checkout or jaeger):',
      ],
      command: `lsslack users map ${user} <trace-user> --team ${team} --allow <backend/scope,backend>`,
    },
  };
}

/** `all of <strong>jaeger</strong>, <strong>lightstep/checkout</strong>` */
function grantsText(mapping: UserMapping): string {
  return mapping.grants.map((g) => (g.includes('/') ? `<strong>${escapeHtml(g)}</strong>` : `all of <strong>${escapeHtml(g)}</strong>`)).join(', ') || 'nothing yet';
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
