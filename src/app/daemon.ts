import { createKeyring, loadMasterKey, type Keyring } from '../adapters/crypto/keyring.js';
import { healthRoutes } from '../adapters/http/health-routes.js';
import { statusRoutes, type StatusRoutes } from '../adapters/http/status-routes.js';
import { createPrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { createHttpServer } from '../adapters/http/http-server.js';
import type { Handler } from '../adapters/http/handler.js';
import { createIdentityDirectory } from '../adapters/identity/identity-directory.js';
import { createLinkPrompter } from '../adapters/identity/link-prompter.js';
import { eventsRoute } from '../adapters/slack/events-route.js';
import { oauthRoutes } from '../adapters/slack/oauth-routes.js';
import { createTokenRefresher } from '../adapters/slack/token-refresher.js';
import { createSocketReceiver, type SocketReceiver } from '../adapters/slack/socket-receiver.js';
import { createPreviewThreads, THREAD_EXITED } from '../adapters/threads/preview-threads.js';
import type { ClaimingJournal, JobJournal } from '../pipeline/job-journal.js';
import { openPersistence } from './open-persistence.js';
import { startClaimLoop } from './claim-loop.js';
import type { PendingUnfurl, Store } from '../adapters/store/store.js';
import type { Config } from '../config/config.js';
import { LsslackError } from '../domain/errors.js';
import type { Logger } from '../domain/ports.js';
import type { UnfurlJob } from '../domain/types.js';
import { runUnfurlJob } from '../domain/unfurl-job.js';
import { createConnectionTracker } from '../pipeline/connection-state.js';
import { createCounters, type Counters } from '../pipeline/counters.js';
import { createDispatcher, type Dispatcher } from '../pipeline/dispatch.js';
import { createIntakePressure } from '../pipeline/intake-pressure.js';
import { createPreviewThrottle } from '../pipeline/preview-throttle.js';
import { createLinkSharedHandler } from '../pipeline/handle-link-shared.js';
import { createRevocationHandlers } from '../pipeline/handle-revocations.js';
import { JobLog } from '../pipeline/job-log.js';
import { createUnfurlQueue, type UnfurlQueue } from '../pipeline/unfurl-queue.js';
import type { StatusSnapshot } from '../pipeline/status.js';

export interface DaemonOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** Socket Mode ping timeout / reconnect back-off base; tests shorten it. */
  readonly clientPingTimeoutMs?: number;
  /** oauth.v2.access timeout (default 10 s); tests shorten it. */
  readonly oauthTimeoutMs?: number;
  readonly now?: () => number;
}

export interface Daemon {
  /** Opens the store, starts the listener and connects to Slack. */
  start(): Promise<{ httpUrl: string; publicUrl: string }>;
  /** Idempotent: stops intake, lets running jobs finish (up to the shutdown timeout), closes everything. */
  stop(): Promise<void>;
  readonly jobs: JobLog;
  readonly counters: Counters;
  /** The same snapshot /status serves. */
  status(): Promise<StatusSnapshot>;
}

/**
 * How much lower than the daemon the preview threads run (nice). Acks have a deadline (Slack
 * disables apps that miss it); a preview a few hundred ms late does not. Under a burst the
 * kernel runs the acking thread first and previews catch up from the journal-backed queue.
 */
const PREVIEW_THREAD_NICE = 10;

/**
 * A burst: this many events waiting for their durable record at once — thousands of events/s,
 * where Slack's link_shared traffic is normally a few per second; it happens when Slack
 * redelivers a backlog (after an outage or a reconnect), exactly when late acks cost most.
 * Previews are held (see preview-throttle.ts) until intake stays below it for INTAKE_CALM_MS,
 * and run one at a time once the oldest has waited PREVIEW_MAX_HOLD_MS.
 */
const INTAKE_BURST_EVENTS = 16;
const INTAKE_CALM_MS = 250;
const PREVIEW_MAX_HOLD_MS = 10_000;

