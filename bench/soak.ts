/**
 * The soak: lsslack (the real `lsslack start`, in a child process) under a steady, realistic load
 * with bursts, while faults arrive on a schedule — Socket Mode drops, Slack 429s and 5xx on
 * chat.unfurl, backend 5xx, a stalled backend, a backend outage, a filling disk, and `kill -9` with
 * a restart. Every event is delivered as Slack does (unacked ones again, as retries), and at the end
 * every acknowledged event must have been unfurled: lost must be 0. Posted twice is allowed only
 * for work that was in flight at a kill.
 *
 * `node --import tsx bench/run.ts soak --duration 1200` (20 minutes); test/integration/soak.test.ts
 * runs a 60 s version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLightstepSimulator, sampleCheckoutTrace, type LightstepSimulator } from '../src/simulators/lightstep/index.js';
import { jaegerLink } from '../src/cli/simulator-env.js';
import { SAMPLE_TRACE_ID } from '../src/simulators/lightstep/index.js';
import type { BenchResult, Row } from './lib/report.js';
import { BENCH_PROJECT, idSource, linkSharedBody, SAMPLE_TRACE_URL } from './lib/slack-events.js';
import { startDaemonChild, startSimulators, type DaemonChild, type Simulators } from './lib/stack.js';
import { fmtInt, fmtMs, percentiles, sleep } from './lib/stats.js';
import { mountTinyFs, type TinyFs } from '../test/helpers/tiny-fs.js';

export interface SoakOptions {
  readonly durationS: number;
  /** Steady link_shared events per second. */
  readonly rate: number;
  /** A burst of this many events… */
  readonly burst: number;
  /** …every this many seconds. */
  readonly burstEveryS: number;
  /** How many times the daemon is killed (-9) and restarted, spread over the run. */
  readonly kills: number;
  /** How long the backend outage lasts, s. */
  readonly outageS: number;
}

export const SOAK_DEFAULTS: SoakOptions = { durationS: 1200, rate: 20, burst: 2000, burstEveryS: 240, kills: 4, outageS: 30 };

interface Sent {
  readonly ts: string;
  readonly body: Record<string, unknown>;
  acked: boolean;
  attempts: number;
}

type Fault = { readonly at: number; readonly name: string; readonly run: () => Promise<void> };

