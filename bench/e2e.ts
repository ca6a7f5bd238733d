/**
 * Benchmark 5, end to end: a link_shared envelope sent by the Slack simulator → the chat.unfurl
 * with its preview received by the simulator, one event at a time, backend latency 0 ms.
 */
import type { BenchResult, Row } from './lib/report.js';
import { idSource, linkSharedBody } from './lib/slack-events.js';
import { startDaemonChild, startSimulators, type DaemonChild } from './lib/stack.js';
import { fmtMs, percentiles } from './lib/stats.js';
import { roundDeep } from './http-ingress.js';

export interface E2eOptions {
  readonly events: number;
  readonly warmup: number;
}

export const E2E_DEFAULTS: E2eOptions = { events: 300, warmup: 30 };

export async function runE2e(options: E2eOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const sims = await startSimulators();
  const { slack } = sims;
  let daemon: DaemonChild | undefined;
  try {
    daemon = await startDaemonChild(sims, { mode: 'socket' });
    const ids = idSource('E');
    const okUnfurls = () => slack.calls.filter((c) => c.method === 'chat.unfurl' && c.ok).length;
    const total = options.warmup + options.events;
    const toUnfurl: number[] = [];
    const toAck: number[] = [];
    let n = okUnfurls();
    for (let i = 0; i < total; i++) {
      const body = linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ids.messageTs() });
      const unfurled = slack.waitForCalls('chat.unfurl', n + 1, 10_000);
      const t0 = performance.now();
      await slack.sendEvent(body);
      const t1 = performance.now();
      const calls = await unfurled;
      const t2 = performance.now();
      n += 1;
      const call = calls[calls.length - 1]!;
      if (call.args.channel !== ids.channel || call.args.user_auth_required === true) throw new Error(`unexpected chat.unfurl: ${JSON.stringify(call.args).slice(0, 200)}`);
      if (i >= options.warmup) {
        toAck.push(t1 - t0);
        toUnfurl.push(t2 - t0);
      }
    }
    const unfurl = percentiles(toUnfurl);
    const ack = percentiles(toAck);
    log(`  ${options.events} events one at a time: envelope → chat.unfurl p50 ${fmtMs(unfurl.p50)}, p99 ${fmtMs(unfurl.p99)}; envelope → ack p50 ${fmtMs(ack.p50)}`);
    const B = '5 End to end';
    const rows: Row[] = [
      { bench: B, measure: `envelope sent → chat.unfurl received, 0 ms backend: p50 / p99 (${options.events} events, one at a time)`, value: `${fmtMs(unfurl.p50)} / ${fmtMs(unfurl.p99)}` },
      { bench: B, measure: 'of which envelope → ack: p50 / p99', value: `${fmtMs(ack.p50)} / ${fmtMs(ack.p99)}` },
    ];
    return {
      name: 'e2e',
      rows,
      figures: roundDeep({ options, envelopeToUnfurlMs: unfurl, envelopeToAckMs: ack }),
      notes: ['Socket Mode (the default transport); lsslack runs as `lsslack start` in a child process, the simulators in the bench process.'],
    };
  } finally {
    await daemon?.stop();
    await sims.stop();
  }
}
