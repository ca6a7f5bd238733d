/** Plain data shared by every step of the unfurl pipeline. No I/O, no SDK types. */

/** What a backend fetches a trace by: its id, or (Lightstep's stored traces) one of its spans. */
export type TraceLookup = { readonly kind: 'trace'; readonly traceId: string } | { readonly kind: 'span'; readonly spanId: string };

/** How a backend's traces are named in a preview. Plain text (the renderer escapes it). */
export interface TraceDisplay {
  /** The product in "Open trace in …": Lightstep, Jaeger, Zipkin, Grafana. */
  readonly product: string;
  /** Where the trace lives, beside the link: `project checkout`, `datasource tempo-prod`. */
  readonly where?: string;
  /** Why the backend may no longer have the trace, said when it answered "not found". */
  readonly notFound: string;
}

/** A trace link found in a Slack message, recognised by one configured backend. */
export interface TraceRef {
  /** The URL exactly as it arrived in the event (the `unfurls` key must match it). */
  readonly url: string;
  /** Id of the configured backend that recognised it (grants and logs name it). */
  readonly backendId: string;
  /**
   * The grant scope the trace falls in, for backends that have several (a Lightstep project, a
   * Grafana datasource uid); undefined where a grant of the whole backend is the only kind.
   */
  readonly scope?: string;
  readonly lookup: TraceLookup;
  /**
   * Span selected in the UI, lowercase hex, possibly abbreviated (Lightstep's own examples shorten
   * it), so it is matched as a unique prefix against the trace's span ids.
   */
  readonly selectedSpanPrefix?: string;
  readonly display: TraceDisplay;
}

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** Backend-neutral span. Times are epoch microseconds. */
export interface Span {
  readonly spanId: string;
  readonly parentId?: string;
  readonly service: string;
  readonly name: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly isError: boolean;
  readonly kind?: SpanKind;
}

/** A trace as fetched from a backend, already normalised. */
export interface Trace {
  readonly traceId?: string;
  readonly spans: readonly Span[];
  /**
   * Set when the backend said the trace is incomplete (Tempo's `status: PARTIAL`), with its reason
   * (or a generic one): the preview says so.
   */
  readonly partial?: string;
}

/** One contiguous piece of the critical path. */
export interface CriticalSection {
  readonly spanId: string;
  readonly startUs: number;
  readonly endUs: number;
}

/** A span on the critical path, with the time it contributes to it. */
export interface CriticalContributor {
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  /** Sum of this span's critical-path sections, µs. */
  readonly criticalUs: number;
  /** criticalUs / trace duration, 0..1. */
  readonly share: number;
}

export interface SpanSummary {
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  readonly durationUs: number;
  /** duration / trace duration, 0..1. */
  readonly share: number;
  /** start − trace start, µs. */
  readonly offsetUs: number;
  readonly isError: boolean;
  /** Root first, the span's parent last; empty for a root span. */
  readonly ancestry: readonly { readonly spanId: string; readonly service: string; readonly name: string }[];
}

export interface ServiceBreakdown {
  readonly service: string;
  readonly spanCount: number;
  readonly errorCount: number;
  /** Time this service's spans spend on the critical path, µs. */
  readonly criticalUs: number;
}

/** What the analysis step produces; everything the renderer needs. */
export interface TraceSummary {
  readonly traceId?: string;
  /** The backend said the trace is incomplete, and why (Trace.partial). */
  readonly partial?: string;
  readonly root: { readonly spanId: string; readonly service: string; readonly name: string };
  /** Some span has no parent at all (false: every span names a parent the trace lacks). */
  readonly hasRoot: boolean;
  /** The services that mattered most: spans, errors, critical-path time. */
  readonly services: readonly ServiceBreakdown[];
  readonly startUs: number;
  readonly durationUs: number;
  readonly spanCount: number;
  readonly serviceCount: number;
  readonly errorCount: number;
  /** Earliest-starting error span, if any. */
  readonly firstError?: { readonly spanId: string; readonly service: string; readonly name: string };
  /** Spans whose parent is not in the trace (the root excluded). */
  readonly orphanCount: number;
  /** Sections in chronological order. */
  readonly criticalPath: readonly CriticalSection[];
  /** Spans on the critical path, largest contribution first. */
  readonly topContributors: readonly CriticalContributor[];
  /** The selected span (from the URL fragment), when it was found. */
  readonly selected?: SpanSummary;
  /** How the fragment resolved: found, absent from the URL, no match, or several spans share the prefix. */
  readonly selectedStatus: 'found' | 'none' | 'not_found' | 'ambiguous';
}

/** Slack Block Kit, as plain JSON. */
export type Block = Record<string, unknown>;

export interface UnfurlContent {
  readonly blocks: readonly Block[];
  /** A Work Object card for the same link, when the app uses them (Slack's `metadata.entities`). */
  readonly entity?: EntityCard;
}

/**
 * A Work Object entity as Slack's `chat.unfurl` metadata and `entity.presentDetails` take it
 * (docs.slack.dev, "Implementing Work Objects"): plain JSON, no SDK types.
 */
