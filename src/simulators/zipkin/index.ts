/** Zipkin v2 API simulator (trace query, services, JSON_V2 ingest). Shares no code with the product. */
export { startZipkinSimulator } from './zipkin-simulator.js';
export type { ZipkinSimulator, ZipkinSimulatorOptions } from './zipkin-simulator.js';
export { serialiseZipkinTrace } from './zipkin-json.js';
export type { ZipkinSerialiseOptions } from './zipkin-json.js';
export type {
  BaseSimulatorOptions,
  DripOptions,
  OversizeOptions,
  RecordedRequest,
  ScriptedReply,
  SimAuth,
  TraceBackendSimulator,
} from '../otlp-sim/http-sim.js';
export type { StoredSpan, StoredTrace } from '../otlp-sim/model.js';
