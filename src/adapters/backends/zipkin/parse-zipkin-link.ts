/**
 * Recognition of Zipkin UI trace links (trace-backends.md §4): `{zipkin}/zipkin/traces/{traceId}`.
 * Zipkin Lens routes `/traces/:traceId` under its base path, `/zipkin` by default (zipkin-lens
 * `App.tsx`), so a configured base that already ends in that prefix (`https://acme.dev/zipkin`)
 * yields `{base}/traces/{id}`; both shapes are accepted under any base. Zipkin links select no span.
 *
 * Never throws on untrusted input: anything else is `undefined`.
 */
import { traceIdFromHex } from '../ids.js';
import { linkUnderBase, segmentAfter } from '../trace-link.js';
import type { TraceLink } from '../trace-link.js';

/**
 * Parses a Zipkin UI trace link.
 *
 * @param url - the link as Slack sent it (`&amp;` allowed)
 * @param base - the configured Zipkin base URL, possibly with a path prefix
 * @returns the trace id, or `undefined` when `url` is not a trace link under `base`
 */
export function parseZipkinLink(url: string, base: string): TraceLink | undefined {
  const link = linkUnderBase(url, base);
  if (link === undefined) return undefined;
  const segment = segmentAfter(link.rest, '/zipkin/traces/') ?? segmentAfter(link.rest, '/traces/');
  // Zipkin ids are 16 or 32 hex (zipkin2-api.yaml); 1..32 tolerates link builders dropping zeros.
  const traceId = segment === undefined ? undefined : traceIdFromHex(segment);
  return traceId === undefined ? undefined : { traceId };
}
