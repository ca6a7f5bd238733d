/**
 * Converts a Jaeger v1 query reply, `GET {base}/api/traces/{traceID}` (trace-backends.md §2), into
 * the domain Trace.
 *
 * The envelope is `{data:[Trace], total, limit, offset, errors}` and the trace is Jaeger's UI JSON
 * model (Jaeger `model/json/model.go`, `internal/uimodel`): spans with `references`, µs times, typed
 * `tags`, and a `processes` table the spans point into. As in decode-stored-trace.ts the shape is
 * checked field by field: a body that is not a trace throws `backend_bad_response` (with Jaeger's own
 * message when it sent one), while a few malformed spans are skipped so the rest can still be shown.
 */
import { LsslackError } from '../../../domain/errors.js';
import type { Span, SpanKind, Trace } from '../../../domain/types.js';
import { isZeroId, spanIdFromHex, traceIdFromHex } from '../ids.js';
import { UNKNOWN_SERVICE, UNKNOWN_OPERATION, SPAN_KINDS, micros, nonEmptyString, isObject, makeSpan, type JsonObject } from '../span-fields.js';




/** Longest backend message quoted in an error (it ends up in logs and the job outcome). */
const MAX_MESSAGE = 500;


/**
 * Decodes a Jaeger v1 `/api/traces/{id}` reply.
 *
 * @param json - the parsed response body (the caller maps HTTP 404 to not-found before this)
 * @returns the trace: trace id as 32 hex, span ids as 16 hex, times in epoch µs
 * @throws LsslackError `backend_bad_response` when the body is not a trace (quoting Jaeger's `errors`
 *   message, e.g. for `{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`) or holds no valid span
 */
export function decodeJaegerTrace(json: unknown): Trace {
  const trace = firstTrace(json);
  const rawSpans = trace.spans;
  if (!Array.isArray(rawSpans)) throw badResponse('data[0].spans is not an array');
  if (rawSpans.length === 0) throw badResponse('trace has no spans');

  const traceText = typeof trace.traceID === 'string' ? trace.traceID : undefined;
  const services = processServices(trace.processes);
  const spans: Span[] = [];
  const skipped = new SkipCounter();
  let traceId = traceText === undefined ? undefined : traceIdFromHex(traceText);
  for (let i = 0; i < rawSpans.length; i++) {
    const raw: unknown = rawSpans[i];
    const span = decodeSpan(raw, services, traceText, skipped, i);
    if (span === undefined) continue;
    spans.push(span);
    if (traceId === undefined && isObject(raw) && typeof raw.traceID === 'string') traceId = traceIdFromHex(raw.traceID);
  }
  if (spans.length === 0) {
    throw badResponse(`all ${skipped.count} spans are invalid (first problem: ${skipped.first ?? 'unknown'})`);
  }
  return traceId === undefined ? { spans } : { traceId, spans };
}

/**
 * `data[0]`. Jaeger answers a lookup with one trace; a `null` or empty `data` comes with `errors`
 * (Jaeger `http_handler.go` `structuredResponse`), whose first message is the most useful thing to say.
 */
function firstTrace(json: unknown): JsonObject {
  if (!isObject(json)) throw badResponse('response body is not a JSON object');
  const data = json.data;
  if (!Array.isArray(data) || data.length === 0) {
    const message = errorMessage(json.errors);
    if (message !== undefined) throw badResponse(message);
    throw badResponse(Array.isArray(data) ? 'response data array is empty' : 'response has no data array');
  }
  const entry: unknown = data[0];
  if (!isObject(entry)) throw badResponse('data[0] is not an object');
  return entry;
}

/** `errors[0]` as `msg (code)`, from Jaeger's `structuredError {code, msg, traceID}`. */
function errorMessage(errors: unknown): string | undefined {
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first: unknown = errors[0];
  if (!isObject(first)) return undefined;
  const msg = nonEmptyString(first.msg)?.slice(0, MAX_MESSAGE) ?? 'error without a message';
  return typeof first.code === 'number' ? `${msg} (${first.code})` : msg;
}

