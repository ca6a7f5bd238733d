import webApi from '@slack/web-api';
import type { ChatUnfurlArguments, FetchFunction, WebClient as WebClientType } from '@slack/web-api';
import { STATUS_CODES } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { LsslackError } from '../../domain/errors.js';
import type { Logger, PostResult, UnfurlPoster } from '../../domain/ports.js';
import type { DetailsPresenter } from '../../domain/publish-preview.js';
import type { UnfurlContent, UnfurlTarget } from '../../domain/types.js';
import { slackLoggerFor } from './slack-logger.js';

// @slack/web-api is CommonJS; named imports of values fail under ESM (slack-platform.md §4.5).
const { WebClient } = webApi;

/** Slack errors meaning the user token is no longer usable: drop the link and prompt again. */
const TOKEN_GONE = new Set(['token_revoked', 'invalid_auth', 'token_expired', 'account_inactive', 'not_authed']);

export interface UnfurlPosterOptions {
  readonly botToken: string;
  readonly apiUrl: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Per-call timeout; a late unfurl is worthless. */
  readonly timeoutMs?: number;
  readonly onRateLimited?: (teamId: string, retryAfterMs: number) => void;
  /** Slack refused Work Object metadata (the app does not have Work Object Previews on): said once. */
  readonly onWorkObjectsRefused?: (error: string) => void;
}

/** Slack's answers meaning "this app cannot post Work Objects": classic blocks it is (docs.slack.dev, chat.unfurl). */
const WORK_OBJECTS_REFUSED = new Set(['feature_not_enabled', 'invalid_metadata', 'invalid_metadata_format', 'error_processing_metadata']);

export interface SlackUnfurlPoster extends UnfurlPoster, DetailsPresenter {
  readonly client: WebClientType;
  /** Closes its connections to Slack. */
  close(): Promise<void>;
}

/**
 * chat.unfurl through @slack/web-api (slack-platform.md §3).
 *
 * The SDK's defaults are wrong for unfurls: 10 retries over ~30 min, and a 429 pauses the client's
 * whole queue (every workspace). Here 429s are rejected at once (`rejectRateLimitedCalls`) and
 * remembered per workspace: calls for that workspace fail fast with `slack_rate_limited` and a
 * retry time, which the queue uses to re-run the job later, while other workspaces keep going.
 */
