/**
 * Benchmark 3, analysis scaling: synthetic traces (generateTrace: realistic fan-out and depth) of
 * 1k … 1M spans, served by the Lightstep simulator as the real JSON:API document, then timed step
 * by step exactly as a worker does it: JSON.parse of the body (utf8 decode included, as undici's
 * body.json() does), decodeStoredTrace, analyseTrace (with the critical path and a `#span-`
 * prefix to resolve), renderUnfurl. Median of several repetitions per size.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { decodeStoredTrace } from '../src/adapters/backends/lightstep/decode-stored-trace.js';
import { createLinkRecognizer } from '../src/adapters/backends/recognise-links.js';
import { analyseTrace } from '../src/domain/analyse-trace.js';
import { renderUnfurl } from '../src/domain/render-unfurl.js';
import type { Trace, TraceRef } from '../src/domain/types.js';
import { decodeJaegerTrace } from '../src/adapters/backends/jaeger/decode-jaeger-trace.js';
import { decodeOtlpTrace, unwrapJaegerV3, unwrapTempoV2 } from '../src/adapters/backends/otlp/decode-otlp-trace.js';
import { decodeZipkinTrace } from '../src/adapters/backends/zipkin/decode-zipkin-trace.js';
import { startJaegerSimulator } from '../src/simulators/jaeger/index.js';
import { startTempoSimulator } from '../src/simulators/tempo/index.js';
import { startZipkinSimulator } from '../src/simulators/zipkin/index.js';
import { generateTrace, startLightstepSimulator } from '../src/simulators/lightstep/index.js';
import type { BenchResult, Row } from './lib/report.js';
import { fmtMs, fmtRatio, median, round, sleep } from './lib/stats.js';

export interface AnalysisOptions {
  readonly sizes: readonly number[];
  /** Sizes the other backends' decoders (Jaeger v1, OTLP from Jaeger v3 and Tempo v2, Zipkin) are timed at. */
  readonly decoderSizes?: readonly number[];
  /** Repetitions per size; default by size (more for small traces). */
  readonly reps?: number;
}

export const ANALYSIS_DEFAULTS: AnalysisOptions = { sizes: [1_000, 10_000, 100_000, 1_000_000], decoderSizes: [10_000, 100_000] };

interface StepTimes {
  jsonParse: number;
  decode: number;
  analyse: number;
  render: number;
  /** decode + analyse + render: the target's "parse + analyse + render" (parse = decodeStoredTrace). */
  core: number;
  /** core + JSON.parse. */
  total: number;
  /** Process CPU time (all threads, GC helpers included) over decode + analyse + render. */
  coreCpu: number;
}

const STEPS = ['jsonParse', 'decode', 'analyse', 'render', 'core', 'total', 'coreCpu'] as const;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A full collection between repetitions, so one repetition's garbage is not billed to the next. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return typeof gc === 'function' ? gc : () => {};
}

const defaultReps = (size: number) => (size <= 10_000 ? 21 : size <= 100_000 ? 9 : 3);

