/** What the unfurl job needs from the world. Adapters implement these; the job never sees an SDK. */
import type { JobOutcome, Trace, TraceRef, UnfurlContent, UnfurlJob, UnfurlTarget, UserMapping } from './types.js';

export type FetchTraceResult = { readonly kind: 'found'; readonly trace: Trace } | { readonly kind: 'not_found' };

/**
 * The configured trace backends. Throws LsslackError for outages (`backend_unavailable`,
 * `backend_rate_limited`), refusals (`backend_unauthorized`), bad replies (`backend_bad_response`)
 * and replies past the limits (`trace_too_large`, `trace_timeout`).
 */
export interface TraceSource {
  fetchTrace(ref: TraceRef, signal?: AbortSignal): Promise<FetchTraceResult>;
}

/** Which configured backend, if any, a shared URL is a trace link of. Never throws. */
export interface LinkRecognizer {
  recognise(url: string): TraceRef | undefined;
}

/** Who may see what: admin mappings and completed identity links. */
export interface IdentityDirectory {
  findMapping(teamId: string, slackUserId: string): Promise<UserMapping | undefined>;
  /** The Slack user token to post with, when the user has completed linking; undefined otherwise. */
  findLinkToken(teamId: string, slackUserId: string): Promise<string | undefined>;
}

/** How an unlinked user gets to the linking flow. */
export interface AuthPrompter {
  /** Builds the `user_auth_url` for this job (and remembers the pending unfurl). */
  authUrlFor(job: UnfurlJob, mapped: boolean): Promise<string>;
}

export type PostResult =
  | { readonly kind: 'posted' }
  /** The user token no longer works (revoked, expired, invalid): the link must be dropped. */
  | { readonly kind: 'token_invalid'; readonly error: string };

/** Slack's chat.unfurl. Throws LsslackError for failures that end the job. */
export interface UnfurlPoster {
  /** Posts the preview with the sharer's own user token (the token their link was for). */
  postUnfurl(teamId: string, target: UnfurlTarget, url: string, content: UnfurlContent, userToken: string): Promise<PostResult>;
  /** Posts Slack's own auth prompt with the bot token. */
  postAuthPrompt(teamId: string, target: UnfurlTarget, authUrl: string): Promise<void>;
}

/** Drops a link whose token Slack refused, so the next share prompts again. */
export interface LinkRevoker {
  dropLink(teamId: string, slackUserId: string, reason: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

/** The subset of pino lsslack uses; tests pass a real pino writing to a captured stream. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** What the job asks of the heavy step: the trace behind a link, previewed in Slack with the sharer's token. */
export interface PreviewRequest {
  /** The job this preview is for (a worker that dies running it knows whom to suspect). */
  readonly jobId: string;
  readonly teamId: string;
  readonly target: UnfurlTarget;
  /** The URL exactly as it arrived (the `unfurls` key must match it). */
  readonly url: string;
  readonly ref: TraceRef;
  readonly userToken: string;
}

/** What was learnt of the trace; every kind but `found` got a preview saying why there is no more. */
export type PreviewedTrace =
  | { readonly kind: 'found'; readonly spanCount: number; readonly partial: boolean }
  | { readonly kind: 'not_found' }
  /** Over the byte cap, or too big for the preview worker's heap. */
  | { readonly kind: 'too_large'; readonly message: string }
  /** The backend answered but did not finish sending it within the deadline. */
  | { readonly kind: 'timeout'; readonly message: string };

export interface PreviewResult {
  readonly trace: PreviewedTrace;
  readonly posted: PostResult;
}

/**
 * Where the CPU-heavy part of a job runs (fetch → analyse → render → post) and where every
 * chat.unfurl leaves from. The daemon runs it on its own threads, away from the thread that acks.
 */
export interface PreviewPublisher {
  publishPreview(request: PreviewRequest): Promise<PreviewResult>;
  /** Posts Slack's own auth prompt with the bot token. */
  postAuthPrompt(teamId: string, target: UnfurlTarget, authUrl: string): Promise<void>;
}

export interface UnfurlJobPorts {
  readonly recognizer: LinkRecognizer;
  readonly identities: IdentityDirectory;
  readonly prompter: AuthPrompter;
  readonly publisher: PreviewPublisher;
  readonly links: LinkRevoker;
}

export type { JobOutcome };
