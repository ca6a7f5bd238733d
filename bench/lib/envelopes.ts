/**
 * Socket Mode load from the simulator's side: envelopes sent with a window of unacknowledged ones,
 * or at a fixed rate; every envelope's send→ack time measured at the simulator.
 */
import type { SlackSimulator } from '../../src/simulators/slack/index.js';
import { idSource, linkSharedBody } from './slack-events.js';
import { sleep } from './stats.js';

export interface EnvelopeRun {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  /** From the first send to the last ack, s. */
  readonly elapsedS: number;
  readonly perSecond: number;
  /** send→ack per envelope, ms. */
  readonly latencies: Float64Array;
  /** performance.now() of the first send (to relate to other clocks). */
  readonly startedAt: number;
}

/** Build the n-th body in advance so building is not part of the timed loop. */
function bodies(count: number, prefix: string): object[] {
  const ids = idSource(prefix);
  const out: object[] = [];
  for (let i = 0; i < count; i++) out.push(linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ids.messageTs() }));
  return out;
}

/** `count` envelopes with at most `window` unacknowledged at any time. */
export async function sendWindowed(slack: SlackSimulator, count: number, window: number, options: { connection?: number; prefix?: string } = {}): Promise<EnvelopeRun> {
  const list = bodies(count, options.prefix ?? 'W');
  const latencies = new Float64Array(count);
  let next = 0;
  let acked = 0;
  let failed = 0;
  const startedAt = performance.now();
  let lastAck = startedAt;
  await new Promise<void>((resolve) => {
    const sendOne = (): void => {
      if (next >= count) {
        if (acked + failed === count) resolve();
        return;
      }
      const i = next++;
      const t0 = performance.now();
      slack.sendEvent(list[i]!, { connection: options.connection, timeoutMs: 30_000 }).then(
        () => {
          const t1 = performance.now();
          latencies[i] = t1 - t0;
          lastAck = t1;
          acked += 1;
          sendOne();
        },
        () => {
          latencies[i] = Number.NaN;
          failed += 1;
          sendOne();
        },
      );
    };
    for (let k = 0; k < Math.min(window, count); k++) sendOne();
    if (count === 0) resolve();
  });
  const elapsedS = (lastAck - startedAt) / 1000;
  return { sent: count, acked, failed, elapsedS, perSecond: acked / elapsedS, latencies: latencies.filter((l) => !Number.isNaN(l)), startedAt };
}

/**
 * Envelopes at a fixed `rate` per second for `durationS` (open loop: the schedule does not wait for
 * acks), sent from a 1 ms timer, each on time or as soon after as the timer fires.
 */
export async function sendAtRate(slack: SlackSimulator, rate: number, durationS: number, options: { connection?: number; prefix?: string } = {}): Promise<EnvelopeRun> {
  const count = Math.round(rate * durationS);
  const list = bodies(count, options.prefix ?? 'R');
  const latencies = new Float64Array(count);
  let sent = 0;
  let acked = 0;
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  const startedAt = performance.now();
  let lastAck = startedAt;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - startedAt) * rate) / 1000) + 1);
    while (sent < due) {
      const i = sent++;
      const t0 = performance.now();
      pending.push(
        slack.sendEvent(list[i]!, { connection: options.connection, timeoutMs: 30_000 }).then(
          () => {
            const t1 = performance.now();
            latencies[i] = t1 - t0;
            lastAck = t1;
            acked += 1;
          },
          () => {
            latencies[i] = Number.NaN;
            failed += 1;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  const elapsedS = (lastAck - startedAt) / 1000;
  return { sent: count, acked, failed, elapsedS, perSecond: acked / elapsedS, latencies: latencies.filter((l) => !Number.isNaN(l)), startedAt };
}
