/**
 * Benchmark 4, worker pool. (a) `jobs` unfurls with the Lightstep simulator adding `latencyMs` to
 * every request and LSSLACK_CONCURRENCY=`concurrency`: unfurls/s against Little's law's bound
 * (concurrency / latency). (b) A fresh daemon, the backend stalled, `stalledJobs` jobs queued:
 * the daemon's peak RSS (VmHWM of the child process running `lsslack start`).
 */
import { sendWindowed } from './lib/envelopes.js';
import { childPids, processCpuSeconds } from './lib/machine.js';
import type { BenchResult, Row } from './lib/report.js';
import { startDaemonChild, startSimulators, startSplitSimulators, type DaemonChild, type Simulators } from './lib/stack.js';
import type { RecordedCall } from '../src/simulators/slack/index.js';
import { fmtInt, round, sleep, waitUntil } from './lib/stats.js';
import { roundDeep } from './http-ingress.js';

export interface PoolOptions {
  readonly jobs: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly stalledJobs: number;
}

export const POOL_DEFAULTS: PoolOptions = { jobs: 5000, latencyMs: 50, concurrency: 32, stalledJobs: 10_000 };

/** A successful chat.unfurl carrying a preview (not an auth prompt). */
const isPreview = (c: RecordedCall) => c.method === 'chat.unfurl' && c.ok && c.args.user_auth_required !== true;
const previews = (sims: { slack: Simulators['slack'] }) => sims.slack.calls.filter(isPreview);

export async function runPool(options: PoolOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const bound = options.concurrency / (options.latencyMs / 1000);
  const throughput = await measureThroughput(options, log);
  const memory = await measureStalledMemory(options, log);
  const ratio = throughput.overallPerSecond / bound;
  const B = '4 Worker pool';
  const rows: Row[] = [
    {
      bench: B,
      measure: `${fmtInt(options.jobs)} unfurls, +${options.latencyMs} ms backend, concurrency ${options.concurrency}: unfurls/s (bound ${fmtInt(bound)})`,
      value: `${fmtInt(throughput.overallPerSecond)} = ${ratio.toFixed(2)} of bound (steady ${fmtInt(throughput.steadyPerSecond)})`,
      target: '≥ 0.8 of bound',
      met: ratio >= 0.8,
    },
    {
      bench: B,
      measure: `backend stalled, ${fmtInt(options.stalledJobs)} jobs queued: daemon peak RSS (child process)`,
      value: `${memory.peakRssMiB.toFixed(0)} MiB (idle ${memory.baselineRssMiB.toFixed(0)} MiB, ${fmtInt(memory.queuedAtPeak)} waiting); then ${fmtInt(memory.unfurledAfter)} previews for ${fmtInt(memory.distinctMessagesUnfurled)} messages of ${fmtInt(memory.acked)} acked`,
      target: '< 200 MB',
      // Met only if every acked event was unfurled, each exactly once, afterwards.
      met: memory.peakRssMiB * 1.048576 < 200 && memory.unfurledAfter === memory.acked && memory.distinctMessagesUnfurled === memory.acked,
    },
  ];
  return {
    name: 'pool',
    rows,
    figures: roundDeep({ options, littlesLawBound: bound, throughput, ratioToBound: round(ratio, 3), memory }),
    notes: [
      'Unfurls/s counts from the first envelope sent to the last chat.unfurl received at the simulator ("steady": first to last chat.unfurl); envelopes are sent with a window of 64, so intake is never the limit.',
      'Peak RSS is VmHWM of the `lsslack start` child process (/proc/PID/status), MiB.',
    ],
  };
}

async function measureThroughput(options: PoolOptions, log: (line: string) => void) {
  // Lightstep in its own process (as it is another machine in production): the bench process
  // also sends the envelopes and serves every chat.unfurl, and a backend served from the same
  // event loop added its delays to every job's 50 ms.
  const sims = await startSplitSimulators({ lightstepLatencyMs: options.latencyMs });
  let daemon: DaemonChild | undefined;
  try {
    daemon = await startDaemonChild(sims, { mode: 'socket', concurrency: options.concurrency });
    const before = previews(sims).length;
    const okBefore = sims.slack.calls.filter((c) => c.method === 'chat.unfurl' && c.ok).length;
    const startWall = Date.now();
    const cpu0 = processCpuSeconds(daemon.pid);
    const kids = childPids(daemon.pid);
    const kidsCpu0 = kids.map(processCpuSeconds);
    const sims0 = process.cpuUsage();
    const t0 = performance.now();
    const intake = await sendWindowed(sims.slack, options.jobs, 64);
    const intakeS = (performance.now() - t0) / 1000;
    // From here on every successful chat.unfurl is one of these previews.
    await sims.slack.waitForCalls('chat.unfurl', okBefore + options.jobs, 600_000);
    const posted = previews(sims).slice(before);
    const first = posted[0]!.at;
    const last = posted[posted.length - 1]!.at;
    const overallS = (last - startWall) / 1000;
    const daemonCpuS = processCpuSeconds(daemon.pid) - cpu0;
    const previewCpuS = kids.reduce((sum, pid, i) => sum + processCpuSeconds(pid) - kidsCpu0[i]!, 0);
    const simsCpu = process.cpuUsage(sims0);
    const status = await daemon.status();
    const result = {
      unfurls: posted.length,
      intakeS,
      intakeAcked: intake.acked,
      overallS,
      overallPerSecond: posted.length / overallS,
      steadyPerSecond: (posted.length - 1) / ((last - first) / 1000),
      lightstepRequests: await sims.lightstep.storedTraceRequestCount(),
      /** Daemon process CPU per unfurl (µs) and as a share of one core over the run. */
      daemonCpuUsPerUnfurl: (daemonCpuS * 1e6) / posted.length,
      daemonCpuCores: daemonCpuS / overallS,
      /** The preview worker processes' CPU per unfurl (µs) and cores (fetch, decode, analyse, render, post). */
      previewCpuUsPerUnfurl: (previewCpuS * 1e6) / posted.length,
      previewCpuCores: previewCpuS / overallS,
      simulatorCpuUsPerUnfurl: ((simsCpu.user + simsCpu.system) / posted.length),
      failedByCode: status.failedByCode,
      jobLatencyMs: status.latencyMs,
    };
    log(`  ${posted.length} unfurls in ${overallS.toFixed(2)} s = ${fmtInt(result.overallPerSecond)}/s (steady ${fmtInt(result.steadyPerSecond)}/s); intake ${intakeS.toFixed(2)} s; daemon CPU ${fmtInt(result.daemonCpuUsPerUnfurl)} µs per unfurl (${result.daemonCpuCores.toFixed(2)} cores), preview workers ${fmtInt(result.previewCpuUsPerUnfurl)} µs (${result.previewCpuCores.toFixed(2)} cores)`);
    return result;
  } finally {
    await daemon?.stop();
    await sims.stop();
  }
}

