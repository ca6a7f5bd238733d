/**
 * Zipkin v2 JSON (the `Span` model of the zipkin2-api OpenAPI document, as
 * `SpanBytesEncoder.JSON_V2` writes it): encoder for `GET /api/v2/trace/{id}` and decoder for
 * `POST /api/v2/spans`.
 *
 * Zipkin quirks reproduced here: span names and service names are lowercased; tags are
 * string→string; a zero timestamp or duration means "absent" and is omitted; `kind` is absent for
 * local (internal) spans; a server span can share its client's id (`shared: true`, B3
 * propagation). See the Zipkin docs "Data Model" and the zipkin2-api.yaml `Span` schema.
 */
import { mulberry32 } from '../lightstep/generate-trace.js';
import type { SimSpanKind } from '../lightstep/generate-trace.js';
import { ChunkWriter, jsonInt, jsonString } from '../otlp-sim/json-chunks.js';
import { microsToNanos, nanosToMicros, shortTraceId, spanKey } from '../otlp-sim/model.js';
import type { AttrValue, StoredSpan } from '../otlp-sim/model.js';

const KIND: Partial<Record<SimSpanKind, string>> = { server: '"SERVER"', client: '"CLIENT"', producer: '"PRODUCER"', consumer: '"CONSUMER"' };

/** Options of {@link serialiseZipkinTrace}. */
export interface ZipkinSerialiseOptions {
  /**
   * Serve each server span whose parent is a client span of another service as a `shared: true`
   * span carrying the client's id (and the client's parent), as B3 propagation makes Zipkin
   * instrumentation do; children of the server then point at that shared id.
   */
  sharedSpans?: boolean;
}

function isRemoteCall(parent: StoredSpan | undefined, child: StoredSpan): boolean {
  return (
    parent !== undefined &&
    parent.service !== child.service &&
    ((parent.kind === 'client' && child.kind === 'server') || (parent.kind === 'producer' && child.kind === 'consumer'))
  );
}

