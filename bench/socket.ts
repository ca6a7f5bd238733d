/**
 * Benchmark 2, Socket Mode: the Slack simulator sends link_shared envelopes keeping `window`
 * unacknowledged, to lsslack (which records each in its journal, fsync'd, before acking, and
 * unfurls it) and to a bare SocketModeClient that only acks — bare before and after lsslack.
 * Then both at a fixed rate: envelope→ack latency measured at the simulator.
 */
import { startProc, type Proc } from './lib/proc.js';
import { processCpuSeconds } from './lib/machine.js';
import type { BenchResult, Row } from './lib/report.js';
import { sendAtRate, sendWindowed, type EnvelopeRun } from './lib/envelopes.js';
import { startDaemonChild, startSplitSimulators, type DaemonChild } from './lib/stack.js';
import { fmtInt, fmtMs, fmtRatio, percentiles, round, waitUntil } from './lib/stats.js';
import { roundDeep } from './http-ingress.js';

export interface SocketOptions {
  /** Also measure lsslack with its backend stalled (ack path only), after everything else. */
  readonly diagnostics?: boolean;
  readonly envelopes: number;
  readonly window: number;
  readonly rate: number;
  readonly rateDurationS: number;
  /** Envelopes sent one at a time (window 1) to each client: the per-ack cost when nothing else waits. */
  readonly serial: number;
  /** Envelopes sent to each client first, untimed (JIT warm-up). */
  readonly warmup: number;
}

export const SOCKET_DEFAULTS: SocketOptions = { diagnostics: true, envelopes: 20_000, window: 64, rate: 1000, rateDurationS: 10, serial: 2000, warmup: 3000 };

const summarise = (run: EnvelopeRun, cpuS: number) => ({
  sent: run.sent,
  acked: run.acked,
  failed: run.failed,
  elapsedS: run.elapsedS,
  perSecond: run.perSecond,
  ackLatencyMs: percentiles(run.latencies),
  clientCpuUsPerEnvelope: (cpuS * 1e6) / Math.max(1, run.acked),
});

