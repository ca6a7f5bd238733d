/**
 * Public types of the Slack simulator. The simulator is test/demo infrastructure: it shares no code with the
 * product (only Node built-ins and `ws`), so a bug in the product cannot be mirrored by the fake.
 */

/** Options for {@link startSlackSimulator}. Every field has a realistic default. */
export interface SlackSimulatorOptions {
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port to bind. Default `0` (an ephemeral port). */
  port?: number;
  /** App-level token; `apps.connections.open` accepts exactly this one. Default `xapp-1-A0SIM-demo`. */
  appToken?: string;
  /** Bot token accepted by `auth.test` and `chat.unfurl`. Default `xoxb-sim-bot-token`. */
  botToken?: string;
  /** Workspace id. Default `T0SIM`. */
  teamId?: string;
  /** Workspace name. Default `Simulated Workspace`. */
  teamName?: string;
  /** App id (in Socket Mode URLs, hello frames, events and OAuth answers). Default `A0SIM`. */
  appId?: string;
  /** OAuth client id. Default `1111.2222`. */
  clientId?: string;
  /** OAuth client secret. Default `sim-client-secret`. */
  clientSecret?: string;
  /**
   * When true, `oauth.v2.access` issues rotating tokens (`xoxe.xoxp-…` + `refresh_token` + `expires_in: 43200`),
   * as described in slack-platform.md §5.2. Default false.
   */
  tokenRotation?: boolean;
  /** Extra delay (ms) before `chat.unfurl` is answered, for latency benchmarks. Default 0. */
  unfurlLatencyMs?: number;
  /**
   * Scopes granted to the bot token, reported in `X-OAuth-Scopes` and checked by `conversations.info`.
   * Default `links:read,links:write,channels:read,groups:read,im:read,mpim:read`.
   */
  botScopes?: string[];
  /**
   * Whether the app has "Work Object Previews" switched on (slack-platform.md §9). When false, `chat.unfurl` with
   * `metadata` and every `entity.presentDetails` call answer `feature_not_enabled`. Default true.
   */
  workObjects?: boolean;
  /**
   * What `conversations.info` answers for ids never passed to {@link SlackSimulator.setConversation}: that
   * conversation, or `'not_found'` for `channel_not_found`. Default `{}` (a public, unshared channel).
   */
  defaultConversation?: ConversationInfo | 'not_found';
}

/**
 * A conversation as {@link SlackSimulator.setConversation} defines it; `conversations.info` turns it into Slack's
 * conversation object. Every flag defaults to false: a public channel of the simulator's own workspace.
 */
export interface ConversationInfo {
  /** Channel name (not for IMs, which have none). Default derived from the id, or `mpdm-…` for group DMs. */
  name?: string;
  /** A private channel (group DMs are always private). */
  isPrivate?: boolean;
  /** A 1:1 direct message. Answered in the shorter IM shape (`user`, no `name`, no `is_channel`). */
  isIm?: boolean;
  /** A multi-person direct message. */
  isMpim?: boolean;
  /** Shared with another workspace in any way. Default: true when `isExtShared` or `isOrgShared` is. */
  isShared?: boolean;
  /** Slack Connect: shared with another organisation. */
  isExtShared?: boolean;
  /** Shared between workspaces of the same Enterprise organisation. */
  isOrgShared?: boolean;
  /** For IMs: the other member. Default `U0SIMUSER`. */
  user?: string;
}

/** Options for {@link SlackSimulator.detailsRequest}. */
export interface DetailsRequestOptions {
  /** Default: the simulator's team. */
  teamId?: string;
  /** The viewer who opened the Work Object's flexpane. */
  user: string;
  /** The posted link (the event's `app_unfurl_url`). */
  url: string;
  /** The card's `external_ref`, as the app sent it in the chat.unfurl metadata. */
  externalRef: { id: string; type?: string };
  /** The entity's canonical URL (`entity_url`, `link.url`). Default `url`. */
  entityUrl?: string;
  /** Default `C0SIMCHAN`. */
  channel?: string;
  /** Default a fresh `seconds.micros` ts. */
  messageTs?: string;
  /** Only present in the event when given. */
  threadTs?: string;
}

