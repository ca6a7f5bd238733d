/**
 * Benchmark 1, HTTP ingress: autocannon against (a) lsslack in HTTP mode with the whole pipeline
 * running against the simulators (every accepted event is journalled, fsync'd, then unfurled),
 * (b) a @slack/bolt 5 App with its HTTPReceiver, (c) a bare node:http server. Runs are
 * interleaved (a, b, c, a, b, c, …) and each contender is reported by its median run.
 * Then lsslack alone at a fixed 1,000 req/s over 10 connections, with raw per-request percentiles.
 */
import { processCpuSeconds } from './lib/machine.js';
import { request, startProc, type Proc } from './lib/proc.js';
import type { BenchResult, Row } from './lib/report.js';
import { startDaemonChild, startSimulators, type DaemonChild } from './lib/stack.js';
import { fmtInt, fmtMs, fmtRatio, median, percentiles, round, type Percentiles } from './lib/stats.js';
import type { LoadResult } from './procs/load.js';

export interface HttpIngressOptions {
  /** Also measure lsslack with its backend stalled (ack path only), after everything else. */
  readonly diagnostics?: boolean;
  readonly durationS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly warmupS: number;
  readonly fixedRate: number;
  readonly fixedConnections: number;
  readonly fixedDurationS: number;
}

export const HTTP_DEFAULTS: HttpIngressOptions = { diagnostics: true, durationS: 10, connections: 50, rounds: 3, warmupS: 3, fixedRate: 1000, fixedConnections: 10, fixedDurationS: 10 };

/** Previews/s this harness measured when #15 was filed (its text: ~54k events in 8 s, unfurled over more than 30 s). */
const FILED_PREVIEWS_PER_SEC = 1500;

const SIGNING_SECRET = 'bench-signing-secret-7f3a91c2e4b5d6a8';

interface Contender {
  readonly name: 'lsslack' | 'bolt' | 'bare';
  readonly url: string;
  readonly pid: number;
}

interface RunFigures {
  readonly round: number;
  readonly reqPerSec: number;
  readonly responses: number;
  readonly status2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latency: Percentiles;
  readonly autocannon: LoadResult['autocannon'];
  /** CPU the server process used during the run, per answered request, µs (lsslack: including the jobs it ran meanwhile). */
  readonly serverCpuUsPerReq: number;
  /** CPU the load generator used per answered request, µs. */
  readonly loadCpuUsPerReq: number;
  /** CPU the bench process (the simulators) used per answered request, µs. */
  readonly simulatorCpuUsPerReq: number;
  /** lsslack only: how long the worker pool took to finish the run's jobs after the run. */
  readonly drainS?: number;
  /** lsslack only: CPU the daemon used for that, per request of the run, µs. */
  readonly drainCpuUsPerReq?: number;
  /** lsslack only: the run's accepted events ÷ (the run + the drain after it): the rate previews were made at. */
  readonly previewsPerSec?: number;
}

