/**
 * lsslack's decoders agree with what the OpenTelemetry JS SDK recorded: spans of one instrumented
 * request are exported by the SDK's own OTLP/HTTP JSON and Zipkin exporters into the Jaeger, Tempo
 * and Zipkin simulators, then fetched through lsslack's backend clients (undici, the real query
 * APIs, every version) and compared span by span with the SDK's ReadableSpans: names, services,
 * parents, start and duration, kind, error status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { BackendConfig } from '../../src/adapters/backends/backend-config.js';
import { createTraceSource } from '../../src/adapters/backends/trace-source.js';
import type { Span, TraceRef } from '../../src/domain/types.js';
import { startJaegerSimulator, type JaegerSimulator } from '../../src/simulators/jaeger/index.js';
import { startTempoSimulator, type TempoSimulator } from '../../src/simulators/tempo/index.js';
import { startZipkinSimulator, type ZipkinSimulator } from '../../src/simulators/zipkin/index.js';

const KIND: Record<number, Span['kind']> = { [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer' };

/** OTLP carries nanoseconds: exact µs (floor). Zipkin's exporter rounds to µs itself. */
const micros = (t: HrTime, round: boolean) => (round ? Math.round(t[0] * 1e6 + t[1] / 1e3) : t[0] * 1_000_000 + Math.floor(t[1] / 1000));

