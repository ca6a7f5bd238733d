/**
 * OTLP/JSON trace encoding and decoding for the simulators.
 *
 * Two dialects of the same protobuf messages are written:
 * - the OTLP/JSON of the spec, as the collector's pdata JSON marshaler writes it (Jaeger's api/v3
 *   gateway): hex ids, integer enums. See "JSON Protobuf Encoding" in the OTLP specification
 *   (opentelemetry-proto docs/specification.md).
 * - gogo/protobuf jsonpb, as Grafana Tempo writes it (see Tempo's "Query API" docs): `bytes` ids
 *   in base64, enums by name.
 * Both write 64-bit integers as decimal strings and omit fields holding default values.
 *
 * The decoder accepts what OTLP/HTTP exporters send (ExportTraceServiceRequest): hex or base64
 * ids, integer or named enums, int64 as strings or numbers, lowerCamelCase or snake_case keys.
 */
import { ChunkWriter, jsonInt, jsonString } from './json-chunks.js';
import { DEFAULT_SCOPE, base64ToHex, endNanos, hexToBase64, nanosToMicros, startNanos } from './model.js';
import type { AttrValue, SimScope, SimSpanEvent, StoredSpan } from './model.js';
import type { SimSpanKind } from '../lightstep/generate-trace.js';

/** How to spell ids, enums and the scope key. */
export interface OtlpJsonStyle {
  /** `hex` (OTLP/JSON spec) or `base64` (gogo jsonpb encoding of `bytes`). */
  ids: 'hex' | 'base64';
  /** `int` (OTLP/JSON spec: "enum values MUST be integers") or `name` (gogo jsonpb). */
  enums: 'int' | 'name';
  /** Use the pre-1.0 OTLP keys `instrumentationLibrarySpans` / `instrumentationLibrary`. */
  legacyScopeKey?: boolean;
}

/** The collector's JSON marshaler, used by Jaeger's api/v3. */
export const COLLECTOR_STYLE: OtlpJsonStyle = { ids: 'hex', enums: 'int' };

const KIND_INT: Record<SimSpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const KIND_NAME: Record<SimSpanKind, string> = {
  internal: '"SPAN_KIND_INTERNAL"',
  server: '"SPAN_KIND_SERVER"',
  client: '"SPAN_KIND_CLIENT"',
  producer: '"SPAN_KIND_PRODUCER"',
  consumer: '"SPAN_KIND_CONSUMER"',
};
const KINDS_BY_INT: ReadonlyArray<SimSpanKind | undefined> = [undefined, 'internal', 'server', 'client', 'producer', 'consumer'];

/** One OTLP AnyValue as JSON. */
export function anyValueJson(v: AttrValue): string {
  if (typeof v === 'string') return `{"stringValue":${jsonString(v)}}`;
  if (typeof v === 'boolean') return v ? '{"boolValue":true}' : '{"boolValue":false}';
  if (Number.isInteger(v)) return `{"intValue":"${jsonInt(v)}"}`;
  // proto3 JSON spells non-finite doubles as strings.
  if (!Number.isFinite(v)) return `{"doubleValue":"${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}"}`;
  return `{"doubleValue":${String(v)}}`;
}

/** A KeyValue list as JSON (`[]` when empty). */
export function attributesJson(attrs: Record<string, AttrValue> | undefined): string {
  if (attrs === undefined) return '[]';
  let out = '';
  for (const k in attrs) {
    const v = attrs[k] as AttrValue;
    out += `${out === '' ? '' : ','}{"key":${jsonString(k)},"value":${anyValueJson(v)}}`;
  }
  return `[${out}]`;
}

function hasKeys(o: object | undefined): boolean {
  if (o === undefined) return false;
  for (const _ in o) return true;
  return false;
}

interface ScopeGroup {
  scope: SimScope;
  spans: StoredSpan[];
}

interface ResourceGroup {
  service: string;
  resource: Record<string, AttrValue> | undefined;
  scopes: Map<string, ScopeGroup>;
}

/** Groups spans by service (one `resourceSpans` entry each) and scope, in first-seen order. */
function group(spans: readonly StoredSpan[]): ResourceGroup[] {
  const byService = new Map<string, ResourceGroup>();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as StoredSpan;
    let g = byService.get(s.service);
    if (g === undefined) {
      g = { service: s.service, resource: s.resource, scopes: new Map() };
      byService.set(s.service, g);
    }
    const scope = s.scope ?? DEFAULT_SCOPE;
    const sk = `${scope.name}\u0000${scope.version ?? ''}`;
    let sg = g.scopes.get(sk);
    if (sg === undefined) {
      sg = { scope, spans: [] };
      g.scopes.set(sk, sg);
    }
    sg.spans.push(s);
  }
  return [...byService.values()];
}

