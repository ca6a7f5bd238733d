import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAnalysis } from '../../bench/analysis.js';
import { runE2e } from '../../bench/e2e.js';
import { runFlexpane } from '../../bench/flexpane.js';
import { runHttpIngress } from '../../bench/http-ingress.js';
import { renderTable, type BenchResult } from '../../bench/lib/report.js';
import { runPool } from '../../bench/pool.js';
import { runSocket } from '../../bench/socket.js';

/**
 * Keeps bench/ from rotting: every benchmark runs at a tiny size and must produce well-formed
 * figures. No performance is asserted here (`npm run bench` measures).
 */

/** The value at a dotted path of the figures, which must be a finite number (and > 0 unless zeroOk). */
function figure(result: BenchResult, dotted: string, zeroOk = false): number {
  let value: unknown = result.figures;
  for (const key of dotted.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  assert.equal(typeof value, 'number', `${result.name}: ${dotted} is ${JSON.stringify(value)}`);
  const n = value as number;
  assert.ok(Number.isFinite(n), `${result.name}: ${dotted} is not finite (${n})`);
  assert.ok(zeroOk ? n >= 0 : n > 0, `${result.name}: ${dotted} is ${n}`);
  return n;
}

function wellFormed(result: BenchResult): void {
  assert.ok(result.rows.length > 0, `${result.name} produced no rows`);
  for (const row of result.rows) {
    assert.ok(row.value !== '' && !/NaN|undefined|Infinity/.test(row.value), `${result.name}: "${row.measure}" = "${row.value}"`);
  }
  assert.match(renderTable(result.rows), /^\| benchmark/);
  // The figures file must be writable as JSON.
  assert.doesNotThrow(() => JSON.stringify(result.figures));
}

describe('bench/ smoke runs (tiny sizes, no performance asserts)', { timeout: 180_000 }, () => {
  it('http-ingress: lsslack, Bolt and bare node:http under autocannon, then a fixed rate', async () => {
    const r = await runHttpIngress({ diagnostics: true, durationS: 1, connections: 4, rounds: 1, warmupS: 0, fixedRate: 50, fixedConnections: 2, fixedDurationS: 1 });
    wellFormed(r);
    for (const who of ['lsslack', 'bolt', 'bare']) {
      figure(r, `summary.${who}.reqPerSec`);
      figure(r, `summary.${who}.p50`);
      figure(r, `summary.${who}.p99`);
      figure(r, `summary.${who}.non2xx`, true);
    }
    figure(r, 'ratios.lsslackOverBolt');
    figure(r, 'ratios.lsslackOverBare');
    figure(r, 'fixedRate.latency.p99');
    figure(r, 'fixedRate.latency.max');
    // The pipeline ran: the accepted events were unfurled.
    assert.ok(figure(r, 'pipeline.outcomes.unfurled') >= figure(r, 'pipeline.eventsAccepted'));
  });

  it('socket: lsslack and a bare SocketModeClient, windowed and at a fixed rate', async () => {
    const r = await runSocket({ diagnostics: true, envelopes: 100, window: 16, rate: 100, rateDurationS: 1, serial: 20, warmup: 0 });
    wellFormed(r);
    figure(r, 'windowed.bareBefore.perSecond');
    figure(r, 'windowed.lsslack.perSecond');
    figure(r, 'windowed.bareAfter.perSecond');
    figure(r, 'windowed.lsslackOverBare');
    figure(r, 'fixedRate.bare.ackLatencyMs.p99');
    figure(r, 'fixedRate.lsslack.ackLatencyMs.p99');
    figure(r, 'serial.lsslackOverBare');
  });

  it('analysis: parse, analyse and render per trace size', async () => {
    const r = await runAnalysis({ sizes: [100, 1000], decoderSizes: [200], reps: 2 });
    wellFormed(r);
    const decoders = r.figures.decoders as Array<{ label: string; spans: number }>;
    assert.deepEqual(decoders.map((d) => d.label), ['Jaeger v1 JSON', 'OTLP JSON (Jaeger v3)', 'OTLP JSON (Tempo v2, base64)', 'Zipkin v2']);
    for (let i = 0; i < decoders.length; i++) figure(r, `decoders.${i}.median.core`);
    const sizes = r.figures.sizes as Array<{ spans: number }>;
    assert.deepEqual(sizes.map((s) => s.spans), [100, 1000]);
    for (const i of [0, 1]) {
      for (const step of ['jsonParse', 'decode', 'analyse', 'core', 'total']) figure(r, `sizes.${i}.median.${step}`);
      figure(r, `sizes.${i}.median.render`, true);
    }
  });

  it('pool: throughput against the Little\'s-law bound, then peak RSS with a stalled backend', async () => {
    const r = await runPool({ jobs: 40, latencyMs: 20, concurrency: 8, stalledJobs: 100 });
    wellFormed(r);
    figure(r, 'throughput.overallPerSecond');
    figure(r, 'ratioToBound');
    figure(r, 'memory.peakRssMiB');
    figure(r, 'memory.baselineRssMiB');
  });

  it('e2e: envelope sent → chat.unfurl received', async () => {
    const r = await runE2e({ events: 5, warmup: 1 });
    wellFormed(r);
    figure(r, 'envelopeToUnfurlMs.p50');
    figure(r, 'envelopeToUnfurlMs.p99');
    figure(r, 'envelopeToAckMs.p50');
  });

  it('flexpane: entity_details_requested → entity.presentDetails, cold and warm', async () => {
    const r = await runFlexpane({ requests: 3, latencyMs: 5, spans: 20 });
    wellFormed(r);
    figure(r, 'coldMs.p50');
    figure(r, 'warmMs.p99');
    figure(r, 'previewMs.p50');
  });
});
