import { createLinkRecognizer } from '../adapters/backends/recognise-links.js';
import { createKeyring, loadMasterKey } from '../adapters/crypto/keyring.js';
import { healthRoutes } from '../adapters/http/health-routes.js';
import { statusRoutes, type StatusRoutes } from '../adapters/http/status-routes.js';
import { createPrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { createHttpServer } from '../adapters/http/http-server.js';
import type { Handler } from '../adapters/http/handler.js';
import { createIdentityDirectory } from '../adapters/identity/identity-directory.js';
import { createLinkPrompter } from '../adapters/identity/link-prompter.js';
import { createPreviewPool } from '../adapters/preview-workers/preview-pool.js';
import { eventsRoute } from '../adapters/slack/events-route.js';
import { oauthRoutes } from '../adapters/slack/oauth-routes.js';
import { createTokenRefresher } from '../adapters/slack/token-refresher.js';
import { createChannelAudience } from '../adapters/slack/channel-audience.js';
import { createSocketReceiver, type SocketReceiver } from '../adapters/slack/socket-receiver.js';
import type { Store } from '../adapters/store/store.js';
import type { Config } from '../config/config.js';
import { LsslackError } from '../domain/errors.js';
import type { Logger, RefreshScheduler, UnfurlJobPorts } from '../domain/ports.js';
import type { UnfurlJob } from '../domain/types.js';
import { runDetailsJob, runUnfurlJob } from '../domain/unfurl-job.js';
import { guardAttempts } from '../pipeline/attempt-guard.js';
import { createConnectionTracker } from '../pipeline/connection-state.js';
import { createCounters, type Counters } from '../pipeline/counters.js';
import { createDispatcher, type Dispatcher } from '../pipeline/dispatch.js';
import { expediteOnRecovery } from '../pipeline/expedite-on-recovery.js';
import { createIntakePressure } from '../pipeline/intake-pressure.js';
import { startJobFeeder, type JobFeeder } from '../pipeline/job-feeder.js';
import type { JobJournal } from '../pipeline/job-journal.js';
import { createPreviewThrottle } from '../pipeline/preview-throttle.js';
import { createAudienceChangeHandlers } from '../pipeline/handle-audience-changes.js';
import { createDetailsRequestedHandler, createLinkSharedHandler } from '../pipeline/handle-link-shared.js';
import { createRevocationHandlers } from '../pipeline/handle-revocations.js';
import { JobLog } from '../pipeline/job-log.js';
import { createRetryPolicy } from '../pipeline/retry-policy.js';
import { createUninstallGuard } from '../pipeline/uninstall-guard.js';
import { createUnfurlQueue, type UnfurlQueue } from '../pipeline/unfurl-queue.js';
import type { StatusSnapshot } from '../pipeline/status.js';
import { deliverAfterLinking } from './deliver-after-linking.js';
import { logJobOutcome } from './log-job-outcome.js';
import { openPersistence } from './open-persistence.js';
import { createStatusSnapshot } from './status-snapshot.js';

export interface DaemonOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** Socket Mode ping timeout / reconnect back-off base; tests shorten it. */
  readonly clientPingTimeoutMs?: number;
  /** oauth.v2.access timeout (default 10 s); tests shorten it. */
  readonly oauthTimeoutMs?: number;
  /** How long a preview worker may take to load (default 30 s); tests on loaded machines lengthen it. */
  readonly previewStartTimeoutMs?: number;
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
  /** Process ids of the preview workers (tests and benchmarks watch them). */
  workerPids(): number[];
}

/**
 * How much lower than the daemon the preview workers run (nice). Acks have a deadline (Slack
 * disables apps that miss it); a preview a few hundred ms late does not. Under a burst the
 * kernel runs the process that acks first and previews catch up from the journal-backed queue.
 */
const PREVIEW_WORKER_NICE = 10;

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

/** Attempts in a row that died with their worker (or the daemon) before a job is poison. */
const MAX_CRASHES = 3;

/** What start() builds; kept together so stop() can take it apart in order. */
interface Running {
  store: Store;
  journal: JobJournal;
  queue: UnfurlQueue;
  feeder?: JobFeeder;
  /** Starts taking jobs from the journal (unfinished ones from before the last stop or crash first). */
  startFeeding: () => void;
  dispatcher: Dispatcher;
  oauth: Handler;
  status: StatusRoutes;
  workerPids: () => number[];
  receiver?: SocketReceiver;
  closers: Array<() => Promise<unknown>>;
}