export async function runSocket(options: SocketOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  // Lightstep in its own process: the Slack simulator here timestamps the acks, and serving every
  // preview's trace reads on the same event loop delayed its reading of lsslack's acks (its loop
  // delay p99 went from 3.7 to 7.6 ms with previews running), a cost the bare client never paid.
  const sims = await startSplitSimulators();
  const { slack } = sims;
  let daemon: DaemonChild | undefined;
  let bare: Proc<{ type: 'ready' }> | undefined;
  try {
    // lsslack connects first (connection 0) and links its user while it is the only connection.
    daemon = await startDaemonChild(sims, { mode: 'socket' });
    bare = await startProc('procs/bare-socket.ts', { BENCH_APP_TOKEN: slack.appToken, BENCH_SLACK_API_URL: slack.apiUrl });
    await slack.waitForSocketConnections(2, 10_000);
    const LSSLACK = 0;
    const BARE = 1;
    const lsslack = daemon;
    const bareProc = bare;
    const pidOf = (connection: number) => (connection === LSSLACK ? lsslack.pid : bareProc.pid);
    const ackedBefore = (await lsslack.status()).counters.events_acked;

    const measure = async (label: string, connection: number, run: () => Promise<EnvelopeRun>, drain = true) => {
      if (slack.socketConnections !== 2) throw new Error(`expected 2 Socket Mode connections, have ${slack.socketConnections}`);
      const cpu0 = processCpuSeconds(pidOf(connection));
      const result = await run();
      const figures = summarise(result, processCpuSeconds(pidOf(connection)) - cpu0);
      let drainS: number | undefined;
      if (connection === LSSLACK && drain) {
        const t = performance.now();
        await lsslack.drained(600_000);
        drainS = (performance.now() - t) / 1000;
      }
      log(`  ${label.padEnd(22)} ${fmtInt(figures.perSecond)} envelopes/s, ack p50 ${fmtMs(figures.ackLatencyMs.p50)}, p99 ${fmtMs(figures.ackLatencyMs.p99)}, failed ${figures.failed}${drainS === undefined ? '' : `, pool drained ${drainS.toFixed(1)} s later`}`);
      return { ...figures, ...(drainS === undefined ? {} : { drainS }) };
    };

    if (options.warmup > 0) {
      log(`socket: warm-up, ${options.warmup} envelopes each`);
      await measure('warm-up bare', BARE, () => sendWindowed(slack, options.warmup, options.window, { connection: BARE }));
      await measure('warm-up lsslack', LSSLACK, () => sendWindowed(slack, options.warmup, options.window, { connection: LSSLACK }));
    }
    log(`socket: ${options.envelopes} envelopes, window ${options.window}`);
    const bareBefore = await measure('bare (before)', BARE, () => sendWindowed(slack, options.envelopes, options.window, { connection: BARE }));
    const lsslackRun = await measure('lsslack', LSSLACK, () => sendWindowed(slack, options.envelopes, options.window, { connection: LSSLACK }));
    const bareAfter = await measure('bare (after)', BARE, () => sendWindowed(slack, options.envelopes, options.window, { connection: BARE }));
    log(`socket: ${options.serial} envelopes one at a time (window 1)`);
    const bareSerial = await measure('bare, window 1', BARE, () => sendWindowed(slack, options.serial, 1, { connection: BARE }));
    const lsslackSerial = await measure('lsslack, window 1', LSSLACK, () => sendWindowed(slack, options.serial, 1, { connection: LSSLACK }));
    log(`socket: fixed ${options.rate} envelopes/s for ${options.rateDurationS} s`);
    const bareRate = await measure('bare @ rate', BARE, () => sendAtRate(slack, options.rate, options.rateDurationS, { connection: BARE }));
    const lsslackRate = await measure('lsslack @ rate', LSSLACK, () => sendAtRate(slack, options.rate, options.rateDurationS, { connection: LSSLACK }));

    await waitUntil(async () => (await lsslack.status()).queue.waiting === 0, 'lsslack to finish', 60_000);
    const status = await lsslack.status();

    // Diagnostic, not a target measure: lsslack with the Lightstep simulator stalled, so its worker
    // pool holds a few jobs and runs nothing: the ack path alone (journal + fdatasync included).
    let stalled: { windowed: ReturnType<typeof summarise>; serial: ReturnType<typeof summarise>; rate: ReturnType<typeof summarise> } | undefined;
    if (options.diagnostics === true) {
      log('socket: diagnostic, lsslack with the backend stalled (ack path only)');
      await sims.lightstep.stall(true);
      const windowed = await measure('lsslack, stalled', LSSLACK, () => sendWindowed(slack, options.envelopes, options.window, { connection: LSSLACK }), false);
      const serial = await measure('lsslack, window 1, stalled', LSSLACK, () => sendWindowed(slack, options.serial, 1, { connection: LSSLACK }), false);
      const rate = await measure('lsslack @ rate, stalled', LSSLACK, () => sendAtRate(slack, options.rate, options.rateDurationS, { connection: LSSLACK }), false);
      stalled = { windowed, serial, rate };
      await sims.lightstep.stall(false);
    }
    const bareMean = (bareBefore.perSecond + bareAfter.perSecond) / 2;
    const ratio = lsslackRun.perSecond / bareMean;
    const serialRatio = lsslackSerial.perSecond / bareSerial.perSecond;
    const B = '2 Socket Mode';
    const rows: Row[] = [
      { bench: B, measure: `bare SocketModeClient, window ${options.window}: envelopes/s (before · after)`, value: `${fmtInt(bareBefore.perSecond)} · ${fmtInt(bareAfter.perSecond)}` },
      { bench: B, measure: `lsslack, window ${options.window}: envelopes/s`, value: fmtInt(lsslackRun.perSecond) },
      { bench: B, measure: 'lsslack / bare (mean of before and after)', value: fmtRatio(ratio), target: '≥ 0.8×', met: ratio >= 0.8 },
      { bench: B, measure: 'one envelope at a time (window 1): lsslack · bare envelopes/s', value: `${fmtInt(lsslackSerial.perSecond)} · ${fmtInt(bareSerial.perSecond)}` },
      { bench: B, measure: 'lsslack / bare, window 1', value: fmtRatio(serialRatio), target: '≥ 0.5×', met: serialRatio >= 0.5 },
      { bench: B, measure: `bare @ ${fmtInt(options.rate)}/s: ack p50 / p99`, value: `${fmtMs(bareRate.ackLatencyMs.p50)} / ${fmtMs(bareRate.ackLatencyMs.p99)}` },
      { bench: B, measure: `lsslack @ ${fmtInt(options.rate)}/s: ack p50 / p99`, value: `${fmtMs(lsslackRate.ackLatencyMs.p50)} / ${fmtMs(lsslackRate.ackLatencyMs.p99)}`, target: 'p99 < 5 ms', met: lsslackRate.ackLatencyMs.p99 < 5 },
    ];
    if (stalled !== undefined) {
      rows.push({
        bench: B,
        measure: 'diagnostic: lsslack with the backend stalled (ack path only): envelopes/s · vs bare · window 1 vs bare · ack p99 @ rate',
        value: `${fmtInt(stalled.windowed.perSecond)} · ${fmtRatio(stalled.windowed.perSecond / bareMean)} · ${fmtRatio(stalled.serial.perSecond / bareSerial.perSecond)} · ${fmtMs(stalled.rate.ackLatencyMs.p99)}`,
      });
    }
    return {
      name: 'socket',
      rows,
      figures: roundDeep({
        options,
        windowed: { bareBefore, lsslack: lsslackRun, bareAfter, lsslackOverBare: round(ratio, 3) },
        serial: { bare: bareSerial, lsslack: lsslackSerial, lsslackOverBare: round(serialRatio, 3) },
        fixedRate: { bare: bareRate, lsslack: lsslackRate },
        ...(stalled === undefined ? {} : { diagnosticAckPathOnly: stalled }),
        pipeline: { eventsAcked: status.counters.events_acked - ackedBefore, outcomes: status.outcomes, failedByCode: status.failedByCode },
      }),
      notes: [
        'Both clients are connected to the same simulator for the whole benchmark (each run targets one connection); each runs in its own process.',
        'lsslack acks after the event is journalled (fsync); its worker pool unfurls the events against the simulators in the bench process while later envelopes arrive.',
      ],
    };
  } finally {
    await bare?.stop();
    await daemon?.stop();
    await sims.stop();
  }
}
