import { LsslackError, type ErrorCode } from '../domain/errors.js';

/** Exit codes: 0 ok, 1 runtime failure (and `lsslack status`: not ready), 2 bad configuration or usage (and: unreachable). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Exit 2: the fix is in the arguments, the configuration, or pointing at a daemon that is not there. */
const USAGE_CODES: readonly ErrorCode[] = ['config_invalid', 'usage', 'daemon_unreachable'];

/** The one mapping from an error to a process exit code. */
export function exitCodeFor(error: unknown): number {
  return error instanceof LsslackError && USAGE_CODES.includes(error.code) ? EXIT.usage : EXIT.failure;
}
