import { analyseTrace } from './analyse-trace.js';
import { LsslackError } from './errors.js';
import type { PreviewedTrace, PreviewRequest, PreviewResult, TraceSource, UnfurlPoster } from './ports.js';
import { renderNotice, renderUnfurl } from './render-unfurl.js';
import type { UnfurlContent } from './types.js';

export interface PublishPreviewPorts {
  readonly traces: TraceSource;
  readonly poster: UnfurlPoster;
}

/**
 * The heavy step of a job: fetch the trace → analyse → render → chat.unfurl with the sharer's
 * token. A trace the backend no longer has, or one too big or too slow to fetch, still gets a
 * preview saying so (with the link to open it), so nobody waits for one that never comes.
 */
export async function publishPreview(request: PreviewRequest, ports: PublishPreviewPorts): Promise<PreviewResult> {
  const { content, trace } = await fetchAndRender(request, ports.traces);
  const posted = await ports.poster.postUnfurl(request.teamId, request.target, request.url, content, request.userToken);
  return { trace, posted };
}

/**
 * Posts the preview that says why there is no trace to show, without fetching anything (the
 * trace killed the worker that tried: too big for its heap).
 */
export async function publishNotice(request: PreviewRequest, trace: Exclude<PreviewedTrace, { kind: 'found' }>, poster: UnfurlPoster): Promise<PreviewResult> {
  const posted = await poster.postUnfurl(request.teamId, request.target, request.url, renderNotice(trace, request.ref), request.userToken);
  return { trace, posted };
}

async function fetchAndRender(request: PreviewRequest, traces: TraceSource): Promise<{ content: UnfurlContent; trace: PreviewedTrace }> {
  const { ref } = request;
  try {
    const fetched = await traces.fetchTrace(ref);
    if (fetched.kind === 'not_found') return notice({ kind: 'not_found' }, request);
    const summary = analyseTrace(fetched.trace, { selectedSpanPrefix: ref.selectedSpanPrefix });
    return { content: renderUnfurl(summary, ref), trace: { kind: 'found', spanCount: fetched.trace.spans.length, partial: fetched.trace.partial !== undefined } };
  } catch (error) {
    if (error instanceof LsslackError && error.code === 'trace_too_large') return notice({ kind: 'too_large', message: error.message }, request);
    if (error instanceof LsslackError && error.code === 'trace_timeout') return notice({ kind: 'timeout', message: error.message }, request);
    throw error;
  }
}

function notice(trace: Exclude<PreviewedTrace, { kind: 'found' }>, request: PreviewRequest): { content: UnfurlContent; trace: PreviewedTrace } {
  return { content: renderNotice(trace, request.ref), trace };
}
