/**
 * The Web API half of the simulator: `POST /api/<method>` with the wire format the real `@slack/web-api`
 * WebClient uses (slack-platform.md §3, §4.5): `application/x-www-form-urlencoded` bodies whose nested values are
 * JSON strings, or `application/json`; the token in `Authorization: Bearer` or a `token` field; answers are
 * HTTP 200 `{"ok":…}` except for rate limits (429 + `Retry-After`) and injected HTTP errors.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pointerToken, validateBlocks } from './block-kit.js';
import type { SimConfig } from './config.js';
import { randomHex } from './config.js';
import type { Conversations } from './conversations.js';
import type { ApiAnswer, OAuthState } from './oauth.js';
import type { CallRecorder } from './recorder.js';
import type { SocketModeServer } from './socket-mode.js';
import type { RecordedCall } from './types.js';
import type { WorkObjects } from './work-objects.js';
import { entityProblem, FLEXPANE_ERROR_STATUSES, MAX_METADATA_BYTES, metadataBytes } from './work-objects.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const UNFURL_SOURCES = new Set(['composer', 'conversations_history']);
/** conversations.info's bot scopes (docs.slack.dev/reference/methods/conversations.info); any one of them will do. */
const CONVERSATION_READ_SCOPES = ['channels:read', 'groups:read', 'im:read', 'mpim:read'];

type Fault =
  | { kind: 'ratelimit'; remaining: number; retryAfterSeconds: number; token?: string }
  | { kind: 'fail'; remaining: number; error: string }
  | { kind: 'http'; remaining: number; status: number }
  | { kind: 'stall'; remaining: number };

/** What a method handler produces: a JSON answer plus optional extra headers. */
interface Reply {
  answer: ApiAnswer;
  headers?: Record<string, string>;
}

/** Everything the Web API needs from the rest of the simulator. */
export interface WebApiDeps {
  readonly config: SimConfig;
  readonly oauth: OAuthState;
  readonly socket: SocketModeServer;
  readonly recorder: CallRecorder;
  readonly conversations: Conversations;
  readonly workObjects: WorkObjects;
  /** `ws://HOST:PORT`, known only once the server listens. */
  readonly wsBase: () => string;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** Slack accepts `true`/`1` (and JSON booleans) for boolean arguments. */
function parseBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0 || value === '') return false;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces a form field that carries a JSON string by its parsed value; returns false if it is not JSON. */
function parseJsonField(args: Record<string, unknown>, key: string): boolean {
  const raw = args[key];
  if (typeof raw !== 'string' || raw === '') return true;
  try {
    args[key] = JSON.parse(raw) as unknown;
    return true;
  } catch {
    return false;
  }
}

