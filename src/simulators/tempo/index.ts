/** Grafana Tempo API simulator (trace by id v1/v2, tenants, partial traces, OTLP/HTTP ingest). Shares no code with the product. */
export { startTempoSimulator } from './tempo-simulator.js';
export type { TempoSimulator, TempoSimulatorOptions, TenantOption } from './tempo-simulator.js';
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
