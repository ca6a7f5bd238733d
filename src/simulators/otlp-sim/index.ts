/**
 * Code shared by the Jaeger, Zipkin and Tempo simulators (never by the product): the span model
 * and trace store, OTLP/JSON encoding and decoding, and the loopback HTTP machinery.
 */
export { ChunkWriter, byteLength, chunksToString, jsonInt, jsonString } from './json-chunks.js';
export {
  DEFAULT_SCOPE,
  TraceStore,
  base64ToHex,
  cachedBody,
  durationMicros,
  endNanos,
  hexToBase64,
  microsToNanos,
  nanosToMicros,
  shortTraceId,
  spanKey,
  startNanos,
  toStoredTrace,
  traceKey,
} from './model.js';
export type { AttrValue, SimScope, SimSpanEvent, StoredSpan, StoredTrace, TraceEntry } from './model.js';
export { COLLECTOR_STYLE, OtlpDecodeError, anyValueJson, attributesJson, decodeExportRequest, writeResourceSpans, writeResourceSpansEntries } from './otlp-json.js';
export type { DecodedExport, OtlpJsonStyle } from './otlp-json.js';
export { handleOtlpIngest } from './otlp-ingest.js';
export { FillerCache, fillerBody } from './filler.js';
export { HttpSimulatorBase, goError, jsonReply, normaliseBasePath, pathSegments, stripBasePath } from './http-sim.js';
export type {
  BaseSimulatorOptions,
  DripOptions,
  OversizeOptions,
  RecordedRequest,
  ScriptedReply,
  SimAuth,
  SimReply,
  SimRequest,
  SimRoute,
  TraceBackendSimulator,
} from './http-sim.js';
