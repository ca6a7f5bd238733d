/**
 * Recognition of Lightstep trace links (trace-backends.md §1, "Lightstep app trace URLs").
 *
 * Everything Slack hands us is untrusted text, so this module never throws: anything that is not a
 * trace link on an allowed origin is simply `undefined`, and the job skips it.
 */
import { parseHttpUrl } from '../trace-link.js';
import { decodeTraceHandle } from './decode-trace-handle.js';


/** `/<project>/trace` with an optional trailing slash; the project segment is still percent-encoded. */
const TRACE_PATH = /^\/([^/]+)\/trace\/?$/;

/** The UI's span selection, e.g. `#span-250e3883c1`; Lightstep's own examples abbreviate it. */
const SPAN_FRAGMENT = /^#span-([0-9a-f]{1,16})$/i;

/**
 * Normalises a span GUID to the form the stored-traces API and our Trace model use.
 *
 * @param raw - hex digits, any case, possibly missing leading zeros
 * @returns 16 lowercase hex characters, or `undefined` if `raw` is not 1..16 hex digits
 */
export function normalizeSpanId(raw: string): string | undefined {
  // A charCode loop rather than a regex: the stored-trace decoder calls this twice per span, and on
  // a million spans the regex engine dominated its profile. Span GUIDs are 64-bit: 1..16 hex digits
  // (leading zeros are often dropped by link builders).
  const length = raw.length;
  if (length === 0 || length > 16) return undefined;
  let upper = false;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) continue; // 0-9
    if (code >= 0x61 && code <= 0x66) continue; // a-f
    if (code >= 0x41 && code <= 0x46) {
      upper = true; // A-F
      continue;
    }
    return undefined;
  }
  const lower = upper ? raw.toLowerCase() : raw;
  return length === 16 ? lower : lower.padStart(16, '0');
}

/** A Lightstep trace link, as the link says it (the backend module turns it into a TraceRef). */
export interface LightstepLink {
  /** The URL exactly as it arrived in the event. */
  readonly url: string;
  /** Origin of the link, e.g. `https://app.lightstep.com`. */
  readonly origin: string;
  /** Lightstep project name (first path segment). */
  readonly project: string;
  /** 16-hex span id the stored trace is fetched by. */
  readonly seedSpanId: string;
  /** Span selected in the UI (`#span-<hex>`), lowercase, possibly abbreviated. */
  readonly selectedSpanPrefix?: string;
}

/**
 * Parses a Lightstep trace link.
 *
 * @param url - the link as it came in the Slack event (Slack escapes `&` as `&amp;`)
 * @param allowedOrigins - configured app origins, e.g. `https://app.lightstep.com`
 * @returns the trace reference, or `undefined` when `url` is not a trace link on an allowed origin
 *   or carries no usable span id
 */
export function parseLightstepLink(url: string, allowedOrigins: readonly string[]): LightstepLink | undefined {
  if (typeof url !== 'string') return undefined;
  const parsed = parseHttpUrl(url.replace(/&amp;/g, '&'));
  if (parsed === undefined || !isAllowedOrigin(parsed, allowedOrigins)) return undefined;

  const project = projectOf(parsed.pathname);
  if (project === undefined) return undefined;

  const query = parsed.searchParams;
  const selectedSpanPrefix = selectedSpanOf(parsed.hash, query);
  // Last resort (trace-backends.md §1): a fragment holding a whole 16-hex span id can seed the fetch;
  // an abbreviated one cannot.
  const seedSpanId = seedSpanOf(query) ?? (selectedSpanPrefix?.length === 16 ? selectedSpanPrefix : undefined);
  if (seedSpanId === undefined) return undefined;

  // `url` stays byte-for-byte what Slack sent: chat.unfurl matches its `unfurls` keys against it.
  const ref: LightstepLink = { url, origin: parsed.origin, project, seedSpanId };
  return selectedSpanPrefix === undefined ? ref : { ...ref, selectedSpanPrefix };
}

/**
 * Compares origins through URL's own serialisation, which lowercases the host and drops default
 * ports, so `HTTPS://App.Lightstep.com:443/` and `https://app.lightstep.com` are the same origin.
 */
function isAllowedOrigin(parsed: URL, allowedOrigins: readonly string[]): boolean {
  if (!Array.isArray(allowedOrigins)) return false;
  for (const allowed of allowedOrigins) {
    if (typeof allowed === 'string' && parseHttpUrl(allowed)?.origin === parsed.origin) return true;
  }
  return false;
}

/** The percent-decoded first path segment of a `/<project>/trace` path, if non-empty. */
function projectOf(pathname: string): string | undefined {
  const match = TRACE_PATH.exec(pathname);
  const encoded = match?.[1];
  if (encoded === undefined) return undefined;
  let project: string;
  try {
    project = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  return project === '' ? undefined : project;
}

/**
 * The span to fetch the stored trace by: `span_guid`, else `selected_span_guid`, else the GUID inside
 * `trace_handle`. An unparseable value counts as absent so the next source still gets its chance.
 */
function seedSpanOf(query: URLSearchParams): string | undefined {
  return (
    spanParam(query, 'span_guid') ??
    spanParam(query, 'selected_span_guid') ??
    handleParam(query)
  );
}

function spanParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null ? undefined : normalizeSpanId(value);
}

function handleParam(query: URLSearchParams): string | undefined {
  const value = query.get('trace_handle');
  return value === null ? undefined : decodeTraceHandle(value);
}

/**
 * The span the user was looking at. The fragment is kept as a lowercase prefix, unpadded, because
 * it may be abbreviated; `selected_span_guid` is a full id, so it is padded like any other.
 */
function selectedSpanOf(hash: string, query: URLSearchParams): string | undefined {
  const fragment = SPAN_FRAGMENT.exec(hash)?.[1];
  if (fragment !== undefined) return fragment.toLowerCase();
  return spanParam(query, 'selected_span_guid');
}