export async function runHttpIngress(options: HttpIngressOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const sims = await startSimulators();
  const procs: Array<Proc<{ type: 'ready'; url?: string }>> = [];
  let daemon: DaemonChild | undefined;
  try {
    daemon = await startDaemonChild(sims, { mode: 'http', signingSecret: SIGNING_SECRET });
    const bolt = await startProc<{ type: 'ready'; url: string }>('procs/bolt-http.ts', {
      BENCH_SIGNING_SECRET: SIGNING_SECRET,
      BENCH_BOT_TOKEN: sims.slack.botToken,
      BENCH_SLACK_API_URL: sims.slack.apiUrl,
    });
    procs.push(bolt);
    const bare = await startProc<{ type: 'ready'; url: string }>('procs/bare-http.ts');
    procs.push(bare);
    const load = await startProc('procs/load.ts');
    procs.push(load);
    const contenders: Contender[] = [
      { name: 'lsslack', url: daemon.eventsUrl, pid: daemon.pid },
      { name: 'bolt', url: bolt.ready.url, pid: bolt.pid },
      { name: 'bare', url: bare.ready.url, pid: bare.pid },
    ];
    let nextId = 1;
    const lsslack = daemon;
    const acceptedBefore = (await lsslack.status()).counters.events_acked;

    const once = async (c: Contender, durationS: number, connections: number, round: number, extra: { overallRate?: number; noDrain?: boolean } = {}) => {
      const cpu0 = { server: processCpuSeconds(c.pid), load: processCpuSeconds(load.pid), sims: process.cpuUsage() };
      const result = await request<LoadResult>(
        load.child,
        { type: 'run', id: nextId++, url: c.url, connections, durationS, overallRate: extra.overallRate, signingSecret: SIGNING_SECRET, collectLatencies: true },
        (durationS + 60) * 1000,
      );
      const simsCpu = process.cpuUsage(cpu0.sims);
      const serverCpuS = processCpuSeconds(c.pid) - cpu0.server;
      const loadCpuS = processCpuSeconds(load.pid) - cpu0.load;
      const perReq = (seconds: number) => (result.responses === 0 ? Number.NaN : (seconds * 1e6) / result.responses);
      let drainS: number | undefined;
      let drainCpuUsPerReq: number | undefined;
      if (c.name === 'lsslack' && !extra.noDrain) {
        const t = performance.now();
        await lsslack.drained(600_000);
        drainS = (performance.now() - t) / 1000;
        drainCpuUsPerReq = perReq(processCpuSeconds(c.pid) - cpu0.server - serverCpuS);
      }
      const figures: RunFigures = {
        round,
        reqPerSec: result.responses / result.durationS,
        responses: result.responses,
        status2xx: result.status2xx,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        latency: percentiles(result.latencies ?? new Float64Array()),
        autocannon: result.autocannon,
        serverCpuUsPerReq: perReq(serverCpuS),
        loadCpuUsPerReq: perReq(loadCpuS),
        simulatorCpuUsPerReq: perReq((simsCpu.user + simsCpu.system) / 1e6),
        ...(drainS === undefined ? {} : { drainS, drainCpuUsPerReq, previewsPerSec: result.status2xx / (result.durationS + drainS) }),
      };
      log(`  ${c.name.padEnd(7)} round ${round}: ${fmtInt(figures.reqPerSec)} req/s, p50 ${fmtMs(figures.latency.p50)}, p99 ${fmtMs(figures.latency.p99)}, non-2xx ${figures.non2xx}, errors ${figures.errors}${drainS === undefined ? '' : `, pool drained in ${drainS.toFixed(1)} s (${fmtInt(figures.previewsPerSec ?? Number.NaN)} previews/s)`}`);
      return figures;
    };

    if (options.warmupS > 0) {
      log(`http-ingress: warm-up ${options.warmupS} s each`);
      for (const c of contenders) await once(c, options.warmupS, options.connections, 0);
    }
    log(`http-ingress: ${options.rounds} interleaved rounds of ${options.durationS} s, ${options.connections} connections`);
    const runs: Record<Contender['name'], RunFigures[]> = { lsslack: [], bolt: [], bare: [] };
    for (let round = 1; round <= options.rounds; round++) {
      for (const c of contenders) runs[c.name].push(await once(c, options.durationS, options.connections, round));
    }
    log(`http-ingress: lsslack at a fixed ${options.fixedRate} req/s over ${options.fixedConnections} connections, ${options.fixedDurationS} s`);
    const fixed = await once(contenders[0]!, options.fixedDurationS, options.fixedConnections, 0, { overallRate: options.fixedRate });

    // The pipeline really ran: every accepted event of the run became an unfurl (or a recorded outcome).
    const status = await lsslack.status();
    const accepted = status.counters.events_acked - acceptedBefore;
    const pipeline = { eventsAccepted: accepted, outcomes: status.outcomes, failedByCode: status.failedByCode, unfurlsAtSimulator: sims.slack.unfurls().length, journalRecordedBeforeAck: true };

    // Diagnostic, not a target measure: the same load with the Lightstep simulator stalled, so the
    // worker pool holds its 8 jobs and runs nothing: what the ack path alone (verify, parse,
    // journal + fdatasync, 200) costs. The daemon is stopped right after (its backlog is dropped).
    let ackPathOnly: RunFigures | undefined;
    if (options.diagnostics) {
      log('http-ingress: diagnostic, lsslack with the backend stalled (ack path only)');
      sims.lightstep.stall(true);
      ackPathOnly = await once(contenders[0]!, options.durationS, options.connections, 0, { noDrain: true });
      sims.lightstep.stall(false);
    }

    const summary = (name: Contender['name']) => {
      const list = runs[name];
      return {
        reqPerSec: median(list.map((r) => r.reqPerSec)),
        p50: median(list.map((r) => r.latency.p50)),
        p99: median(list.map((r) => r.latency.p99)),
        non2xx: list.reduce((n, r) => n + r.non2xx, 0),
        errors: list.reduce((n, r) => n + r.errors, 0),
        serverCpuUsPerReq: median(list.map((r) => r.serverCpuUsPerReq)),
        simulatorCpuUsPerReq: median(list.map((r) => r.simulatorCpuUsPerReq)),
        loadCpuUsPerReq: median(list.map((r) => r.loadCpuUsPerReq)),
      };
    };
    const s = { lsslack: summary('lsslack'), bolt: summary('bolt'), bare: summary('bare') };
    const previewsPerSec = median(runs.lsslack.map((r) => r.previewsPerSec ?? Number.NaN));
    const vsBolt = s.lsslack.reqPerSec / s.bolt.reqPerSec;
    const vsBare = s.lsslack.reqPerSec / s.bare.reqPerSec;
    const B = '1 HTTP ingress';
    const rows: Row[] = [];
    for (const name of ['lsslack', 'bolt', 'bare'] as const) {
      const x = s[name];
      const label = name === 'lsslack' ? 'lsslack (full pipeline)' : name === 'bolt' ? 'Bolt 5.1 HTTPReceiver' : 'bare node:http';
      rows.push({ bench: B, measure: `${label}: req/s · p50 / p99 · non-2xx / errors`, value: `${fmtInt(x.reqPerSec)} · ${fmtMs(x.p50)} / ${fmtMs(x.p99)} · ${x.non2xx} / ${x.errors}` });
    }
    rows.push({ bench: B, measure: 'lsslack / Bolt (req/s)', value: fmtRatio(vsBolt), target: '≥ 2×', met: vsBolt >= 2 });
    rows.push({ bench: B, measure: 'lsslack / bare (req/s)', value: fmtRatio(vsBare), target: '≥ 0.7×', met: vsBare >= 0.7 });
    rows.push({
      bench: B,
      measure: `lsslack @ ${fmtInt(options.fixedRate)} req/s, ${options.fixedConnections} conns: p50 / p99 / max`,
      value: `${fmtMs(fixed.latency.p50)} / ${fmtMs(fixed.latency.p99)} / ${fmtMs(fixed.latency.max)} (${fmtInt(fixed.reqPerSec)} req/s achieved)`,
      target: 'p99 < 10 ms',
      met: fixed.latency.p99 < 10,
    });
    // #15's drain target is against the rate when it was filed, in this harness on the same 2-core
    // kind of machine: ~54k events accepted in 8 s, unfurled more than 30 s later (~1,500/s). It
    // has no same-run peer (that code is gone), so the figure is printed beside it, not hidden.
    rows.push({
      bench: B,
      measure: `preview drain, 0 ms backend: the round's accepted events ÷ (the round + the drain after it), previews/s`,
      value: `${fmtInt(previewsPerSec)} (${fmtRatio(previewsPerSec / FILED_PREVIEWS_PER_SEC)} the ~${fmtInt(FILED_PREVIEWS_PER_SEC)}/s when #15 was filed)`,
      target: `≥ ${fmtInt(2 * FILED_PREVIEWS_PER_SEC)}/s (2×)`,
      met: previewsPerSec >= 2 * FILED_PREVIEWS_PER_SEC,
    });
    if (ackPathOnly !== undefined) {
      rows.push({
        bench: B,
        measure: 'diagnostic: lsslack with the backend stalled (ack path only): req/s · p50 / p99 · vs bare',
        value: `${fmtInt(ackPathOnly.reqPerSec)} · ${fmtMs(ackPathOnly.latency.p50)} / ${fmtMs(ackPathOnly.latency.p99)} · ${fmtRatio(ackPathOnly.reqPerSec / s.bare.reqPerSec)}`,
      });
    }
    return {
      name: 'http-ingress',
      rows,
      figures: {
        options,
        summary: roundDeep(s),
        ratios: { lsslackOverBolt: round(vsBolt, 3), lsslackOverBare: round(vsBare, 3), previewsOverFiled: round(previewsPerSec / FILED_PREVIEWS_PER_SEC, 3) },
        previewsPerSec: round(previewsPerSec, 1),
        runs: roundDeep(runs),
        fixedRate: roundDeep(fixed),
        ...(ackPathOnly === undefined ? {} : { diagnosticAckPathOnly: roundDeep(ackPathOnly) }),
        pipeline,
      },
      notes: [
        'Each server runs in its own process; autocannon runs in another; the Slack and Lightstep simulators run in the bench process. All share the same cores.',
        'Latencies are per request from autocannon\'s client (hrtime), percentiles computed from every sample.',
        `lsslack's pipeline: ${accepted} events accepted, outcomes ${JSON.stringify(status.outcomes)}.`,
        `CPU per request during the runs (µs): lsslack ${fmtInt(s.lsslack.serverCpuUsPerReq)} (+ ${fmtInt(median(runs.lsslack.map((r) => r.drainCpuUsPerReq ?? Number.NaN)))} finishing the backlog afterwards), Bolt ${fmtInt(s.bolt.serverCpuUsPerReq)}, bare ${fmtInt(s.bare.serverCpuUsPerReq)}; simulators ${fmtInt(s.lsslack.simulatorCpuUsPerReq)} during lsslack's runs; autocannon ${fmtInt(s.bare.loadCpuUsPerReq)}.`,
      ],
    };
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await daemon?.stop();
    await sims.stop();
  }
}

/** Rounds every number in a JSON-able value to 3 decimals. */
export function roundDeep<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? round(v, 3) : v))) as T;
}
