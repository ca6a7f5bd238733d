import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LsslackError } from '../../domain/errors.js';
import type { DetailsRequest, DetailsResult, Logger, PreviewedTrace, PreviewPublisher, PreviewRequest, PreviewResult } from '../../domain/ports.js';
import { keyOf } from './analysis-cache.js';
import type { UnfurlTarget } from '../../domain/types.js';
import { scrubSecrets } from '../slack/slack-logger.js';
import { fromWireError, type FromWorker, type PreviewWorkerSettings, type RelayedCounter, type ToWorker } from './protocol.js';

export interface PreviewPoolOptions {
  /** How many worker processes; each runs any number of jobs at once (the queue's concurrency decides). */
  readonly workers: number;
  readonly settings: PreviewWorkerSettings;
  /** Heap limit of each worker, MiB (`--max-old-space-size`). */
  readonly heapMb: number;
  /** Added to each worker's nice value, so the process that acks Slack goes first. */
  readonly nice: number;
  readonly log: Logger;
  readonly onCount: (name: RelayedCounter, backend?: string) => void;
  /** Called each time a dead worker is replaced. */
  readonly onRestart?: () => void;
  /** How long a worker may take to load (default 30 s). */
  readonly startTimeoutMs?: number;
  /** A call not answered within this is stuck (a bug): its worker is killed (default 120 s). */
  readonly callTimeoutMs?: number;
  /** A quarantine worker idle this long is stopped (default 30 s). */
  readonly quarantineIdleMs?: number;
}

export interface PreviewPool extends PreviewPublisher {
  /** Starts every worker; rejects (and leaves nothing running) if one cannot load. */
  start(): Promise<void>;
  /** Idempotent: asks each worker to close its clients and end; kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Process ids of the running workers (status, benchmarks). */
  pids(): number[];
}

type Call =
  | { readonly type: 'preview'; readonly request: PreviewRequest }
  | { readonly type: 'notice'; readonly request: PreviewRequest; readonly trace: Exclude<PreviewedTrace, { kind: 'found' }> }
  | { readonly type: 'prompt'; readonly teamId: string; readonly target: UnfurlTarget; readonly authUrl: string }
  | { readonly type: 'details'; readonly request: DetailsRequest };

type Answer = PreviewResult | DetailsResult | null;

