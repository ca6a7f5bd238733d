/**
 * The simulators (in the bench process) and lsslack itself (the real CLI, `lsslack start`, in a
 * child process), with one Slack user mapped in the store and linked through the OAuth flow:
 * previews are only posted for a mapped and linked user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CookieBrowser } from '../../src/cli/cookie-browser.js';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import type { StatusSnapshot } from '../../src/pipeline/status.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { startSlackSimulator, type SlackSimulator, type RecordedCall } from '../../src/simulators/slack/index.js';
import { startJaegerSimulator, type JaegerSimulator } from '../../src/simulators/jaeger/index.js';
import { processMemory } from './machine.js';
import { ROOT_DIR, startProc, stopChild } from './proc.js';
import { BENCH_PROJECT, BENCH_TEAM, BENCH_USER, idSource, linkSharedBody, signBody } from './slack-events.js';
import { sleep, waitUntil } from './stats.js';
import { simulatorEnv } from '../../src/cli/simulator-env.js';

export interface Simulators {
  readonly slack: SlackSimulator;
  readonly lightstep: LightstepSimulator;
  /** A Jaeger query service too (configured as backend `jaeger`), when asked for. */
  readonly jaeger?: JaegerSimulator;
  stop(): Promise<void>;
}

/** What the daemon needs of a Lightstep simulator: where it is, and a way to stall it. */
export interface LightstepEndpoint {
  readonly url: string;
  readonly org: string;
  readonly apiKey: string;
  stall(on: boolean): void | Promise<void>;
}

/** The Slack simulator here and the Lightstep simulator in a process of its own (bench/procs/lightstep-sim.ts). */
export interface SplitSimulators {
  readonly slack: SlackSimulator;
  readonly lightstep: LightstepEndpoint & { storedTraceRequestCount(): Promise<number> };
  stop(): Promise<void>;
}

export async function startSplitSimulators(options: { lightstepLatencyMs?: number } = {}): Promise<SplitSimulators> {
  const slack = await startSlackSimulator();
  const proc = await startProc<{ type: 'ready'; url: string; org: string; apiKey: string }>('procs/lightstep-sim.ts', { BENCH_PROJECT, BENCH_LATENCY_MS: String(options.lightstepLatencyMs ?? 0) });
  const ask = <T>(request: Record<string, unknown>, answer: string, pick: (m: Record<string, unknown>) => T) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type !== answer) return;
        proc.child.off('message', onMessage);
        resolve(pick(m));
      };
      proc.child.on('message', onMessage);
      proc.child.send(request);
    });
  const { url, org, apiKey } = proc.ready;
  return {
    slack,
    lightstep: {
      url,
      org,
      apiKey,
      stall: (on) => ask({ type: 'stall', on }, 'stalled', () => undefined),
      storedTraceRequestCount: () => ask({ type: 'count' }, 'count', (m) => Number(m.storedTraceRequests)),
    },
    async stop() {
      await slack.stop();
      await proc.stop();
    },
  };
}

export async function startSimulators(options: { lightstepLatencyMs?: number; jaeger?: boolean } = {}): Promise<Simulators> {
  const slack = await startSlackSimulator();
  const lightstep = await startLightstepSimulator({ org: 'bench-org', projects: [BENCH_PROJECT], latencyMs: options.lightstepLatencyMs ?? 0 });
  lightstep.addTrace(BENCH_PROJECT, sampleCheckoutTrace());
  const jaeger = options.jaeger === true ? await startJaegerSimulator() : undefined;
  jaeger?.addTrace(sampleCheckoutTrace());
  return {
    slack,
    lightstep,
    ...(jaeger === undefined ? {} : { jaeger }),
    async stop() {
      await slack.stop();
      await lightstep.stop();
      await jaeger?.stop();
    },
  };
}

export interface DaemonOptions {
  readonly mode: 'socket' | 'http';
  readonly concurrency?: number;
  readonly signingSecret?: string;
  readonly env?: Record<string, string>;
  /** Extra node flags for the daemon, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] when profiling. */
  readonly nodeArgs?: readonly string[];
  /** Run on this data dir (kept on stop) instead of a fresh temp one: restarts see the same journal. */
  readonly dataDir?: string;
  /** Map and link the bench user (default true; false when the data dir already has them). */
  readonly link?: boolean;
}

