/**
 * What a backend's link recogniser extracts from a pasted trace link, and the matching of a link
 * against the configured UI base URL that every recogniser starts with.
 *
 * Links are untrusted text exactly as Slack sent it, so nothing here throws: anything that is not a
 * link under the configured base is `undefined`.
 */

export interface TraceLink {
  /** Normalised trace id: 32 lowercase hex (see ids.ts). */
  readonly traceId: string;
  /** The span the link selects, normalised to 16 lowercase hex. */
  readonly selectedSpanId?: string;
  /** Grafana only: the pane's datasource uid, or the legacy datasource name. */
  readonly datasource?: string;
}

/** A link's path below the base URL's path, and its query. */
export interface LinkUnderBase {
  /** The path after the base's path prefix: `''` or starting with `/`, still percent-encoded. */
  readonly rest: string;
  readonly query: URLSearchParams;
}

/**
 * Longest link looked at. Grafana Explore state is the only long part (capped at 64 KiB once decoded
 * by the Grafana recogniser), and percent-encoding triples it at most; anything longer is not a link
 * a person pasted.
 */
const MAX_LINK_LENGTH = 200_000;

/**
 * Matches `url` against the configured base: same origin through WHATWG URL serialisation (so host
 * case and default ports don't matter; the scheme must match) and the base's path as a whole-segment
 * prefix (`/jaeger` matches `/jaeger/trace/…`, not `/jaegerx/…`). Slack escapes `&` as `&amp;` in the
 * links it sends, so that is undone first.
 *
 * @param url - the link as Slack sent it
 * @param base - the configured UI base URL, e.g. `https://ops.acme.dev/jaeger`
 * @returns the path below the base and the query, or `undefined` when the link is not under the base
 */
export function linkUnderBase(url: string, base: string): LinkUnderBase | undefined {
  if (typeof url !== 'string' || typeof base !== 'string' || url.length > MAX_LINK_LENGTH) return undefined;
  const link = parseHttpUrl(url.includes('&amp;') ? url.replace(/&amp;/g, '&') : url);
  const baseUrl = parseHttpUrl(base);
  if (link === undefined || baseUrl === undefined || link.origin !== baseUrl.origin) return undefined;
  let prefix = baseUrl.pathname;
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  const path = link.pathname;
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest !== '' && !rest.startsWith('/')) return undefined;
  return { rest, query: link.searchParams };
}

/**
 * The single path segment after `head` (e.g. `/trace/`), allowing one trailing slash, or `undefined`
 * when `rest` is not `head` + one non-empty segment.
 */
export function segmentAfter(rest: string, head: string): string | undefined {
  if (!rest.startsWith(head)) return undefined;
  let segment = rest.slice(head.length);
  if (segment.endsWith('/')) segment = segment.slice(0, -1);
  return segment === '' || segment.includes('/') ? undefined : segment;
}

/** WHATWG URL parsing without exceptions; only http(s) can be a trace UI link. */
export function parseHttpUrl(text: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
}
