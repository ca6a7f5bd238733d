import { LsslackError, type ErrorCode } from '../domain/errors.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad configuration or usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const USAGE_CODES: readonly ErrorCode[] = ['config_invalid', 'usage'];

/** The one mapping from an error to a process exit code. */
export function exitCodeFor(error: unknown): number {
  return error instanceof LsslackError && USAGE_CODES.includes(error.code) ? EXIT.usage : EXIT.failure;
}