export async function runAnalysis(options: AnalysisOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const gc = collector();
  const lightstep = await startLightstepSimulator({ org: 'bench-org', projects: ['bench'] });
  const perSize: Array<{ spans: number; bodyMiB: number; reps: number; median: StepTimes; runs: StepTimes[]; summary: { spanCount: number; criticalSections: number; blocks: number } }> = [];
  try {
    for (const size of options.sizes) {
      const trace = generateTrace({ spans: size, seed: 20250615 + size });
      // Fetch by a span from the middle; select one near the end by an 8-hex prefix, as Lightstep's links do.
      const seed = trace.spans[Math.floor(size / 2)]!.spanId;
      const selected = trace.spans[size - 1]!.spanId.slice(0, 8);
      lightstep.addTrace('bench', trace);
      // A connection of its own: a pooled one may have idled past the simulator's keep-alive timeout.
      const agent = new Agent();
      const res = await request(`${lightstep.url}/public/v0.2/${lightstep.org}/projects/bench/stored-traces?span-id=${seed}`, { headers: { authorization: `Bearer ${lightstep.apiKey}` }, dispatcher: agent });
      if (res.statusCode !== 200) throw new Error(`simulator answered ${res.statusCode} for ${size} spans`);
      const body = Buffer.from(await res.body.arrayBuffer());
      await agent.close();
      lightstep.removeTrace('bench', trace.traceId);
      const ref: TraceRef | undefined = createLinkRecognizer([{ id: 'lightstep', kind: 'lightstep', appUrls: ['https://app.lightstep.com'], apiUrl: lightstep.url, org: lightstep.org, apiKey: lightstep.apiKey, apiKeyFrom: 'bench' }]).recognise(`https://app.lightstep.com/bench/trace?span_guid=${seed}#span-${selected}`);
      if (ref === undefined) throw new Error('the bench link is not recognised');
      const reps = options.reps ?? defaultReps(size);
      const { median: med, runs, summary: last } = await timeSteps(body, decodeStoredTrace, ref, size, reps, gc);
      perSize.push({ spans: size, bodyMiB: body.length / 2 ** 20, reps, median: med, runs, summary: last });
      log(`  ${String(size).padStart(9)} spans (${(body.length / 2 ** 20).toFixed(1)} MiB): decode + analyse + render ${fmtMs(med.core)} = ${fmtMs(med.decode)} + ${fmtMs(med.analyse)} + ${fmtMs(med.render)} (CPU ${fmtMs(med.coreCpu)}); JSON.parse ${fmtMs(med.jsonParse)} (median of ${reps})`);
    }
  } finally {
    await lightstep.stop();
  }
  const decoders = await timeDecoders(options.decoderSizes ?? ANALYSIS_DEFAULTS.decoderSizes ?? [], options.reps, gc, log);
  const B = '3 Analysis';
  const rows: Row[] = perSize.map((s) => ({
    bench: B,
    measure: `${s.spans.toLocaleString('en-US')} spans: parse (decodeStoredTrace) + analyse + render [JSON.parse of the body]`,
    value: `${fmtMs(s.median.core)} = ${fmtMs(s.median.decode)} + ${fmtMs(s.median.analyse)} + ${fmtMs(s.median.render)} [+ ${fmtMs(s.median.jsonParse)}]`,
    ...(s.spans === 100_000 ? { target: '< 150 ms', met: s.median.core < 150 } : {}),
  }));
  const at = (n: number) => perSize.find((s) => s.spans === n)?.median;
  const m10k = at(10_000);
  const m100k = at(100_000);
  let ratio: number | undefined;
  let ratioWithJson: number | undefined;
  if (m10k !== undefined && m100k !== undefined) {
    ratio = m100k.core / m10k.core;
    ratioWithJson = m100k.total / m10k.total;
    rows.push({ bench: B, measure: '10k → 100k spans: time ratio [with JSON.parse]', value: `${fmtRatio(ratio)} [${fmtRatio(ratioWithJson)}]`, target: '≤ 12', met: ratio <= 12 });
  }
  for (const d of decoders) {
    rows.push({
      bench: B,
      measure: `${d.label}, ${d.spans.toLocaleString('en-US')} spans: decode + analyse + render [JSON.parse]`,
      value: `${fmtMs(d.median.core)} = ${fmtMs(d.median.decode)} + ${fmtMs(d.median.analyse)} + ${fmtMs(d.median.render)} [+ ${fmtMs(d.median.jsonParse)}]`,
      ...(d.spans === 100_000 ? { target: '< 150 ms', met: d.median.core < 150 } : {}),
    });
  }
  for (const label of [...new Set(decoders.map((d) => d.label))]) {
    const small = decoders.find((d) => d.label === label && d.spans === 10_000);
    const big = decoders.find((d) => d.label === label && d.spans === 100_000);
    if (small !== undefined && big !== undefined) {
      const r = big.median.core / small.median.core;
      rows.push({ bench: B, measure: `${label}: 10k → 100k spans time ratio`, value: fmtRatio(r), target: '≤ 12', met: r <= 12 });
    }
  }
  return {
    name: 'analysis',
    rows,
    figures: {
      options,
      sizes: perSize.map((s) => ({ ...s, bodyMiB: round(s.bodyMiB, 1), median: roundTimes(s.median), runs: s.runs.map(roundTimes) })),
      ...(ratio === undefined || ratioWithJson === undefined ? {} : { ratio10kTo100k: round(ratio, 2), ratio10kTo100kWithJsonParse: round(ratioWithJson, 2) }),
      decoders: decoders.map((d) => ({ label: d.label, spans: d.spans, bodyMiB: round(d.bodyMiB, 1), median: roundTimes(d.median) })),
    },
    notes: [
      '"parse" is decodeStoredTrace (JSON:API document → Trace); JSON.parse of the body (utf8 decode included, as undici\'s body.json() does it) is reported separately in brackets and not counted in the target.',
      'Wall-clock medians; a full GC runs before each repetition. The bytes are what the Lightstep simulator serves for a generateTrace trace.',
      process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))
        ? `Timed with ${process.execArgv.find((a) => a.startsWith('--max-semi-space-size'))}: the young generation lsslack gives the preview workers that run this (adapters/preview-workers).`
        : "Timed with V8's default young generation (this run was in-process; lsslack's preview workers get a larger one).",
    ],
  };
}

const roundTimes = (t: StepTimes): StepTimes => Object.fromEntries(STEPS.map((k) => [k, round(t[k], 3)])) as unknown as StepTimes;