export async function runSoak(options: SoakOptions, log: (line: string) => void = () => {}): Promise<BenchResult> {
  const sims = await startSimulators({ jaeger: true });
  const { slack } = sims;
  const lightstepPort = Number(new URL(sims.lightstep.url).port);
  let lightstep: LightstepSimulator = sims.lightstep;
  const current: Simulators = { ...sims, get lightstep() {
    return lightstep;
  } } as Simulators;
  // A tiny real filesystem for the data dir, so the disk can fill up (needs root; else a temp dir).
  const tiny: TinyFs | undefined = await mountTinyFs(64 * 1024 * 1024);
  const dataDir = tiny?.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'lsslack-soak-')));
  const ids = idSource('S');
  const sent: Sent[] = [];
  const ackMs: number[] = [];
  const rss: Array<{ t: number; mib: number }> = [];
  const faultsRun: string[] = [];
  const started = Date.now();
  const elapsedS = () => (Date.now() - started) / 1000;
  let daemon: DaemonChild | undefined;
  let restarting: Promise<void> | undefined;
  let stopping = false;
  let kills = 0;

  const startDaemon = async (link: boolean) => {
    daemon = await startDaemonChild(current, { mode: 'socket', dataDir, link, env: { LSSLACK_TRACE_DEADLINE: '5' } });
  };

  /** Deliver as Slack does: again (a retry) until it is acked. */
  const deliverUntilAcked = async (item: Sent) => {
    while (!item.acked && !stopping) {
      const t0 = performance.now();
      try {
        if (restarting !== undefined || slack.socketConnections === 0) throw new Error('no connection');
        await slack.sendEvent(item.body, { retryAttempt: item.attempts, retryReason: item.attempts === 0 ? '' : 'timeout', timeoutMs: 3000 });
        item.acked = true;
        if (item.attempts === 0) ackMs.push(performance.now() - t0);
      } catch {
        item.attempts += 1;
        await sleep(250 + Math.random() * 750);
      }
    }
  };

  const newEvent = (): Sent => {
    const ts = ids.messageTs();
    // Half Lightstep, half Jaeger links: two backends, two clients, both under the faults.
    const url = sent.length % 2 === 0 ? SAMPLE_TRACE_URL : jaegerLink(SAMPLE_TRACE_ID);
    const item: Sent = { ts, body: linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ts, url }), acked: false, attempts: 0 };
    sent.push(item);
    return item;
  };

  const kill = async () => {
    if (daemon === undefined) return;
    kills += 1;
    const victim = daemon;
    let resolveRestart!: () => void;
    restarting = new Promise<void>((resolve) => (resolveRestart = resolve));
    victim.child.kill('SIGKILL');
    await new Promise<void>((resolve) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? resolve() : victim.child.once('exit', () => resolve())));
    await sleep(500);
    await startDaemon(false);
    restarting = undefined;
    resolveRestart();
  };

  // Faults, spread over the run (fractions of the duration), each recorded when it ran.
  const D = options.durationS;
  const faults: Fault[] = [
    { at: 0.08 * D, name: 'Socket Mode connections dropped', run: async () => slack.dropConnections() },
    { at: 0.15 * D, name: 'Slack 429 on 30 chat.unfurl calls', run: async () => slack.rateLimitNext('chat.unfurl', 30, 2) },
    { at: 0.22 * D, name: 'Slack 503 on 30 chat.unfurl calls', run: async () => slack.httpErrorNext('chat.unfurl', 30, 503) },
    { at: 0.3 * D, name: 'backend 503 on 60 requests', run: async () => lightstep.failNext(60, { status: 503 }) },
    { at: 0.36 * D, name: 'backend stalled 4 s (timeouts)', run: async () => {
      lightstep.stall(true);
      await sleep(4000);
      lightstep.stall(false);
    } },
    { at: 0.45 * D, name: `backend outage ${options.outageS} s (connections refused)`, run: async () => {
      await lightstep.stop();
      await sleep(options.outageS * 1000);
      lightstep = await startLightstepSimulator({ port: lightstepPort, org: 'bench-org', projects: [BENCH_PROJECT] });
      lightstep.addTrace(BENCH_PROJECT, sampleCheckoutTrace());
    } },
    ...(tiny === undefined ? [] : [{ at: 0.55 * D, name: 'data dir full for 5 s', run: async () => {
      await tiny.fill();
      await sleep(5000);
      await tiny.free();
    } }]),
    ...Array.from({ length: options.kills }, (_, i) => ({ at: ((i + 1) / (options.kills + 1)) * 0.9 * D + 0.03 * D, name: 'kill -9 and restart', run: kill })),
    { at: 0.7 * D, name: 'Socket Mode connections dropped', run: async () => slack.dropConnections() },
  ].sort((a, b) => a.at - b.at);

  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  try {
    await startDaemon(true);
    log(`  soak: ${D} s at ${options.rate}/s, bursts of ${options.burst} every ${options.burstEveryS} s, ${faults.length} faults${tiny === undefined ? ' (no disk fault: not root)' : ''}`);
    let nextFault = 0;
    let nextBurst = options.burstEveryS / 2;
    let lastSample = 0;
    while (elapsedS() < D) {
      const t = elapsedS();
      for (; nextFault < faults.length && faults[nextFault]!.at <= t; nextFault++) {
        const fault = faults[nextFault]!;
        faultsRun.push(`${Math.round(t)} s: ${fault.name}`);
        log(`  ${Math.round(t)} s: ${fault.name}`);
        track(fault.run().catch((error: unknown) => log(`  fault ${fault.name} failed: ${(error as Error).message}`)));
      }
      if (t >= nextBurst) {
        nextBurst += options.burstEveryS;
        for (let i = 0; i < options.burst; i++) track(deliverUntilAcked(newEvent()));
      }
      track(deliverUntilAcked(newEvent()));
      if (t - lastSample >= 1 && daemon !== undefined && restarting === undefined) {
        lastSample = t;
        try {
          rss.push({ t: Math.round(t), mib: Math.round(treeRssMiB(daemon.pid)) });
        } catch {
          // restarting
        }
      }
      await sleep(1000 / options.rate);
    }
    log(`  load done: ${fmtInt(sent.length)} events; waiting for every delivery and preview`);
    const deadline = Date.now() + 300_000;
    while (pending.size > 0 && Date.now() < deadline) await sleep(200);
    const unfurledTs = () => new Set(slack.unfurls().filter((c) => c.args.channel === ids.channel && c.args.unfurls !== undefined).map((c) => String(c.args.ts)));
    // One set per look (not per event: 33k events × a set of 33k unfurls each is a billion steps).
    const missing = () => {
      const done = unfurledTs();
      return sent.some((s) => s.acked && !done.has(s.ts));
    };
    while (Date.now() < deadline && missing()) await sleep(500);
  } finally {
    stopping = true;
    await daemon?.stop().catch(() => undefined);
    await current.stop();
    await lightstep.stop();
    if (tiny !== undefined) await tiny.unmount();
    else await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.daemon.log`, { force: true });
  }

  const posts = new Map<string, number>();
  for (const c of slack.unfurls()) if (c.args.channel === ids.channel && c.args.unfurls !== undefined) posts.set(String(c.args.ts), (posts.get(String(c.args.ts)) ?? 0) + 1);
  const acked = sent.filter((s) => s.acked);
  const lost = acked.filter((s) => !posts.has(s.ts)).length;
  const twice = [...posts.values()].filter((n) => n > 1).length;
  const ack = percentiles(ackMs);
  const peakRss = rss.reduce((m, r) => Math.max(m, r.mib), 0);
  log(`  sent ${fmtInt(sent.length)}, acked ${fmtInt(acked.length)}, unfurled ${fmtInt(posts.size)}, lost ${lost}, posted twice ${twice}, ack p99 ${fmtMs(ack.p99)}, peak RSS ${peakRss} MiB`);
  const B = '6 Soak';
  const rows: Row[] = [
    { bench: B, measure: `${Math.round(D / 60)} min at ${options.rate}/s + bursts of ${fmtInt(options.burst)}, ${faultsRun.length} faults: sent / acked / unfurled`, value: `${fmtInt(sent.length)} / ${fmtInt(acked.length)} / ${fmtInt(posts.size)}` },
    { bench: B, measure: 'lost (acked, never unfurled)', value: String(lost), target: '0', met: lost === 0 },
    { bench: B, measure: `posted twice (only work in flight at one of ${kills} kill -9s)`, value: String(twice) },
    { bench: B, measure: 'ack p99 (first delivery) · peak RSS, daemon + preview workers', value: `${fmtMs(ack.p99)} · ${peakRss} MiB` },
  ];
  return {
    name: 'soak',
    rows,
    figures: { options, sent: sent.length, acked: acked.length, unfurled: posts.size, lost, postedTwice: twice, kills, ackMs: ack, peakRssMiB: peakRss, rss, faults: faultsRun, diskFault: tiny !== undefined },
    notes: [
      'Faults: ' + faultsRun.join('; ') + '.',
      tiny === undefined ? 'Not root: the data dir was a temp dir, so the full-disk fault did not run.' : 'The data dir was a 64 MiB tmpfs, filled up for 5 s mid-run.',
    ],
  };
}

/** RSS of a process and all its descendants (the daemon and its preview workers), MiB. */
export function treeRssMiB(root: number): number {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const pid of parent.keys()) {
    let p: number | undefined = pid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 8; depth++) {
      if (p === root) {
        try {
          total += Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
        } catch {
          // gone meanwhile
        }
        break;
      }
      p = parent.get(p);
    }
  }
  return total;
}
