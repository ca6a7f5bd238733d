/** Jaeger query-service simulator (v1 JSON API, api/v3 OTLP gateway, OTLP/HTTP ingest). Shares no code with the product. */
export { startJaegerSimulator } from './jaeger-simulator.js';
export type { JaegerSimulator, JaegerSimulatorOptions } from './jaeger-simulator.js';
export { serialiseJaegerV1 } from './jaeger-v1.js';
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
