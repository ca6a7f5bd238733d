import type { Logger } from '../domain/ports.js';
import type { UnfurlQueue } from './unfurl-queue.js';

export interface PreviewThrottleOptions {
  readonly queue: Pick<UnfurlQueue, 'setConcurrency' | 'stats'>;
  /** Concurrency outside bursts (LSSLACK_CONCURRENCY). */
  readonly concurrency: number;
  /** During a long burst, once the oldest waiting job is this old, previews run one at a time. */
  readonly maxHoldMs: number;
  readonly log: Logger;
  /** How often a held queue is checked against maxHoldMs. */
  readonly checkEveryMs?: number;
}

export interface PreviewThrottle {
  /** Feed IntakePressure's changes here. */
  onPressure(busy: boolean): void;
  stop(): void;
}

/**
 * What the daemon does with previews while intake is under a burst: holds them, so the CPU goes
 * to acks (Slack redelivers, then disables, an app that acks late; a preview can wait — its job is
 * queued and journaled). Never starves them: a burst that outlasts `maxHoldMs` lets them run one
 * at a time; when it passes they run at full concurrency again.
 */
export function createPreviewThrottle(options: PreviewThrottleOptions): PreviewThrottle {
  const { queue, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let mode: 'full' | 'held' | 'trickle' = 'full';

  const set = (next: typeof mode) => {
    if (next === mode) return;
    mode = next;
    queue.setConcurrency(next === 'full' ? options.concurrency : next === 'trickle' ? 1 : 0);
    const messages = {
      held: 'intake burst: previews held until it passes (acks first)',
      trickle: `intake burst longer than ${Math.round(options.maxHoldMs / 1000)} s: previews run one at a time`,
      full: 'intake calm again: previews at full concurrency',
    } as const;
    log.info({ previews: next }, messages[next]);
  };

  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    onPressure(busy) {
      if (!busy) {
        stopTimer();
        set('full');
        return;
      }
      set('held');
      timer ??= setInterval(() => {
        if (mode === 'held' && queue.stats().oldestWaitingMs >= options.maxHoldMs) set('trickle');
      }, options.checkEveryMs ?? 500);
      timer.unref();
    },
    stop: stopTimer,
  };
}
