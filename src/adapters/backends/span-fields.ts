/**
 * What every backend decoder needs to turn one backend span into lsslack's `Span`: the names of
 * nameless spans, the OpenTracing/OTLP kind words, tolerant readers of loosely typed JSON, and the
 * one place the `Span` object is built.
 */
import type { Span, SpanKind } from '../../domain/types.js';

export const UNKNOWN_SERVICE = 'unknown-service';
export const UNKNOWN_OPERATION = 'unknown-operation';

/** `span.kind` tag values (OpenTracing semantic conventions; the OTLP translators write the same). */
export const SPAN_KINDS: ReadonlyMap<string, SpanKind> = new Map<string, SpanKind>([
  ['server', 'server'],
  ['client', 'client'],
  ['producer', 'producer'],
  ['consumer', 'consumer'],
  ['internal', 'internal'],
]);

/** Integer or decimal µs as JSON sometimes carries int64: a string of digits. */
const NUMERIC = /^-?\d+(\.\d+)?$/;

export type JsonObject = Record<string, unknown>;

/** µs from a number or a numeric string (int64 may arrive as a string); `undefined` unless finite. */
export function micros(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One object literal per combination of the optional fields (absent fields stay absent), instead
 * of adding parentId/kind afterwards: added properties live outside the object, which cost a
 * second allocation per span, a hidden-class transition each, and slower reads in the analysis
 * (bench/analysis: the largest share of decode time on 100k spans was allocation and GC). Built
 * here for every decoder, so all spans share these four shapes.
 */
export function makeSpan(spanId: string, parentId: string | undefined, service: string, name: string, startUs: number, endUs: number, isError: boolean, kind: SpanKind | undefined): Span {
  if (parentId !== undefined) {
    return kind !== undefined ? { spanId, parentId, service, name, startUs, endUs, isError, kind } : { spanId, parentId, service, name, startUs, endUs, isError };
  }
  return kind !== undefined ? { spanId, service, name, startUs, endUs, isError, kind } : { spanId, service, name, startUs, endUs, isError };
}
