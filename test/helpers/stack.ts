import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import type { Store } from '../../src/adapters/store/store.js';
import { createDaemon, type Daemon } from '../../src/app/daemon.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/cli/create-logger.js';
import { simulatorEnv } from '../../src/cli/simulator-env.js';
import { startJaegerSimulator, type JaegerSimulator } from '../../src/simulators/jaeger/index.js';
import { startTempoSimulator, type TempoSimulator } from '../../src/simulators/tempo/index.js';
import { startZipkinSimulator, type ZipkinSimulator } from '../../src/simulators/zipkin/index.js';
import type { Config } from '../../src/config/config.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

/** Collects pino's JSON lines so tests can assert on logs (and on the absence of secrets). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') this.lines.push(line);
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface Stack {
  readonly slack: SlackSimulator;
  readonly lightstep: LightstepSimulator;
  /** The other backends, configured as `jaeger`, `zipkin` and `grafana` (its Tempo datasource). */
  readonly jaeger: JaegerSimulator;
  readonly zipkin: ZipkinSimulator;
  readonly tempo: TempoSimulator;
  readonly daemon: Daemon;
  readonly config: Config;
  readonly logs: LogCapture;
  readonly dataDir: string;
  readonly httpUrl: string;
  readonly publicUrl: string;
  /** A second handle on the same store file, as the CLI would open it. */
  store(): Promise<Store>;
  stop(): Promise<void>;
}

export const TEAM = 'T0SIM';
export const USER = 'U0SIMUSER';
export const PROJECT = 'checkout';

export interface StackOptions {
  readonly env?: Record<string, string>;
  /** `projects` are Lightstep projects (grants `lightstep/p`, or `lightstep` for '*'); `grants` as `users map --allow` takes them. */
  readonly mappings?: Array<{ teamId?: string; slackUserId?: string; projects?: string[] | '*'; grants?: string[] }>;
  readonly startDaemon?: boolean;
  readonly dataDir?: string;
  /** The daemon's clock (default Date.now), so tests can move time forward. */
  readonly now?: () => number;
  readonly oauthTimeoutMs?: number;
  /** Options for the Slack simulator (e.g. tokenRotation). */
  readonly slack?: Parameters<typeof startSlackSimulator>[0];
  /** Link every mapped user through the OAuth flow after start (default true). */
  readonly linked?: boolean;
  /** Options for the backend simulators (credentials they require, older API versions…). */
  readonly simulators?: {
    readonly jaeger?: Parameters<typeof startJaegerSimulator>[0];
    readonly zipkin?: Parameters<typeof startZipkinSimulator>[0];
    readonly tempo?: Parameters<typeof startTempoSimulator>[0];
  };
  /** `--config FILE` for the daemon (a `backends` list, say). */
  readonly configFile?: string;
}

/** Both simulators plus a daemon wired to them on loopback, with captured logs. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'lsslack-test-')));
  const slack = await startSlackSimulator(options.slack);
  const lightstep = await startLightstepSimulator({ org: 'test-org', projects: [PROJECT, 'payments'] });
  lightstep.addTrace(PROJECT, sampleCheckoutTrace());
  const [jaeger, zipkin, tempo] = await Promise.all([startJaegerSimulator(options.simulators?.jaeger), startZipkinSimulator(options.simulators?.zipkin), startTempoSimulator(options.simulators?.tempo)]);
  jaeger.addTrace(sampleCheckoutTrace());
  zipkin.addTrace(sampleCheckoutTrace());
  tempo.addTrace(sampleCheckoutTrace(), tempo.multitenant ? { tenant: 'acme' } : undefined);
  const stopSimulators = async () => {
    await Promise.all([slack.stop(), lightstep.stop(), jaeger.stop(), zipkin.stop(), tempo.stop()]);
  };
  const config = loadConfig({
    env: {
      ...simulatorEnv({ slack, lightstep, jaeger, zipkin, tempo }, dataDir),
      LSSLACK_LOG_LEVEL: 'debug',
      ...options.env,
    },
    file: options.configFile,
    require: 'start',
  });
  const logs = new LogCapture();
  // The daemon's own logger (its redaction list included), writing into the capture.
  const log = createLogger(config.logLevel, logs);
  const seed = await openLowdbStore({ dataDir });
  for (const m of options.mappings ?? [{ projects: [PROJECT] }]) {
    await seed.putMapping({ teamId: m.teamId ?? TEAM, slackUserId: m.slackUserId ?? USER, traceUser: 'ada@example.com', grants: grantsOf(m), mappedAt: new Date().toISOString() });
  }
  await seed.close();
  // A preview worker loads under tsx: on a loaded machine that can take longer than the product's 30 s.
  const daemon = createDaemon({ config, log, version: 'test', clientPingTimeoutMs: 2000, previewStartTimeoutMs: 90_000, now: options.now, oauthTimeoutMs: options.oauthTimeoutMs });
  let httpUrl = '';
  let publicUrl = '';
  if (options.startDaemon !== false) {
    try {
      ({ httpUrl, publicUrl } = await daemon.start());
      if (config.mode === 'socket') await slack.waitForSocketConnections(1, 10_000);
    } catch (error) {
      // A daemon that cannot start must not leave the simulators (or its workers) running.
      await daemon.stop();
      await stopSimulators();
      throw error;
    }
  }
  const opened: Store[] = [];
  const stack: Stack = {
    slack,
    lightstep,
    jaeger,
    zipkin,
    tempo,
    daemon,
    config,
    logs,
    dataDir,
    httpUrl,
    publicUrl,
    async store() {
      const s = await openLowdbStore({ dataDir });
      opened.push(s);
      return s;
    },
    async stop() {
      await daemon.stop();
      for (const s of opened) await s.close();
      await stopSimulators();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  if (options.startDaemon !== false && options.linked !== false) {
    try {
      for (const m of options.mappings ?? [{ projects: [PROJECT] }]) {
        const flow = await linkThroughFlow(stack, { teamId: m.teamId, userId: m.slackUserId, channel: 'C0SETUP' });
        if (flow.callbackStatus !== 200) throw new Error(`linking ${m.slackUserId ?? USER} failed: ${flow.callbackStatus} ${flow.callbackBody}`);
      }
      // The unfurls that prompted them are delivered after linking; wait so tests start from quiet.
      const expected = (options.mappings ?? [{ projects: [PROJECT] }]).length;
      await waitFor(() => stack.daemon.jobs.snapshot().outcomes.unfurled + stack.daemon.jobs.snapshot().outcomes.not_authorized >= expected, 'the setup unfurls');
    } catch (error) {
      // A failed setup must not leave servers running (the test process would never exit).
      await stack.stop();
      throw error;
    }
  }
  return stack;
}

/** The grants a test mapping stands for. */
export function grantsOf(m: { projects?: string[] | '*'; grants?: string[] }): string[] {
  if (m.grants !== undefined) return m.grants;
  if (m.projects === '*') return ['lightstep'];
  return (m.projects ?? []).map((p) => `lightstep/${p}`);
}

