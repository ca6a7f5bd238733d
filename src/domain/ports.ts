/** What the unfurl job needs from the world. Adapters implement these; the job never sees an SDK. */
import type { JobOutcome, Trace, TraceRef, UnfurlContent, UnfurlJob, UnfurlTarget, UserMapping } from './types.js';

export type FetchTraceResult = { readonly kind: 'found'; readonly trace: Trace } | { readonly kind: 'not_found' };

/** A trace backend (Lightstep's public API). Throws LsslackError for outages and bad replies. */
export interface TraceSource {
  fetchTrace(ref: TraceRef, signal?: AbortSignal): Promise<FetchTraceResult>;
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
  readonly teamId: string;
  readonly target: UnfurlTarget;
  /** The URL exactly as it arrived (the `unfurls` key must match it). */
  readonly url: string;
  readonly ref: TraceRef;
  readonly userToken: string;
}

export interface PreviewResult {
  /** Whether the trace was still stored (a "trace gone" preview is posted when it was not). */
  readonly trace: { readonly kind: 'found'; readonly spanCount: number } | { readonly kind: 'not_found' };
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
  readonly allowedOrigins: readonly string[];
  readonly identities: IdentityDirectory;
  readonly prompter: AuthPrompter;
  readonly publisher: PreviewPublisher;
  readonly links: LinkRevoker;
}

export type { JobOutcome };
