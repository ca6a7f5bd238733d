/**
 * Recognition of Grafana Explore links that show one trace (trace-backends.md §3, "Grafana Explore
 * URLs that point at a trace"):
 *
 * - current: `{grafana}/explore?schemaVersion=1&orgId=1&panes=<JSON>`, where `panes` is an object of
 *   pane states keyed by generated ids (Grafana `useStateSync/migrators/v1.ts`, `toURL.ts`);
 * - legacy v0: `?left=<JSON>` (and `right=`), the JSON being a pane object `{datasource, queries,
 *   range, panelsState}` or the compact array `[from, to, datasourceName, {query…}, …,
 *   {"__panelsState":{…}}]` (Grafana `migrators/v0.ts`).
 *
 * The pane state is attacker-controlled JSON, so it is size-capped before parsing, read only at fixed
 * paths (never recursively), every loop is bounded, and nothing here throws.
 */
import { spanIdFromHex, traceIdFromHex } from '../ids.js';
import { linkUnderBase } from '../trace-link.js';
import type { TraceLink } from '../trace-link.js';

/** Longest pane-state parameter parsed (after percent-decoding). Real ones are a few hundred bytes. */
const MAX_STATE_LENGTH = 64 * 1024;
/** Panes and queries looked at; Explore shows two panes, a pane rarely has more than a few queries. */
const MAX_PANES = 16;
const MAX_QUERIES = 32;

/** Datasource plugin types whose queries can name one trace. */
const TRACE_DATASOURCE_TYPES: ReadonlySet<string> = new Set(['tempo', 'jaeger', 'zipkin']);

/** The uid Grafana gives the "-- Mixed --" pseudo-datasource: each query then carries its own. */
const MIXED_DATASOURCE = '-- Mixed --';

/**
 * `queryType` values under which `query` holds a trace id (or TraceQL naming one): Tempo's `traceql`
 * and older `traceId`, Zipkin's `traceID`; Jaeger's trace-id mode has no queryType. Search, upload,
 * service-map and builder (`traceqlSearch`) modes never show a single trace.
 */
const ID_QUERY_TYPES: ReadonlySet<string> = new Set(['traceql', 'traceId', 'traceID']);

/** Segment keys of the compact array form that are not queries (Grafana `migrators/v0.ts`). */
const NON_QUERY_SEGMENT_KEYS = ['ui', 'mode', '__panelsState'] as const;

type JsonObject = Record<string, unknown>;

/**
 * Parses a Grafana Explore link.
 *
 * @param url - the link as Slack sent it (`&amp;` allowed)
 * @param base - the configured Grafana base URL, possibly with a sub-path (`https://acme.dev/grafana`)
 * @returns the trace id of the first pane that shows one trace, with that pane's selected span and
 *   datasource, or `undefined` when `url` is not such a link under `base`
 */
export function parseGrafanaLink(url: string, base: string): TraceLink | undefined {
  const link = linkUnderBase(url, base);
  if (link === undefined || (link.rest !== '/explore' && link.rest !== '/explore/')) return undefined;
  const query = link.query;
  const panes = parseState(query.get('panes'));
  if (isObject(panes)) {
    // Object.keys order is the order Grafana itself lays the panes out in.
    const keys = Object.keys(panes);
    for (let i = 0; i < keys.length && i < MAX_PANES; i++) {
      const found = paneLink(panes[keys[i]!]);
      if (found !== undefined) return found;
    }
  }
  return legacyLink(parseState(query.get('left'))) ?? legacyLink(parseState(query.get('right')));
}

