import webApi from '@slack/web-api';
import type { WebClient as WebClientType } from '@slack/web-api';
import { pino } from 'pino';
import { request, type Dispatcher } from 'undici';
import type { Config } from '../../config/config.js';
import { scrubSecrets, slackLoggerFor } from '../../adapters/slack/slack-logger.js';
import { describeNetworkError, fail, pass, skip, type CheckResult } from './check.js';

// @slack/web-api is CommonJS; named imports of values fail under ESM (slack-platform.md §4.5).
const { WebClient } = webApi;

const TIMEOUT_MS = 5_000;
/** Slack rejects request signatures older than 5 minutes; doctor warns well before that. */
export const MAX_CLOCK_SKEW_MS = 60_000;

const BOT = 'bot token (auth.test)';
const APP = 'app token (apps.connections.open)';
const SIGNING = 'signing secret';
const CLOCK = "clock skew (Slack's Date header)";

function client(token: string, apiUrl: string): WebClientType {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    // A doctor answers now or says it cannot: no retries, no queueing behind a 429.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: TIMEOUT_MS,
    logger: slackLoggerFor(pino({ level: 'silent' }), 'doctor'),
  });
}

/** The Slack error string of a failed Web API call, or a network/HTTP description. */
function slackFailure(error: unknown): { kind: 'platform' | 'http' | 'network'; text: string } {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e.code === 'slack_webapi_platform_error') return { kind: 'platform', text: `Slack answered "${e.data?.error ?? 'unknown_error'}"` };
  if (e.code === 'slack_webapi_http_error') return { kind: 'http', text: `Slack answered HTTP ${e.statusCode ?? '?'}` };
  if (e.code === 'slack_webapi_rate_limited_error') return { kind: 'http', text: 'Slack answered 429 (rate limited); try again in a minute' };
  return { kind: 'network', text: `cannot reach Slack: ${scrubSecrets(describeNetworkError(error))}` };
}

const unreachableHint = (config: Config) => `check this host's network, DNS and HTTPS proxy, and SLACK_API_URL (now ${config.slack.apiUrl}).`;

/** Bot scopes `conversations.info` needs to tell who is in a conversation (docs.slack.dev/reference/methods/conversations.info). */
export const AUDIENCE_SCOPES = ['channels:read', 'groups:read', 'im:read', 'mpim:read'] as const;
const AUDIENCE = 'conversation audiences (conversations.info scopes)';

/**
 * auth.test with the bot token: the token works and carries links:read/links:write, and the
 * scopes that tell lsslack who sees a conversation (without them every channel counts as shared
 * outside: previews show only the summary).
 */
export async function checkBotToken(config: Config): Promise<[CheckResult, CheckResult]> {
  const token = config.slack.botToken;
  if (token === undefined) return [fail(BOT, 'SLACK_BOT_TOKEN is not set', 'copy the Bot User OAuth Token (xoxb-…) from your app → OAuth & Permissions and set SLACK_BOT_TOKEN.'), skip(AUDIENCE, 'needs the bot token')];
  try {
    const answer = (await client(token, config.slack.apiUrl).auth.test()) as { team?: string; team_id?: string; user?: string; response_metadata?: { scopes?: string[] } };
    const who = `workspace ${answer.team ?? '?'} (${answer.team_id ?? '?'}), bot user @${answer.user ?? '?'}`;
    const scopes = answer.response_metadata?.scopes;
    if (scopes === undefined) return [pass(BOT, who), skip(AUDIENCE, 'Slack did not list the token\'s scopes')];
    const missing = ['links:read', 'links:write'].filter((s) => !scopes.includes(s));
    const bot = missing.length > 0
      ? fail(BOT, `${who}, but the token lacks ${missing.join(' and ')}`, 'add the bot scopes links:read and links:write (OAuth & Permissions → Scopes, or re-create the app with `lsslack manifest`), reinstall the app, and copy the new bot token.')
      : pass(BOT, who);
    const lacking = AUDIENCE_SCOPES.filter((s) => !scopes.includes(s));
    const audience = lacking.length > 0
      ? fail(AUDIENCE, `the bot token lacks ${lacking.join(', ')}: lsslack cannot tell internal from shared conversations there, so previews in them show only the summary`, `add the bot scopes ${AUDIENCE_SCOPES.join(', ')} (OAuth & Permissions → Scopes, or \`lsslack manifest\`), reinstall the app, and copy the new bot token.`)
      : pass(AUDIENCE, `${AUDIENCE_SCOPES.join(', ')}: previews show what each conversation's audience may see`);
    return [bot, audience];
  } catch (error) {
    const failure = slackFailure(error);
    return [
      fail(
        BOT,
        failure.text,
        failure.kind === 'platform'
          ? 'SLACK_BOT_TOKEN is wrong, revoked or from another app: copy the Bot User OAuth Token (xoxb-…) from your app → OAuth & Permissions (reinstall the app if it was uninstalled).'
          : unreachableHint(config),
      ),
      skip(AUDIENCE, 'needs a working bot token'),
    ];
  }
}

