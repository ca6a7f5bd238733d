import { analyseTrace } from './analyse-trace.js';
import type { PreviewRequest, PreviewResult, TraceSource, UnfurlPoster } from './ports.js';
import { renderTraceGone, renderUnfurl } from './render-unfurl.js';

export interface PublishPreviewPorts {
  readonly traces: TraceSource;
  readonly poster: UnfurlPoster;
}

/**
 * The heavy step of a job: fetch the stored trace → analyse → render → chat.unfurl with the
 * sharer's token. A trace no longer stored still gets a preview saying so.
 */
export async function publishPreview(request: PreviewRequest, ports: PublishPreviewPorts): Promise<PreviewResult> {
  const { ref } = request;
  const fetched = await ports.traces.fetchTrace(ref);
  const content =
    fetched.kind === 'found'
      ? renderUnfurl(analyseTrace(fetched.trace, { selectedSpanPrefix: ref.selectedSpanPrefix, seedSpanId: ref.seedSpanId }), ref)
      : renderTraceGone(ref);
  const posted = await ports.poster.postUnfurl(request.teamId, request.target, request.url, content, request.userToken);
  return { trace: fetched.kind === 'found' ? { kind: 'found', spanCount: fetched.trace.spans.length } : { kind: 'not_found' }, posted };
}