function parseState(text: string | null): unknown {
  if (text === null || text === '' || text.length > MAX_STATE_LENGTH) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A v0 `left`/`right` state: a pane object, or the compact array. */
function legacyLink(state: unknown): TraceLink | undefined {
  if (isObject(state)) return paneLink(state);
  if (!Array.isArray(state)) return undefined;
  // [from, to, datasourceName, ...segments]
  const datasourceName = nonEmptyString(state[2]);
  const queries: unknown[] = [];
  let panelsState: unknown;
  for (let i = 3; i < state.length && queries.length < MAX_QUERIES; i++) {
    const segment: unknown = state[i];
    if (!isObject(segment)) continue;
    if (NON_QUERY_SEGMENT_KEYS.some((key) => Object.hasOwn(segment, key))) {
      if (panelsState === undefined && Object.hasOwn(segment, '__panelsState')) panelsState = segment.__panelsState;
      continue;
    }
    queries.push(segment);
  }
  return traceLinkOf(queries, datasourceName, undefined, panelsState);
}

/** A pane object `{datasource, queries, range, panelsState}` (v1 panes and the v0 object form). */
function paneLink(pane: unknown): TraceLink | undefined {
  if (!isObject(pane)) return undefined;
  const datasource = pane.datasource;
  let uid: string | undefined;
  let type: string | undefined;
  if (typeof datasource === 'string') {
    uid = nonEmptyString(datasource);
  } else if (isObject(datasource)) {
    uid = nonEmptyString(datasource.uid);
    type = nonEmptyString(datasource.type);
  }
  if (uid === MIXED_DATASOURCE) {
    uid = undefined;
    type = undefined;
  }
  return traceLinkOf(pane.queries, uid, type, pane.panelsState);
}

/** The first query that names one trace, with the pane's selected span and datasource. */
function traceLinkOf(queries: unknown, paneDatasource: string | undefined, paneType: string | undefined, panelsState: unknown): TraceLink | undefined {
  if (!Array.isArray(queries)) return undefined;
  for (let i = 0; i < queries.length && i < MAX_QUERIES; i++) {
    const query: unknown = queries[i];
    if (!isObject(query)) continue;
    const queryDatasource = query.datasource;
    const queryType = isObject(queryDatasource) ? nonEmptyString(queryDatasource.type) : undefined;
    const type = queryType ?? paneType;
    if (type !== undefined && !TRACE_DATASOURCE_TYPES.has(type)) continue;
    const traceId = traceIdOfQuery(query);
    if (traceId === undefined) continue;
    const datasource =
      paneDatasource ??
      (isObject(queryDatasource) ? nonEmptyString(queryDatasource.uid) : nonEmptyString(queryDatasource));
    const selectedSpanId = selectedSpanOf(panelsState);
    return {
      traceId,
      ...(selectedSpanId === undefined ? {} : { selectedSpanId }),
      ...(datasource === undefined || datasource === MIXED_DATASOURCE ? {} : { datasource }),
    };
  }
  return undefined;
}

/**
 * The trace id a query shows. Tempo's `traceql`/`traceId` queries hold a bare id or TraceQL naming
 * one; a query without a queryType (Jaeger's trace-id mode) must hold a bare id. A bare id under
 * `traceId`/`traceID` may have lost leading zeros (1..32 hex); elsewhere it must look like a whole
 * id (16..32 hex) so that stray text is not taken for one.
 */
function traceIdOfQuery(query: JsonObject): string | undefined {
  const text = query.query;
  if (typeof text !== 'string' || text.length === 0) return undefined;
  const queryType = query.queryType;
  const trimmed = text.trim();
  if (queryType === undefined || queryType === null || queryType === '') return wholeHexId(trimmed);
  if (typeof queryType !== 'string' || !ID_QUERY_TYPES.has(queryType)) return undefined;
  if (queryType !== 'traceql') {
    const bare = traceIdFromHex(trimmed);
    if (bare !== undefined) return bare;
  }
  return wholeHexId(trimmed) ?? traceIdInTraceQL(trimmed);
}

function wholeHexId(text: string): string | undefined {
  return text.length >= 16 ? traceIdFromHex(text) : undefined;
}

/** Trace-id intrinsics and the attribute names people use for them (`trace:id` is TraceQL's own). */
const TRACE_ID_KEYS: ReadonlySet<string> = new Set(['trace:id', 'trace_id', 'traceid', 'trace.id']);
/** The longest key looked at before an `=`. */
const MAX_KEY_LENGTH = 64;

/**
 * The one trace id a TraceQL query pins down with `trace:id = "<hex>"` (or `trace_id`, `traceID`, …,
 * possibly scoped: `span.trace_id`), e.g. `{trace:id="…"}` or `{ trace_id = "…" && span.x = 1 }`.
 * A search — no such comparison, another operator on the id (`!=`, `=~`), several different ids, a
 * union (`||`) — does not name a single trace: `undefined`.
 *
 * A hand-written linear scan rather than a regex: the text is attacker-controlled and a backtracking
 * pattern over it could be made quadratic. Each `=` looks back over at most one run of spaces and 64
 * key characters, and forward over one run of spaces and 34 value characters.
 */
function traceIdInTraceQL(text: string): string | undefined {
  if (text.includes('||')) return undefined;
  let found: string | undefined;
  for (let eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
    const before = eq > 0 ? text.charCodeAt(eq - 1) : 0;
    const after = eq + 1 < text.length ? text.charCodeAt(eq + 1) : 0;
    const compound = before === 0x21 || before === 0x3c || before === 0x3e || before === 0x3d; // ! < > =
    const plain = !compound && after !== 0x7e && after !== 0x3d; // ~ =
    if (!isTraceIdKey(text, compound ? eq - 2 : eq - 1)) continue;
    if (!plain) return undefined;
    const id = quotedHexAfter(text, eq + 1);
    if (id === undefined || (found !== undefined && found !== id)) return undefined;
    found = id;
  }
  return found;
}

/** Whether the key ending at or before `end` (spaces skipped) names the trace id. */
function isTraceIdKey(text: string, end: number): boolean {
  let i = end;
  while (i >= 0 && text.charCodeAt(i) === 0x20) i--;
  const last = i;
  while (i >= 0 && last - i < MAX_KEY_LENGTH && isKeyChar(text.charCodeAt(i))) i--;
  if (i === last) return false;
  let key = text.slice(i + 1, last + 1).toLowerCase();
  if (key.startsWith('.')) key = key.slice(1);
  else if (key.startsWith('span.')) key = key.slice(5);
  else if (key.startsWith('resource.')) key = key.slice(9);
  return TRACE_ID_KEYS.has(key);
}

/** A-Z a-z 0-9 _ . : */
function isKeyChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2e || code === 0x3a
  );
}

/** `"<16..32 hex>"` (or backquoted) after optional spaces from `start`, normalised; else `undefined`. */
function quotedHexAfter(text: string, start: number): string | undefined {
  let i = start;
  while (i < text.length && text.charCodeAt(i) === 0x20) i++;
  const quote = text.charCodeAt(i);
  if (quote !== 0x22 && quote !== 0x60) return undefined; // " `
  const open = i + 1;
  const limit = Math.min(text.length, open + 33);
  let close = open;
  while (close < limit && text.charCodeAt(close) !== quote) close++;
  if (close === limit || close - open < 16) return undefined;
  return traceIdFromHex(text.slice(open, close));
}

/** `panelsState.trace.spanId` (@grafana/data `ExploreTracePanelState`). */
function selectedSpanOf(panelsState: unknown): string | undefined {
  if (!isObject(panelsState)) return undefined;
  const trace = panelsState.trace;
  if (!isObject(trace)) return undefined;
  const spanId = trace.spanId;
  return typeof spanId === 'string' ? spanIdFromHex(spanId) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
