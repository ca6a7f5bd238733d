import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LsslackError } from '../../domain/errors.js';
import type { Logger, PreviewPublisher, PreviewRequest, PreviewResult } from '../../domain/ports.js';
import type { UnfurlTarget } from '../../domain/types.js';
import { fromWireError, type FromThread, type PreviewThreadSettings, type RelayedCounter, type ToThread } from './protocol.js';

export interface PreviewThreadsOptions {
  /** How many threads; each runs any number of jobs at once (the queue's concurrency decides). */
  readonly threads: number;
  readonly settings: PreviewThreadSettings;
  readonly log: Logger;
  readonly onCount: (name: RelayedCounter) => void;
  /** Called each time a dead thread is replaced. */
  readonly onRestart?: () => void;
  /** How long a thread may take to load (default 30 s). */
  readonly startTimeoutMs?: number;
}

export interface PreviewThreads extends PreviewPublisher {
  /** Starts every thread; rejects (and leaves nothing running) if one cannot load. */
  start(): Promise<void>;
  /** Idempotent: asks each thread to close its clients and end; terminates it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Detail of the error given to the jobs a dying thread was running: the queue re-runs them once. */
export const THREAD_EXITED = 'thread_exited';

interface Pending {
  readonly resolve: (value: PreviewResult | null) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Consecutive deaths without a finished call in between (for the restart back-off). */
  deaths: number;
  /** Why the current thread failed, when it said so before exiting. */
  failure?: string;
}

// Under tsx (tests, benchmarks) this module is .ts and so is the thread's entry point.
const FROM_SOURCE = path.extname(fileURLToPath(import.meta.url)) === '.ts';
const ENTRY = new URL(`./preview-thread${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/**
 * The preview threads' young generation, MiB (V8 splits it into three semi-space-sized parts, so
 * this is `--max-semi-space-size=64`). Decoding a 100k-span trace keeps ~10 MB of new objects
 * alive across scavenges; with V8's default 16 MiB semi-spaces each scavenge copied them and
 * promoted most, and decode took 100–115 ms instead of 60 (bench/analysis). Only the threads that
 * analyse traces get it; the acking thread keeps V8's default.
 */
export const PREVIEW_THREAD_YOUNG_GENERATION_MB = 192;
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: PREVIEW_THREAD_YOUNG_GENERATION_MB };

/**
 * Built (dist/): the entry file itself. From source: Node 20 does not carry the hooks that
 * `--import tsx` registers into worker threads (seen on 20.20), so when the .ts entry cannot be
 * loaded the thread registers tsx itself and tries again. Production never takes this path.
 */
function newThread(workerData: PreviewThreadSettings): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData, name: 'lsslack-preview', resourceLimits: RESOURCE_LIMITS });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  // The second attempt uses another URL: the loader remembers the first one's failure.
  const bootstrap = `import(${JSON.stringify(ENTRY.href)}).catch((error) => {
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return import(${tsx}).then((api) => { api.register(); return import(${JSON.stringify(`${ENTRY.href}?tsx`)}); });
  })`;
  return new Worker(bootstrap, { eval: true, workerData, name: 'lsslack-preview', resourceLimits: RESOURCE_LIMITS });
}

/**
 * The main thread's side of the preview threads: hands each call to the least busy thread and
 * matches answers to calls. A thread that dies (a bug) fails only the calls it was running —
 * marked so the queue re-runs them once — and is started again. (Running out of heap is not
 * contained: V8 aborts the whole process when JSON.parse of a huge body hits the limit, even in a
 * worker with resourceLimits, so no per-thread heap limit is set.)
 */
export function createPreviewThreads(options: PreviewThreadsOptions): PreviewThreads {
  const log = options.log.child({ component: 'preview-threads' });
  const slots: Slot[] = [];
  let nextId = 1;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const spawn = (slot?: Slot): { slot: Slot; ready: Promise<void> } => {
    const worker = newThread(options.settings);
    const target: Slot = slot ?? { worker, pending: new Map(), deaths: 0 };
    target.worker = worker;
    target.failure = undefined;
    let ready = false;
    const readyPromise = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LsslackError('internal', `A preview thread did not start within ${options.startTimeoutMs ?? 30_000} ms.`)), options.startTimeoutMs ?? 30_000);
      worker.on('message', (message: FromThread) => {
        if (message.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve();
          return;
        }
        onMessage(target, message);
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        if (!ready) reject(new LsslackError('internal', `A preview thread failed to start: ${error.message}`, { cause: error }));
        else log.error({ err: error.message, code: (error as NodeJS.ErrnoException).code }, 'preview thread crashed');
        target.failure = `crashed (${error.message})`;
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        if (!ready) reject(new LsslackError('internal', `A preview thread exited (code ${code}) while starting.`));
        onExit(target, worker, code);
      });
    });
    return { slot: target, ready: readyPromise };
  };

  const onMessage = (slot: Slot, message: FromThread) => {
    switch (message.type) {
      case 'result': {
        const pending = slot.pending.get(message.id);
        if (pending === undefined) return;
        slot.pending.delete(message.id);
        slot.deaths = 0;
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWireError(message.error));
        return;
      }
      case 'log': {
        const target = Object.keys(message.bindings).length === 0 ? options.log : options.log.child(message.bindings);
        target[message.level](message.obj, message.msg);
        return;
      }
      case 'count':
        options.onCount(message.name);
        return;
      default:
    }
  };

  const onExit = (slot: Slot, worker: Worker, code: number) => {
    if (slot.worker !== worker) return;
    const lost = [...slot.pending.values()];
    slot.pending.clear();
    const why = slot.failure ?? `exited (code ${code})`;
    for (const p of lost) p.reject(new LsslackError('internal', `The preview thread running this job ${why}.`, { detail: THREAD_EXITED }));
    if (stopping) return;
    options.onRestart?.();
    slot.deaths += 1;
    const delay = Math.min(30_000, 100 * 2 ** (slot.deaths - 1));
    log.warn({ code, reason: why, jobsLost: lost.length, restartInMs: delay }, 'preview thread exited; starting another');
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      spawn(slot).ready.catch((error: unknown) => log.error({ err: (error as Error).message }, 'preview thread restart failed'));
    }, delay);
    timers.add(timer);
  };

  const call = (message: Omit<Extract<ToThread, { type: 'preview' }>, 'id'> | Omit<Extract<ToThread, { type: 'prompt' }>, 'id'>): Promise<PreviewResult | null> => {
    if (stopping) return Promise.reject(new LsslackError('internal', 'The preview threads are stopped.'));
    let slot = slots[0];
    if (slot === undefined) return Promise.reject(new LsslackError('internal', 'The preview threads are not started.'));
    for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = nextId++;
    const chosen = slot;
    return new Promise((resolve, reject) => {
      chosen.pending.set(id, { resolve, reject });
      chosen.worker.postMessage({ ...message, id } as ToThread);
    });
  };

  const stopAll = async (graceMs: number) => {
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await Promise.all(
      slots.map(async (slot) => {
        const { worker } = slot;
        const exited = new Promise<void>((resolve) => {
          if (worker.threadId === -1) resolve();
          else worker.once('exit', () => resolve());
        });
        worker.postMessage({ type: 'stop' } satisfies ToThread);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), graceMs);
        });
        if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        clearTimeout(timer);
        for (const p of slot.pending.values()) p.reject(new LsslackError('internal', 'The preview threads were stopped.'));
        slot.pending.clear();
      }),
    );
  };

  return {
    async start() {
      if (slots.length > 0) throw new LsslackError('internal', 'The preview threads are already started.');
      const started = Array.from({ length: Math.max(1, options.threads) }, () => spawn());
      for (const s of started) slots.push(s.slot);
      try {
        await Promise.all(started.map((s) => s.ready));
      } catch (error) {
        await stopAll(0);
        throw error;
      }
    },
    stop(graceMs = 5_000) {
      stopped ??= stopAll(graceMs);
      return stopped;
    },
    async publishPreview(request: PreviewRequest): Promise<PreviewResult> {
      const result = await call({ type: 'preview', request });
      if (result === null) throw new LsslackError('internal', 'A preview thread answered a preview with nothing.');
      return result;
    },
    async postAuthPrompt(teamId: string, target: UnfurlTarget, authUrl: string): Promise<void> {
      await call({ type: 'prompt', teamId, target, authUrl });
    },
  };
}
