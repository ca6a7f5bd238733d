/**
 * The simulators accept what the real OpenTelemetry JS SDK exporters send, and serve it back in
 * each backend's query format: spans recorded with BasicTracerProvider are exported with
 * OTLPTraceExporter (Jaeger, Tempo) and ZipkinExporter (Zipkin), then read back with plain fetch
 * and compared with what the SDK recorded (InMemorySpanExporter).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { startJaegerSimulator } from '../../src/simulators/jaeger/index.js';
import type { JaegerSimulator } from '../../src/simulators/jaeger/index.js';
import { startTempoSimulator } from '../../src/simulators/tempo/index.js';
import type { TempoSimulator } from '../../src/simulators/tempo/index.js';
import { startZipkinSimulator } from '../../src/simulators/zipkin/index.js';
import type { ZipkinSimulator } from '../../src/simulators/zipkin/index.js';
import { attrs, b64ToHex, get, otlpSpans } from './trace-sim-helpers.js';

const TENANT = 'shop';
const OTLP_KIND_NAME = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const ZIPKIN_KIND: Record<number, string | undefined> = {
  [SpanKind.INTERNAL]: undefined,
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};
const JAEGER_KIND: Record<number, string> = { [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer' };

function nanos(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** How @opentelemetry/core's hrTimeToMicroseconds rounds, which the Zipkin exporter applies. */
function zipkinMicros(t: HrTime): number {
  return Math.round(t[0] * 1e6 + t[1] / 1e3);
}