/** Decode → analyse → render of one body, timed per step: the median of `reps` after an untimed pass. */
async function timeSteps(body: Buffer, decode: (json: unknown) => Trace, ref: TraceRef, size: number, reps: number, gc: () => void): Promise<{ median: StepTimes; runs: StepTimes[]; summary: { spanCount: number; criticalSections: number; blocks: number } }> {
  const runs: StepTimes[] = [];
  let last = { spanCount: 0, criticalSections: 0, blocks: 0 };
  // One untimed pass first: the JIT has seen the code before the clock starts.
  for (let rep = 0; rep <= reps; rep++) {
    gc();
    // Let the collector's concurrent sweeping finish, so this repetition does not pay for it.
    await sleep(size >= 1_000_000 ? 500 : 50);
    const t0 = performance.now();
    const json: unknown = JSON.parse(body.toString('utf8'));
    const t1 = performance.now();
    const c1 = cpuMs();
    const decoded = decode(json);
    const t2 = performance.now();
    const summary = analyseTrace(decoded, { selectedSpanPrefix: ref.selectedSpanPrefix });
    const t3 = performance.now();
    const content = renderUnfurl(summary, ref);
    const t4 = performance.now();
    const c4 = cpuMs();
    if (summary.spanCount !== size || (ref.selectedSpanPrefix !== undefined && summary.selectedStatus !== 'found')) throw new Error(`unexpected analysis of ${size} spans: ${summary.spanCount} spans, selected ${summary.selectedStatus}`);
    last = { spanCount: summary.spanCount, criticalSections: summary.criticalPath.length, blocks: content.blocks.length };
    if (rep > 0) runs.push({ jsonParse: t1 - t0, decode: t2 - t1, analyse: t3 - t2, render: t4 - t3, core: t4 - t1, total: t4 - t0, coreCpu: c4 - c1 });
  }
  const med = Object.fromEntries(STEPS.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as StepTimes;
  return { median: med, runs, summary: last };
}

interface DecoderTiming {
  readonly label: string;
  readonly spans: number;
  readonly bodyMiB: number;
  readonly median: StepTimes;
}

/**
 * The other backends' decoders, on the bodies their simulators serve for the same kind of
 * generated trace: Jaeger v1 JSON, OTLP JSON as Jaeger v3 writes it (hex ids, int enums) and as
 * Tempo v2 does (base64 ids, enum names), and Zipkin v2.
 */
async function timeDecoders(sizes: readonly number[], repsOption: number | undefined, gc: () => void, log: (line: string) => void): Promise<DecoderTiming[]> {
  if (sizes.length === 0) return [];
  const [jaeger, tempo, zipkin] = await Promise.all([startJaegerSimulator(), startTempoSimulator(), startZipkinSimulator()]);
  const out: DecoderTiming[] = [];
  try {
    for (const size of sizes) {
      const trace = generateTrace({ spans: size, seed: 20251202 + size });
      const traceId = trace.traceId.padStart(32, '0');
      const selected = trace.spans[size - 1]!.spanId;
      for (const sim of [jaeger, tempo, zipkin]) sim.addTrace(trace);
      const kinds: Array<[string, string, (json: unknown) => Trace]> = [
        ['Jaeger v1 JSON', `${jaeger.queryUrl}/api/traces/${traceId}`, decodeJaegerTrace],
        ['OTLP JSON (Jaeger v3)', `${jaeger.queryUrl}/api/v3/traces/${traceId}`, (json) => decodeOtlpTrace(unwrapJaegerV3(json))],
        ['OTLP JSON (Tempo v2, base64)', `${tempo.apiUrl}/api/v2/traces/${traceId}`, (json) => decodeOtlpTrace(unwrapTempoV2(json).trace)],
        ['Zipkin v2', `${zipkin.apiUrl}/api/v2/trace/${traceId}`, decodeZipkinTrace],
      ];
      const ref: TraceRef = { url: 'https://x.example.com', backendId: 'bench', lookup: { kind: 'trace', traceId }, selectedSpanPrefix: selected, display: { product: 'Bench', notFound: '' } };
      for (const [label, url, decode] of kinds) {
        const agent = new Agent();
        const res = await request(url, { dispatcher: agent });
        if (res.statusCode !== 200) throw new Error(`${label}: the simulator answered ${res.statusCode} for ${size} spans`);
        const body = Buffer.from(await res.body.arrayBuffer());
        await agent.close();
        const reps = repsOption ?? defaultReps(size);
        const { median: med } = await timeSteps(body, decode, ref, size, reps, gc);
        out.push({ label, spans: size, bodyMiB: body.length / 2 ** 20, median: med });
        log(`  ${label.padEnd(30)} ${String(size).padStart(7)} spans (${(body.length / 2 ** 20).toFixed(1)} MiB): ${fmtMs(med.core)} = ${fmtMs(med.decode)} + ${fmtMs(med.analyse)} + ${fmtMs(med.render)}; JSON.parse ${fmtMs(med.jsonParse)}`);
      }
      for (const sim of [jaeger, tempo, zipkin]) sim.removeTrace(trace.traceId);
    }
  } finally {
    await Promise.all([jaeger.stop(), tempo.stop(), zipkin.stop()]);
  }
  return out;
}
