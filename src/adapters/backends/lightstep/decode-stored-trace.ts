/**
 * Converts Lightstep's stored-traces JSON:API reply (trace-backends.md §1) into the domain Trace.
 *
 * The reply has no published schema, so the shape is checked field by field: a reply that is not a
 * stored trace at all throws `backend_bad_response` naming what is wrong, while a few malformed
 * spans in an otherwise good trace are skipped so the rest can still be shown.
 */
import { LsslackError } from '../../../domain/errors.js';
import type { Span, SpanKind, Trace } from '../../../domain/types.js';
import { normalizeSpanId } from './parse-lightstep-link.js';
import { UNKNOWN_SERVICE, UNKNOWN_OPERATION, SPAN_KINDS, micros, nonEmptyString, isObject, makeSpan, type JsonObject } from '../span-fields.js';





/**
 * Decodes a stored-traces response body.
 *
 * @param json - the parsed response body
 * @returns the trace with ids normalised to 16 lowercase hex characters and times in epoch µs
 * @throws LsslackError `backend_bad_response` when the body is not a stored trace or holds no valid span
 */
export function decodeStoredTrace(json: unknown): Trace {
  const entry = firstEntry(json);
  const attributes = entry.attributes;
  if (!isObject(attributes)) throw badResponse('data[0].attributes is not an object');
  const rawSpans = attributes.spans;
  if (!Array.isArray(rawSpans)) throw badResponse('data[0].attributes.spans is not an array');

  const services = reporterServices(entry.relationships);
  const spans: Span[] = [];
  const skipped = new SkipCounter();
  let spanTraceId: string | undefined;
  for (let i = 0; i < rawSpans.length; i++) {
    const raw: unknown = rawSpans[i];
    const span = decodeSpan(raw, services, skipped, i);
    if (span === undefined) continue;
    spans.push(span);
    if (spanTraceId === undefined && isObject(raw)) spanTraceId = nonEmptyString(raw['trace-id']);
  }
  if (spans.length === 0) {
    throw badResponse(
      rawSpans.length === 0
        ? 'stored trace has no spans'
        : `all ${skipped.count} spans are invalid (first problem: ${skipped.first ?? 'unknown'})`,
    );
  }
  // The spans' own trace-id is the trace GUID; data[0].id is only believed to be (trace-backends.md §9).
  const traceId = spanTraceId ?? nonEmptyString(entry.id);
  return traceId === undefined ? { spans } : { traceId, spans };
}

/** `data[0]` of the JSON:API document, which every Lightstep client reads. */
function firstEntry(json: unknown): JsonObject {
  if (!isObject(json)) throw badResponse('response body is not a JSON object');
  const data = json.data;
  if (!Array.isArray(data)) throw badResponse('response has no data array');
  if (data.length === 0) throw badResponse('response data array is empty');
  const entry: unknown = data[0];
  if (!isObject(entry)) throw badResponse('data[0] is not an object');
  return entry;
}

/**
 * Maps reporter-id → service name. Reporters are documented as a bare array; a JSON:API
 * `{ data: [...] }` wrapper is accepted as well, and anything else just means unknown services.
 */
function reporterServices(relationships: unknown): ReadonlyMap<string, string> {
  const services = new Map<string, string>();
  if (!isObject(relationships)) return services;
  const reporters = unwrapData(relationships.reporters);
  for (let i = 0; i < reporters.length; i++) {
    const reporter: unknown = reporters[i];
    if (!isObject(reporter)) continue;
    const id = idString(reporter['reporter-id']);
    const attributes = reporter.attributes;
    if (id === undefined || !isObject(attributes)) continue;
    const name = nonEmptyString(attributes['lightstep.component_name']) ?? nonEmptyString(attributes['service.name']);
    if (name !== undefined && !services.has(id)) services.set(id, name);
  }
  return services;
}

function unwrapData(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.data)) return value.data;
  return [];
}

/** Counts skipped spans and remembers the first reason, for the error message. */
class SkipCounter {
  count = 0;
  first: string | undefined;

  skip(reason: string): undefined {
    this.count++;
    this.first ??= reason;
    return undefined;
  }
}

/** One span, or `undefined` (counted) when it lacks a usable id or times. */
function decodeSpan(raw: unknown, services: ReadonlyMap<string, string>, skipped: SkipCounter, i: number): Span | undefined {
  if (!isObject(raw)) return skipped.skip(`spans[${i}] is not an object`);
  const idText = raw['span-id'];
  const spanId = typeof idText === 'string' ? normalizeSpanId(idText) : undefined;
  if (spanId === undefined) return skipped.skip(`spans[${i}] has no valid span-id`);
  const startUs = micros(raw['start-time-micros']);
  const endUs = micros(raw['end-time-micros']);
  if (startUs === undefined || endUs === undefined) return skipped.skip(`spans[${i}] has no valid start/end time`);

  const tags = isObject(raw.tags) ? raw.tags : undefined;
  const reporterId = idString(raw['reporter-id']);
  const service = (reporterId === undefined ? undefined : services.get(reporterId)) ?? UNKNOWN_SERVICE;
  const name = nonEmptyString(raw['span-name']) ?? UNKNOWN_OPERATION;
  const isError = raw['is-error'] === true || raw['is-error'] === 'true';
  const parentId = tags === undefined ? undefined : parentOf(tags.parent_span_guid);
  const kind = tags === undefined ? undefined : kindOf(tags['span.kind']);
  return makeSpan(spanId, parentId, service, name, startUs, endUs, isError, kind);
}

/**
 * The parent link. A parent that is not valid hex is kept as written (lowercased) rather than
 * dropped: it then counts as an orphan, which is what it is, instead of posing as a root.
 */
function parentOf(value: unknown): string | undefined {
  const text = idString(value);
  if (text === undefined) return undefined;
  return normalizeSpanId(text) ?? text.toLowerCase();
}

function kindOf(value: unknown): SpanKind | undefined {
  return typeof value === 'string' ? SPAN_KINDS.get(value.toLowerCase()) : undefined;
}


/** Ids may arrive as strings or, from loosely typed producers, numbers. */
function idString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}



function badResponse(message: string): LsslackError {
  return new LsslackError('backend_bad_response', `Lightstep stored-traces reply: ${message}`);
}