function idJson(hex: string, style: OtlpJsonStyle): string {
  return style.ids === 'hex' ? `"${hex}"` : `"${hexToBase64(hex)}"`;
}

function eventJson(e: SimSpanEvent): string {
  const attrs = hasKeys(e.attributes) ? `,"attributes":${attributesJson(e.attributes)}` : '';
  return `{"timeUnixNano":"${e.timeNanos}","name":${jsonString(e.name)}${attrs}}`;
}

/** One span, fields in proto declaration order (both marshalers follow it), defaults omitted. */
function spanJson(s: StoredSpan, traceIdJson: string, style: OtlpJsonStyle): string {
  let j = `{"traceId":${traceIdJson},"spanId":${idJson(s.spanId, style)}`;
  if (s.traceState !== undefined && s.traceState !== '') j += `,"traceState":${jsonString(s.traceState)}`;
  if (s.parentId !== undefined) j += `,"parentSpanId":${idJson(s.parentId, style)}`;
  if (s.flags !== undefined && s.flags !== 0) j += `,"flags":${s.flags}`;
  j += `,"name":${jsonString(s.operation)}`;
  if (s.kind !== undefined) j += `,"kind":${style.enums === 'int' ? KIND_INT[s.kind] : KIND_NAME[s.kind]}`;
  j += `,"startTimeUnixNano":"${startNanos(s)}","endTimeUnixNano":"${endNanos(s)}"`;
  if (hasKeys(s.tags)) j += `,"attributes":${attributesJson(s.tags)}`;
  if (s.events !== undefined && s.events.length > 0) j += `,"events":[${s.events.map(eventJson).join(',')}]`;
  // Status{message=2, code=3}: an UNSET status without message is the empty object.
  let status = '';
  if (s.statusMessage !== undefined && s.statusMessage !== '') status = `"message":${jsonString(s.statusMessage)}`;
  const code = s.isError ? 2 : s.statusOk === true ? 1 : 0;
  if (code !== 0) {
    const c = style.enums === 'int' ? String(code) : code === 2 ? '"STATUS_CODE_ERROR"' : '"STATUS_CODE_OK"';
    status += `${status === '' ? '' : ','}"code":${c}`;
  }
  return `${j},"status":{${status}}}`;
}

/**
 * Writes the `resourceSpans` array (`[...]`) of a trace: one entry per service with a
 * `service.name` resource attribute, one scope entry per instrumentation scope.
 *
 * @param key 32-hex trace id.
 * @param extraResource attributes appended to every resource (Tempo's cross-tenant `tenant`).
 */
export function writeResourceSpans(
  out: ChunkWriter,
  key: string,
  spans: readonly StoredSpan[],
  style: OtlpJsonStyle,
  extraResource?: Record<string, AttrValue>,
): void {
  out.write('[');
  writeResourceSpansEntries(out, key, spans, style, true, extraResource);
  out.write(']');
}

/**
 * Writes the entries of a `resourceSpans` array without the brackets, so several traces (e.g.
 * one per tenant) can share one array. Returns whether anything was written.
 *
 * @param first whether these are the first entries of the array (no leading comma).
 */
