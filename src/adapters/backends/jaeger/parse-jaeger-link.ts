/**
 * Recognition of Jaeger UI trace links (trace-backends.md §2, "Jaeger UI URLs"): `{ui}/trace/{traceID}`
 * (Jaeger UI `TracePage/url`), optionally with `?uiFind=<span id>` selecting a span.
 *
 * Never throws on untrusted input: anything else is `undefined`.
 */
import { spanIdFromHex, traceIdFromHex } from '../ids.js';
import { linkUnderBase, segmentAfter } from '../trace-link.js';
import type { TraceLink } from '../trace-link.js';

/**
 * Parses a Jaeger UI trace link.
 *
 * @param url - the link as Slack sent it (`&amp;` allowed)
 * @param base - the configured Jaeger UI base URL, possibly with a path prefix (`https://ops.acme.dev/jaeger`)
 * @returns the trace id (and the span `uiFind` names), or `undefined` when `url` is not a single-trace
 *   link under `base` — the compare view `/trace/{a}...{b}` and `/search` included
 */
export function parseJaegerLink(url: string, base: string): TraceLink | undefined {
  const link = linkUnderBase(url, base);
  if (link === undefined) return undefined;
  const segment = segmentAfter(link.rest, '/trace/');
  // Jaeger ids are 16 or 32 hex, but some link builders drop leading zeros: 1..32 hex digits. The
  // compare view's `a...b` is not hex, so it falls out here.
  const traceId = segment === undefined ? undefined : traceIdFromHex(segment);
  if (traceId === undefined) return undefined;
  const selectedSpanId = selectedSpan(link.query.get('uiFind'));
  return selectedSpanId === undefined ? { traceId } : { traceId, selectedSpanId };
}

/**
 * `uiFind` is free search text that Jaeger UI matches against names, tags and logs as substrings, and
 * against span ids exactly (Jaeger UI `utils/filter-spans`). Only a whole 16-hex span id is read as a
 * span selection: `uiFind=500` is a search for "500", not span 0x500.
 */
function selectedSpan(uiFind: string | null): string | undefined {
  return uiFind !== null && uiFind.length === 16 ? spanIdFromHex(uiFind) : undefined;
}
