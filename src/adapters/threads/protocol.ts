/**
 * The messages between the daemon's main thread and its preview threads. Everything crossing is
 * structured-cloned, so only plain data: errors travel as their code, message and detail.
 */
import { LsslackError, asLsslackError, type ErrorCode } from '../../domain/errors.js';
import type { PreviewRequest, PreviewResult } from '../../domain/ports.js';
import type { UnfurlTarget } from '../../domain/types.js';

/** What a preview thread is built from (its `workerData`): only what the heavy step needs. */
export interface PreviewThreadSettings {
  readonly lightstep: { readonly apiUrl: string; readonly org: string; readonly apiKey: string };
  readonly slack: { readonly botToken: string; readonly apiUrl: string };
  /** Added to the thread's nice value (Linux: per thread), so the thread that acks Slack goes first. */
  readonly nice: number;
}

export type ToThread =
  | { readonly type: 'preview'; readonly id: number; readonly request: PreviewRequest }
  | { readonly type: 'prompt'; readonly id: number; readonly teamId: string; readonly target: UnfurlTarget; readonly authUrl: string }
  | { readonly type: 'stop' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RelayedCounter = 'lightstep_retries' | 'slack_429';

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly detail?: string;
}

export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: PreviewResult | null }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly type: 'log'; readonly level: LogLevel; readonly bindings: Record<string, unknown>; readonly obj: object; readonly msg?: string }
  | { readonly type: 'count'; readonly name: RelayedCounter }
  | { readonly type: 'stopped' };

export function toWireError(error: unknown): WireError {
  const e = asLsslackError(error);
  return e.detail === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, detail: e.detail };
}

export function fromWireError(wire: WireError): LsslackError {
  return new LsslackError(wire.code, wire.message, wire.detail === undefined ? {} : { detail: wire.detail });
}
