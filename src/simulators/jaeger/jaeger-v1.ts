/**
 * Jaeger's v1 query API JSON model (what Jaeger UI reads from `/api/traces/{id}`), written the
 * way Jaeger v2 renders spans it received over OTLP: span attributes become tags, followed by the
 * tags the OTLP→Jaeger translation adds (`otel.scope.name`, `span.kind`, `otel.status_code`,
 * `error`, `otel.status_description`), events become logs, and one process per service carries
 * the resource attributes. See the Jaeger docs "APIs" (HTTP JSON, internal) and "Migrating to
 * OpenTelemetry" (span kind and status mapping).
 */
import { ChunkWriter, jsonInt, jsonString } from '../otlp-sim/json-chunks.js';
import { DEFAULT_SCOPE, durationMicros, nanosToMicros, shortTraceId, startNanos } from '../otlp-sim/model.js';
import type { AttrValue, StoredSpan } from '../otlp-sim/model.js';

/** A typed v1 KeyValue. Integers beyond 2^53 would lose digits as JSON numbers, so Jaeger sends them as strings. */
export function tagJson(key: string, v: AttrValue): string {
  const k = jsonString(key);
  if (typeof v === 'string') return `{"key":${k},"type":"string","value":${jsonString(v)}}`;
  if (typeof v === 'boolean') return `{"key":${k},"type":"bool","value":${v ? 'true' : 'false'}}`;
  if (Number.isInteger(v)) return `{"key":${k},"type":"int64","value":${Number.isSafeInteger(v) ? jsonInt(v) : JSON.stringify(String(v))}}`;
  if (!Number.isFinite(v)) return `{"key":${k},"type":"string","value":"${String(v)}"}`;
  return `{"key":${k},"type":"float64","value":${String(v)}}`;
}

function tagsJson(attrs: Record<string, AttrValue> | undefined): string {
  let out = '';
  if (attrs !== undefined) for (const k in attrs) out += `${out === '' ? '' : ','}${tagJson(k, attrs[k] as AttrValue)}`;
  return out;
}

function spanTags(s: StoredSpan): string {
  let out = tagsJson(s.tags);
  const add = (t: string): void => {
    out += `${out === '' ? '' : ','}${t}`;
  };
  const scope = s.scope ?? DEFAULT_SCOPE;
  add(tagJson('otel.scope.name', scope.name));
  if (scope.version !== undefined && scope.version !== '') add(tagJson('otel.scope.version', scope.version));
  if (s.kind !== undefined) add(`{"key":"span.kind","type":"string","value":"${s.kind}"}`);
  if (s.isError) add('{"key":"otel.status_code","type":"string","value":"ERROR"}');
  else if (s.statusOk === true) add('{"key":"otel.status_code","type":"string","value":"OK"}');
  // The translator adds `error=true` for an ERROR status unless the span already has an error tag.
  if (s.isError && (s.tags === undefined || !('error' in s.tags))) add('{"key":"error","type":"bool","value":true}');
  if (s.statusMessage !== undefined && s.statusMessage !== '') add(tagJson('otel.status_description', s.statusMessage));
  return out;
}

function logsJson(s: StoredSpan): string {
  if (s.events === undefined || s.events.length === 0) return '';
  return s.events
    .map((e) => {
      let fields = e.name === '' ? '' : tagJson('event', e.name);
      const attrs = tagsJson(e.attributes);
      if (attrs !== '') fields += `${fields === '' ? '' : ','}${attrs}`;
      return `{"timestamp":${jsonInt(nanosToMicros(e.timeNanos))},"fields":[${fields}]}`;
    })
    .join(',');
}

/** µs start, truncated from exact ns when known. */
function startMicros(s: StoredSpan): number {
  return s.startNanos !== undefined ? nanosToMicros(startNanos(s)) : s.startMicros;
}

/**
 * Serialises the 200 body of `GET /api/traces/{id}`: `{"data":[Trace],"total":0,...}`. A 64-bit
 * trace id (high half zero) is written as 16 hex, a 128-bit one as 32.
 */
export function serialiseJaegerV1(key: string, spans: readonly StoredSpan[]): Buffer[] {
  const out = new ChunkWriter();
  const tid = `"${shortTraceId(key)}"`;
  const pids = new Map<string, string>();
  const processes: string[] = [];
  out.write(`{"data":[{"traceID":${tid},"spans":[`);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as StoredSpan;
    let pid = pids.get(s.service);
    if (pid === undefined) {
      pid = `p${pids.size + 1}`;
      pids.set(s.service, pid);
      processes.push(`"${pid}":{"serviceName":${jsonString(s.service)},"tags":[${tagsJson(s.resource)}]}`);
    }
    const refs = s.parentId === undefined ? '' : `{"refType":"CHILD_OF","traceID":${tid},"spanID":"${s.parentId}"}`;
    // Jaeger's flags byte: bit 0 is "sampled"; whatever was stored, a stored span was sampled.
    const flags = s.flags !== undefined && (s.flags & 0xff) !== 0 ? s.flags & 0xff : 1;
    out.write(
      `${i === 0 ? '' : ','}{"traceID":${tid},"spanID":"${s.spanId}","flags":${flags},"operationName":${jsonString(s.operation)},` +
        `"references":[${refs}],"startTime":${jsonInt(startMicros(s))},"duration":${jsonInt(durationMicros(s))},` +
        `"tags":[${spanTags(s)}],"logs":[${logsJson(s)}],"processID":"${pid}","warnings":null}`,
    );
  }
  out.write(`],"processes":{${processes.join(',')}},"warnings":null}],"total":0,"limit":0,"offset":0,"errors":null}`);
  return out.finish();
}