describe('OpenTelemetry SDK → simulators → query APIs', () => {
  let jaeger: JaegerSimulator;
  let tempo: TempoSimulator;
  let zipkin: ZipkinSimulator;
  const memory = new InMemorySpanExporter();
  let recorded: ReadableSpan[] = [];
  let traceId = '';

  before(async () => {
    jaeger = await startJaegerSimulator();
    tempo = await startTempoSimulator({ multitenant: true });
    zipkin = await startZipkinSimulator();

    const providerFor = (service: string): BasicTracerProvider =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service, 'deployment.environment': 'test' }),
        spanProcessors: [
          new SimpleSpanProcessor(new OTLPTraceExporter({ url: jaeger.ingestUrl })),
          new SimpleSpanProcessor(new OTLPTraceExporter({ url: tempo.ingestUrl, headers: { 'X-Scope-OrgID': TENANT } })),
          new SimpleSpanProcessor(new ZipkinExporter({ url: zipkin.ingestUrl })),
          new SimpleSpanProcessor(memory),
        ],
      });
    const frontend = providerFor('frontend');
    const payments = providerFor('payment-service');
    const fe = frontend.getTracer('checkout-instrumentation', '1.2.3');
    const pay = payments.getTracer('payments-instrumentation', '0.9.0');

    // One instrumented request, recorded by hand with sub-microsecond timestamps.
    const root = fe.startSpan('GET /checkout', {
      kind: SpanKind.SERVER,
      startTime: [1_750_000_000, 123_456_789],
      attributes: { 'http.method': 'GET', 'http.route': '/checkout' },
    });
    root.setAttribute('http.status_code', 502);
    const client = fe.startSpan('POST payment-service/charges', { kind: SpanKind.CLIENT, startTime: [1_750_000_000, 130_000_250] }, trace.setSpan(ROOT_CONTEXT, root));
    // The server half runs in another service: its parent arrives over the wire.
    const server = pay.startSpan('POST /charges', { kind: SpanKind.SERVER, startTime: [1_750_000_000, 131_000_000] }, trace.setSpanContext(ROOT_CONTEXT, client.spanContext()));
    const charge = pay.startSpan('charge card', { kind: SpanKind.INTERNAL, startTime: [1_750_000_000, 132_000_000], attributes: { 'payment.amount': 12.5 } }, trace.setSpan(ROOT_CONTEXT, server));
    charge.addEvent('card declined', { 'decline.code': 'insufficient_funds' }, [1_750_000_000, 140_000_000]);
    charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card_declined' });
    charge.end([1_750_000_000, 150_000_999]);
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });
    server.end([1_750_000_000, 160_000_000]);
    client.end([1_750_000_000, 161_500_500]);
    root.end([1_750_000_000, 170_000_000]);

    await Promise.all([frontend.forceFlush(), payments.forceFlush()]);
    // Before shutdown: shutting the in-memory exporter down forgets its spans.
    recorded = [...memory.getFinishedSpans()];
    await Promise.all([frontend.shutdown(), payments.shutdown()]);
    traceId = root.spanContext().traceId;
  });
  after(async () => {
    await Promise.all([jaeger.stop(), tempo.stop(), zipkin.stop()]);
  });

  test('the exporters used the real wire formats', () => {
    assert.equal(recorded.length, 4);
    for (const sim of [jaeger, tempo]) {
      assert.ok(sim.requests.length >= 1);
      for (const r of sim.requests) {
        assert.equal(r.method, 'POST');
        assert.equal(r.path, '/v1/traces');
        assert.match(r.headers['content-type'] ?? '', /^application\/json/);
      }
    }
    for (const r of tempo.requests) assert.equal(r.scopeOrgId, TENANT);
    for (const r of zipkin.requests) assert.equal(r.path, '/api/v2/spans');
  });

  test('Jaeger api/v3 serves the spans back as OTLP', async () => {
    const r = await get(`${jaeger.url}/api/v3/traces/${traceId}`);
    assert.equal(r.status, 200);
    const spans = otlpSpans(r.body.result.resourceSpans);
    assert.equal(spans.length, recorded.length);
    for (const rec of recorded) {
      const got = spans.find((s) => s.span.spanId === rec.spanContext().spanId);
      assert.ok(got, rec.name);
      assert.equal(got.service, rec.resource.attributes[ATTR_SERVICE_NAME]);
      assert.deepEqual(got.scope, { name: rec.instrumentationScope.name, version: rec.instrumentationScope.version });
      assert.equal(got.span.traceId, traceId);
      assert.equal(got.span.name, rec.name);
      assert.equal(got.span.parentSpanId, rec.parentSpanContext?.spanId);
      assert.equal(got.span.kind, rec.kind + 1);
      assert.equal(got.span.startTimeUnixNano, nanos(rec.startTime).toString());
      assert.equal(got.span.endTimeUnixNano, nanos(rec.endTime).toString());
      const status = rec.status.code === SpanStatusCode.ERROR ? { message: rec.status.message, code: 2 } : {};
      assert.deepEqual(got.span.status, status);
      const a = attrs(got.span.attributes);
      for (const [k, v] of Object.entries(rec.attributes)) assert.equal(String(a[k]), String(v), k);
    }
  });

  test('Jaeger v1 API serves the spans back in the UI model (ns → µs)', async () => {
    const r = await get(`${jaeger.url}/api/traces/${traceId}`);
    assert.equal(r.status, 200);
    const t = r.body.data[0];
    assert.equal(t.traceID, traceId);
    assert.equal(t.spans.length, recorded.length);
    for (const rec of recorded) {
      const got = t.spans.find((s: any) => s.spanID === rec.spanContext().spanId);
      assert.ok(got, rec.name);
      assert.equal(got.operationName, rec.name);
      assert.equal(t.processes[got.processID].serviceName, rec.resource.attributes[ATTR_SERVICE_NAME]);
      const parent = rec.parentSpanContext?.spanId;
      assert.deepEqual(got.references, parent === undefined ? [] : [{ refType: 'CHILD_OF', traceID: traceId, spanID: parent }]);
      assert.equal(got.startTime, Number(nanos(rec.startTime) / 1000n));
      assert.equal(got.duration, Number(nanos(rec.duration) / 1000n));
      const tags = Object.fromEntries(got.tags.map((x: any) => [x.key, x.value]));
      assert.equal(tags['span.kind'], JAEGER_KIND[rec.kind]);
      const isError = rec.status.code === SpanStatusCode.ERROR;
      assert.equal(tags['error'], isError ? true : undefined);
      assert.equal(tags['otel.status_code'], isError ? 'ERROR' : undefined);
      assert.equal(tags['otel.status_description'], isError ? rec.status.message : undefined);
      assert.equal(tags['otel.scope.name'], rec.instrumentationScope.name);
      assert.equal(got.logs.length, rec.events.length);
    }
    assert.deepEqual(
      Object.values(t.processes).map((p: any) => p.tags),
      [
        [{ key: 'deployment.environment', type: 'string', value: 'test' }],
        [{ key: 'deployment.environment', type: 'string', value: 'test' }],
      ],
    );
  });

  test('Tempo v2 serves the spans back with base64 ids and enum names, under the tenant only', async () => {
    const r = await get(`${tempo.url}/api/v2/traces/${traceId}`, { 'X-Scope-OrgID': TENANT });
    assert.equal(r.status, 200);
    const spans = otlpSpans(r.body.trace.resourceSpans);
    assert.equal(spans.length, recorded.length);
    for (const rec of recorded) {
      const got = spans.find((s) => b64ToHex(s.span.spanId) === rec.spanContext().spanId);
      assert.ok(got, rec.name);
      assert.equal(got.service, rec.resource.attributes[ATTR_SERVICE_NAME]);
      assert.equal(b64ToHex(got.span.traceId), traceId);
      assert.equal(got.span.name, rec.name);
      assert.equal(got.span.parentSpanId === undefined ? undefined : b64ToHex(got.span.parentSpanId), rec.parentSpanContext?.spanId);
      assert.equal(got.span.kind, OTLP_KIND_NAME[rec.kind + 1]);
      assert.equal(BigInt(got.span.endTimeUnixNano) - BigInt(got.span.startTimeUnixNano), nanos(rec.duration));
      const status = rec.status.code === SpanStatusCode.ERROR ? { message: rec.status.message, code: 'STATUS_CODE_ERROR' } : {};
      assert.deepEqual(got.span.status, status);
    }
    assert.equal((await get(`${tempo.url}/api/v2/traces/${traceId}`, { 'X-Scope-OrgID': 'other' })).status, 404);
    const v1 = await get(`${tempo.url}/api/traces/${traceId}`, { 'X-Scope-OrgID': TENANT });
    assert.equal(otlpSpans(v1.body.batches).length, recorded.length);
  });

  test('Zipkin serves the spans back as v2 JSON (µs, lowercased, error tag)', async () => {
    const r = await get(`${zipkin.url}/api/v2/trace/${traceId}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, recorded.length);
    for (const rec of recorded) {
      const got = r.body.find((s: any) => s.id === rec.spanContext().spanId);
      assert.ok(got, rec.name);
      assert.equal(got.traceId, traceId);
      assert.equal(got.parentId, rec.parentSpanContext?.spanId);
      assert.equal(got.name, rec.name.toLowerCase());
      assert.equal(got.kind, ZIPKIN_KIND[rec.kind]);
      assert.equal(got.timestamp, zipkinMicros(rec.startTime));
      assert.equal(got.duration, zipkinMicros(rec.duration));
      assert.equal(got.localEndpoint.serviceName, String(rec.resource.attributes[ATTR_SERVICE_NAME]));
      const isError = rec.status.code === SpanStatusCode.ERROR;
      assert.equal(got.tags.error, isError ? rec.status.message : undefined);
      for (const [k, v] of Object.entries(rec.attributes)) assert.equal(got.tags[k], String(v), k);
      assert.equal(got.annotations?.length ?? 0, rec.events.length);
    }
    assert.deepEqual((await get(`${zipkin.url}/api/v2/services`)).body, ['frontend', 'payment-service']);
  });
});