export function writeResourceSpansEntries(
  out: ChunkWriter,
  key: string,
  spans: readonly StoredSpan[],
  style: OtlpJsonStyle,
  first: boolean,
  extraResource?: Record<string, AttrValue>,
): boolean {
  const traceIdJson = idJson(key, style);
  const scopeSpansKey = style.legacyScopeKey === true ? 'instrumentationLibrarySpans' : 'scopeSpans';
  const scopeKey = style.legacyScopeKey === true ? 'instrumentationLibrary' : 'scope';
  let wrote = false;
  for (const g of group(spans)) {
    const resourceAttrs: Record<string, AttrValue> = { 'service.name': g.service, ...g.resource, ...extraResource };
    out.write(`${first && !wrote ? '' : ','}{"resource":{"attributes":${attributesJson(resourceAttrs)}},"${scopeSpansKey}":[`);
    wrote = true;
    let firstScope = true;
    for (const sg of g.scopes.values()) {
      const version = sg.scope.version !== undefined && sg.scope.version !== '' ? `,"version":${jsonString(sg.scope.version)}` : '';
      out.write(`${firstScope ? '' : ','}{"${scopeKey}":{"name":${jsonString(sg.scope.name)}${version}},"spans":[`);
      firstScope = false;
      const list = sg.spans;
      for (let i = 0; i < list.length; i++) out.write(`${i === 0 ? '' : ','}${spanJson(list[i] as StoredSpan, traceIdJson, style)}`);
      out.write(']}');
    }
    out.write(']}');
  }
  return wrote;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Thrown for a request body that is not a valid ExportTraceServiceRequest. */
export class OtlpDecodeError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** proto3 JSON parsers must accept both the lowerCamelCase and the original field name. */
function field(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  return snake === undefined ? undefined : (o[snake] ?? undefined);
}

function list(o: Obj, camel: string, snake?: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${camel} must be an array`);
  return v;
}

/** An id as hex (what the OTLP/JSON spec requires) or base64 (what protobuf JSON does for bytes). */
function decodeId(v: unknown, bytes: number, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new OtlpDecodeError(`${name} must be a string`);
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  const hex = base64ToHex(v, bytes);
  if (hex === undefined) throw new OtlpDecodeError(`invalid ${name} ${JSON.stringify(v)}`);
  return hex;
}

/** A fixed64 as a decimal string, number, or {low, high} (older JS exporters' long bits). */
function decodeNanos(v: unknown, name: string): string {
  if (v === undefined) return '0';
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v).toString();
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return BigInt(Math.round(v)).toString();
  if (isObj(v) && typeof v['low'] === 'number' && typeof v['high'] === 'number') {
    return ((BigInt(v['high'] >>> 0) << 32n) | BigInt(v['low'] >>> 0)).toString();
  }
  throw new OtlpDecodeError(`invalid ${name} ${JSON.stringify(v)}`);
}

function decodeEnum(v: unknown, names: readonly string[], prefix: string, name: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const upper = v.toUpperCase();
    const i = names.indexOf(upper.startsWith(prefix) ? upper.slice(prefix.length) : upper);
    if (i >= 0) return i;
  }
  throw new OtlpDecodeError(`invalid ${name} ${JSON.stringify(v)}`);
}

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];

/** Structured values have no scalar tag form: they are kept as their JSON text. */
function plainValue(v: unknown): unknown {
  if (!isObj(v)) return null;
  const s = field(v, 'stringValue', 'string_value');
  if (s !== undefined) return s;
  const b = field(v, 'boolValue', 'bool_value');
  if (b !== undefined) return b;
  const i = field(v, 'intValue', 'int_value');
  if (i !== undefined) return typeof i === 'string' ? Number(i) : i;
  const d = field(v, 'doubleValue', 'double_value');
  if (d !== undefined) return d;
  const bytes = field(v, 'bytesValue', 'bytes_value');
  if (bytes !== undefined) return bytes;
  const arr = field(v, 'arrayValue', 'array_value');
  if (isObj(arr)) return list(arr, 'values').map(plainValue);
  const kv = field(v, 'kvlistValue', 'kvlist_value');
  if (isObj(kv)) {
    const o: Obj = {};
    for (const e of list(kv, 'values')) if (isObj(e) && typeof e['key'] === 'string') o[e['key']] = plainValue(e['value']);
    return o;
  }
  return null;
}

function decodeAnyValue(v: unknown): AttrValue {
  if (!isObj(v)) return '';
  const s = field(v, 'stringValue', 'string_value');
  if (typeof s === 'string') return s;
  const b = field(v, 'boolValue', 'bool_value');
  if (typeof b === 'boolean') return b;
  const i = field(v, 'intValue', 'int_value');
  if (typeof i === 'number') return i;
  if (typeof i === 'string' && /^-?\d+$/.test(i)) {
    const n = Number(i);
    // Beyond 2^53 a JS number would silently change the value: keep the digits.
    return Number.isSafeInteger(n) ? n : i;
  }
  const d = field(v, 'doubleValue', 'double_value');
  if (typeof d === 'number') return d;
  if (typeof d === 'string') return Number(d);
  const bytes = field(v, 'bytesValue', 'bytes_value');
  if (typeof bytes === 'string') return bytes;
  const p = plainValue(v);
  return p === null ? '' : JSON.stringify(p);
}

function decodeAttributes(v: unknown[]): Record<string, AttrValue> | undefined {
  if (v.length === 0) return undefined;
  const out: Record<string, AttrValue> = {};
  for (const kv of v) {
    if (!isObj(kv) || typeof kv['key'] !== 'string') throw new OtlpDecodeError('attribute without a key');
    out[kv['key']] = decodeAnyValue(kv['value']);
  }
  return out;
}

/** Spans of one export request, grouped by 32-hex trace id. */
export interface DecodedExport {
  byTrace: Map<string, StoredSpan[]>;
  spanCount: number;
}

/**
 * Decodes an ExportTraceServiceRequest (already JSON-parsed). Throws {@link OtlpDecodeError} on
 * malformed input. A resource without `service.name` gets `unknown_service`, the SDKs' default.
 */
export function decodeExportRequest(body: unknown): DecodedExport {
  if (!isObj(body)) throw new OtlpDecodeError('request body must be a JSON object');
  const byTrace = new Map<string, StoredSpan[]>();
  let spanCount = 0;
  for (const rs of list(body, 'resourceSpans', 'resource_spans')) {
    if (!isObj(rs)) throw new OtlpDecodeError('resourceSpans entries must be objects');
    const resource = field(rs, 'resource');
    const resAttrs = isObj(resource) ? decodeAttributes(list(resource, 'attributes')) : undefined;
    let service = 'unknown_service';
    let otherRes: Record<string, AttrValue> | undefined;
    if (resAttrs !== undefined) {
      for (const [k, v] of Object.entries(resAttrs)) {
        if (k === 'service.name') service = String(v);
        else (otherRes ??= {})[k] = v;
      }
    }
    const scopeLists = [...list(rs, 'scopeSpans', 'scope_spans'), ...list(rs, 'instrumentationLibrarySpans', 'instrumentation_library_spans')];
    for (const ss of scopeLists) {
      if (!isObj(ss)) throw new OtlpDecodeError('scopeSpans entries must be objects');
      const sc = field(ss, 'scope') ?? field(ss, 'instrumentationLibrary', 'instrumentation_library');
      let scope: SimScope | undefined;
      if (isObj(sc) && typeof sc['name'] === 'string') {
        scope = { name: sc['name'] };
        if (typeof sc['version'] === 'string' && sc['version'] !== '') scope.version = sc['version'];
      }
      for (const sp of list(ss, 'spans')) {
        if (!isObj(sp)) throw new OtlpDecodeError('spans entries must be objects');
        const traceId = decodeId(field(sp, 'traceId', 'trace_id'), 16, 'traceId');
        const spanId = decodeId(field(sp, 'spanId', 'span_id'), 8, 'spanId');
        if (traceId === undefined || /^0+$/.test(traceId)) throw new OtlpDecodeError('span without a valid traceId');
        if (spanId === undefined || /^0+$/.test(spanId)) throw new OtlpDecodeError('span without a valid spanId');
        const parentId = decodeId(field(sp, 'parentSpanId', 'parent_span_id'), 8, 'parentSpanId');
        const start = decodeNanos(field(sp, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
        const end = decodeNanos(field(sp, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
        const kind = KINDS_BY_INT[decodeEnum(field(sp, 'kind'), KIND_NAMES, 'SPAN_KIND_', 'kind')];
        const status = field(sp, 'status');
        const code = isObj(status) ? decodeEnum(field(status, 'code'), STATUS_NAMES, 'STATUS_CODE_', 'status.code') : 0;
        const name = field(sp, 'name');
        const span: StoredSpan = {
          spanId,
          service,
          operation: typeof name === 'string' ? name : '',
          startMicros: nanosToMicros(start),
          endMicros: nanosToMicros(end),
          isError: code === 2,
          startNanos: start,
          endNanos: end,
        };
        if (scope !== undefined) span.scope = scope;
        if (parentId !== undefined && !/^0+$/.test(parentId)) span.parentId = parentId;
        if (kind !== undefined) span.kind = kind;
        const tags = decodeAttributes(list(sp, 'attributes'));
        if (tags !== undefined) span.tags = tags;
        if (code === 1) span.statusOk = true;
        if (isObj(status) && typeof status['message'] === 'string' && status['message'] !== '') span.statusMessage = status['message'];
        const flags = field(sp, 'flags');
        if (typeof flags === 'number' && flags !== 0) span.flags = flags;
        const ts = field(sp, 'traceState', 'trace_state');
        if (typeof ts === 'string' && ts !== '') span.traceState = ts;
        const events = list(sp, 'events');
        if (events.length > 0) {
          span.events = events.map((e) => {
            if (!isObj(e)) throw new OtlpDecodeError('events entries must be objects');
            const ev: SimSpanEvent = { timeNanos: decodeNanos(field(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'), name: String(e['name'] ?? '') };
            const attrs = decodeAttributes(list(e, 'attributes'));
            if (attrs !== undefined) ev.attributes = attrs;
            return ev;
          });
        }
        if (otherRes !== undefined) span.resource = otherRes;
        let bucket = byTrace.get(traceId);
        if (bucket === undefined) byTrace.set(traceId, (bucket = []));
        bucket.push(span);
        spanCount++;
      }
    }
  }
  return { byTrace, spanCount };
}