interface Pending {
  readonly call: Call;
  readonly resolve: (value: Answer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** The worker said it has the call (a worker that dies before never ran it). */
  accepted?: boolean;
  /** How many workers died before taking this call. */
  readonly handoffs?: number;
}

/** Workers a call may see die before taking it; then it is charged like any (a message that kills them). */
const MAX_HANDOFFS = 3;

interface Slot {
  readonly name: string;
  child: ChildProcess | undefined;
  ready: boolean;
  readonly pending: Map<number, Pending>;
  /** Consecutive deaths without a finished call in between (for the restart back-off). */
  deaths: number;
  /** The last lines the worker wrote to stderr (V8's fatal errors land there). */
  stderr: string;
}

// Under tsx (tests, benchmarks) this module is .ts and so is the worker's entry point.
const FROM_SOURCE = path.extname(fileURLToPath(import.meta.url)) === '.ts';
const ENTRY = fileURLToPath(new URL(`./preview-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
const STDERR_TAIL = 4096;

/**
 * The preview workers' young generation (`--max-semi-space-size`, MiB). Decoding a 100k-span
 * trace keeps ~10 MB of new objects alive across scavenges; with V8's default 16 MiB semi-spaces
 * each scavenge copied them and promoted most, and decode took 100–115 ms instead of 60
 * (bench/analysis). Only the workers that analyse traces get it; the daemon keeps V8's default.
 */
export const PREVIEW_SEMI_SPACE_MB = 64;

/** V8 ran out of heap (it prints this before aborting the process). */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed/i;

/**
 * The daemon's side of the preview workers: child processes, because a V8 out-of-memory abort
 * inside JSON.parse of a huge trace takes its whole process down — in a worker thread even with
 * resourceLimits, which is why threads were given up (a 1M-span body aborted the daemon).
 *
 * - Each call goes to the least busy worker. A worker that dies fails only the calls it was
 *   running: they are marked `workerLost` (the queue runs them again) and their jobs become
 *   *suspects*, run from then on in a quarantine worker one at a time, so the job that killed a
 *   worker is found without blaming the jobs that happened to share it.
 * - A quarantined job whose worker runs out of heap was too big to preview: its preview says so
 *   (posted by a healthy worker) instead of it being tried again.
 * - A call stuck past `callTimeoutMs` (a bug, a hang) gets its worker killed, with the same rules.
 * - Dead workers are started again with back-off.
 */
export function createPreviewPool(options: PreviewPoolOptions): PreviewPool {
  const log = options.log.child({ component: 'preview-workers' });
  const slots: Slot[] = [];
  const quarantine: Slot = { name: 'quarantine', child: undefined, ready: false, pending: new Map(), deaths: 0, stderr: '' };
  const quarantined: Array<{ id: number; pending: Omit<Pending, 'timer'> }> = [];
  const suspects = new Set<string>();
  let quarantineStarting: Promise<void> | undefined;
  let quarantineIdle: NodeJS.Timeout | undefined;
  let nextId = 1;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const startTimeout = options.startTimeoutMs ?? 30_000;
  const callTimeout = options.callTimeoutMs ?? 120_000;

  const spawn = (slot: Slot): Promise<void> => {
    const execArgv = [`--max-old-space-size=${options.heapMb}`, `--max-semi-space-size=${PREVIEW_SEMI_SPACE_MB}`, ...(FROM_SOURCE ? ['--import', 'tsx'] : [])];
    // No environment: the worker gets its settings over IPC, so no secret sits in its /proc/*/environ.
    const child = fork(ENTRY, [], { execArgv, serialization: 'json', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: {} });
    slot.child = child;
    slot.ready = false;
    slot.stderr = '';
    if (options.nice > 0 && process.platform === 'linux' && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, Math.min(19, os.getPriority() + options.nice));
      } catch {
        // Not permitted (a seccomp profile, say): run at the daemon's priority.
      }
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      slot.stderr = (slot.stderr + text).slice(-STDERR_TAIL);
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new LsslackError('internal', `A preview worker did not start within ${startTimeout} ms.`));
        child.kill('SIGKILL');
      }, startTimeout);
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.ready = true;
          clearTimeout(timer);
          resolve();
          if (slot === quarantine) pumpQuarantine();
          return;
        }
        onMessage(slot, message);
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        if (!slot.ready) reject(new LsslackError('internal', `A preview worker failed to start: ${error.message}`, { cause: error }));
        else log.error({ err: error.message }, 'preview worker error');
      });
      // 'close', not 'exit': it comes once stderr is drained too, so V8's dying words are in.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (!slot.ready) reject(new LsslackError('internal', `A preview worker exited (${signal ?? `code ${code}`}) while starting: ${lastLine(slot.stderr)}`));
        onExit(slot, child, code, signal);
      });
      child.send({ type: 'init', settings: options.settings } satisfies ToWorker);
    });
  };

  const onMessage = (slot: Slot, message: FromWorker) => {
    switch (message.type) {
      case 'result': {
        const pending = slot.pending.get(message.id);
        if (pending === undefined) return;
        slot.pending.delete(message.id);
        clearTimeout(pending.timer);
        slot.deaths = 0;
        if (pending.call.type === 'preview') suspects.delete(pending.call.request.jobId);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWireError(message.error));
        if (slot === quarantine) pumpQuarantine();
        return;
      }
      case 'accepted': {
        const pending = slot.pending.get(message.id);
        if (pending !== undefined) pending.accepted = true;
        return;
      }
      case 'log': {
        const target = Object.keys(message.bindings).length === 0 ? options.log : options.log.child(message.bindings);
        target[message.level](message.obj, message.msg);
        return;
      }
      case 'count':
        options.onCount(message.name, message.backend);
        return;
      default:
    }
  };

  const onExit = (slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => {
    if (slot.child !== child) return;
    slot.child = undefined;
    slot.ready = false;
    const lost = [...slot.pending.values()];
    slot.pending.clear();
    const outOfMemory = OUT_OF_MEMORY.test(slot.stderr);
    const why = outOfMemory ? `ran out of heap (${options.heapMb} MiB, LSSLACK_PREVIEW_HEAP_MB)` : signal !== null ? `was killed (${signal})` : `exited (code ${code})`;
    for (const p of lost) {
      clearTimeout(p.timer);
      // Sent to a worker that died before it read the call (killed for another job, say): this
      // call did not kill it, so it goes to the next worker, uncharged.
      const handoffs = (p.handoffs ?? 0) + 1;
      if (p.accepted !== true && !stopping && handoffs <= MAX_HANDOFFS) {
        void dispatch(p.call, handoffs).then(p.resolve, p.reject);
        continue;
      }
      // Alone in its worker, the job is what killed it: a trace too big to analyse ends here.
      if (outOfMemory && lost.filter((l) => l.accepted === true).length === 1 && p.call.type === 'preview') {
        const request = p.call.request;
        suspects.delete(request.jobId);
        void call({ type: 'notice', request, trace: { kind: 'too_large', message: `analysing it needs more than the preview worker's ${options.heapMb} MiB heap` } }).then(p.resolve, p.reject);
        continue;
      }
      if (p.call.type === 'preview') suspects.add(p.call.request.jobId);
      p.reject(new LsslackError('internal', `The preview worker running this job ${why}.`, { workerLost: true }));
    }
    if (stopping) return;
    if (slot === quarantine) {
      // Started again on demand, when the next suspect comes (a failed start retries by itself).
      if (quarantined.length > 0 && quarantineStarting === undefined) startQuarantine();
      log.warn({ reason: why, stderr: scrubSecrets(lastLine(slot.stderr)), jobsLost: lost.length }, 'quarantine preview worker exited');
      return;
    }
    options.onRestart?.();
    slot.deaths += 1;
    const delay = Math.min(30_000, 100 * 2 ** (slot.deaths - 1));
    log.warn({ worker: slot.name, code, signal, reason: why, stderr: scrubSecrets(lastLine(slot.stderr)), jobsLost: lost.length, restartInMs: delay }, 'preview worker exited; starting another');
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      spawn(slot).catch((error: unknown) => log.error({ err: (error as Error).message }, 'preview worker restart failed'));
    }, delay);
    timers.add(timer);
  };

  const send = (slot: Slot, pendingCall: Omit<Pending, 'timer'>, id: number) => {
    const timer = setTimeout(() => {
      if (!slot.pending.has(id)) return;
      log.error({ worker: slot.name, timeoutMs: callTimeout }, 'a preview call is stuck; killing its worker');
      slot.child?.kill('SIGKILL');
    }, callTimeout);
    slot.pending.set(id, { ...pendingCall, timer });
    const { call: c } = pendingCall;
    slot.child!.send({ ...c, id } as ToWorker);
  };

  let quarantineRetryMs = 200;
  const startQuarantine = () => {
    if (quarantineStarting !== undefined || stopping) return;
    quarantineStarting = spawn(quarantine)
      .then(() => {
        quarantineRetryMs = 200;
      })
      .catch((error: unknown) => {
        // The worker never ran a suspect, so none is charged: they wait for the next start.
        log.error({ err: (error as Error).message, retryInMs: quarantineRetryMs }, 'quarantine preview worker failed to start');
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (quarantined.length > 0) startQuarantine();
        }, quarantineRetryMs);
        timers.add(timer);
        quarantineRetryMs = Math.min(30_000, quarantineRetryMs * 2);
      })
      .finally(() => {
        quarantineStarting = undefined;
      });
  };

  /** One suspect at a time in the quarantine worker. */
  const pumpQuarantine = () => {
    clearTimeout(quarantineIdle);
    if (stopping || quarantine.pending.size > 0) return;
    const next = quarantined.shift();
    if (next === undefined) {
      quarantineIdle = setTimeout(() => quarantine.child?.send({ type: 'stop' } satisfies ToWorker), options.quarantineIdleMs ?? 30_000);
      quarantineIdle.unref();
      return;
    }
    if (quarantine.child === undefined || !quarantine.ready) {
      quarantined.unshift(next);
      if (quarantine.child === undefined) startQuarantine();
      return;
    }
    send(quarantine, next.pending, next.id);
  };

  /**
   * The least busy running worker — or, for a flexpane, the one its trace hashes to, whose cache
   * then serves every viewer of that trace. While all are restarting, waits for one (up to the start timeout).
   */
  const readySlot = async (affinity?: string): Promise<Slot | undefined> => {
    const deadline = Date.now() + startTimeout;
    for (;;) {
      let slot: Slot | undefined;
      const preferred = affinity === undefined ? undefined : slots[hashOf(affinity) % slots.length];
      if (preferred?.ready === true) return preferred;
      for (const s of slots) if (s.ready && (slot === undefined || s.pending.size < slot.pending.size)) slot = s;
      if (slot !== undefined || stopping || Date.now() > deadline) return slot;
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
    }
  };

  const dispatch = async (c: Call, handoffs = 0): Promise<Answer> => {
    if (stopping) throw new LsslackError('internal', 'The preview workers are stopped.');
    const id = nextId++;
    if (c.type === 'preview' && suspects.has(c.request.jobId)) {
      return new Promise((resolve, reject) => {
        quarantined.push({ id, pending: { call: c, resolve, reject, handoffs } });
        pumpQuarantine();
      });
    }
    const slot = await readySlot(c.type === 'details' && c.request.answer.kind === 'details' ? keyOf(c.request.answer.ref) : undefined);
    // Every worker is being restarted: the job is run again shortly, as after a death.
    if (slot === undefined) throw new LsslackError('internal', 'No preview worker is running (they are restarting).', { workerLost: true });
    return new Promise((resolve, reject) => send(slot, { call: c, resolve, reject, handoffs }, id));
  };
  const call = (c: Call) => dispatch(c);

  const stopSlot = async (slot: Slot, graceMs: number) => {
    const child = slot.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), graceMs);
      });
      if ((await Promise.race([exited, late])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    }
    for (const p of slot.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new LsslackError('internal', 'The preview workers were stopped.'));
    }
    slot.pending.clear();
  };

  const stopAll = async (graceMs: number) => {
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    clearTimeout(quarantineIdle);
    for (const q of quarantined.splice(0)) q.pending.reject(new LsslackError('internal', 'The preview workers were stopped.'));
    await quarantineStarting;
    await Promise.all([...slots, quarantine].map((slot) => stopSlot(slot, graceMs)));
  };

  return {
    async start() {
      if (slots.length > 0) throw new LsslackError('internal', 'The preview workers are already started.');
      for (let i = 0; i < Math.max(1, options.workers); i++) slots.push({ name: `preview-${i + 1}`, child: undefined, ready: false, pending: new Map(), deaths: 0, stderr: '' });
      try {
        await Promise.all(slots.map((slot) => spawn(slot)));
      } catch (error) {
        await stopAll(0);
        throw error;
      }
    },
    stop(graceMs = 5_000) {
      stopped ??= stopAll(graceMs);
      return stopped;
    },
    pids: () => [...slots, quarantine].map((s) => s.child?.pid).filter((pid): pid is number => pid !== undefined),
    async publishPreview(request: PreviewRequest): Promise<PreviewResult> {
      const result = await call({ type: 'preview', request });
      if (result === null || !('posted' in result)) throw new LsslackError('internal', 'A preview worker answered a preview with nothing.');
      return result;
    },
    async presentDetails(request: DetailsRequest): Promise<DetailsResult> {
      const result = await call({ type: 'details', request });
      if (result === null || !('shown' in result)) throw new LsslackError('internal', 'A preview worker answered a flexpane with nothing.');
      return result;
    },
    async postAuthPrompt(teamId: string, target: UnfurlTarget, authUrl: string): Promise<void> {
      await call({ type: 'prompt', teamId, target, authUrl });
    },
  };
}

/** FNV-1a: spreads trace keys over the workers (not security-relevant: it only picks a worker). */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  const fatal = lines.find((l) => OUT_OF_MEMORY.test(l));
  return (fatal ?? lines.at(-1) ?? '').slice(0, 300);
}