export function createUnfurlPoster(options: UnfurlPosterOptions): SlackUnfurlPoster {
  const now = options.now ?? Date.now;
  // Its own keep-alive connections to Slack, closed with the poster.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const client = new WebClient(options.botToken, {
    slackApiUrl: options.apiUrl,
    logger: slackLoggerFor(options.log, 'web-api-sdk'),
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1000, randomize: true },
    fetch: undiciFetchOn(dispatcher),
  });
  const blockedUntil = new Map<string, number>();
  let workObjectsRefused = false;
  const log = options.log.child({ component: 'slack-poster' });

  const call = async (teamId: string, args: ChatUnfurlArguments, userToken: string | undefined): Promise<PostResult> => {
    const until = blockedUntil.get(teamId) ?? 0;
    if (until > now()) throw rateLimited(teamId, until - now());
    try {
      await client.chat.unfurl(args);
      return { kind: 'posted' };
    } catch (error) {
      return translate(error, teamId, userToken);
    }
  };

  const translate = (error: unknown, teamId: string, userToken: string | undefined): PostResult => {
    const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string };
    if (e.code === 'slack_webapi_rate_limited_error') {
      const retryAfterMs = Math.max(1, e.retryAfter ?? 1) * 1000;
      blockedUntil.set(teamId, now() + retryAfterMs);
      options.onRateLimited?.(teamId, retryAfterMs);
      throw rateLimited(teamId, retryAfterMs);
    }
    if (e.code === 'slack_webapi_platform_error') {
      const slackError = e.data?.error ?? 'unknown_error';
      if (userToken !== undefined && TOKEN_GONE.has(slackError)) return { kind: 'token_invalid', error: slackError };
      if (TOKEN_GONE.has(slackError)) {
        throw new LsslackError('slack_token_invalid', `Slack refused the bot token (${slackError}). Check SLACK_BOT_TOKEN and that the app is installed in workspace ${teamId}.`, { upstream: slackError });
      }
      // cannot_unfurl_url, cannot_find_message, invalid_blocks…: permanent for this job, never retried.
      throw new LsslackError('slack_api_error', `chat.unfurl failed: ${slackError}`, { upstream: slackError });
    }
    if (e.code === 'slack_webapi_http_error') {
      throw new LsslackError('slack_unavailable', `chat.unfurl got HTTP ${e.statusCode ?? '?'} from Slack`, { cause: error });
    }
    throw new LsslackError('slack_unavailable', `chat.unfurl could not reach Slack: ${e.message ?? 'unknown error'}`, { cause: error });
  };

  /** For calls whose platform errors were handled: rate limits and outages still throw as usual. */
  const translateOnly = (error: unknown, teamId: string): never => {
    translate(error, teamId, undefined);
    throw new LsslackError('slack_api_error', 'Slack refused the call', { cause: error });
  };

  return {
    client,
    close: () => dispatcher.close(),
    async postUnfurl(teamId, target, url, content, userToken) {
      const blocks = content.blocks.length === 0 ? {} : { unfurls: { [url]: { blocks: content.blocks } } };
      const card = content.entity === undefined || workObjectsRefused ? {} : { metadata: { entities: [content.entity] } };
      // Nothing left to post (a card-only preview, and Slack takes no cards from this app).
      if (!('unfurls' in blocks) && !('metadata' in card)) return { kind: 'posted' };
      const args = { ...targetArgs(target), ...blocks, ...card, token: userToken } as unknown as ChatUnfurlArguments;
      try {
        return await call(teamId, args, userToken);
      } catch (error) {
        if (!('metadata' in card) || !(error instanceof LsslackError) || !WORK_OBJECTS_REFUSED.has(error.upstream ?? '')) throw error;
        // Slack refuses the card (Work Object Previews are off for the app): classic blocks from now on.
        workObjectsRefused = true;
        options.onWorkObjectsRefused?.(error.upstream ?? '');
        log.warn({ slackError: error.upstream }, 'Slack refused Work Object metadata: posting classic previews from now on (turn on Work Object Previews in the app settings, see lsslack doctor)');
        if (!('unfurls' in blocks)) return { kind: 'posted' };
        return call(teamId, { ...targetArgs(target), ...blocks, token: userToken } as unknown as ChatUnfurlArguments, userToken);
      }
    },
    async presentDetails(teamId, triggerId, answer) {
      const args: Record<string, unknown> = { trigger_id: triggerId };
      if ('metadata' in answer) args.metadata = answer.metadata;
      else if ('authUrl' in answer) Object.assign(args, { user_auth_required: true, user_auth_url: answer.authUrl });
      else args.error = { status: answer.error };
      try {
        await client.apiCall('entity.presentDetails', args);
        return true;
      } catch (error) {
        const e = error as { code?: string; data?: { error?: string } };
        // An expired or answered trigger, or Work Objects off: nothing to retry (the viewer can open the card again).
        if (e.code === 'slack_webapi_platform_error') {
          log.warn({ team: teamId, slackError: e.data?.error }, 'entity.presentDetails was refused');
          if (WORK_OBJECTS_REFUSED.has(e.data?.error ?? '')) options.onWorkObjectsRefused?.(e.data?.error ?? '');
          return false;
        }
        return translateOnly(error, teamId);
      }
    },
    async postAuthPrompt(teamId, target, authUrl) {
      // Slack shows the sharer its own ephemeral "connect your account" prompt (slack-platform.md §3).
      const args = { ...targetArgs(target), user_auth_required: true, user_auth_url: authUrl } as unknown as ChatUnfurlArguments;
      await call(teamId, args, undefined);
    },
  };
}

function targetArgs(target: UnfurlTarget): Record<string, string> {
  return target.kind === 'message' ? { channel: target.channel, ts: target.ts } : { unfurl_id: target.unfurlId, source: target.source };
}

function rateLimited(teamId: string, retryAfterMs: number): LsslackError {
  return new LsslackError('slack_rate_limited', `Slack rate-limited chat.unfurl for workspace ${teamId}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });
}

/**
 * WebClient's transport on undici's `request` instead of the global `fetch` (through WebClient's
 * documented `fetch` option, so the SDK's retries, rate-limit and error handling are unchanged).
 * The global fetch (WHATWG streams, an AbortSignal and a body stream per call) was the largest
 * single CPU cost of a job: bench/http-ingress profiles put chat.unfurl through fetch at ~1 ms of
 * CPU per call on the 2-core bench machine, about half of it saved here. No redirects are followed
 * (the SDK asks for `redirect: 'error'`): a 3xx becomes an HTTP error, as before.
 */
const undiciFetchOn = (dispatcher: Dispatcher): FetchFunction => async (url, init) => {
  const body = init?.body;
  // FormData (file uploads) is never sent by lsslack; leave it to the real fetch.
  if (body !== undefined && typeof body !== 'string') return fetch(url, init);
  const res = await request(url, { dispatcher, method: (init?.method ?? 'GET') as Dispatcher.HttpMethod, headers: init?.headers, body, signal: init?.signal });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  return {
    ok: res.statusCode >= 200 && res.statusCode < 300,
    status: res.statusCode,
    statusText: STATUS_CODES[res.statusCode] ?? '',
    url: String(url),
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null, entries: () => headers.entries() },
    text: async () => bytes.toString('utf8'),
    json: async () => JSON.parse(bytes.toString('utf8')) as unknown,
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
};
