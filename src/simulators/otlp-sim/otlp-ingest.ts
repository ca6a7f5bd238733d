/**
 * The OTLP/HTTP trace receiver (`POST /v1/traces`) shared by the Jaeger and Tempo simulators;
 * both embed the OpenTelemetry Collector's OTLP receiver. Only the JSON encoding is decoded (the
 * one OTLP/HTTP JSON exporters send); see "OTLP/HTTP" in the OTLP specification.
 */
import type { SimReply, SimRequest } from './http-sim.js';
import { decodeExportRequest, OtlpDecodeError } from './otlp-json.js';
import type { StoredSpan } from './model.js';

/** gRPC status code INVALID_ARGUMENT, which OTLP/HTTP error bodies carry (google.rpc.Status). */
const INVALID_ARGUMENT = 3;

function statusReply(status: number, message: string): SimReply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: INVALID_ARGUMENT, message }) };
}

/**
 * Decodes an export request and hands each trace's spans to `store`. Success is 200 with an
 * ExportTraceServiceResponse whose partialSuccess is empty (everything accepted).
 */
export function handleOtlpIngest(req: SimRequest, store: (traceKey: string, spans: StoredSpan[]) => void): SimReply {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json') {
    // The real receiver also takes application/x-protobuf; this simulator decodes JSON only.
    return {
      status: 415,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: `415 unsupported media type, supported: [application/json] (simulator: protobuf is not decoded)`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    return statusReply(400, `proto: syntax error: ${(err as Error).message}`);
  }
  let decoded;
  try {
    decoded = decodeExportRequest(parsed);
  } catch (err) {
    if (err instanceof OtlpDecodeError) return statusReply(400, err.message);
    throw err;
  }
  for (const [key, spans] of decoded.byTrace) store(key, spans);
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"partialSuccess":{}}' };
}
