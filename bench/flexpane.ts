/**
 * Benchmark 7, the Work Object flexpane: `entity_details_requested` sent by the Slack simulator →
 * `entity.presentDetails` received, one viewer at a time, with a cold cache (every request a trace
 * not analysed yet: fetch + analyse) and a warm one (the same trace again: the analysis cache).
 * The peer, in the same run against the same backend: a preview of a fresh trace (envelope →
 * chat.unfurl), which fetches and analyses too.
 */
import { generateTrace } from '../src/simulators/lightstep/index.js';
import type { BenchResult, Row } from './lib/report.js';
import { BENCH_PROJECT, BENCH_TEAM, BENCH_USER, idSource, linkSharedBody } from './lib/slack-events.js';
import { startDaemonChild, startSimulators, type DaemonChild } from './lib/stack.js';
import { fmtMs, fmtRatio, percentiles } from './lib/stats.js';
import { roundDeep } from './http-ingress.js';

export interface FlexpaneOptions {
  /** Requests per series (cold, warm, and previews of fresh traces). */
  readonly requests: number;
  /** Lightstep simulator latency per request, ms (a backend is never 0 ms away). */
  readonly latencyMs: number;
  /** Spans per generated trace. */
  readonly spans: number;
}

export const FLEXPANE_DEFAULTS: FlexpaneOptions = { requests: 200, latencyMs: 20, spans: 200 };

export async function runFlexpane(options: FlexpaneOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const sims = await startSimulators({ lightstepLatencyMs: options.latencyMs });
  const { slack, lightstep } = sims;
  let daemon: DaemonChild | undefined;
  try {
    daemon = await startDaemonChild(sims, { mode: 'socket', env: { LSSLACK_PREVIEW: 'work-object' } });
    // Fresh traces for the cold flexpanes and for the previews (the peer), one per request.
    const traces = Array.from({ length: 2 * options.requests + 1 }, (_, i) => generateTrace({ spans: options.spans, seed: 9_000 + i }));
    for (const t of traces) lightstep.addTrace(BENCH_PROJECT, t);
    const urlOf = (i: number) => `https://app.lightstep.com/${BENCH_PROJECT}/trace?span_guid=${traces[i]!.spans[0]!.spanId}`;
    const presented = () => slack.calls.filter((c) => c.method === 'entity.presentDetails' && c.ok).length;

    /** One viewer opens the card of trace i: event sent → entity.presentDetails received, ms. */
    const open = async (i: number): Promise<number> => {
      const n = presented();
      const request = slack.detailsRequest({ teamId: BENCH_TEAM, user: BENCH_USER, url: urlOf(i), externalRef: { id: `lightstep:bench-${i}`, type: 'trace' }, channel: 'C0BENCH' });
      const answered = slack.waitForCalls('entity.presentDetails', n + 1, 10_000);
      const t0 = performance.now();
      await slack.sendEvent(request.body);
      await answered;
      const answer = slack.flexpaneAnswers().find((a) => a.triggerId === request.triggerId);
      if (answer?.kind !== 'details') throw new Error(`flexpane ${i} was answered ${answer?.kind ?? 'not at all'}`);
      return performance.now() - t0;
    };
    const ids = idSource('F');
    /** The peer: a preview of fresh trace i, envelope → chat.unfurl received, ms. */
    const preview = async (i: number): Promise<number> => {
      const n = slack.unfurls().length;
      const unfurled = slack.waitForCalls('chat.unfurl', slack.calls.filter((c) => c.method === 'chat.unfurl').length + 1, 10_000);
      const t0 = performance.now();
      await slack.sendEvent(linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ids.messageTs(), url: urlOf(i) }));
      await unfurled;
      if (slack.unfurls().length <= n) throw new Error(`preview ${i} was refused`);
      return performance.now() - t0;
    };

    // Warm-up: the daemon's and the worker's code paths, on traces not measured.
    await open(2 * options.requests);
    const cold: number[] = [];
    const warm: number[] = [];
    const previews: number[] = [];
    // Interleaved, so a slow stretch of the machine hits every series alike.
    for (let i = 0; i < options.requests; i++) {
      cold.push(await open(i));
      warm.push(await open(i));
      previews.push(await preview(options.requests + i));
    }
    const c = percentiles(cold);
    const w = percentiles(warm);
    const p = percentiles(previews);
    log(`  flexpane cold p50 ${fmtMs(c.p50)} p99 ${fmtMs(c.p99)}; warm p50 ${fmtMs(w.p50)} p99 ${fmtMs(w.p99)}; preview (peer) p50 ${fmtMs(p.p50)} p99 ${fmtMs(p.p99)}`);
    const B = '7 Flexpane';
    const rows: Row[] = [
      { bench: B, measure: `entity_details_requested → entity.presentDetails, cold cache (fetch + analyse, ${options.spans} spans, backend ${options.latencyMs} ms): p50 / p99`, value: `${fmtMs(c.p50)} / ${fmtMs(c.p99)}` },
      { bench: B, measure: 'the same, warm cache (the trace analysed for an earlier viewer): p50 / p99', value: `${fmtMs(w.p50)} / ${fmtMs(w.p99)}` },
      { bench: B, measure: 'peer: envelope → chat.unfurl preview of a fresh trace, same backend: p50 / p99', value: `${fmtMs(p.p50)} / ${fmtMs(p.p99)}` },
      { bench: B, measure: 'cold flexpane p50 ÷ preview p50 · warm ÷ cold p50', value: `${fmtRatio(c.p50 / p.p50)} · ${fmtRatio(w.p50 / c.p50)}`, target: 'cold ≤ 1.2× a preview; warm < cold', met: c.p50 <= 1.2 * p.p50 && w.p50 < c.p50 },
    ];
    return {
      name: 'flexpane',
      rows,
      figures: roundDeep({ options, coldMs: c, warmMs: w, previewMs: p }),
      notes: ['Socket Mode; lsslack runs as `lsslack start` (LSSLACK_PREVIEW=work-object) in a child process, the simulators in the bench process; one viewer at a time, cold/warm/preview interleaved.'],
    };
  } finally {
    await daemon?.stop();
    await sims.stop();
  }
}
