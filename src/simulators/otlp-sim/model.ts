/**
 * The span model and trace store shared by the Jaeger, Zipkin and Tempo simulators.
 *
 * Traces come from two places: tests hand over a {@link SimTrace} (usually from generate-trace),
 * and the ingest routes decode what an OpenTelemetry or Zipkin exporter sent. Both end up as
 * {@link StoredSpan}s: a SimSpan plus the optional details only ingested spans carry (exact
 * nanosecond times, status message, scope, events...), so that what was sent can be read back.
 */
import type { SimSpan, SimTrace } from '../lightstep/generate-trace.js';

/** A scalar attribute value, as span tags are stored. */
export type AttrValue = string | number | boolean;

/** Instrumentation scope of a span (OTLP `scope`, formerly `instrumentationLibrary`). */
export interface SimScope {
  name: string;
  version?: string;
}

/** A span event (OTLP), log (Jaeger v1) or annotation (Zipkin). */
export interface SimSpanEvent {
  /** Epoch nanoseconds as a decimal string. */
  timeNanos: string;
  name: string;
  attributes?: Record<string, AttrValue>;
}

/**
 * A span as the trace-backend simulators store it. Every extra field is optional: spans of a
 * SimTrace have none of them and are served with defaults.
 */
export interface StoredSpan extends SimSpan {
  /** Exact start, epoch ns as a decimal string (ingested OTLP spans); else `startMicros * 1000`. */
  startNanos?: string;
  /** Exact end, epoch ns as a decimal string; else `endMicros * 1000`. */
  endNanos?: string;
  /** OTLP status OK (explicitly set by the instrumentation); `isError` means STATUS_CODE_ERROR. */
  statusOk?: boolean;
  statusMessage?: string;
  /** OTLP span flags (W3C trace flags in the low byte). */
  flags?: number;
  traceState?: string;
  /** Instrumentation scope; default {@link DEFAULT_SCOPE}. */
  scope?: SimScope;
  events?: SimSpanEvent[];
  /** Resource attributes other than `service.name`. */
  resource?: Record<string, AttrValue>;
  /** Zipkin `remoteEndpoint.serviceName`, when known. */
  remoteService?: string;
  /** Zipkin `shared`: a server span that reuses its client's span id (B3 single-host spans). */
  shared?: boolean;
}

/** A trace as {@link TraceStore.get} returns it: `traceId` is always the 32-hex form. */
export interface StoredTrace {
  traceId: string;
  spans: StoredSpan[];
}

/** The scope given to spans that did not come with one (SimTrace spans). */
export const DEFAULT_SCOPE: SimScope = { name: 'lsslack-simulator', version: '1.0.0' };

const HEX_1_32 = /^[0-9a-fA-F]{1,32}$/;
const LOWER_HEX_16 = /^[0-9a-f]{16}$/;
const ZEROS_16 = '0000000000000000';

/**
 * Normalises a hex trace id of 1..32 digits (any case) to the 32-lowercase-hex key the stores
 * use, left-padding with zeros like the real servers do (Jaeger's TraceIDFromString, Tempo's
 * HexStringToTraceID, Zipkin's normalizeTraceId all left-pad). Returns undefined for anything else.
 */
export function traceKey(id: string): string | undefined {
  if (!HEX_1_32.test(id)) return undefined;
  return id.toLowerCase().padStart(32, '0');
}

/** The 16-hex form when the high 64 bits are zero (Jaeger v1, Zipkin), else the 32-hex key. */
export function shortTraceId(key: string): string {
  return key.startsWith(ZEROS_16) ? key.slice(16) : key;
}

/** Lowercase, left-padded 16-hex span id; undefined when not 1..16 hex digits. */
export function spanKey(id: string): string | undefined {
  if (LOWER_HEX_16.test(id)) return id;
  if (!/^[0-9a-fA-F]{1,16}$/.test(id)) return undefined;
  return id.toLowerCase().padStart(16, '0');
}

/** Hex → standard base64 of the raw bytes (Tempo's gogo-jsonpb encoding of `bytes` ids). */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * Decodes a base64 (standard or URL-safe, padded or not) id of exactly `bytes` bytes to hex, or
 * returns undefined.
 */
export function base64ToHex(s: string, bytes: number): string | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return undefined;
  const buf = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return buf.length === bytes ? buf.toString('hex') : undefined;
}

/** Epoch µs (integer or not) → epoch ns as a decimal string, without losing digits above 2^53. */
export function microsToNanos(us: number): string {
  if (Number.isInteger(us)) {
    const v = us < 0 ? 0 : us;
    return v === 0 ? '0' : `${integerString(v)}000`;
  }
  let whole = Math.floor(us);
  let frac = Math.round((us - whole) * 1000);
  if (frac >= 1000) {
    whole += 1;
    frac -= 1000;
  }
  return `${integerString(whole)}${String(frac).padStart(3, '0')}`;
}

function integerString(v: number): string {
  if (v >= 1e9 && Number.isSafeInteger(v)) {
    const hi = Math.floor(v / 1e9);
    return `${hi}${String(v - hi * 1e9).padStart(9, '0')}`;
  }
  return String(v);
}

/** Start of a span in epoch ns (decimal string). */
export function startNanos(s: StoredSpan): string {
  return s.startNanos ?? microsToNanos(s.startMicros);
}