/**
 * apps.connections.open with the app-level token (Socket Mode only). The answer is a one-off
 * WebSocket URL; doctor never connects to it, so no event is consumed.
 */
export async function checkAppToken(config: Config): Promise<CheckResult> {
  if (config.mode !== 'socket') return skip(APP, 'not used in HTTP mode');
  const token = config.slack.appToken;
  if (token === undefined) return fail(APP, 'SLACK_APP_TOKEN is not set', 'create an app-level token (xapp-…) with the connections:write scope under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN, or use LSSLACK_MODE=http.');
  try {
    const answer = (await client(token, config.slack.apiUrl).apps.connections.open()) as { url?: string };
    if (typeof answer.url !== 'string' || answer.url === '') return fail(APP, 'Slack answered without a WebSocket URL', 'make sure Socket Mode is enabled for the app (Settings → Socket Mode).');
    return pass(APP, 'Socket Mode connections can be opened (the URL was not used, so no event was consumed)');
  } catch (error) {
    const failure = slackFailure(error);
    return fail(
      APP,
      failure.text,
      failure.kind === 'platform'
        ? 'SLACK_APP_TOKEN is wrong or revoked, lacks connections:write, or Socket Mode is off: enable Settings → Socket Mode and generate a token under Basic Information → App-Level Tokens with the connections:write scope.'
        : unreachableHint(config),
    );
  }
}

/** HTTP mode verifies every request with the signing secret; only its presence can be checked here. */
export function checkSigningSecret(config: Config): CheckResult {
  if (config.mode !== 'http') return skip(SIGNING, 'not used in Socket Mode');
  if (config.slack.signingSecret === undefined) {
    return fail(SIGNING, 'SLACK_SIGNING_SECRET is not set, but HTTP mode verifies every Slack request with it', 'copy it from your app → Basic Information → App Credentials → Signing Secret and set SLACK_SIGNING_SECRET.');
  }
  return pass(SIGNING, 'set (Slack verifies it on the first event: watch for signature_invalid in the logs)');
}

/**
 * Local clock minus server clock, from an HTTP `Date` header (1 s resolution), taking the
 * request's midpoint as the moment the server stamped it. Undefined when the header is missing or invalid.
 */
export function clockSkewMs(dateHeader: string | undefined, sentAt: number, receivedAt: number): number | undefined {
  if (dateHeader === undefined) return undefined;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return undefined;
  const local = (sentAt + receivedAt) / 2;
  return Math.round(local - server);
}

/** Judge a measured skew: more than a minute off fails (signature checks allow 5 minutes). */
export function judgeClockSkew(skewMs: number | undefined): CheckResult {
  if (skewMs === undefined) return skip(CLOCK, 'Slack sent no usable Date header');
  const seconds = Math.abs(skewMs) / 1000;
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  const text = seconds < 1 ? 'within a second of Slack' : `${seconds.toFixed(0)} s ${direction} Slack`;
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS) {
    return fail(CLOCK, `this machine's clock is ${text}`, 'enable time sync: `timedatectl set-ntp true` (systemd-timesyncd) or chrony/ntpd. Slack rejects request signatures more than 5 minutes off, and OAuth links expire.');
  }
  return pass(CLOCK, text);
}

/** Measure the skew against Slack with a raw request (api.test needs no token; the SDK hides headers). */
export async function checkClockSkew(config: Config, dispatcher?: Dispatcher): Promise<CheckResult> {
  const sentAt = Date.now();
  try {
    const response = await request(`${config.slack.apiUrl}api.test`, { method: 'POST', dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const receivedAt = Date.now();
    await response.body.dump().catch(() => undefined);
    const date = response.headers.date;
    return judgeClockSkew(clockSkewMs(Array.isArray(date) ? date[0] : date, sentAt, receivedAt));
  } catch (error) {
    return fail(CLOCK, `cannot reach Slack: ${scrubSecrets(describeNetworkError(error))}`, unreachableHint(config));
  }
}
