/** The one error class of lsslack. Edges map `code` to an HTTP status, an exit code and a log line. */

export type ErrorCode =
  | 'config_invalid'
  | 'usage'
  | 'store_unavailable'
  | 'store_corrupt'
  | 'lightstep_unauthorized'
  | 'lightstep_bad_response'
  | 'lightstep_unavailable'
  | 'lightstep_rate_limited'
  | 'backend_unauthorized'
  | 'backend_bad_response'
  | 'backend_unavailable'
  | 'backend_rate_limited'
  | 'trace_too_large'
  | 'trace_timeout'
  | 'slack_rate_limited'
  | 'slack_api_error'
  | 'slack_unavailable'
  | 'slack_token_invalid'
  | 'signature_invalid'
  | 'request_stale'
  | 'request_malformed'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_found'
  | 'forbidden'
  | 'daemon_not_ready'
  | 'daemon_unreachable'
  | 'checks_failed'
  | 'internal';

export class LsslackError extends Error {
  readonly code: ErrorCode;
  /** Extra, non-secret detail safe to log (e.g. the Slack error string). */
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; detail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LsslackError';
    this.code = code;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/** Narrow anything thrown into an LsslackError without losing the original as `cause`. */
export function asLsslackError(error: unknown): LsslackError {
  if (error instanceof LsslackError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LsslackError('internal', message, { cause: error });
}