/** End of a span in epoch ns (decimal string). */
export function endNanos(s: StoredSpan): string {
  return s.endNanos ?? microsToNanos(s.endMicros);
}

/** Epoch ns string → epoch µs, truncated (how Jaeger's model converts OTLP times). */
export function nanosToMicros(ns: string): number {
  return Number(BigInt(ns) / 1000n);
}

/**
 * Duration in µs truncated from the exact ns difference when known (Jaeger's
 * `DurationAsMicroseconds(end - start)`), else the µs difference.
 */
export function durationMicros(s: StoredSpan): number {
  if (s.startNanos !== undefined && s.endNanos !== undefined) {
    const d = BigInt(s.endNanos) - BigInt(s.startNanos);
    return d <= 0n ? 0 : Number(d / 1000n);
  }
  return Math.max(0, s.endMicros - s.startMicros);
}

/** One stored trace and its serialised bodies, cached per format. */
export interface TraceEntry {
  /** 32 lowercase hex. */
  readonly key: string;
  readonly spans: readonly StoredSpan[];
  /** Serialised bodies by format name; dropped with the entry when the trace changes. */
  readonly cache: Map<string, Buffer[]>;
}

/**
 * Identity of a span within a trace. A Zipkin shared server span reuses its client's id, so it is
 * a different span from the client.
 */
function identity(s: StoredSpan): string {
  return s.shared === true ? `${s.spanId}/shared` : s.spanId;
}

/** Returns the spans with normalised ids, copying only when some id needs it (big traces stay shared). */
function normaliseSpans(spans: readonly SimSpan[]): StoredSpan[] {
  let clean = true;
  for (const s of spans) {
    if (!LOWER_HEX_16.test(s.spanId) || (s.parentId !== undefined && !LOWER_HEX_16.test(s.parentId))) {
      clean = false;
      break;
    }
  }
  if (clean) return spans as StoredSpan[];
  return spans.map((s) => {
    const spanId = spanKey(s.spanId);
    if (spanId === undefined) throw new TypeError(`invalid span id ${JSON.stringify(s.spanId)}`);
    const copy: StoredSpan = { ...s, spanId };
    if (s.parentId !== undefined) {
      const parentId = spanKey(s.parentId);
      if (parentId === undefined) throw new TypeError(`invalid parent span id ${JSON.stringify(s.parentId)}`);
      copy.parentId = parentId;
    }
    return copy;
  });
}

/** Traces by 32-hex key. */
export class TraceStore {
  private readonly traces = new Map<string, TraceEntry>();

  /**
   * Stores a trace, replacing any trace with the same id. `traceId` overrides `trace.traceId`;
   * either may be 1..32 hex digits in any case. The spans are treated as immutable afterwards
   * (bodies are cached): re-add the trace after mutating it.
   */
  add(trace: SimTrace, traceId?: string): TraceEntry {
    const raw = traceId ?? trace.traceId;
    const key = traceKey(raw);
    if (key === undefined) throw new TypeError(`trace id must be 1..32 hex digits, got ${JSON.stringify(raw)}`);
    const entry: TraceEntry = { key, spans: normaliseSpans(trace.spans), cache: new Map() };
    this.traces.set(key, entry);
    return entry;
  }

  /** Forgets a trace (any accepted id form); returns whether it existed. */
  remove(traceId: string): boolean {
    const key = traceKey(traceId);
    return key !== undefined && this.traces.delete(key);
  }

  /** Looks a trace up by its 32-hex key (see {@link traceKey}). */
  get(key: string): TraceEntry | undefined {
    return this.traces.get(key);
  }

  /**
   * Merges ingested spans into a trace, as collectors do when spans of one trace arrive in several
   * export requests: a span with the same identity replaces the stored one, others are appended.
   */
  merge(key: string, spans: readonly StoredSpan[]): void {
    const old = this.traces.get(key);
    const merged: StoredSpan[] = old === undefined ? [] : [...old.spans];
    const at = new Map<string, number>();
    for (let i = 0; i < merged.length; i++) at.set(identity(merged[i] as StoredSpan), i);
    for (const s of spans) {
      const id = identity(s);
      const i = at.get(id);
      if (i === undefined) {
        at.set(id, merged.length);
        merged.push(s);
      } else merged[i] = s;
    }
    // A fresh entry: cached bodies of the previous version go with the old one.
    this.traces.set(key, { key, spans: merged, cache: new Map() });
  }

  /** Distinct service names over all traces, in first-seen order. */
  services(): string[] {
    const out = new Set<string>();
    for (const e of this.traces.values()) for (const s of e.spans) out.add(s.service);
    return [...out];
  }

  /** Keys (32 hex) of all stored traces. */
  keys(): string[] {
    return [...this.traces.keys()];
  }

  get size(): number {
    return this.traces.size;
  }

  clear(): void {
    this.traces.clear();
  }
}

/** Caches a serialised body on the entry under `format`. */
export function cachedBody(entry: TraceEntry, format: string, build: () => Buffer[]): Buffer[] {
  let body = entry.cache.get(format);
  if (body === undefined) {
    body = build();
    entry.cache.set(format, body);
  }
  return body;
}

/** Returns a public copy of a stored trace. */
export function toStoredTrace(entry: TraceEntry): StoredTrace {
  return { traceId: entry.key, spans: [...entry.spans] };
}