/** Every preview the simulator records from now on (polled faster than its call log is trimmed). */
function collectPreviews(slack: Simulators['slack']): { count(): number; stop(): RecordedCall[] } {
  const seen: RecordedCall[] = [];
  let last: RecordedCall | undefined = slack.calls[slack.calls.length - 1];
  const poll = () => {
    const from = last === undefined ? 0 : slack.calls.lastIndexOf(last) + 1;
    for (let i = from; i < slack.calls.length; i++) {
      const c = slack.calls[i]!;
      if (isPreview(c)) seen.push(c);
    }
    last = slack.calls[slack.calls.length - 1];
  };
  const timer = setInterval(poll, 100);
  return {
    count: () => {
      poll();
      return seen.length;
    },
    stop: () => {
      clearInterval(timer);
      poll();
      return seen;
    },
  };
}

async function measureStalledMemory(options: PoolOptions, log: (line: string) => void) {
  const sims = await startSimulators();
  let daemon: DaemonChild | undefined;
  try {
    daemon = await startDaemonChild(sims, { mode: 'socket', concurrency: options.concurrency });
    const d = daemon;
    const baseline = d.memory();
    sims.lightstep.stall(true);
    let peakSampled = baseline.rssMiB;
    let queuedAtPeak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = d.memory();
        if (m.rssMiB > peakSampled) peakSampled = m.rssMiB;
        await sleep(50);
      }
    })();
    const t0 = performance.now();
    const intake = await sendWindowed(sims.slack, options.stalledJobs, 64);
    const intakeS = (performance.now() - t0) / 1000;
    // In memory (waiting, running) or read back later from the journal (backlog): every job counts.
    const held = (q: { waiting: number; running: number; backlog: number }) => q.waiting + q.running + q.backlog;
    await waitUntil(async () => held((await d.status()).queue) >= options.stalledJobs, 'the jobs to be queued', 30_000);
    // Hold the backlog a while: memory that grows with time would show here.
    for (let i = 0; i < 6; i++) {
      const s = await d.status();
      queuedAtPeak = Math.max(queuedAtPeak, s.queue.waiting + s.queue.backlog);
      await sleep(500);
    }
    sampling = false;
    await sampler;
    const end = d.memory();
    const status = await d.status();
    log(`  stalled: ${intake.acked} envelopes acked in ${intakeS.toFixed(2)} s; ${status.queue.waiting} waiting in memory, ${status.queue.backlog} in the journal, ${status.queue.running} running; RSS ${baseline.rssMiB.toFixed(0)} → peak ${end.peakRssMiB.toFixed(0)} MiB`);
    // Then the backend answers again: every accepted event must be unfurled, each once. The
    // simulator keeps only its last 50k calls, so the previews are collected as they come.
    const collector = collectPreviews(sims.slack);
    const t1 = performance.now();
    await sims.lightstep.stall(false);
    await d.drained(900_000);
    // Short of that after 10 s, the counts below say so and the row is not met.
    await waitUntil(() => collector.count() >= intake.acked, 'every acked event to be unfurled', 10_000).catch(() => undefined);
    const drainS = (performance.now() - t1) / 1000;
    const posted = collector.stop();
    const messages = new Set(posted.map((c) => `${String(c.args.channel)} ${String(c.args.ts)}`));
    log(`  backend back: ${posted.length} previews for ${messages.size} messages in ${drainS.toFixed(1)} s (${fmtInt(posted.length / drainS)}/s)`);
    return {
      unfurledAfter: posted.length,
      distinctMessagesUnfurled: messages.size,
      drainS,
      baselineRssMiB: baseline.rssMiB,
      peakRssMiB: end.peakRssMiB,
      peakRssSampledMiB: peakSampled,
      rssAtEndMiB: end.rssMiB,
      queuedAtPeak,
      running: status.queue.running,
      intakeS,
      acked: intake.acked,
    };
  } finally {
    await daemon?.stop();
    await sims.stop();
  }
}
