/**
 * Is intake under a burst? Counts events between arrival and ack (being recorded). When many are
 * waiting at once, Slack is sending faster than one journal sync absorbs, and every CPU cycle
 * spent on previews delays acks — which Slack punishes (it retries, then disables the app) while
 * a preview that is a second late costs nothing. The daemon uses this to run previews one at a
 * time during a burst; they catch up from the queue (and the journal) right after.
 */
export interface IntakePressure {
  /** Call when an event starts being handled; call the returned function once it is answered. */
  begin(): () => void;
  readonly busy: boolean;
  /** Idempotent: drops the pending calm check. */
  stop(): void;
}

export interface IntakePressureOptions {
  /** Events waiting at once that make a burst. */
  readonly threshold: number;
  /** How long intake must stay below the threshold before the burst is over. */
  readonly calmMs: number;
  readonly onChange: (busy: boolean) => void;
  readonly now?: () => number;
}

export function createIntakePressure(options: IntakePressureOptions): IntakePressure {
  const now = options.now ?? Date.now;
  let inFlight = 0;
  let busy = false;
  let lastAbove = 0;
  let timer: NodeJS.Timeout | undefined;

  const checkCalm = () => {
    timer = undefined;
    if (!busy) return;
    const quietFor = now() - lastAbove;
    if (inFlight < options.threshold && quietFor >= options.calmMs) {
      busy = false;
      options.onChange(false);
      return;
    }
    timer = setTimeout(checkCalm, Math.max(1, options.calmMs - quietFor));
    timer.unref();
  };

  return {
    begin() {
      inFlight += 1;
      if (inFlight >= options.threshold) {
        lastAbove = now();
        if (!busy) {
          busy = true;
          options.onChange(true);
          timer ??= setTimeout(checkCalm, options.calmMs);
          timer.unref();
        }
      }
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight -= 1;
      };
    },
    get busy() {
      return busy;
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