/** What start() builds; kept together so stop() can take it apart in order. */
interface Running {
  store: Store;
  keyring: Keyring;
  journal: JobJournal;
  queue: UnfurlQueue;
  /** Jobs recorded before the last stop (or crash) and not finished: replayed on start. */
  replay: () => void;
  dispatcher: Dispatcher;
  oauth: Handler;
  status: StatusRoutes;
  receiver?: SocketReceiver;
  closers: Array<() => Promise<unknown>>;
}

/**
 * The composition root: the one place that builds adapters and wires them into the pipeline.
 * Transport (socket / HTTP) → dispatch (event_id dedupe, type table) → link_shared handler
 * (message+URL dedupe) → queue → runUnfurlJob (parse → authorize → fetch → analyse → render → post).
 */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const jobs = new JobLog(now);
  const counters = createCounters();
  const connection = createConnectionTracker(now);
  // The listener reads this array on every request; start() fills it before listening.
  const routes: Handler[] = [];
  const http = createHttpServer({ host: config.http.host, port: config.http.port, handlers: routes, log });
  let running: Running | undefined;
  let publicUrl = config.http.publicUrl;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const startedAt = now();

  const readiness = async (): Promise<string[]> => {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    const state = connection.snapshot().state;
    if (state !== 'connected' && state !== 'listening') reasons.push(`slack connection is ${state}`);
    try {
      if (running === undefined) reasons.push('starting');
      else await running.store.ping();
    } catch (error) {
      reasons.push(`store unreadable: ${(error as Error).message}`);
    }
    return reasons;
  };

  async function build(): Promise<Running> {
    const { botToken, clientId, clientSecret } = config.slack;
    const { org, apiKey } = config.lightstep;
    if (botToken === undefined || clientId === undefined || clientSecret === undefined || org === undefined || apiKey === undefined) {
      throw new LsslackError('config_invalid', 'SLACK_BOT_TOKEN, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, LIGHTSTEP_ORG and LIGHTSTEP_API_KEY are required to start.');
    }
    const persistence = await openPersistence({ config, log, now });
    const { store, journal, recorder } = persistence;
    const closers: Array<() => Promise<unknown>> = [() => persistence.close()];
    const keyring = createKeyring(await loadMasterKey(config.dataDir, config.secretKey));
    // Fetch → analyse → render → post run on their own threads: this one only acks, records and decides.
    const publisher = createPreviewThreads({
      threads: config.threads,
      settings: { lightstep: { apiUrl: config.lightstep.apiUrl, org, apiKey }, slack: { botToken, apiUrl: config.slack.apiUrl }, nice: PREVIEW_THREAD_NICE },
      log,
      onCount: (name) => counters.inc(name),
      onRestart: () => counters.inc('thread_restarts'),
    });
    await publisher.start().catch(async (error: unknown) => {
      await persistence.close();
      throw error;
    });
    closers.unshift(() => publisher.stop());
    const refresh = createTokenRefresher({ apiUrl: config.slack.apiUrl, clientId, clientSecret, log });
    const identities = createIdentityDirectory({ store, keyring, log, now, refresh, onDropped: () => counters.inc('links_dropped') });
    const prompter = createLinkPrompter({ publicUrl: () => publicUrl, keyring, store, now });
    const jobLog = log.child({ component: 'job' });
    // app_uninstalled: jobs of that workspace received before it are dropped, not posted.
    const uninstalledAt = new Map<string, number>();
    const work = async (job: UnfurlJob) =>
      (uninstalledAt.get(job.teamId) ?? -1) >= job.receivedAt
        ? ({ kind: 'skipped', reason: 'workspace_uninstalled' } as const)
        : runUnfurlJob(job, { allowedOrigins: config.lightstep.appOrigins, identities, prompter, publisher, links: identities });
    const queue = createUnfurlQueue({
      concurrency: config.concurrency,
      now,
      work,
      // Slack's per-workspace 429: re-run after Retry-After without holding a worker meanwhile.
      retryDelay: (error, attempt) => {
        if (!(error instanceof LsslackError)) return undefined;
        if (error.code === 'slack_rate_limited' && attempt <= 5) return Number(error.detail ?? 1000) + Math.random() * 250;
        // The thread running it died (most likely because of another job): one more try.
        if (error.detail === THREAD_EXITED && attempt <= 1) return 0;
        return undefined;
      },
      onDone: (job, outcome, durationMs) => {
        journal.done(job.id);
        const record = jobs.record(job, outcome, durationMs);
        const level = outcome.kind === 'failed' ? 'warn' : 'info';
        jobLog[level](
          { jobId: job.id, team: job.teamId, channel: job.channel, project: record.project, outcome: outcome.kind, detail: record.detail, ...(outcome.kind === 'failed' ? { reason: outcome.message } : {}), durationMs, latencyMs: record.latencyMs },
          `job ${outcome.kind}`,
        );
      },
    });
    const throttle = createPreviewThrottle({ queue, concurrency: config.concurrency, maxHoldMs: PREVIEW_MAX_HOLD_MS, log });
    closers.unshift(async () => throttle.stop());
    const pressure = createIntakePressure({ threshold: INTAKE_BURST_EVENTS, calmMs: INTAKE_CALM_MS, onChange: (busy) => throttle.onPressure(busy) });
    closers.unshift(async () => pressure.stop());
    const inner = createDispatcher({
      log,
      handlers: {
        link_shared: createLinkSharedHandler({ queue, recorder, now }),
        ...createRevocationHandlers({
          dropLink: (team, user, reason) => identities.dropLink(team, user, reason),
          removeTeam: (team) => store.removeTeam(team),
          markUninstalled: (team, at) => uninstalledAt.set(team, at),
        }),
      },
    });
    const dispatcher: Dispatcher = {
      async dispatch(event) {
        counters.inc('events_received');
        const end = pressure.begin();
        const result = await inner.dispatch(event).finally(end);
        if (result.kind === 'duplicate') counters.inc('events_deduplicated');
        if (result.kind === 'ignored') counters.inc('events_ignored');
        // The transports ack everything that was not rejected.
        if (result.kind !== 'rejected') counters.inc('events_acked');
        return result;
      },
    };
    const metrics = createPrometheusMetrics(() => snapshot());
    jobs.on('job', (record) => metrics.observeJob(record));
    const status = statusRoutes({
      snapshot: () => snapshot(),
      onChange: (listener) => {
        jobs.on('job', listener);
        return () => jobs.off('job', listener);
      },
      metrics: () => metrics.render(),
      adminToken: config.adminToken,
    });
    const oauth = oauthRoutes({
      keyring,
      store,
      log,
      now,
      publicUrl: () => publicUrl,
      authorizeUrl: config.slack.authorizeUrl,
      apiUrl: config.slack.apiUrl,
      clientId,
      clientSecret,
      timeoutMs: options.oauthTimeoutMs,
      // Deliver after linking: the unfurls that prompted this user are posted now, nobody reposts.
      onLinked: async (team, user) => {
        const delivered = (await store.takePending(team, user)).map((p) => jobFromPending(p, now()));
        await journal.append(delivered);
        queue.enqueue(delivered);
      },
    });
    const replay = () => {
      if ('claim' in journal) {
        // Replicas: unfinished jobs of any dead replica (or of our previous run) are claimed by lease.
        const loop = startClaimLoop({ journal: journal as ClaimingJournal, queue, log, capacity: config.concurrency * 4 });
        closers.unshift(() => loop.stop());
        return;
      }
      const jobsToReplay = journal.live();
      if (jobsToReplay.length === 0) return;
      log.info({ jobs: jobsToReplay.length }, 'replaying unfinished jobs from the journal');
      queue.enqueue(jobsToReplay);
    };
    return { store, keyring, journal, queue, replay, dispatcher, oauth, status, closers };
  }

  async function start(): Promise<{ httpUrl: string; publicUrl: string }> {
    if (running !== undefined) throw new LsslackError('internal', 'The daemon is already started.');
    running = await build();
    const { dispatcher } = running;
    routes.push(healthRoutes(readiness), running.status.handler, running.oauth);
    if (config.mode === 'http') {
      if (config.slack.signingSecret === undefined) throw new LsslackError('config_invalid', 'HTTP mode needs SLACK_SIGNING_SECRET.');
      routes.push(eventsRoute({ signingSecret: config.slack.signingSecret, dispatcher, log, now, accepting: () => !stopping }));
    }
    const address = await http.start();
    const httpUrl = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    if (config.sources['http.publicUrl'] === undefined) publicUrl = httpUrl;
    // Prompts in replayed jobs need the public URL, so replay only now.
    running.replay();

    if (config.mode === 'socket') {
      if (config.slack.appToken === undefined) throw new LsslackError('config_invalid', 'Socket Mode needs SLACK_APP_TOKEN.');
      running.receiver = createSocketReceiver({
        appToken: config.slack.appToken,
        apiUrl: config.slack.apiUrl,
        dispatcher,
        log,
        connection,
        clientPingTimeoutMs: options.clientPingTimeoutMs,
        onDropped: (reason) => {
          counters.inc('envelopes_dropped');
          jobs.error('envelope_dropped', reason);
        },
      });
      await running.receiver.start();
    } else {
      connection.set('listening');
    }
    log.info({ mode: config.mode, httpUrl, publicUrl, concurrency: config.concurrency, dataDir: config.dataDir, version: options.version }, 'lsslack started');
    return { httpUrl, publicUrl };
  }

  async function stopOnce(): Promise<void> {
    stopping = true;
    // Intake first: no new events while running jobs finish.
    await running?.receiver?.stop();
    const finished = (await running?.queue.stop(config.shutdownTimeoutMs)) ?? true;
    if (!finished) log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline reached with jobs still running');
    running?.status.closeStreams();
    await http.stop();
    for (const close of running?.closers ?? []) await close().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'close failed'));
    log.info({}, 'lsslack stopped');
  }

  async function snapshot(): Promise<StatusSnapshot> {
    const at = now();
    const reasons = await readiness();
    const store = running?.store;
    const [mappings, links, pending] = store === undefined ? [[], [], 0] : await Promise.all([store.listMappings(), store.listLinks(), store.countPending()]);
    const log = jobs.snapshot();
    return {
      version: options.version,
      mode: config.mode,
      startedAt,
      now: at,
      uptimeS: Math.round((at - startedAt) / 1000),
      ready: reasons.length === 0,
      notReadyReasons: reasons,
      connection: connection.snapshot(),
      queue: running?.queue.stats() ?? { waiting: 0, running: 0, concurrency: config.concurrency, oldestWaitingMs: 0 },
      counters: counters.snapshot(),
      outcomes: log.outcomes,
      failedByCode: log.failedByCode,
      latencyMs: log.latencyMs,
      auth: { usersMapped: mappings.length, usersLinked: links.length, promptsPending: pending, linksDropped: counters.get('links_dropped') },
      recentJobs: log.recentJobs,
      recentErrors: log.recentErrors,
    };
  }

  return {
    jobs,
    counters,
    status: snapshot,
    start,
    stop() {
      stopped ??= stopOnce();
      return stopped;
    },
  };
}

/** A remembered unfurl becomes a job again once its sharer has linked. */
function jobFromPending(pending: PendingUnfurl, receivedAt: number): UnfurlJob {
  return {
    id: `${pending.eventId}:linked:${pending.id}`,
    eventId: pending.eventId,
    teamId: pending.teamId,
    userId: pending.slackUserId,
    channel: pending.channel,
    messageTs: pending.messageTs,
    target: pending.target,
    url: pending.url,
    receivedAt,
  };
}