/**
 * The composition root: the one place that builds adapters and wires them into the pipeline.
 * Transport (socket / HTTP) → dispatch (event_id dedupe, type table) → link_shared handler
 * (message+URL dedupe, journal) → feeder → queue → runUnfurlJob (recognise → authorize → preview
 * worker: fetch → analyse → render → post).
 */
export function createDaemon(options: DaemonOptions): Daemon {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const jobs = new JobLog(now);
  const counters = createCounters();
  const backendRetries = new Map<string, number>();
  const connection = createConnectionTracker(now);
  // The listener reads this array on every request; start() fills it before listening.
  const routes: Handler[] = [];
  const http = createHttpServer({ host: config.http.host, port: config.http.port, handlers: routes, log });
  let running: Running | undefined;
  let publicUrl = config.http.publicUrl;
  let stopping = false;
  let stopped: Promise<void> | undefined;

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

  const snapshot = createStatusSnapshot({
    config,
    version: options.version,
    now,
    readiness,
    jobs,
    counters,
    connection,
    backendRetries,
    store: () => running?.store,
    queue: () => running?.queue,
    journal: () => running?.journal,
  });

  async function build(): Promise<Running> {
    const { botToken, clientId, clientSecret } = config.slack;
    if (botToken === undefined || clientId === undefined || clientSecret === undefined || config.backends.length === 0) {
      throw new LsslackError('config_invalid', 'SLACK_BOT_TOKEN, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and at least one trace backend are required to start.');
    }
    const persistence = await openPersistence({ config, log, now });
    const { store, journal, recorder } = persistence;
    const closers: Array<() => Promise<unknown>> = [() => persistence.close()];
    const keyring = createKeyring(await loadMasterKey(config.dataDir, config.secretKey));
    // Fetch → analyse → render → post run in their own processes: this one only acks, records and decides.
    const publisher = createPreviewPool({
      workers: config.previewWorkers,
      heapMb: config.previewHeapMb,
      nice: PREVIEW_WORKER_NICE,
      settings: { backends: config.backends, limits: config.traceLimits, slack: { botToken, apiUrl: config.slack.apiUrl } },
      log,
      onCount: (name, backend) => {
        counters.inc(name);
        if (name === 'backend_retries' && backend !== undefined) backendRetries.set(backend, (backendRetries.get(backend) ?? 0) + 1);
      },
      onRestart: () => counters.inc('worker_restarts'),
      ...(options.previewStartTimeoutMs === undefined ? {} : { startTimeoutMs: options.previewStartTimeoutMs }),
    });
    await publisher.start().catch(async (error: unknown) => {
      await persistence.close();
      throw error;
    });
    closers.unshift(() => publisher.stop());
    const refresh = createTokenRefresher({ apiUrl: config.slack.apiUrl, clientId, clientSecret, log });
    const identities = createIdentityDirectory({ store, keyring, log, now, refresh, onDropped: () => counters.inc('links_dropped') });
    const prompter = createLinkPrompter({ publicUrl: () => publicUrl, keyring, store, now });
    const recognizer = createLinkRecognizer(config.backends);
    // Replicas each cache audiences, and only the one that got channel_shared forgets at once: a
    // shorter TTL bounds how long the others may think a newly shared channel is internal.
    const audiences = createChannelAudience({ botToken, apiUrl: config.slack.apiUrl, log, now, ttlMs: config.storeUrl === undefined ? 10 * 60_000 : 60_000 });
    const uninstalls = createUninstallGuard();
    const jobLog = log.child({ component: 'job' });
    let feeder: JobFeeder | undefined;
    // Recorded jobs start after this turn of the event loop, once the acks of their events are on
    // the wire: fastq starts a job synchronously on push, and its first steps (the start record,
    // the identity lookup, the hand-off to a preview process) otherwise ran before every ack.
    // Nothing is lost in between: the jobs are in the journal, and a stop leaves them there.
    let admitting: UnfurlJob[] = [];
    const admit = (fresh: readonly UnfurlJob[]) => {
      if (admitting.length === 0) {
        setImmediate(() => {
          const jobs = admitting;
          admitting = [];
          feeder?.admit(jobs);
        });
      }
      admitting.push(...fresh);
    };
    const refresher: RefreshScheduler = {
      async scheduleRefresh(job, refresh, delayMs) {
        // Journaled like any job: a restart does not forget a pending refresh.
        const at = now();
        const next: UnfurlJob = { ...job, id: `${job.id.replace(/:r\d+$/, '')}:r${refresh.n}`, kind: 'refresh', refresh, receivedAt: at, notBefore: at + delayMs };
        await journal.append([next]);
        admit([next]);
      },
    };
    const ports: UnfurlJobPorts = {
      recognizer,
      identities,
      prompter,
      publisher,
      links: identities,
      audiences,
      policies: store,
      refresher,
      detailDefaults: config.detailDefaults,
      refreshDelaysMs: config.refreshDelaysMs,
      workObjects: config.workObjects,
    };
    const work = guardAttempts({ journal, maxCrashes: MAX_CRASHES, log }, async (job: UnfurlJob) => {
      if (uninstalls.skips(job)) return { kind: 'skipped', reason: 'workspace_uninstalled' } as const;
      return job.kind === 'details' ? runDetailsJob(job, ports) : runUnfurlJob(job, ports);
    });
    let onRecovery: ReturnType<typeof expediteOnRecovery> | undefined;
    const queue = createUnfurlQueue({
      concurrency: config.concurrency,
      // The rest wait in the journal and are read back in order: a backlog of 100k costs an offset each, not a job.
      capacity: config.queueMemory,
      now,
      work,
      retry: createRetryPolicy({ rideOutMs: config.outageRideOutMs, now }),
      onDeferred: (job, decision) => {
        journal.deferred(job.id);
        jobLog.debug({ jobId: job.id, reason: decision.reason, retryInMs: Math.round(decision.delayMs) }, 'job deferred');
      },
      onRoom: () => feeder?.wake(),
      onDone: (job, outcome, durationMs) => {
        journal.done(job.id);
        logJobOutcome(jobLog, job, jobs.record(job, outcome, durationMs), outcome);
        onRecovery?.(outcome);
      },
    });
    onRecovery = expediteOnRecovery(queue);
    const throttle = createPreviewThrottle({ queue, concurrency: config.concurrency, maxHoldMs: PREVIEW_MAX_HOLD_MS, log });
    closers.unshift(async () => throttle.stop());
    const pressure = createIntakePressure({ threshold: INTAKE_BURST_EVENTS, calmMs: INTAKE_CALM_MS, onChange: (busy) => throttle.onPressure(busy) });
    closers.unshift(async () => pressure.stop());
    const inner = createDispatcher({
      log,
      handlers: {
        link_shared: createLinkSharedHandler({ admit, recorder, now }),
        entity_details_requested: createDetailsRequestedHandler({ admit, recorder, now }),
        ...createAudienceChangeHandlers((team, channel) => audiences.forget(team, channel)),
        ...createRevocationHandlers({
          dropLink: (team, user, reason) => identities.dropLink(team, user, reason),
          removeTeam: (team) => store.removeTeam(team),
          markUninstalled: uninstalls.markUninstalled,
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
    const metrics = createPrometheusMetrics(snapshot);
    jobs.on('job', (record) => metrics.observeJob(record));
    const status = statusRoutes({
      snapshot,
      onChange: (listener) => {
        jobs.on('job', listener);
        return () => jobs.off('job', listener);
      },
      metrics: () => metrics.render(),
      adminToken: config.adminToken,
    });
    const built: Running = {
      store,
      journal,
      queue,
      dispatcher,
      status,
      closers,
      workerPids: () => publisher.pids(),
      startFeeding: () => {
        feeder = startJobFeeder({ journal, queue, log });
        built.feeder = feeder;
        closers.unshift(() => feeder!.stop());
        if (journal.waitingCount() > 0) log.info({ jobs: journal.waitingCount() }, 'replaying unfinished jobs from the journal');
      },
      oauth: oauthRoutes({
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
        onLinked: deliverAfterLinking({ store, journal, feeder: { admit: (fresh) => admit(fresh) }, now }),
      }),
    };
    return built;
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
    // Prompts in replayed jobs need the public URL, so feeding starts only now.
    running.startFeeding();

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
    log.info({ mode: config.mode, httpUrl, publicUrl, concurrency: config.concurrency, backends: config.backends.map((b) => `${b.id} (${b.kind})`), dataDir: config.dataDir, version: options.version }, 'lsslack started');
    return { httpUrl, publicUrl };
  }

  async function stopOnce(): Promise<void> {
    stopping = true;
    // Intake first: no new events while running jobs finish.
    await running?.receiver?.stop();
    await running?.feeder?.stop();
    const finished = (await running?.queue.stop(config.shutdownTimeoutMs)) ?? true;
    if (!finished) log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline reached with jobs still running');
    running?.status.closeStreams();
    await http.stop();
    for (const close of running?.closers ?? []) await close().catch((error: unknown) => log.warn({ err: (error as Error).message }, 'close failed'));
    log.info({}, 'lsslack stopped');
  }

  return {
    jobs,
    counters,
    status: snapshot,
    start,
    workerPids: () => running?.workerPids() ?? [],
    stop() {
      stopped ??= stopOnce();
      return stopped;
    },
  };
}
