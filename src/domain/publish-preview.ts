import { analyseTrace } from './analyse-trace.js';
import { LsslackError } from './errors.js';
import type { DetailsRequest, DetailsResult, PreviewedTrace, PreviewRequest, PreviewResult, TraceSource, UnfurlPoster } from './ports.js';
import { renderEntityCard, renderFlexpane } from './render-entity.js';
import { renderNotice, renderUnfurl } from './render-unfurl.js';
import type { EntityCard, TraceRef, TraceSummary, UnfurlContent } from './types.js';

/** Where flexpane answers go (Slack's `entity.presentDetails`, with the bot token). */
export interface DetailsPresenter {
  /** Returns false when Slack did not take it (an expired trigger, Work Objects switched off). */
  presentDetails(teamId: string, triggerId: string, answer: { readonly metadata: EntityCard } | { readonly authUrl: string } | { readonly error: string }): Promise<boolean>;
}

/** Analyses shared by many viewers of one trace: a short-lived, bounded cache in front of the backends. */
export interface AnalysisCache {
  /** The analysis of the trace behind `ref`, computed once per key while it is fresh. */
  analysisOf(ref: TraceRef, compute: () => Promise<TraceSummary | undefined>): Promise<TraceSummary | undefined>;
}

export interface PublishPreviewPorts {
  readonly traces: TraceSource;
  readonly poster: UnfurlPoster;
  readonly now: () => number;
}

/** A trace whose newest span ended this recently may still be missing spans. */
const RECENT_MS = 60_000;

/**
 * The heavy step of a job: fetch the trace → analyse → render (for the conversation's audience)
 * → chat.unfurl with the sharer's token. A trace the backend no longer has, or one too big or too
 * slow to fetch, still gets a preview saying so (with the link to open it), so nobody waits for
 * one that never comes. A refresh posts only when the analysis changed.
 */
export async function publishPreview(request: PreviewRequest, ports: PublishPreviewPorts): Promise<PreviewResult> {
  const { content, trace } = await fetchAndRender(request, ports);
  if (trace.kind === 'found' && trace.unchanged === true) return { trace, posted: { kind: 'posted' } };
  const posted = await ports.poster.postUnfurl(request.teamId, request.target, request.url, content, request.userToken);
  return { trace, posted };
}

/**
 * Posts the preview that says why there is no trace to show, without fetching anything (the
 * trace killed the worker that tried: too big for its heap).
 */
export async function publishNotice(request: PreviewRequest, trace: Exclude<PreviewedTrace, { kind: 'found' }>, poster: UnfurlPoster): Promise<PreviewResult> {
  const posted = await poster.postUnfurl(request.teamId, request.target, request.url, withCard(renderNotice(trace, request.ref, noticeOptions(request)), request, undefined), request.userToken);
  return { trace, posted };
}

/**
 * A viewer opened a Work Object's flexpane: the whole analysis for a viewer entitled to it (the
 * trace read once for all viewers through the cache), the link prompt for one not linked yet, an
 * error otherwise. The caller has already decided which: nothing is fetched for a refusal.
 */
export async function presentDetails(request: DetailsRequest, ports: { readonly traces: TraceSource; readonly presenter: DetailsPresenter; readonly cache: AnalysisCache }): Promise<DetailsResult> {
  const { answer } = request;
  if (answer.kind === 'auth') return { shown: await ports.presenter.presentDetails(request.teamId, request.triggerId, { authUrl: answer.authUrl }) };
  if (answer.kind === 'error') return { shown: await ports.presenter.presentDetails(request.teamId, request.triggerId, { error: answer.status }) };
  const { ref } = answer;
  const summary = await ports.cache.analysisOf(ref, async () => {
    const fetched = await ports.traces.fetchTrace(ref);
    return fetched.kind === 'found' ? analyseTrace(fetched.trace, { selectedSpanPrefix: ref.selectedSpanPrefix }) : undefined;
  });
  if (summary === undefined) return { trace: { kind: 'not_found' }, shown: await ports.presenter.presentDetails(request.teamId, request.triggerId, { error: 'not_found' }) };
  const metadata = renderFlexpane(summary, ref, request.url, request.externalRefId);
  return { trace: { kind: 'found', spanCount: summary.spanCount }, shown: await ports.presenter.presentDetails(request.teamId, request.triggerId, { metadata }) };
}

async function fetchAndRender(request: PreviewRequest, ports: PublishPreviewPorts): Promise<{ content: UnfurlContent; trace: PreviewedTrace }> {
  const { ref } = request;
  // Nothing of the trace may be shown here: the card (Work Objects) names the link only, and
  // nothing is fetched. (Without Work Objects such a job never gets here: nothing is posted.)
  if (request.detail === 'none') return { content: withCard({ blocks: [] }, request, undefined), trace: { kind: 'found', spanCount: 0, partial: false, digest: '', stillArriving: false } };
  try {
    const fetched = await ports.traces.fetchTrace(ref);
    if (fetched.kind === 'not_found') return notice({ kind: 'not_found' }, request);
    const summary = analyseTrace(fetched.trace, { selectedSpanPrefix: ref.selectedSpanPrefix });
    const digest = digestOf(summary);
    const stillArriving = isStillArriving(summary, ports.now());
    const trace: PreviewedTrace = { kind: 'found', spanCount: fetched.trace.spans.length, partial: fetched.trace.partial !== undefined, digest, stillArriving };
    if (request.previousDigest === digest) return { content: { blocks: [] }, trace: { ...trace, unchanged: true } };
    return { content: withCard(renderUnfurl(summary, ref, { detail: request.detail, stillArriving: stillArriving && request.mayRefresh }), request, summary), trace };
  } catch (error) {
    if (error instanceof LsslackError && error.code === 'trace_too_large') return notice({ kind: 'too_large', message: error.message }, request);
    if (error instanceof LsslackError && error.code === 'trace_timeout') return notice({ kind: 'timeout', message: error.message }, request);
    throw error;
  }
}

function notice(trace: Exclude<PreviewedTrace, { kind: 'found' }>, request: PreviewRequest): { content: UnfurlContent; trace: PreviewedTrace } {
  return { content: withCard(renderNotice(trace, request.ref, noticeOptions(request)), request, undefined), trace };
}

function noticeOptions(request: PreviewRequest): { detail: 'full' | 'summary' } {
  return { detail: request.detail === 'full' ? 'full' : 'summary' };
}

/** The Work Object card beside the blocks, when the app uses them. */
function withCard(content: UnfurlContent, request: PreviewRequest, summary: TraceSummary | undefined): UnfurlContent {
  if (!request.workObject) return content;
  return { ...content, entity: renderEntityCard(summary, request.ref, request.detail, request.url) };
}

/**
 * Signs that the backend does not have the whole trace yet: it said so (Tempo's PARTIAL), spans
 * name parents it lacks, no span is a root, or the newest span ended moments ago.
 */
export function isStillArriving(summary: TraceSummary, nowMs: number): boolean {
  if (summary.partial !== undefined || summary.orphanCount > 0 || !summary.hasRoot) return true;
  const endMs = (summary.startUs + summary.durationUs) / 1000;
  return nowMs - endMs < RECENT_MS && nowMs - endMs > -RECENT_MS;
}

/** What a preview shows, in short: a refresh that finds the same posts nothing. */
export function digestOf(summary: TraceSummary): string {
  return [summary.spanCount, summary.durationUs, summary.errorCount, summary.orphanCount, summary.root.spanId, summary.partial ?? ''].join('|');
}

