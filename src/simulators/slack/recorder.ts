/** Records Web API calls and lets tests wait for them. */

import type { RecordedCall } from './types.js';

/** Calls kept in memory; older ones are dropped (benchmarks make hundreds of thousands). */
const MAX_CALLS = 50_000;
/** Drop in batches so that recording stays O(1) amortised. */
const TRIM_SLACK = 1_000;

interface CallWaiter {
  readonly method: string;
  readonly count: number;
  readonly resolve: (calls: RecordedCall[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Bounded call log plus waiters. */
export class CallRecorder {
  /** Exposed as `SlackSimulator.calls`; mutated in place so references stay live. */
  readonly calls: RecordedCall[] = [];
  /** Successful calls per method since start (not bounded), so waits stay O(1) per call. */
  readonly #okCounts = new Map<string, number>();
  #waiters: CallWaiter[] = [];
  #stopped = false;

  /** Appends a call and wakes any waiter whose condition is now met. */
  record(call: RecordedCall): void {
    this.calls.push(call);
    if (this.calls.length > MAX_CALLS + TRIM_SLACK) this.calls.splice(0, this.calls.length - MAX_CALLS);
    if (!call.ok) return;
    const n = (this.#okCounts.get(call.method) ?? 0) + 1;
    this.#okCounts.set(call.method, n);
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((w) => w.method === call.method && n >= w.count);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(this.#successful(w.method));
    }
  }

  /** Successful calls of `method` still held in the log. */
  #successful(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.ok);
  }

  /** See `SlackSimulator.waitForCalls`. */
  waitFor(method: string, count: number, timeoutMs = 30_000): Promise<RecordedCall[]> {
    if ((this.#okCounts.get(method) ?? 0) >= count) return Promise.resolve(this.#successful(method));
    if (this.#stopped) return Promise.reject(new Error('Slack simulator stopped'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const got = this.#okCounts.get(method) ?? 0;
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} successful ${method} call(s); got ${got}. ` +
              `Recorded: ${this.summary()}`,
          ),
        );
      }, timeoutMs);
      const waiter: CallWaiter = { method, count, resolve, reject, timer };
      this.#waiters.push(waiter);
    });
  }

  /** Human-readable digest of what was recorded, for failure messages. */
  summary(): string {
    if (this.calls.length === 0) return 'no Web API calls at all';
    const groups = new Map<string, number>();
    for (const c of this.calls) {
      const key = c.ok ? `${c.method} ok` : `${c.method} error=${c.error ?? '?'}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const grouped = [...groups].map(([key, n]) => `${key} ×${n}`).join(', ');
    const last = this.calls
      .slice(-5)
      .map((c) => `${c.method}(${JSON.stringify(c.args).slice(0, 200)}) → ${c.ok ? 'ok' : c.error}`)
      .join('; ');
    return `${grouped}. Last calls: ${last}`;
  }

  /** Rejects all waiters. */
  close(): void {
    this.#stopped = true;
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`Slack simulator stopped while waiting for ${w.count} ${w.method} call(s)`));
    }
    this.#waiters = [];
  }
}