/** Result of {@link SlackSimulator.detailsRequest}. */
export interface DetailsRequest {
  /** The `event_callback` body; deliver it with `sendEvent` or `postEvent`. */
  body: object;
  /** The trigger id the simulator issued; `entity.presentDetails` accepts it once. */
  triggerId: string;
}

/** A successful `entity.presentDetails` answer: what one viewer was shown in the flexpane. */
export interface FlexpaneAnswer {
  triggerId: string;
  /** The viewer the trigger was issued for. */
  user: string;
  /** The trigger's `external_ref`. */
  externalRef: { id: string; type?: string };
  /** `Date.now()` when the answer arrived. */
  at: number;
  /** `details`: entity metadata; `auth_required`: a sign-in prompt; `error`: an error view. */
  kind: 'details' | 'auth_required' | 'error';
  /** The entity object (kind `details`). */
  metadata?: unknown;
  /** Kind `auth_required`. */
  userAuthUrl?: string;
  /** Kind `error`: `restricted`, `not_found`, `custom`, … */
  errorStatus?: string;
}

/** One Web API call as the simulator saw it. */
export interface RecordedCall {
  /** Method name, e.g. `chat.unfurl`. */
  method: string;
  /** Token from `Authorization: Bearer` or the `token` field (never HTTP Basic credentials). */
  token?: string;
  /**
   * Arguments without `token`. For `chat.unfurl`, JSON-string fields (`unfurls`, `user_auth_blocks`, `metadata`)
   * are parsed into values and `user_auth_required` into a boolean; likewise `metadata`, `error` and
   * `user_auth_required` of `entity.presentDetails`.
   */
  args: Record<string, unknown>;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** Whether the simulator answered `ok: true`. */
  ok: boolean;
  /** The `error` code (or `ratelimited` / `http_<status>` for injected faults). */
  error?: string;
}

/** Identity that "clicks Allow" on the simulated OAuth authorize page. */
export interface AuthorizeIdentity {
  userId: string;
  teamId?: string;
  teamName?: string;
}

/** Reasons Slack sends in `{"type":"disconnect"}` frames (slack-platform.md §4.1 step 3). */
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled' | 'too_many_websockets';

/** Options for {@link SlackSimulator.sendEvent}. */
export interface SendEventOptions {
  /** `retry_attempt` in the envelope. Default 0 (first delivery). */
  retryAttempt?: number;
  /** `retry_reason` in the envelope. Default `''` (slack-platform.md §4.1 step 4). */
  retryReason?: string;
  /** Envelope id. Default a random UUID. */
  envelopeId?: string;
  /** 0-based index into the currently open connections (oldest first). Default: round-robin. */
  connection?: number;
  /** How long to wait for the ack. Default 10 000 ms. */
  timeoutMs?: number;
}

/** Result of {@link SlackSimulator.sendEvent}. */
export interface SendEventResult {
  envelopeId: string;
  /** `Date.now()` when the ack arrived. */
  ackedAt: number;
  /** The complete ack frame as parsed JSON, i.e. `{envelope_id, payload}`. */
  ack: unknown;
}