/** A Lightstep trace link for the sample trace. */
export function traceUrl(options: { project?: string; span?: string; fragment?: string; origin?: string } = {}): string {
  const span = options.span ?? '3f2a9c7d1e8b4a01';
  const fragment = options.fragment === undefined ? '' : `#span-${options.fragment}`;
  return `${options.origin ?? 'https://app.lightstep.com'}/${options.project ?? PROJECT}/trace?span_guid=${span}&at_micros=1749992800123000${fragment}`;
}

/** Resolve after `ms` (only for "nothing more happens" checks, never as a timing assert). */
export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deliver an event the way Slack does: if the envelope is not acked (socket closed mid-flight,
 * no connection), send it again as a retry, until acked.
 */
export async function deliver(slack: SlackSimulator, body: object, maxAttempts = 40): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    try {
      if (slack.socketConnections === 0) throw new Error('no connection');
      await slack.sendEvent(body, { retryAttempt: attempt, retryReason: attempt === 0 ? '' : 'timeout', timeoutMs: 3000 });
      return attempt;
    } catch {
      await settle(150);
    }
  }
  throw new Error(`event not acknowledged after ${maxAttempts} deliveries`);
}

/** Poll until `check` is true (or fail with `what` after `timeoutMs`). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle(20);
  }
}

/** What a walk through the linking flow saw, step by step. */
export interface FlowResult {
  readonly authUrl: string;
  readonly startStatus: number;
  readonly initiateLocation: string;
  readonly callbackUrl: string;
  readonly callbackStatus: number;
  readonly callbackBody: string;
}

/**
 * Link a user the way a person does: share a trace link → Slack's prompt → open user_auth_url →
 * "Add to Slack" → Slack's authorize page → callback. Returns once the callback answered.
 */
export async function linkThroughFlow(stack: Pick<Stack, 'slack'> & { readonly config?: Config; readonly httpUrl?: string }, options: { teamId?: string; userId?: string; channel?: string; messageTs?: string } = {}): Promise<FlowResult> {
  const { CookieBrowser } = await import('../../src/cli/cookie-browser.js');
  const { linkSharedEvent } = await import('../../src/simulators/slack/index.js');
  const teamId = options.teamId ?? TEAM;
  const userId = options.userId ?? USER;
  const before = stack.slack.calls.filter((c) => c.method === 'chat.unfurl' && c.ok && c.args.user_auth_required === true).length;
  const event = linkSharedEvent({ teamId, userId, channel: options.channel ?? 'C0LINK', messageTs: options.messageTs ?? `${Date.now() / 1000}`, urls: [traceUrl()] });
  // By the transport the daemon uses: signed HTTP posts in HTTP mode, envelopes otherwise.
  if (stack.config?.mode === 'http' && stack.httpUrl !== undefined) {
    const res = await stack.slack.postEvent(`${stack.httpUrl}/slack/events`, event, { signingSecret: stack.config.slack.signingSecret ?? '' });
    if (res.status !== 200) throw new Error(`the link_shared post answered ${res.status}: ${res.body}`);
  } else {
    await deliver(stack.slack, event);
  }
  await waitFor(() => stack.slack.calls.filter((c) => c.method === 'chat.unfurl' && c.ok && c.args.user_auth_required === true).length > before, 'the auth prompt');
  const prompt = stack.slack.calls.filter((c) => c.method === 'chat.unfurl' && c.ok && c.args.user_auth_required === true)[before]!;
  const authUrl = String(prompt.args.user_auth_url);
  const browser = new CookieBrowser();
  const start = await browser.get(authUrl);
  // "Add to Slack": the page's form (POST, with its CSRF token).
  const initiate = await browser.submitFirstForm(authUrl, start.body);
  stack.slack.authorizeAs({ userId, teamId });
  const authorize = await browser.get(initiate.location ?? '');
  const callbackUrl = authorize.location ?? '';
  const callback = await browser.get(callbackUrl);
  return { authUrl, startStatus: start.status, initiateLocation: initiate.location ?? '', callbackUrl, callbackStatus: callback.status, callbackBody: callback.body };
}