/** processID → serviceName, built once; a Map so that ids like `__proto__` are plain keys. */
function processServices(processes: unknown): ReadonlyMap<string, string> {
  const services = new Map<string, string>();
  if (!isObject(processes)) return services;
  for (const id of Object.keys(processes)) {
    const process: unknown = processes[id];
    const name = isObject(process) ? nonEmptyString(process.serviceName) : undefined;
    if (name !== undefined) services.set(id, name);
  }
  return services;
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

/** Per-span facts read from the tags in one pass (module scratch, so no object per span). */
let tagError = false;
let tagKind: SpanKind | undefined;

/** One span, or `undefined` (counted) when it lacks a usable id or times. */
function decodeSpan(
  raw: unknown,
  services: ReadonlyMap<string, string>,
  traceText: string | undefined,
  skipped: SkipCounter,
  i: number,
): Span | undefined {
  if (!isObject(raw)) return skipped.skip(`spans[${i}] is not an object`);
  const idText = raw.spanID;
  const spanId = typeof idText === 'string' ? spanIdFromHex(idText) : undefined;
  if (spanId === undefined) return skipped.skip(`spans[${i}] has no valid spanID`);
  const startUs = micros(raw.startTime);
  // Jaeger always writes `duration`; a missing one is read as 0 so the span is still shown.
  const durationUs = raw.duration === undefined ? 0 : micros(raw.duration);
  if (startUs === undefined || durationUs === undefined) return skipped.skip(`spans[${i}] has no valid startTime/duration`);
  const endUs = startUs + durationUs;

  const name = nonEmptyString(raw.operationName) ?? UNKNOWN_OPERATION;
  const service = serviceOf(raw, services);
  readTags(raw.tags);
  const isError = tagError;
  const kind = tagKind;
  const spanTrace = typeof raw.traceID === 'string' ? raw.traceID : traceText;
  const parentId = parentOf(raw.references, spanTrace) ?? legacyParentOf(raw.parentSpanID);
  return makeSpan(spanId, parentId, service, name, startUs, endUs, isError, kind);
}

/** `processes[processID].serviceName`, else an embedded `process` (the model allows either). */
function serviceOf(raw: JsonObject, services: ReadonlyMap<string, string>): string {
  const processId = raw.processID;
  const fromTable = typeof processId === 'string' ? services.get(processId) : undefined;
  if (fromTable !== undefined) return fromTable;
  const process = raw.process;
  return (isObject(process) ? nonEmptyString(process.serviceName) : undefined) ?? UNKNOWN_SERVICE;
}

/**
 * Error flag and kind from the tags. Error is Jaeger UI's rule (`isErrorTag`: key `error` with value
 * `true` or `"true"`), or `otel.status_code: "ERROR"`, which the collector's OTLP→Jaeger translator
 * writes for spans that arrived as OTLP (opentelemetry-collector-contrib `traces_to_jaegerproto.go`).
 * Tag values of the other types (int64 possibly as a string, float64, base64 binary) are never read.
 */
function readTags(tags: unknown): void {
  tagError = false;
  tagKind = undefined;
  if (!Array.isArray(tags)) return;
  for (let i = 0; i < tags.length; i++) {
    const tag: unknown = tags[i];
    if (!isObject(tag)) continue;
    const key = tag.key;
    if (key === 'error') {
      if (tag.value === true || tag.value === 'true') tagError = true;
    } else if (key === 'otel.status_code') {
      if (tag.value === 'ERROR') tagError = true;
    } else if (key === 'span.kind') {
      if (typeof tag.value === 'string') tagKind = SPAN_KINDS.get(tag.value) ?? SPAN_KINDS.get(tag.value.toLowerCase());
    }
  }
}

/**
 * The parent: the first CHILD_OF reference within the same trace, else the first FOLLOWS_FROM one
 * within the same trace — Jaeger UI's rule (`getParentSpanReference`, used by `OtelSpanFacade`). A
 * reference to another trace is never the parent: the OTLP translator turns span links, which may
 * point at other traces, into FOLLOWS_FROM references, and following one would make a root an orphan.
 */
function parentOf(references: unknown, spanTrace: string | undefined): string | undefined {
  if (!Array.isArray(references)) return undefined;
  let followsFrom: string | undefined;
  for (let i = 0; i < references.length; i++) {
    const ref: unknown = references[i];
    if (!isObject(ref)) continue;
    const type = ref.refType;
    if (type !== 'CHILD_OF' && (type !== 'FOLLOWS_FROM' || followsFrom !== undefined)) continue;
    if (!sameTrace(ref.traceID, spanTrace)) continue;
    const parent = referencedSpan(ref.spanID);
    if (parent === undefined) continue;
    if (type === 'CHILD_OF') return parent;
    followsFrom = parent;
  }
  return followsFrom;
}

/** A reference without a trace id is taken to be within the span's trace. */
function sameTrace(refTrace: unknown, spanTrace: string | undefined): boolean {
  if (typeof refTrace !== 'string' || spanTrace === undefined || refTrace === spanTrace) return true;
  // Same id written differently (case, leading zeros): compare the normalised forms.
  const a = traceIdFromHex(refTrace);
  return a !== undefined && a === traceIdFromHex(spanTrace);
}

/**
 * A referenced span id. A reference to span 0 means none; one that is not valid hex is kept as
 * written (lowercased): it then counts as an orphan, which is what it is, instead of posing as a root.
 */
function referencedSpan(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const id = spanIdFromHex(value);
  if (id !== undefined) return id;
  return isZeroId(value) ? undefined : value.toLowerCase();
}

/** The deprecated `parentSpanID` field that old Jaeger JSON writers set besides `references`. */
function legacyParentOf(value: unknown): string | undefined {
  return referencedSpan(value);
}




function badResponse(message: string): LsslackError {
  return new LsslackError('backend_bad_response', `Jaeger trace reply: ${message}`);
}