function tagString(v: AttrValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** Fisher–Yates with a PRNG seeded from the trace id: "no particular order", yet reproducible. */
function shuffledOrder(n: number, key: string): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(parseInt(key.slice(-8), 16) ^ 0x5a17);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** Serialises the 200 body of `GET /api/v2/trace/{id}`: a JSON array of v2 spans, shuffled. */
export function serialiseZipkinTrace(key: string, spans: readonly StoredSpan[], options: ZipkinSerialiseOptions = {}): Buffer[] {
  const tid = `"${shortTraceId(key)}"`;
  const byId = new Map<string, StoredSpan>();
  for (const s of spans) if (s.shared !== true) byId.set(s.spanId, s);
  // Remote service of a client/producer span: the service its server/consumer child runs in.
  const remoteOf = new Map<string, string>();
  // Server span id → the client span id it shares (sharedSpans mode).
  const alias = new Map<string, string>();
  for (const s of spans) {
    if (s.parentId === undefined || s.shared === true) continue;
    const p = byId.get(s.parentId);
    if (p === undefined || !isRemoteCall(p, s)) continue;
    if (!remoteOf.has(p.spanId)) remoteOf.set(p.spanId, s.service);
    if (options.sharedSpans === true && s.kind === 'server') alias.set(s.spanId, p.spanId);
  }

  const out = new ChunkWriter();
  out.write('[');
  const order = shuffledOrder(spans.length, key);
  for (let n = 0; n < order.length; n++) {
    const s = spans[order[n] as number] as StoredSpan;
    const sharedWith = alias.get(s.spanId);
    let id = s.spanId;
    let parentId = s.parentId;
    if (sharedWith !== undefined) {
      id = sharedWith;
      parentId = byId.get(sharedWith)?.parentId;
    }
    // A parent that is itself a shared server span is now known by its client's id.
    if (parentId !== undefined) parentId = alias.get(parentId) ?? parentId;

    let j = `{"traceId":${tid}`;
    if (parentId !== undefined) j += `,"parentId":"${parentId}"`;
    j += `,"id":"${id}"`;
    const kind = s.kind === undefined ? undefined : KIND[s.kind];
    if (kind !== undefined) j += `,"kind":${kind}`;
    if (s.operation !== '') j += `,"name":${jsonString(s.operation.toLowerCase())}`;
    const ts = Math.round(s.startMicros);
    const dur = Math.round(s.endMicros - s.startMicros);
    if (ts > 0) j += `,"timestamp":${jsonInt(ts)}`;
    if (dur > 0) j += `,"duration":${jsonInt(dur)}`;
    if (s.service !== '') j += `,"localEndpoint":{"serviceName":${jsonString(s.service.toLowerCase())}}`;
    let remote = s.remoteService;
    if (remote === undefined && (s.kind === 'client' || s.kind === 'producer')) {
      const t = s.tags;
      const fromTag = t?.['peer.service'] ?? t?.['db.system'] ?? t?.['messaging.system'];
      remote = remoteOf.get(s.spanId) ?? (fromTag === undefined ? undefined : tagString(fromTag));
    }
    if (remote !== undefined && remote !== '') j += `,"remoteEndpoint":{"serviceName":${jsonString(remote.toLowerCase())}}`;
    if (s.events !== undefined && s.events.length > 0) {
      const anns = [...s.events]
        .map((e) => ({ ts: nanosToMicros(e.timeNanos), value: e.name }))
        .sort((a, b) => a.ts - b.ts)
        .map((a) => `{"timestamp":${jsonInt(a.ts)},"value":${jsonString(a.value)}}`);
      j += `,"annotations":[${anns.join(',')}]`;
    }
    let tags = '';
    if (s.tags !== undefined) for (const k in s.tags) tags += `${tags === '' ? '' : ','}${jsonString(k)}:${jsonString(tagString(s.tags[k] as AttrValue))}`;
    // Zipkin marks errors with an `error` tag (its value is the message, if any).
    if (s.isError && (s.tags === undefined || !('error' in s.tags))) tags += `${tags === '' ? '' : ','}"error":${jsonString(s.statusMessage ?? 'true')}`;
    if (tags !== '') j += `,"tags":{${tags}}`;
    if (sharedWith !== undefined || s.shared === true) j += ',"shared":true';
    out.write(`${n === 0 ? '' : ','}${j}}`);
  }
  out.write(']');
  return out.finish();
}

/** Thrown for a malformed `POST /api/v2/spans` body. */
export class ZipkinDecodeError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Zipkin's id validation (`Span.normalizeTraceId`): lower hex, at most 32 (trace) or 16 (span)
 * digits, not all zeros. With `lenientCase` upper case is accepted and lowercased.
 */
function decodeHex(v: unknown, max: number, name: string, lenientCase: boolean): string {
  if (typeof v !== 'string' || v === '') throw new ZipkinDecodeError(`${name} is empty`);
  if (v.length > max) throw new ZipkinDecodeError(`${name}.length > ${max}`);
  const s = lenientCase ? v.toLowerCase() : v;
  if (!/^[0-9a-f]+$/.test(s)) throw new ZipkinDecodeError(`${v} should be lower-hex encoded with no prefix`);
  if (/^0+$/.test(s)) throw new ZipkinDecodeError(`${name} is all zeros`);
  return s;
}

const KIND_FROM: Record<string, SimSpanKind> = { CLIENT: 'client', SERVER: 'server', PRODUCER: 'producer', CONSUMER: 'consumer' };

function micros(v: unknown, name: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ZipkinDecodeError(`${name} must be a non-negative number`);
  return Math.round(v);
}

/** Decodes a JSON_V2 span list into stored spans grouped by 32-hex trace key. */
export function decodeZipkinSpans(body: unknown, lenientCase: boolean): Map<string, StoredSpan[]> {
  if (!Array.isArray(body)) throw new ZipkinDecodeError('Expected a JSON_V2 encoded list');
  const byTrace = new Map<string, StoredSpan[]>();
  for (const raw of body) {
    if (!isObj(raw)) throw new ZipkinDecodeError('Expected a JSON_V2 encoded list of span objects');
    const traceHex = decodeHex(raw['traceId'], 32, 'traceId', lenientCase);
    const id = spanKey(decodeHex(raw['id'], 16, 'id', lenientCase)) as string;
    const key = traceHex.padStart(32, '0');
    const local = raw['localEndpoint'];
    const remote = raw['remoteEndpoint'];
    const timestamp = micros(raw['timestamp'], 'timestamp');
    const duration = micros(raw['duration'], 'duration');
    const span: StoredSpan = {
      spanId: id,
      service: isObj(local) && typeof local['serviceName'] === 'string' ? local['serviceName'].toLowerCase() : '',
      operation: typeof raw['name'] === 'string' ? raw['name'] : '',
      startMicros: timestamp,
      endMicros: timestamp + duration,
      isError: false,
    };
    if (raw['parentId'] !== undefined && raw['parentId'] !== null) {
      const parent = spanKey(decodeHex(raw['parentId'], 16, 'parentId', lenientCase)) as string;
      // Zipkin drops a parentId equal to the span's own id.
      if (parent !== id) span.parentId = parent;
    }
    if (typeof raw['kind'] === 'string') {
      const k = KIND_FROM[raw['kind']];
      if (k === undefined) throw new ZipkinDecodeError(`invalid kind ${raw['kind']}`);
      span.kind = k;
    }
    const tags = raw['tags'];
    if (isObj(tags)) {
      const t: Record<string, string> = {};
      for (const [k, v] of Object.entries(tags)) {
        if (typeof v !== 'string') throw new ZipkinDecodeError(`tag ${k} must be a string`);
        t[k] = v;
      }
      if (Object.keys(t).length > 0) span.tags = t;
      span.isError = 'error' in t;
    }
    const anns = raw['annotations'];
    if (Array.isArray(anns) && anns.length > 0) {
      span.events = anns.map((a) => {
        if (!isObj(a) || typeof a['value'] !== 'string') throw new ZipkinDecodeError('annotation needs a value');
        return { timeNanos: microsToNanos(micros(a['timestamp'], 'annotation timestamp')), name: a['value'] };
      });
    }
    if (isObj(remote) && typeof remote['serviceName'] === 'string' && remote['serviceName'] !== '') span.remoteService = remote['serviceName'];
    if (raw['shared'] === true) span.shared = true;
    let bucket = byTrace.get(key);
    if (bucket === undefined) byTrace.set(key, (bucket = []));
    bucket.push(span);
  }
  return byTrace;
}
