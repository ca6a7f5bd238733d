/** What the unfurl job needs from the world. Adapters implement these; the job never sees an SDK. */
import type { AudienceKind, ChannelPolicy, DetailLevel, EntityCard, JobOutcome, Trace, TraceRef, UnfurlContent, UnfurlJob, UnfurlTarget, UserMapping } from './types.js';
import type { DetailDefaults } from './decide-detail.js';

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
  /**
   * Builds the `user_auth_url` for this job. Unless `deliver` is false (a flexpane: opening the
   * card again shows the details), it remembers the pending unfurl to post once they have linked.
   */
  authUrlFor(job: UnfurlJob, mapped: boolean, options?: { readonly deliver?: boolean }): Promise<string>;
}

/** Who is in a conversation (Slack's `conversations.info`), cached; a failed lookup is `unknown`. */
export interface AudienceDirectory {
  audienceOf(teamId: string, channel: string, hint?: { readonly extShared?: boolean }): Promise<AudienceKind>;
}

/** Admins' per-channel (and per-workspace, channel `*`) policies. */
export interface ChannelPolicies {
  findPolicy(teamId: string, channel: string): Promise<ChannelPolicy | undefined>;
}

/** Schedules a refresh of a posted preview whose trace was still arriving (journaled like any job). */
export interface RefreshScheduler {
  scheduleRefresh(job: UnfurlJob, refresh: { readonly n: number; readonly digest: string }, delayMs: number): Promise<void>;
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
  /** How much the conversation may see. */
  readonly detail: Exclude<DetailLevel, 'none'> | 'none';
  /** Also attach a Work Object card (`metadata`) to the unfurl. */
  readonly workObject: boolean;
  /** A refresh: post only when the analysis differs from this digest of the last preview. */
  readonly previousDigest?: string;
  /** Say in the preview that it will refresh itself while the trace is still arriving. */
  readonly mayRefresh: boolean;
}

/** What was learnt of the trace; every kind but `found` got a preview saying why there is no more. */
export type PreviewedTrace =
  | {
      readonly kind: 'found';
      readonly spanCount: number;
      readonly partial: boolean;
      /** What the preview showed, in short: a refresh posts again only when this changes. */
      readonly digest: string;
      /** The trace looked incomplete (no root, orphans, PARTIAL, spans ending just now). */
      readonly stillArriving: boolean;
      /** A refresh found nothing new: nothing was posted. */
      readonly unchanged?: boolean;
    }
  | { readonly kind: 'not_found' }
  /** Over the byte cap, or too big for the preview worker's heap. */
  | { readonly kind: 'too_large'; readonly message: string }
  /** The backend answered but did not finish sending it within the deadline. */
  | { readonly kind: 'timeout'; readonly message: string };

export interface PreviewResult {
  readonly trace: PreviewedTrace;
  readonly posted: PostResult;
}

/** What a viewer who opened a Work Object's flexpane is shown. */
export type FlexpaneAnswer =
  | { readonly kind: 'details'; readonly ref: TraceRef }
  | { readonly kind: 'auth'; readonly authUrl: string }
  | { readonly kind: 'error'; readonly status: 'restricted' | 'not_found' | 'internal_error' | 'timeout' };

export interface DetailsRequest {
  readonly jobId: string;
  readonly teamId: string;
  readonly triggerId: string;
  /** The card's external_ref id (the answer's must match it). */
  readonly externalRefId: string;
  /** The posted URL the card was made for. */
  readonly url: string;
  readonly answer: FlexpaneAnswer;
}

export interface DetailsResult {
  /** For `details` answers: what was learnt of the trace. */
  readonly trace?: { readonly kind: 'found'; readonly spanCount: number } | { readonly kind: 'not_found' };
  /** Slack took the answer (false: the trigger had expired, Work Objects are off…). */
  readonly shown: boolean;
}

/**
 * Where the CPU-heavy part of a job runs (fetch → analyse → render → post) and where every
 * chat.unfurl leaves from. The daemon runs it in its own processes, away from the one that acks.
 */
export interface PreviewPublisher {
  publishPreview(request: PreviewRequest): Promise<PreviewResult>;
  /** Posts Slack's own auth prompt with the bot token. */
  postAuthPrompt(teamId: string, target: UnfurlTarget, authUrl: string): Promise<void>;
  /** Answers a flexpane request (`entity.presentDetails`); details are fetched once per trace for many viewers. */
  presentDetails(request: DetailsRequest): Promise<DetailsResult>;
}

export interface UnfurlJobPorts {
  readonly recognizer: LinkRecognizer;
  readonly audiences: AudienceDirectory;
  readonly policies: ChannelPolicies;
  readonly refresher: RefreshScheduler;
  readonly detailDefaults: DetailDefaults;
  /** When previews of traces still arriving are refreshed (REFRESH_DELAYS_MS unless configured). */
  readonly refreshDelaysMs?: readonly number[];
  /** Previews carry a Work Object card (LSSLACK_PREVIEW=work-object). */
  readonly workObjects: boolean;
  readonly identities: IdentityDirectory;
  readonly prompter: AuthPrompter;
  readonly publisher: PreviewPublisher;
  readonly links: LinkRevoker;
}

export type { JobOutcome };