export interface DaemonChild {
  readonly pid: number;
  readonly httpUrl: string;
  readonly eventsUrl: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  status(): Promise<StatusSnapshot>;
  memory(): { rssMiB: number; peakRssMiB: number };
  /** Resolves once nothing is waiting (in memory or in the journal), deferred or running. */
  drained(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** `NAME=value NAME2=value2` → an environment (words without `=` are ignored). */
function settingsFrom(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of (text ?? '').split(' ')) {
    const eq = word.indexOf('=');
    if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

const isPrompt = (c: RecordedCall) => c.method === 'chat.unfurl' && c.ok && c.args.user_auth_required === true;

/** `lsslack start` (built, or from source under tsx) against the simulators, mapped and linked, ready for load. */
export async function startDaemonChild(sims: Pick<Simulators, 'slack' | 'jaeger'> & { readonly lightstep: LightstepEndpoint }, options: DaemonOptions): Promise<DaemonChild> {
  const { slack, lightstep } = sims;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'lsslack-bench-')));
  if (options.link !== false) {
    const seed = await openLowdbStore({ dataDir });
    await seed.putMapping({ teamId: BENCH_TEAM, slackUserId: BENCH_USER, traceUser: 'ada@example.com', grants: [`lightstep/${BENCH_PROJECT}`, 'jaeger'], mappedAt: new Date().toISOString() });
    await seed.close();
  }
  // A kept data dir may be a tiny filesystem the soak fills: its log goes next to it.
  const logFile = ownDir ? path.join(dataDir, 'daemon.log') : `${dataDir}.daemon.log`;
  const out = openSync(logFile, 'a', 0o600);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dataDir,
    ...simulatorEnv({ slack, lightstep, ...(sims.jaeger === undefined ? {} : { jaeger: sims.jaeger }) }, dataDir),
    LSSLACK_CONFIG_DIR: path.join(dataDir, 'config'),
    // Production's default level: one JSON line per job, written to a file as a service would.
    LSSLACK_LOG_LEVEL: 'info',
    LSSLACK_MODE: options.mode,
    ...(options.concurrency === undefined ? {} : { LSSLACK_CONCURRENCY: String(options.concurrency) }),
    ...(options.signingSecret === undefined ? {} : { SLACK_SIGNING_SECRET: options.signingSecret }),
    ...options.env,
    // BENCH_DAEMON_ENV='LSSLACK_PREVIEW_WORKERS=2 …' tries any benchmark with other settings.
    ...settingsFrom(process.env.BENCH_DAEMON_ENV),
  };
  const connectionsBefore = slack.socketConnections;
  // BENCH_DAEMON_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the daemon of any benchmark.
  const extraArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  // `npm run bench` builds first and sets BENCH_DAEMON=dist: the daemon measured is the one that
  // ships (bin/lsslack.js → dist/). Otherwise (the smoke test, --from-source) src/ under tsx.
  const entry = process.env.BENCH_DAEMON === 'dist' ? [path.join(ROOT_DIR, 'bin/lsslack.js')] : ['--import', 'tsx', path.join(ROOT_DIR, 'src/cli/run.ts')];
  const child = spawn(process.execPath, [...extraArgs, ...(options.nodeArgs ?? []), ...entry, 'start'], { cwd: ROOT_DIR, env, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let httpUrl = '';
  const log = () => readFileSync(logFile, 'utf8');
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`lsslack exited (${child.exitCode}) before starting:\n${log()}`);
      const text = log();
      const match = /"msg":"lsslack started"/.test(text) ? /"httpUrl":"([^"]+)"/.exec(text) : null;
      if (match?.[1] !== undefined) httpUrl = match[1];
      return httpUrl !== '';
    },
    'lsslack to start',
    30_000,
  );
  if (options.mode === 'socket') await slack.waitForSocketConnections(connectionsBefore + 1, 10_000);
  const eventsUrl = `${httpUrl}/slack/events`;

  const status = async (): Promise<StatusSnapshot> => {
    const res = await fetch(`${httpUrl}/status`);
    if (!res.ok) throw new Error(`/status answered ${res.status}`);
    return (await res.json()) as StatusSnapshot;
  };

  const handle: DaemonChild = {
    pid: child.pid ?? -1,
    httpUrl,
    eventsUrl,
    dataDir,
    child,
    status,
    memory: () => processMemory(child.pid ?? -1),
    async drained(timeoutMs) {
      await waitUntil(
        async () => {
          const s = await status();
          return s.queue.waiting === 0 && s.queue.running === 0 && s.queue.backlog === 0 && s.queue.deferred === 0;
        },
        'the worker pool to drain',
        timeoutMs,
        200,
      );
    },
    async stop() {
      await stopChild(child, exited, 15_000);
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (options.link === false) return handle;

  try {
    await linkUser(sims, handle, options);
  } catch (error) {
    const tail = log().slice(-3000);
    await handle.stop();
    throw new Error(`${(error as Error).message}\n--- daemon log ---\n${tail}`, { cause: error });
  }
  return handle;
}

/**
 * Link BENCH_USER the way a person does: share a link → Slack's prompt → open user_auth_url →
 * "Add to Slack" → authorize → callback; then wait for the unfurl that prompted it to be posted.
 */
async function linkUser(sims: Pick<Simulators, 'slack'>, daemon: DaemonChild, options: DaemonOptions): Promise<void> {
  const { slack } = sims;
  const ids = idSource('K');
  const promptsBefore = slack.calls.filter(isPrompt).length;
  const unfurlsBefore = slack.unfurls().filter((c) => c.args.user_auth_required !== true).length;
  const body = linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ids.messageTs() });
  if (options.mode === 'socket') {
    await slack.sendEvent(body);
  } else {
    const raw = JSON.stringify(body);
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(daemon.eventsUrl, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signBody(options.signingSecret ?? '', ts, raw) },
    });
    if (res.status !== 200) throw new Error(`the linking event got HTTP ${res.status}: ${await res.text()}`);
  }
  await waitUntil(() => slack.calls.filter(isPrompt).length > promptsBefore, 'the auth prompt', 15_000);
  const prompt = slack.calls.filter(isPrompt)[promptsBefore]!;
  const authUrl = String(prompt.args.user_auth_url);
  const browser = new CookieBrowser();
  const page = await browser.get(authUrl);
  const initiate = await browser.submitFirstForm(authUrl, page.body);
  slack.authorizeAs({ userId: BENCH_USER, teamId: BENCH_TEAM });
  const authorize = await browser.get(initiate.location ?? '');
  const callback = await browser.get(authorize.location ?? '');
  if (callback.status !== 200) throw new Error(`linking failed: callback answered ${callback.status}: ${callback.body.slice(0, 300)}`);
  await waitUntil(() => slack.unfurls().filter((c) => c.args.user_auth_required !== true).length > unfurlsBefore, 'the unfurl delivered after linking', 15_000);
  await daemon.drained(15_000);
  // Let the store's write after linking settle before load starts.
  await sleep(100);
}
