/**
 * Converts an OTLP JSON trace document (trace-backends.md §5) into the domain Trace: Jaeger v3's
 * `/api/v3/traces/{id}` result, and Tempo's `/api/traces/{id}` (v1) and `/api/v2/traces/{id}` trace.
 *
 * Two encoders produce these documents and they disagree (trace-backends.md §3, §5):
 * - the collector's `ptrace.JSONMarshaler` (Jaeger v3) follows the OTLP/JSON rules: hex ids,
 *   integer enums, `*UnixNano` as decimal strings (opentelemetry-proto `docs/specification.md`,
 *   "JSON Protobuf Encoding");
 * - Tempo's gogo/jsonpb writes base64 ids, enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`),
 *   omits fields holding their default value, and v1 calls `resourceSpans` `batches` (Tempo API docs,
 *   "Query by trace ID"). Older producers still say `instrumentationLibrarySpans` (OTLP < 0.15).
 * Both are accepted everywhere. As in decode-stored-trace.ts, a body that is not a trace throws
 * `backend_bad_response`, while a few malformed spans are skipped so the rest can still be shown.
 */
import { LsslackError } from '../../../domain/errors.js';
import type { Span, SpanKind, Trace } from '../../../domain/types.js';
import { isZeroId, spanIdFromHexOrBase64, traceIdFromHexOrBase64 } from '../ids.js';
import { UNKNOWN_SERVICE, UNKNOWN_OPERATION, nonEmptyString, isObject, makeSpan, type JsonObject } from '../span-fields.js';


/** `Span.SpanKind` by number (opentelemetry-proto `trace.proto`); 0 UNSPECIFIED has no model kind. */
const KIND_BY_NUMBER: readonly (SpanKind | undefined)[] = [undefined, 'internal', 'server', 'client', 'producer', 'consumer'];

const KIND_BY_NAME: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['SPAN_KIND_INTERNAL', 'internal'],
  ['SPAN_KIND_SERVER', 'server'],
  ['SPAN_KIND_CLIENT', 'client'],
  ['SPAN_KIND_PRODUCER', 'producer'],
  ['SPAN_KIND_CONSUMER', 'consumer'],
]);

/** `Status.StatusCode` (opentelemetry-proto `trace.proto`): 0 UNSET, 1 OK, 2 ERROR. */
const STATUS_UNSET = 0;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

/** Tempo v2 `TraceByIDResponse.Status` (Tempo `tempo.proto`): COMPLETE = 0 (omitted), PARTIAL = 1. */
const TEMPO_PARTIAL = 1;
const GENERIC_PARTIAL = 'the trace is incomplete';


/**
 * Decodes an OTLP JSON trace document.
 *
 * @param json - the parsed `{resourceSpans:[…]}` or Tempo v1 `{batches:[…]}` document (unwrap Jaeger
 *   v3 and Tempo v2 replies first with `unwrapJaegerV3` / `unwrapTempoV2`)
 * @returns the trace: trace id as 32 hex, span ids as 16 hex, times in epoch µs
 * @throws LsslackError `backend_bad_response` when the body is not an OTLP trace or holds no valid span
 */
export function decodeOtlpTrace(json: unknown): Trace {
  if (!isObject(json)) throw badResponse('response body is not a JSON object');
  const resources = Array.isArray(json.resourceSpans) ? json.resourceSpans : json.batches;
  if (!Array.isArray(resources)) throw badResponse('response has no resourceSpans (or batches) array');

  const spans: Span[] = [];
  const state: DecodeState = { skipped: 0, problem: '', firstProblem: undefined, seen: 0, traceId: undefined };
  for (let r = 0; r < resources.length; r++) {
    const resource: unknown = resources[r];
    if (!isObject(resource)) continue;
    const service = serviceName(resource.resource);
    const scopes = Array.isArray(resource.scopeSpans) ? resource.scopeSpans : resource.instrumentationLibrarySpans;
    if (!Array.isArray(scopes)) continue;
    for (let s = 0; s < scopes.length; s++) {
      const scope: unknown = scopes[s];
      if (!isObject(scope)) continue;
      const rawSpans = scope.spans;
      if (!Array.isArray(rawSpans)) continue;
      state.seen += rawSpans.length;
      for (let i = 0; i < rawSpans.length; i++) {
        const span = decodeSpan(rawSpans[i], service, state);
        if (span === undefined) {
          state.firstProblem ??= `resourceSpans[${r}].scopeSpans[${s}].spans[${i}] ${state.problem}`;
          continue;
        }
        spans.push(span);
      }
    }
  }
  if (spans.length === 0) {
    throw badResponse(
      state.seen === 0
        ? 'trace has no spans'
        : `all ${state.skipped} spans are invalid (first problem: ${state.firstProblem ?? 'unknown'})`,
    );
  }
  return state.traceId === undefined ? { spans } : { traceId: state.traceId, spans };
}