/** A URL Slack could send a browser to. */
function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function parseBasicAuth(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function parseBearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Web API request handling, fault injection included. */
export class WebApi {
  readonly #deps: WebApiDeps;
  readonly #faults = new Map<string, Fault[]>();
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #stopped = false;

  constructor(deps: WebApiDeps) {
    this.#deps = deps;
  }

  /** Queues HTTP 429 answers. With `token`, only calls made with that token are affected. */
  rateLimitNext(method: string, count: number, retryAfterSeconds: number, token?: string): void {
    this.#addFault(method, { kind: 'ratelimit', remaining: count, retryAfterSeconds, token });
  }

  /** Queues `{ok:false,error}` answers. */
  failNext(method: string, count: number, error: string): void {
    this.#addFault(method, { kind: 'fail', remaining: count, error });
  }

  /** Queues bare HTTP error answers. */
  httpErrorNext(method: string, count: number, status: number): void {
    this.#addFault(method, { kind: 'http', remaining: count, status });
  }

  /** The next calls are never answered (until stop): for client-timeout tests. */
  stallNext(method: string, count: number): void {
    this.#addFault(method, { kind: 'stall', remaining: count });
  }

  #addFault(method: string, fault: Fault): void {
    if (!(fault.remaining > 0)) return;
    const list = this.#faults.get(method) ?? [];
    list.push(fault);
    this.#faults.set(method, list);
  }

  #takeFault(method: string, token: string | undefined): Fault | undefined {
    const list = this.#faults.get(method);
    if (list === undefined) return undefined;
    const fault = list.find((f) => f.kind !== 'ratelimit' || f.token === undefined || f.token === token);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.splice(list.indexOf(fault), 1);
    if (list.length === 0) this.#faults.delete(method);
    return fault;
  }

  /** Stops pending latency timers; in-flight requests are then dropped by the HTTP server. */
  close(): void {
    this.#stopped = true;
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.#sleepers.clear();
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      this.#sleepers.add(sleeper);
    });
  }

  /** Handles `POST|GET /api/<method>`. */
  async handle(req: IncomingMessage, res: ServerResponse, method: string, query: URLSearchParams): Promise<void> {
    const at = Date.now();
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError && !res.headersSent) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end('request body too large');
      }
      return;
    }

    // Slack accepts arguments in the query string too; body fields win.
    const args: Record<string, unknown> = Object.fromEntries(query);
    let parseError: string | undefined;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (raw.length > 0) {
      if (contentType === 'application/json') {
        try {
          const parsed = JSON.parse(raw.toString('utf8')) as unknown;
          if (isPlainObject(parsed)) Object.assign(args, parsed);
          else parseError = 'invalid_json';
        } catch {
          parseError = 'invalid_json';
        }
      } else if (contentType === 'application/x-www-form-urlencoded' || contentType === '') {
        Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
      } else if (contentType.startsWith('multipart/')) {
        parseError = 'invalid_form_data'; // the SDK only uses multipart for file uploads (§4.5)
      } else {
        parseError = 'invalid_post_type';
      }
    }

    const bearer = parseBearer(req.headers.authorization);
    const bodyToken = typeof args.token === 'string' ? args.token : undefined;
    delete args.token;
    const token = bearer ?? bodyToken;
    const call: RecordedCall = { method, args, at, ok: false };
    if (token !== undefined) call.token = token;
    // Counted on arrival, before faults, so that a cache test sees every request the product made.
    if (method === 'conversations.info') {
      this.#deps.conversations.countLookup(typeof args.channel === 'string' ? args.channel : '');
    }

    const fault = this.#takeFault(method, token);
    if (fault !== undefined) {
      this.#sendFault(res, call, fault);
      return;
    }
    if (parseError !== undefined) {
      this.#reply(res, call, { answer: { ok: false, error: parseError } });
      return;
    }

    let reply: Reply;
    switch (method) {
      case 'api.test':
        reply = { answer: { ok: true, args: { ...args } } };
        break;
      case 'apps.connections.open':
        reply = this.#appsConnectionsOpen(bearer);
        break;
      case 'auth.test':
        reply = this.#authTest(token);
        break;
      case 'chat.unfurl':
        await this.#sleep(this.#deps.config.unfurlLatencyMs);
        if (this.#stopped) return;
        reply = this.#chatUnfurl(token, args);
        break;
      case 'conversations.info':
        reply = this.#conversationsInfo(token, args);
        break;
      case 'entity.presentDetails':
        reply = this.#entityPresentDetails(token, args, at);
        break;
      case 'oauth.v2.access':
        // Client credentials, not a token, authenticate this method; Basic auth is Slack's preferred form (§5.2).
        reply = { answer: this.#deps.oauth.access(args, parseBasicAuth(req.headers.authorization)) };
        break;
      default:
        reply = { answer: { ok: false, error: 'unknown_method', req_method: method } };
    }
    this.#reply(res, call, reply);
  }

  #sendFault(res: ServerResponse, call: RecordedCall, fault: Fault): void {
    switch (fault.kind) {
      case 'stall':
        call.error = 'stalled';
        this.#deps.recorder.record(call);
        // No answer; the server's closeAllConnections() in stop() ends it.
        return;
      case 'ratelimit':
        call.error = 'ratelimited';
        this.#deps.recorder.record(call);
        // §3: Slack answers HTTP 429 with Retry-After in seconds; the SDK only reads that header.
        res.writeHead(429, {
          'content-type': 'application/json; charset=utf-8',
          'retry-after': String(fault.retryAfterSeconds),
        });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      case 'fail':
        this.#reply(res, call, { answer: { ok: false, error: fault.error } });
        return;
      case 'http':
        call.error = `http_${fault.status}`;
        this.#deps.recorder.record(call);
        res.writeHead(fault.status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`simulated HTTP ${fault.status}`);
        return;
    }
  }

  #reply(res: ServerResponse, call: RecordedCall, reply: Reply): void {
    call.ok = reply.answer.ok;
    if (!reply.answer.ok) call.error = reply.answer.error;
    this.#deps.recorder.record(call);
    if (res.destroyed) return;
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'x-slack-req-id': randomHex(16),
      ...reply.headers,
    });
    res.end(JSON.stringify(reply.answer));
  }

  /** §4.1 step 1: app-level token in the header only; a single-use `ws://` URL comes back. */
  #appsConnectionsOpen(bearer: string | undefined): Reply {
    if (bearer === undefined) return { answer: { ok: false, error: 'not_authed' } };
    const check = this.#deps.oauth.checkToken(bearer);
    if (check.kind === 'error') return { answer: { ok: false, error: check.error } };
    if (check.kind !== 'app') return { answer: { ok: false, error: 'invalid_auth' } };
    const ticket = this.#deps.socket.issueTicket();
    const appId = encodeURIComponent(this.#deps.config.appId);
    return {
      answer: { ok: true, url: `${this.#deps.wsBase()}/link/?ticket=${ticket}&app_id=${appId}` },
      headers: { 'x-oauth-scopes': 'connections:write' },
    };
  }

  #authTest(token: string | undefined): Reply {
    const { config, oauth } = this.#deps;
    const check = oauth.checkToken(token);
    switch (check.kind) {
      case 'error':
        return { answer: { ok: false, error: check.error } };
      case 'app':
        return { answer: { ok: false, error: 'not_allowed_token_type' } };
      case 'bot':
        return {
          answer: {
            ok: true,
            url: 'https://sim.slack.com/',
            team: config.teamName,
            user: 'lsslack',
            team_id: config.teamId,
            user_id: config.botUserId,
            bot_id: config.botId,
            is_enterprise_install: false,
          },
          headers: { 'x-oauth-scopes': config.botScopes },
        };
      case 'user': {
        const r = check.record;
        return {
          answer: {
            ok: true,
            url: 'https://sim.slack.com/',
            team: r.teamId === config.teamId ? config.teamName : r.teamName,
            user: r.userId.toLowerCase(),
            team_id: r.teamId,
            user_id: r.userId,
            is_enterprise_install: false,
          },
          headers: { 'x-oauth-scopes': r.scope },
        };
      }
    }
  }

  /** §3: argument rules, error names and Block Kit limits of chat.unfurl. */
  #chatUnfurl(token: string | undefined, args: Record<string, unknown>): Reply {
    const check = this.#deps.oauth.checkToken(token);
    if (check.kind === 'error') return { answer: { ok: false, error: check.error } };
    // App-level tokens are not a token type chat.unfurl accepts (§3).
    if (check.kind === 'app') return { answer: { ok: false, error: 'not_allowed_token_type' } };
    const scopes = check.kind === 'bot' ? this.#deps.config.botScopes : check.record.scope;
    const headers = { 'x-oauth-scopes': scopes, 'x-accepted-oauth-scopes': 'links:write' };
    const fail = (error: string, extra: Record<string, unknown> = {}): Reply => ({
      answer: { ok: false, error, ...extra },
      headers,
    });

    // Form bodies carry nested values as JSON strings (§3); record them parsed.
    const unfurlsParsed = parseJsonField(args, 'unfurls');
    const authBlocksParsed = parseJsonField(args, 'user_auth_blocks');
    const rawMetadata = args.metadata;
    const metadataParsed = parseJsonField(args, 'metadata');
    for (const key of ['user_auth_required', 'unfurl_links', 'unfurl_media']) {
      if (args[key] === undefined) continue;
      const b = parseBoolean(args[key]);
      if (b !== undefined) args[key] = b;
    }

    // Either channel+ts or unfurl_id+source identifies the message (§3).
    const byId = nonEmptyString(args.unfurl_id) || nonEmptyString(args.source);
    const byTs = nonEmptyString(args.channel) && nonEmptyString(args.ts);
    if (byId && !byTs) {
      if (!nonEmptyString(args.unfurl_id)) return fail('missing_unfurl_id');
      if (!nonEmptyString(args.source)) return fail('missing_source');
    } else if (!byTs) {
      if (!nonEmptyString(args.channel)) return fail('missing_channel');
      return fail('missing_ts');
    }
    if (args.source !== undefined && !UNFURL_SOURCES.has(String(args.source))) return fail('invalid_source');

    const userAuthRequired = args.user_auth_required === true;
    const unfurls = args.unfurls;
    if (unfurls === undefined || unfurls === '') {
      // With user_auth_required Slack shows an auth prompt instead; Work Objects use `metadata` instead (§3).
      if (!userAuthRequired && args.metadata === undefined) return fail('missing_unfurls');
    } else {
      if (!unfurlsParsed || !isPlainObject(unfurls)) return fail('invalid_unfurls_format');
      const errors: string[] = [];
      for (const [url, attachment] of Object.entries(unfurls)) {
        if (!isPlainObject(attachment)) return fail('invalid_unfurls_format');
        if (attachment.blocks !== undefined) {
          errors.push(...validateBlocks(attachment.blocks, `/unfurls/${pointerToken(url)}/blocks`));
        }
      }
      if (errors.length > 0) return this.#invalidBlocks(errors, headers);
    }
    if (args.user_auth_blocks !== undefined) {
      if (!authBlocksParsed) {
        return this.#invalidBlocks(['must be a JSON array [json-pointer:/user_auth_blocks]'], headers);
      }
      const errors = validateBlocks(args.user_auth_blocks, '/user_auth_blocks');
      if (errors.length > 0) return this.#invalidBlocks(errors, headers);
    }
    if (args.metadata !== undefined) {
      const problem = this.#unfurlMetadataProblem(rawMetadata, metadataParsed, args.metadata, unfurls);
      if (problem !== undefined) return fail(problem);
    }
    return { answer: { ok: true }, headers };
  }

  /**
   * Work Object metadata of chat.unfurl (§9): `{ entities: [EntityMetadata, …] }`, each entity naming the posted link
   * in `app_unfurl_url`. Without "Work Object Previews" switched on Slack refuses it (`feature_not_enabled`).
   */
  #unfurlMetadataProblem(raw: unknown, parsed: boolean, metadata: unknown, unfurls: unknown): string | undefined {
    if (!this.#deps.config.workObjects) return 'feature_not_enabled';
    if (!parsed || !isPlainObject(metadata)) return 'invalid_metadata';
    if (metadataBytes(raw) > MAX_METADATA_BYTES) return 'invalid_metadata';
    const entities = metadata.entities;
    if (!Array.isArray(entities) || entities.length === 0) return 'invalid_metadata';
    // The message's links are only known through `unfurls`; without it any URL is taken as one of them.
    const links = isPlainObject(unfurls) && Object.keys(unfurls).length > 0 ? new Set(Object.keys(unfurls)) : undefined;
    for (const entity of entities) {
      if (entityProblem(entity, true) !== undefined) return 'invalid_metadata';
      const appUnfurlUrl = (entity as { app_unfurl_url: string }).app_unfurl_url;
      if (links !== undefined && !links.has(appUnfurlUrl)) return 'invalid_metadata';
    }
    return undefined;
  }

  /**
   * `conversations.info` (docs.slack.dev/reference/methods/conversations.info): any one of the four read scopes
   * lets the call through; unknown ids answer `channel_not_found` unless a default conversation is configured.
   */
  #conversationsInfo(token: string | undefined, args: Record<string, unknown>): Reply {
    const check = this.#deps.oauth.checkToken(token);
    if (check.kind === 'error') return { answer: { ok: false, error: check.error } };
    if (check.kind === 'app') return { answer: { ok: false, error: 'not_allowed_token_type' } };
    const scopes = check.kind === 'bot' ? this.#deps.config.botScopes : check.record.scope;
    const accepted = CONVERSATION_READ_SCOPES.join(',');
    const headers = { 'x-oauth-scopes': scopes, 'x-accepted-oauth-scopes': accepted };
    const granted = new Set(scopes.split(',').map((scope) => scope.trim()));
    if (!CONVERSATION_READ_SCOPES.some((scope) => granted.has(scope))) {
      // Slack names what was needed and what the token has (the SDK types these as `needed` / `provided`).
      return { answer: { ok: false, error: 'missing_scope', needed: accepted, provided: scopes }, headers };
    }
    if (!nonEmptyString(args.channel)) return { answer: { ok: false, error: 'channel_not_found' }, headers };
    const answer = this.#deps.conversations.info(args.channel, parseBoolean(args.include_locale) === true);
    return { answer, headers };
  }

  /**
   * `entity.presentDetails` (docs.slack.dev/reference/methods/entity.presentDetails): the per-viewer flexpane answer
   * to an entity_details_requested trigger. Exactly one of `metadata`, `user_auth_required` + `user_auth_url`, or
   * `error` is sent. A trigger is used up by the first successful answer; Slack also lets triggers expire after a
   * few seconds, which the simulator does not do (slow test machines would flake).
   */
  #entityPresentDetails(token: string | undefined, args: Record<string, unknown>, at: number): Reply {
    const check = this.#deps.oauth.checkToken(token);
    if (check.kind === 'error') return { answer: { ok: false, error: check.error } };
    if (check.kind !== 'bot') return { answer: { ok: false, error: 'not_allowed_token_type' } };
    // The method needs no scope ("scope": "none" in Slack's method spec), so no X-Accepted-OAuth-Scopes either.
    const headers = { 'x-oauth-scopes': this.#deps.config.botScopes };
    const fail = (error: string): Reply => ({ answer: { ok: false, error }, headers });
    if (!this.#deps.config.workObjects) return fail('feature_not_enabled');

    // Form bodies carry `metadata` and `error` as JSON strings, like chat.unfurl's nested arguments (§3).
    const rawMetadata = args.metadata;
    const metadataParsed = parseJsonField(args, 'metadata');
    const errorParsed = parseJsonField(args, 'error');
    if (args.user_auth_required !== undefined) {
      const b = parseBoolean(args.user_auth_required);
      if (b !== undefined) args.user_auth_required = b;
    }

    if (!nonEmptyString(args.trigger_id)) return fail('invalid_arguments');
    const trigger = this.#deps.workObjects.openTrigger(args.trigger_id);
    if (trigger === undefined) return fail('invalid_trigger_id');

    const hasMetadata = args.metadata !== undefined && args.metadata !== '';
    const wantsAuth = args.user_auth_required === true;
    const hasError = args.error !== undefined && args.error !== '';
    if ([hasMetadata, wantsAuth, hasError].filter(Boolean).length !== 1) return fail('invalid_arguments');

    if (hasMetadata) {
      if (!metadataParsed || metadataBytes(rawMetadata) > MAX_METADATA_BYTES) return fail('invalid_metadata');
      // Here `metadata` is one entity object, not chat.unfurl's `{entities: […]}`; app_unfurl_url is optional.
      if (entityProblem(args.metadata, false) !== undefined) return fail('invalid_metadata');
      const ref = (args.metadata as { external_ref: { id: string } }).external_ref;
      if (ref.id !== trigger.externalRef.id) return fail('entity_metadata_does_not_match_trigger');
      this.#deps.workObjects.answer(args.trigger_id, at, { kind: 'details', metadata: args.metadata });
    } else if (wantsAuth) {
      if (args.user_auth_url === undefined || args.user_auth_url === '') return fail('user_auth_url_missing');
      if (!isHttpUrl(args.user_auth_url)) return fail('invalid_arguments');
      this.#deps.workObjects.answer(args.trigger_id, at, { kind: 'auth_required', userAuthUrl: args.user_auth_url });
    } else {
      const error = args.error;
      if (!errorParsed || !isPlainObject(error) || typeof error.status !== 'string') return fail('invalid_arguments');
      if (!FLEXPANE_ERROR_STATUSES.has(error.status)) return fail('invalid_arguments');
      this.#deps.workObjects.answer(args.trigger_id, at, { kind: 'error', errorStatus: error.status });
    }
    return { answer: { ok: true }, headers };
  }

  /** Slack lists each problem in `errors` and echoes them as `[ERROR] …` response_metadata messages. */
  #invalidBlocks(errors: string[], headers: Record<string, string>): Reply {
    return {
      answer: {
        ok: false,
        error: 'invalid_blocks',
        errors,
        response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
      },
      headers,
    };
  }
}
