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
  | 'poison'
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

/**
 * Typed facts an error carries for the edges and policies that handle it (retry, metrics, HTTP
 * status). Every field is safe to log: none ever holds a token or a secret.
 */
export interface ErrorFacts {
  /** When trying again can succeed (a 429's Retry-After), ms from now. */
  readonly retryAfterMs?: number;
  /** The error string the upstream API gave (Slack's `error`, a backend's message). */
  readonly upstream?: string;
  /** The preview worker running the job died; the job itself may be what killed it. */
  readonly workerLost?: boolean;
  /** A deadline passed before the other side finished (a request body, a reply). */
  readonly timedOut?: boolean;
  /** The trace backend (its configured id) the error came from. */
  readonly backend?: string;
}

export class LsslackError extends Error implements ErrorFacts {
  readonly code: ErrorCode;
  readonly retryAfterMs?: number;
  readonly upstream?: string;
  readonly workerLost?: boolean;
  readonly timedOut?: boolean;
  readonly backend?: string;

  constructor(code: ErrorCode, message: string, options: ErrorFacts & { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LsslackError';
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.upstream !== undefined) this.upstream = options.upstream;
    if (options.workerLost !== undefined) this.workerLost = options.workerLost;
    if (options.timedOut !== undefined) this.timedOut = options.timedOut;
    if (options.backend !== undefined) this.backend = options.backend;
  }

  /** The facts alone, as plain data (to cross a process boundary or reach a log line). */
  facts(): ErrorFacts {
    const { retryAfterMs, upstream, workerLost, timedOut, backend } = this;
    return Object.fromEntries(Object.entries({ retryAfterMs, upstream, workerLost, timedOut, backend }).filter(([, v]) => v !== undefined)) as ErrorFacts;
  }
}

/** Narrow anything thrown into an LsslackError without losing the original as `cause`. */
export function asLsslackError(error: unknown): LsslackError {
  if (error instanceof LsslackError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LsslackError('internal', message, { cause: error });
}