/**
 * Unwraps a Jaeger v3 `/api/v3/traces/{id}` reply `{result:{resourceSpans}}` (Jaeger `apiv3`
 * HTTP gateway). Its error shape `{error:{httpCode,message}}` becomes an exception carrying the message.
 *
 * @returns the OTLP document to hand to `decodeOtlpTrace`
 * @throws LsslackError `backend_bad_response` for an error body or a body without `result`
 */
export function unwrapJaegerV3(json: unknown): unknown {
  if (!isObject(json)) throw new LsslackError('backend_bad_response', 'Jaeger v3 reply: response body is not a JSON object');
  if (isObject(json.result)) return json.result;
  const error = json.error;
  if (isObject(error)) {
    const message = nonEmptyString(error.message) ?? 'no message';
    const code = typeof error.httpCode === 'number' ? ` (${error.httpCode})` : '';
    throw new LsslackError('backend_bad_response', `Jaeger v3 reply: error${code}: ${message.slice(0, 500)}`);
  }
  throw new LsslackError('backend_bad_response', 'Jaeger v3 reply: response has no result object');
}

/**
 * Unwraps a Tempo v2 `/api/v2/traces/{id}` reply `{trace:{resourceSpans}, status, message}` (Tempo
 * `tempo.proto` `TraceByIDResponse`). `status` is omitted when COMPLETE (the proto default) and
 * `PARTIAL` when Tempo cut the trace short (size limit, filter, pruning); `message` says why.
 *
 * @returns the OTLP document, and `partial` (the message, or a generic reason) when the trace is incomplete
 * @throws LsslackError `backend_bad_response` when the body holds no trace object
 */
export function unwrapTempoV2(json: unknown): { trace: unknown; partial?: string } {
  if (!isObject(json)) throw new LsslackError('backend_bad_response', 'Tempo v2 reply: response body is not a JSON object');
  const trace = json.trace;
  if (!isObject(trace)) throw new LsslackError('backend_bad_response', 'Tempo v2 reply: response has no trace object');
  // gogo/jsonpb writes the enum name; a protojson encoder with integer enums would write 1.
  if (json.status !== 'PARTIAL' && json.status !== TEMPO_PARTIAL) return { trace };
  return { trace, partial: nonEmptyString(json.message)?.slice(0, 500) ?? GENERIC_PARTIAL };
}

interface DecodeState {
  skipped: number;
  /** Why the last `decodeSpan` call returned `undefined`. */
  problem: string;
  /** With the span's position, which only the caller knows. */
  firstProblem: string | undefined;
  /** Span entries seen, valid or not. */
  seen: number;
  /** From the first span with a valid trace id. */
  traceId: string | undefined;
}

function skip(state: DecodeState, problem: string): undefined {
  state.skipped++;
  state.problem = problem;
  return undefined;
}

/** One span, or `undefined` (counted) when it lacks a usable id or times. */
function decodeSpan(raw: unknown, service: string, state: DecodeState): Span | undefined {
  if (!isObject(raw)) return skip(state, 'is not an object');
  const idText = raw.spanId;
  const spanId = typeof idText === 'string' ? spanIdFromHexOrBase64(idText) : undefined;
  if (spanId === undefined) return skip(state, 'has no valid spanId');
  const startUs = microsFromNanos(raw.startTimeUnixNano);
  if (startUs === undefined) return skip(state, 'has no valid startTimeUnixNano');
  const endUs = microsFromNanos(raw.endTimeUnixNano);
  if (endUs === undefined) return skip(state, 'has no valid endTimeUnixNano');

  if (state.traceId === undefined && typeof raw.traceId === 'string') state.traceId = traceIdFromHexOrBase64(raw.traceId);
  const name = nonEmptyString(raw.name) ?? UNKNOWN_OPERATION;
  const isError = isErrorSpan(raw);
  const parentId = parentOf(raw.parentSpanId);
  const kind = kindOf(raw.kind);
  return makeSpan(spanId, parentId, service, name, startUs, endUs, isError, kind);
}

/**
 * The parent link. Empty, absent and all-zero mean a root (OTLP: "empty or absent on a root span";
 * all-zero ids are invalid). A parent in neither hex nor base64 is kept as written (lowercased): it
 * then counts as an orphan, which is what it is, instead of posing as a root.
 */
function parentOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // Base64 parents (Tempo) each cost a new hex string; siblings usually come one after another, so
  // the last one is remembered: one compare instead of a decode and an allocation per sibling.
  const base64 = value.length !== 16 && value.length !== 32;
  if (base64 && value === lastParentText) return lastParentId;
  const id = spanIdFromHexOrBase64(value);
  const parent = id ?? (isZeroId(value) ? undefined : value.toLowerCase());
  if (base64) {
    lastParentText = value;
    lastParentId = parent;
  }
  return parent;
}

/** `parentOf`'s memo of the last base64 parent (module scratch; a pure function of the text). */
let lastParentText = '';
let lastParentId: string | undefined;

function kindOf(value: unknown): SpanKind | undefined {
  if (typeof value === 'number') return KIND_BY_NUMBER[value];
  return typeof value === 'string' ? KIND_BY_NAME.get(value) : undefined;
}

/**
 * `status.code` ERROR (2 or `STATUS_CODE_ERROR`). Only when the status is UNSET (Tempo omits it: `{}`)
 * does the legacy boolean `error` attribute count (OpenTracing's convention, carried over by shims).
 */
function isErrorSpan(raw: JsonObject): boolean {
  const status = raw.status;
  const code = isObject(status) ? statusCode(status.code) : STATUS_UNSET;
  if (code === STATUS_ERROR) return true;
  if (code === STATUS_OK) return false;
  return hasErrorAttribute(raw.attributes);
}

function statusCode(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'STATUS_CODE_ERROR') return STATUS_ERROR;
  if (value === 'STATUS_CODE_OK') return STATUS_OK;
  return STATUS_UNSET;
}

function hasErrorAttribute(attributes: unknown): boolean {
  if (!Array.isArray(attributes)) return false;
  for (let i = 0; i < attributes.length; i++) {
    const kv: unknown = attributes[i];
    if (!isObject(kv) || kv.key !== 'error') continue;
    const value = kv.value;
    if (!isObject(value)) return false;
    return value.boolValue === true || value.stringValue === 'true';
  }
  return false;
}

/** The resource's `service.name` attribute (OTel semantic conventions), else `unknown-service`. */
function serviceName(resource: unknown): string {
  if (!isObject(resource)) return UNKNOWN_SERVICE;
  const attributes = resource.attributes;
  if (!Array.isArray(attributes)) return UNKNOWN_SERVICE;
  for (let i = 0; i < attributes.length; i++) {
    const kv: unknown = attributes[i];
    if (!isObject(kv) || kv.key !== 'service.name') continue;
    const value = kv.value;
    return (isObject(value) ? nonEmptyString(value.stringValue) : undefined) ?? UNKNOWN_SERVICE;
  }
  return UNKNOWN_SERVICE;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Epoch µs from a `fixed64` ns value: a decimal string (OTLP/JSON writes 64-bit ints as strings) or
 * a number (some encoders). Truncates toward zero, exactly like `BigInt(ns) / 1000n`, without a
 * BigInt on the common path: dropping the last three decimal digits *is* the division, and up to
 * 2^53 the remaining digits accumulate exactly in a double.
 */
function microsFromNanos(value: unknown): number | undefined {
  if (typeof value === 'string') return microsFromDecimal(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (Number.isSafeInteger(value)) return (value - (value % 1000)) / 1000;
  // Beyond 2^53 every double is an integer, but `value / 1000` would round before truncating.
  if (Number.isInteger(value)) return Number(BigInt(value) / 1000n);
  return Math.trunc(value / 1000);
}

function microsFromDecimal(text: string): number | undefined {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === 0x2d; // '-'
  let i = negative ? 1 : 0;
  if (length === i) return undefined;
  const cut = length - 3; // the µs digits end here
  // Two accumulators of at most 8 digits each stay small integers (cheaper than one growing double);
  // today's epoch ns has 19 digits, so µs has 16: 8 + 8.
  const split = cut - 8;
  let high = 0;
  let low = 0;
  for (; i < split; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    high = high * 10 + digit;
  }
  for (; i < cut; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    low = low * 10 + digit;
  }
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
  }
  let micros = high * 1e8 + low;
  if (micros > MAX_SAFE) {
    // Past 2^53 µs (year 2255) the sum above may round: let Number round the digit string once,
    // exactly as Number(BigInt / 1000n) would.
    micros = Number(text.slice(negative ? 1 : 0, cut));
    if (!Number.isFinite(micros)) return undefined;
  }
  return negative && micros !== 0 ? -micros : micros;
}



function badResponse(message: string): LsslackError {
  return new LsslackError('backend_bad_response', `OTLP trace reply: ${message}`);
}
