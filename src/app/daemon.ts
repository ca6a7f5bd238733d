import { createKeyring, loadMasterKey } from '../adapters/crypto/keyring.js';
import { healthRoutes } from '../adapters/http/health-routes.js';
import { createHttpServer } from '../adapters/http/http-server.js';
import type { Handler } from '../adapters/http/handler.js';
import { createIdentityDirectory } from '../adapters/identity/identity-directory.js';
import { createLinkPrompter } from '../adapters/identity/link-prompter.js';
import { createLightstepClient } from '../adapters/lightstep/trace-client.js';
import { createSocketReceiver, type SocketReceiver } from '../adapters/slack/socket-receiver.js';
import { createUnfurlPoster } from '../adapters/slack/unfurl-poster.js';
import { openLowdbStore } from '../adapters/store/lowdb-store.js';
import type { Store } from '../adapters/store/store.js';
import type { Config } from '../config/config.js';
import { LsslackError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import { runUnfurlJob } from '../domain/unfurl-job.js';
import { createConnectionTracker } from '../pipeline/connection-state.js';
import { createDispatcher } from '../pipeline/dispatch.js';
import { JobLog } from '../pipeline/job-log.js';
import { createLinkSharedHandler } from '../pipeline/handle-link-shared.js';
import { createUnfurlQueue } from '../pipeline/unfurl-queue.js';
import { createCounters } from '../pipeline/counters.js';

export interface DaemonOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** Socket Mode ping timeout / reconnect back-off base; tests shorten it. */
  readonly clientPingTimeoutMs?: number;
  readonly now?: () => number;
}

export interface Daemon {
  /** Opens the store, starts the listener and connects to Slack. */
  start(): Promise<{ httpUrl: string; publicUrl: string }>;
  /** Idempotent: stops intake, lets running jobs finish (up to the shutdown timeout), closes everything. */
  stop(): Promise<void>;
  readonly jobs: JobLog;
}

/**
 * The composition root: the one place that builds adapters and wires them into the pipeline.
 * Transport (socket / HTTP) → dispatch → dedupe → queue → runUnfurlJob(parse → authorize → fetch
 * → analyse → render → post).
 */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const jobs = new JobLog(now);
  const counters = createCounters();
  const connection = createConnectionTracker(now);
  let store: Store | undefined;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  // Filled in by start(); the listener reads the array on every request.
  const routes: Handler[] = [];

  const readiness = async (): Promise<string[]> => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    const state = connection.snapshot().state;
    if (state !== 'connected' && state !== 'listening') reasons.push(`slack connection is ${state}`);
    try {
      await store?.ping();
    } catch (error) {
      reasons.push(`store unreadable: ${(error as Error).message}`);
    }
    return reasons;
  };
  routes.push(healthRoutes(readiness));
  const http = createHttpServer({ host: config.http.host, port: config.http.port, handlers: routes, log });

  async function start(): Promise<{ httpUrl: string; publicUrl: string }> {
    if (config.slack.botToken === undefined || config.lightstep.org === undefined || config.lightstep.apiKey === undefined) {
      throw new LsslackError('config_invalid', 'SLACK_BOT_TOKEN, LIGHTSTEP_ORG and LIGHTSTEP_API_KEY are required to start.');
    }
    store = await openLowdbStore({ dataDir: config.dataDir, now });
    closers.push(() => store!.close());
    const keyring = createKeyring(await loadMasterKey(config.dataDir, config.secretKey));

    const address = await http.start();
    closers.unshift(() => http.stop());
    const httpUrl = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    const publicUrl = config.sources['http.publicUrl'] === undefined ? httpUrl : config.http.publicUrl;

    const traces = createLightstepClient({
      apiUrl: config.lightstep.apiUrl,
      org: config.lightstep.org,
      apiKey: config.lightstep.apiKey,
      log,
      onRetry: () => counters.inc('lightstep_retries'),
    });
    closers.push(() => traces.close());
    const poster = createUnfurlPoster({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, log, now, onRateLimited: () => counters.inc('slack_429') });
    const identities = createIdentityDirectory({ store, keyring, log, now, onDropped: () => counters.inc('links_dropped') });
    const prompter = createLinkPrompter({ publicUrl, keyring, store, now });
    const jobLog = log.child({ component: 'job' });

    const queue = createUnfurlQueue({
      concurrency: config.concurrency,
      now,
      work: (job) => runUnfurlJob(job, { allowedOrigins: config.lightstep.appOrigins, traces, identities, prompter, poster, links: identities, requireLink: false }),
      retryDelay: (error, attempt) =>
        error instanceof LsslackError && error.code === 'slack_rate_limited' && attempt <= 5 ? Number(error.detail ?? 1000) + Math.random() * 250 : undefined,
      onDone: (job, outcome, durationMs) => {
        const record = jobs.record(job, outcome, durationMs);
        const level = outcome.kind === 'failed' ? 'warn' : 'info';
        jobLog[level]({ jobId: job.id, team: job.teamId, channel: job.channel, project: record.project, outcome: outcome.kind, detail: record.detail, ...(outcome.kind === 'failed' ? { reason: outcome.message } : {}), durationMs, latencyMs: record.latencyMs }, `job ${outcome.kind}`);
      },
    });
    stopQueue = (timeoutMs) => queue.stop(timeoutMs);

    const dispatcher = createDispatcher({
      log,
      now,
      handlers: {
        link_shared: createLinkSharedHandler({ queue, now, onEvent: () => counters.inc('events_received') }),
      },
    });

    if (config.mode === 'socket') {
      if (config.slack.appToken === undefined) throw new LsslackError('config_invalid', 'SLACK_APP_TOKEN is required in socket mode.');
      receiver = createSocketReceiver({ appToken: config.slack.appToken, apiUrl: config.slack.apiUrl, dispatcher, log, connection, clientPingTimeoutMs: options.clientPingTimeoutMs, onDropped: (reason) => jobs.error('envelope_dropped', reason) });
      await receiver.start();
    } else {
      connection.set('listening');
    }
    log.info({ mode: config.mode, httpUrl, publicUrl, concurrency: config.concurrency, dataDir: config.dataDir, version: options.version }, 'lsslack started');
    return { httpUrl, publicUrl };
  }

  let receiver: SocketReceiver | undefined;
  let stopQueue: ((timeoutMs: number) => Promise<boolean>) | undefined;

  async function stopOnce(): Promise<void> {
    stopping = true;
    await receiver?.stop();
    const finished = (await stopQueue?.(config.shutdownTimeoutMs)) ?? true;
    if (!finished) log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline reached with jobs still running');
    for (const close of closers) await close().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'close failed'));
    log.info({}, 'lsslack stopped');
  }

  return {
    jobs,
    start,
    stop() {
      stopped ??= stopOnce();
      return stopped;
    },
  };
}
