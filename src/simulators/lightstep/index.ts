/** Lightstep public API simulator: a loopback server plus trace generators. Shares no code with the product. */
export {
  generateTrace,
  sampleCheckoutTrace,
  SAMPLE_TRACE_ID,
  SAMPLE_TRACE_SEED_SPAN,
  SAMPLE_TRACE_SELECTED_SPAN,
  SAMPLE_TRACE_START_MICROS,
} from './generate-trace.js';
export type { GenerateTraceOptions, SimSpan, SimSpanKind, SimTrace } from './generate-trace.js';
export { startLightstepSimulator } from './lightstep-simulator.js';
export type { LightstepSimulator, LightstepSimulatorOptions, RecordedRequest, ScriptedReply } from './lightstep-simulator.js';