/** Options for {@link SlackSimulator.postEvent}. */
export interface PostEventOptions {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp` (Unix seconds). Default now. */
  timestamp?: number;
  /** `X-Slack-Retry-Num`, omitted when undefined. */
  retryNum?: number;
  /** `X-Slack-Retry-Reason`, omitted when undefined. */
  retryReason?: string;
  /** Content type. Default `application/json`. */
  contentType?: string;
  /** Give up (reject) after this many ms. Default 10 000. Slack itself gives up after 3 s (§1.5). */
  timeoutMs?: number;
}

/** Result of {@link SlackSimulator.postEvent}. */
export interface PostEventResult {
  status: number;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** Wall time from sending to the full response, in ms. */
  ms: number;
}

/** An issued user token, as returned by {@link SlackSimulator.userTokens}. */
export interface IssuedUserToken {
  token: string;
  userId: string;
  teamId: string;
  scope: string;
}

/** A running simulator. See {@link startSlackSimulator}. */
export interface SlackSimulator {
  /** `http://HOST:PORT` */
  readonly url: string;
  /** `http://HOST:PORT/api/`; pass as `slackApiUrl`. */
  readonly apiUrl: string;
  /** `http://HOST:PORT/oauth/v2/authorize` */
  readonly authorizeUrl: string;
  readonly appToken: string;
  readonly botToken: string;
  readonly teamId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every Web API call in arrival order (the last 50 000). */
  readonly calls: RecordedCall[];
  /** Successful `chat.unfurl` calls. */
  unfurls(): RecordedCall[];
  /** Resolves once `count` successful calls of `method` were recorded; rejects after `timeoutMs` (default 30 000). */
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<RecordedCall[]>;
  /** The next `count` calls of `method` (optionally only those made with `teamToken`) get HTTP 429 + Retry-After. */
  rateLimitNext(method: string, count: number, retryAfterSeconds: number, teamToken?: string): void;
  /** The next `count` calls of `method` get HTTP 200 `{ok:false,error}`. */
  failNext(method: string, count: number, error: string): void;
  /** The next `count` calls of `method` get a bare HTTP `status` (e.g. 500). */
  httpErrorNext(method: string, count: number, status: number): void;
  /** The next `count` calls of `method` are never answered (until stop), to test client timeouts. */
  stallNext(method: string, count: number): void;
  /** Open Socket Mode connections that were sent `hello`. */
  readonly socketConnections: number;
  /** Resolves once at least `n` sockets are open; rejects after `timeoutMs` (default 30 000). */
  waitForSocketConnections(n: number, timeoutMs?: number): Promise<void>;
  /** Wraps an `event_callback` body in an `events_api` envelope, sends it and waits for the ack. */
  sendEvent(body: object, options?: SendEventOptions): Promise<SendEventResult>;
  /** Sends an arbitrary text frame (round-robin unless `connection`), for malformed-frame tests. */
  sendRaw(frame: string, connection?: number): void;
  /** Envelopes sent by {@link sendEvent} that were not acked yet. */
  readonly unackedEnvelopes: number;
  /** Sends a `disconnect` frame to one connection (index) or all. */
  disconnect(reason: DisconnectReason, connection?: number): void;
  /** Terminates all sockets without a close handshake or disconnect frame. */
  dropConnections(): void;
  /** Who "clicks Allow" on subsequent authorize requests (default `U0SIMUSER` in the simulator's team). */
  authorizeAs(identity: AuthorizeIdentity): void;
  /** The next authorize request redirects with `error=access_denied`. */
  denyNextAuthorization(): void;
  /** Later calls with this token answer `token_revoked`. */
  revokeToken(token: string): void;
  /** Later calls with this token answer `token_expired`. */
  expireToken(token: string): void;
  /** User tokens issued by `oauth.v2.access` (including refreshed ones). */
  userTokens(): IssuedUserToken[];
  /** Defines what `conversations.info` answers for `id` (replacing an earlier definition). */
  setConversation(id: string, info: ConversationInfo): void;
  /** How many `conversations.info` requests arrived (for `channel`, or for any), injected faults included. */
  conversationLookups(channel?: string): number;
  /**
   * Builds an `entity_details_requested` event_callback body (a viewer opened a Work Object's flexpane, §9) and
   * registers its trigger id for `entity.presentDetails`. Deliver the body with `sendEvent` or `postEvent`.
   */
  detailsRequest(options: DetailsRequestOptions): DetailsRequest;
  /** Successful `entity.presentDetails` answers in arrival order. */
  flexpaneAnswers(): FlexpaneAnswer[];
  /** Delivers `body` to an HTTP Request URL, signed like Slack does (slack-platform.md §1.1). */
  postEvent(requestUrl: string, body: object | string, options: PostEventOptions): Promise<PostEventResult>;
  /** Closes everything; idempotent. */
  stop(): Promise<void>;
}
