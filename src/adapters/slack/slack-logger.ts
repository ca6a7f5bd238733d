import type { Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../../domain/ports.js';

// Slack tokens and secrets by shape: xoxb-/xoxp-/xoxe-/xapp- tokens and ticket query strings.
const SECRET_SHAPES = /\b(xox[a-z]|xapp|xoxe\.xox[a-z])-[A-Za-z0-9-]+|ticket=[^&\s"]+/g;

/** Replace anything shaped like a Slack token with a marker, so SDK messages are safe to log. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_SHAPES, '[redacted]');
}

const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
type Level = keyof typeof RANK;

/**
 * Adapts the Slack SDKs' logger interface to pino. The SDKs log whole WebSocket frames at debug
 * level, so the floor is `warn` and every message is scrubbed of token-shaped strings.
 */
export function slackLoggerFor(log: Logger, name: string, floor: Level = 'warn'): SlackLogger {
  let level: Level = floor;
  const child = log.child({ component: name });
  const emit = (at: Level, msg: unknown[]) => {
    if (RANK[at] < RANK[level]) return;
    const text = scrubSecrets(msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
    child[at]({}, text);
  };
  return {
    debug: (...msg) => emit('debug', msg),
    info: (...msg) => emit('info', msg),
    warn: (...msg) => emit('warn', msg),
    error: (...msg) => emit('error', msg),
    setLevel: (l) => {
      // Never below the floor: the SDK asks for DEBUG when logLevel is set, which would log frames.
      const wanted = String(l).toLowerCase() as Level;
      level = RANK[wanted] !== undefined && RANK[wanted] >= RANK[floor] ? wanted : floor;
    },
    getLevel: () => level as ReturnType<SlackLogger['getLevel']>,
    setName: () => undefined,
  };
}