describe('OpenTelemetry SDK → backends → lsslack decoders', () => {
  let jaeger: JaegerSimulator;
  let jaegerV1: JaegerSimulator;
  let tempo: TempoSimulator;
  let tempoV1: TempoSimulator;
  let zipkin: ZipkinSimulator;
  let recorded: ReadableSpan[] = [];
  let traceId = '';

  before(async () => {
    [jaeger, jaegerV1, tempo, tempoV1, zipkin] = await Promise.all([
      startJaegerSimulator(),
      startJaegerSimulator({ apiV3: false }),
      startTempoSimulator(),
      startTempoSimulator({ apiV2: false, legacyScopeKey: true }),
      startZipkinSimulator(),
    ]);
    const memory = new InMemorySpanExporter();
    const providerFor = (service: string) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
        spanProcessors: [
          ...[jaeger, jaegerV1, tempo, tempoV1].map((sim) => new SimpleSpanProcessor(new OTLPTraceExporter({ url: sim.ingestUrl }))),
          new SimpleSpanProcessor(new ZipkinExporter({ url: zipkin.ingestUrl })),
          new SimpleSpanProcessor(memory),
        ],
      });
    const frontend = providerFor('frontend');
    const payments = providerFor('payment-service');
    const fe = frontend.getTracer('checkout');
    const pay = payments.getTracer('payments');
    const root = fe.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: [1_750_000_000, 123_456_789] });
    const client = fe.startSpan('POST /charges', { kind: SpanKind.CLIENT, startTime: [1_750_000_000, 130_000_250] }, trace.setSpan(ROOT_CONTEXT, root));
    const server = pay.startSpan('POST /charges', { kind: SpanKind.SERVER, startTime: [1_750_000_000, 131_000_000] }, trace.setSpanContext(ROOT_CONTEXT, client.spanContext()));
    const charge = pay.startSpan('charge card', { kind: SpanKind.INTERNAL, startTime: [1_750_000_000, 132_000_000] }, trace.setSpan(ROOT_CONTEXT, server));
    charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card_declined' });
    charge.end([1_750_000_000, 150_000_999]);
    server.end([1_750_000_000, 160_000_000]);
    client.end([1_750_000_000, 161_500_500]);
    root.end([1_750_000_000, 170_000_000]);
    await Promise.all([frontend.forceFlush(), payments.forceFlush()]);
    recorded = [...memory.getFinishedSpans()];
    await Promise.all([frontend.shutdown(), payments.shutdown()]);
    traceId = root.spanContext().traceId;
  });
  after(async () => {
    await Promise.all([jaeger, jaegerV1, tempo, tempoV1, zipkin].map((s) => s.stop()));
  });

  const backends = (): BackendConfig[] => [
    { id: 'jaeger', kind: 'jaeger', uiUrl: 'https://j.example.com', apiUrl: jaeger.queryUrl },
    { id: 'jaeger-v1', kind: 'jaeger', uiUrl: 'https://j1.example.com', apiUrl: jaegerV1.queryUrl },
    { id: 'zipkin', kind: 'zipkin', uiUrl: 'https://z.example.com', apiUrl: zipkin.apiUrl },
    { id: 'grafana', kind: 'grafana', url: 'https://g.example.com', datasources: { tempo: { kind: 'tempo', apiUrl: tempo.apiUrl }, 'tempo-v1': { kind: 'tempo', apiUrl: tempoV1.apiUrl } } },
  ];
  const ref = (backendId: string, scope?: string): TraceRef => ({ url: 'x', backendId, ...(scope === undefined ? {} : { scope }), lookup: { kind: 'trace', traceId }, display: { product: backendId, notFound: '' } });

  for (const [label, backendId, scope, roundsMicros] of [
    ['Jaeger v3 (OTLP JSON, hex ids, int enums)', 'jaeger', undefined, false],
    ['Jaeger v1 (Jaeger JSON, references, tags)', 'jaeger-v1', undefined, false],
    ['Tempo v2 (base64 ids, enum names)', 'grafana', 'tempo', false],
    ['Tempo v1 (batches, instrumentationLibrarySpans)', 'grafana', 'tempo-v1', false],
    ['Zipkin v2 (shared client/server id)', 'zipkin', undefined, true],
  ] as const) {
    it(`${label}: every span as the SDK recorded it`, async () => {
      const source = createTraceSource({ backends: backends(), limits: { maxBytes: 1 << 20, deadlineMs: 5000 } });
      try {
        const fetched = await source.fetchTrace(ref(backendId, scope));
        assert.equal(fetched.kind, 'found');
        const spans = fetched.kind === 'found' ? fetched.trace.spans : [];
        assert.equal(spans.length, recorded.length);
        const byName = (name: string, service: string) => {
          const found = spans.filter((s) => s.name.toLowerCase() === name.toLowerCase() && s.service === service);
          assert.equal(found.length, 1, `one ${service}: ${name} in ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`);
          return found[0]!;
        };
        for (const sdk of recorded) {
          const service = String(sdk.resource.attributes[ATTR_SERVICE_NAME]);
          const span = byName(sdk.name, service);
          // Zipkin's shared server half takes a derived id (the client keeps the real one); every other id is the SDK's.
          const shared = backendId === 'zipkin' && sdk.kind === SpanKind.SERVER && sdk.parentSpanContext !== undefined;
          if (!shared) assert.equal(span.spanId, sdk.spanContext().spanId, `${sdk.name}: id`);
          const parentId = sdk.parentSpanContext?.spanId;
          if (parentId === undefined) assert.equal(span.parentId, undefined, `${sdk.name}: a root`);
          else assert.equal(span.parentId, parentId, `${sdk.name}: parent`);
          assert.equal(span.startUs, micros(sdk.startTime, roundsMicros), `${sdk.name}: start`);
          assert.ok(Math.abs(span.endUs - span.startUs - (micros(sdk.endTime, roundsMicros) - micros(sdk.startTime, roundsMicros))) <= 1, `${sdk.name}: duration`);
          assert.equal(span.isError, sdk.status.code === SpanStatusCode.ERROR, `${sdk.name}: error status`);
          // Zipkin has no INTERNAL kind: a local span comes back without one.
          if (!(backendId === 'zipkin' && sdk.kind === SpanKind.INTERNAL)) assert.equal(span.kind, KIND[sdk.kind], `${sdk.name}: kind`);
        }
        assert.equal(fetched.kind === 'found' && fetched.trace.traceId, traceId);
      } finally {
        await source.close();
      }
    });
  }
});