export interface EntityCard {
  readonly entity_type: string;
  readonly url: string;
  readonly app_unfurl_url?: string;
  readonly external_ref: { readonly id: string; readonly type: string };
  readonly entity_payload: {
    readonly attributes: { readonly title: { readonly text: string }; readonly display_type?: string; readonly product_name?: string };
    readonly custom_fields?: ReadonlyArray<{ readonly key: string; readonly label: string; readonly type: string; readonly value: string | number; readonly long?: boolean; readonly link?: string }>;
    readonly display_order?: readonly string[];
  };
}

/** Where a chat.unfurl goes: a posted message, or a link typed in the composer. */
export type UnfurlTarget =
  | { readonly kind: 'message'; readonly channel: string; readonly ts: string }
  | { readonly kind: 'composer'; readonly unfurlId: string; readonly source: string };

/** One link of one link_shared event: the unit of work of the queue. */
export interface UnfurlJob {
  /** Stable id: `${eventId}:${index of the link}`. */
  readonly id: string;
  readonly eventId: string;
  readonly teamId: string;
  readonly userId: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly target: UnfurlTarget;
  /** URL as it came in the event (may contain `&amp;`). */
  readonly url: string;
  /** ms since epoch when the event reached lsslack. */
  readonly receivedAt: number;
  /**
   * What the job is: absent for a link_shared unfurl; `details` answers a viewer opening a Work
   * Object's flexpane (userId is then the viewer); `refresh` posts a preview again once late spans
   * may have arrived.
   */
  readonly kind?: 'details' | 'refresh';
  /** The event said the channel is shared with another organisation (`is_ext_shared_channel`). */
  readonly extShared?: boolean;
  /** Not before this time (ms since epoch): a refresh waits for the spans to arrive. */
  readonly notBefore?: number;
  /** details: Slack's trigger for `entity.presentDetails`, and the card the viewer opened. */
  readonly triggerId?: string;
  readonly externalRefId?: string;
  /** refresh: which one (1, 2…) and what the last posted preview showed, to post again only on change. */
  readonly refresh?: { readonly n: number; readonly digest: string };
}

/** How much of a trace a preview shows, by who can see it. */
export type DetailLevel = 'full' | 'summary' | 'none';

/**
 * Who sees a conversation: lsslack's reading of Slack's conversation flags. `unknown` is a lookup
 * that failed, which counts as the most restrictive audience (external).
 */
export type AudienceKind = 'internal' | 'private' | 'dm' | 'mpim' | 'org_shared' | 'external' | 'composer' | 'unknown';

/**
 * An admin's policy for one channel, or (channel `*`) the default of a workspace: how much
 * previews show there, and grants that narrow (never widen) what sharers may show there.
 */
export interface ChannelPolicy {
  readonly teamId: string;
  /** A channel id, or `*` for the workspace's default. */
  readonly channel: string;
  /** The detail while the channel is internal; for `*`, of the workspace's internal channels. */
  readonly detail?: DetailLevel;
  /** The detail while it is shared outside the organisation (or its audience is unknown). */
  readonly externalDetail?: DetailLevel;
  readonly grants?: readonly string[];
  readonly setAt: string;
}

/**
 * Admin-made mapping of a Slack user to a person in the trace tools and what they may see.
 * A grant is `backend` (all of it) or `backend/scope` (one Lightstep project, one Grafana
 * datasource); `lightstep/checkout` is what `--projects checkout` always meant.
 */
export interface UserMapping {
  readonly teamId: string;
  readonly slackUserId: string;
  /** The person in the trace tools (an e-mail or user name), for whoever reads `users list`. */
  readonly traceUser: string;
  readonly grants: readonly string[];
  readonly mappedAt: string;
}

export type OutcomeKind = 'unfurled' | 'prompted' | 'not_authorized' | 'not_found' | 'skipped' | 'failed';

/** Which backend, and which scope of it, a job's link was for. */
export interface OutcomeWhere {
  readonly backend: string;
  readonly scope?: string;
}

/** How a job ended. Expected endings are values; `failed` carries the error code. */
export type JobOutcome =
  | (OutcomeWhere & {
      readonly kind: 'unfurled';
      readonly spanCount: number;
      readonly partial?: boolean;
      /** How much the preview showed (the audience's detail level). */
      readonly detail?: DetailLevel;
      /** The flexpane of a Work Object, answered for one viewer. */
      readonly surface?: 'flexpane';
      /** The trace looked incomplete, so a refresh of the preview was scheduled. */
      readonly refreshScheduled?: boolean;
    })
  | (OutcomeWhere & { readonly kind: 'prompted'; readonly reason: 'not_mapped' | 'not_linked' })
  | (OutcomeWhere & { readonly kind: 'not_authorized' })
  | (OutcomeWhere & { readonly kind: 'not_found' })
  | { readonly kind: 'skipped'; readonly reason: 'not_a_trace_link' | 'duplicate' | 'workspace_uninstalled' | 'withheld' | 'unchanged' }
  | (Partial<OutcomeWhere> & { readonly kind: 'failed'; readonly code: string; readonly message: string });
