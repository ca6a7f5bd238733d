/**
 * The messages between the daemon and its preview workers (child processes, over the IPC channel
 * as JSON). Only plain JSON data crosses: errors travel as their code, message and typed facts; a
 * key whose value is undefined does not arrive at all. JSON, not the structured clone
 * (`serialization: 'advanced'`): Node frames cloned messages in JavaScript, and a two-process
 * ping-pong on the 2-core bench machine cost 16 µs (parent) and 30 µs (child) per message that
 * way against 9 and 15 µs as JSON.
 */
import { LsslackError, asLsslackError, type ErrorCode, type ErrorFacts } from '../../domain/errors.js';
import type { DetailsRequest, DetailsResult, PreviewedTrace, PreviewRequest, PreviewResult } from '../../domain/ports.js';
import type { UnfurlTarget } from '../../domain/types.js';
import type { BackendConfig, TraceLimits } from '../backends/backend-config.js';

/**
 * What a preview worker is built from: only what the heavy step needs. Sent as the first message
 * (not in argv or the environment, which other users of the machine can read in /proc).
 */
export interface PreviewWorkerSettings {
  readonly backends: readonly BackendConfig[];
  readonly limits: TraceLimits;
  readonly slack: { readonly botToken: string; readonly apiUrl: string };
}

export type ToWorker =
  | { readonly type: 'init'; readonly settings: PreviewWorkerSettings }
  | { readonly type: 'preview'; readonly id: number; readonly request: PreviewRequest }
  | { readonly type: 'notice'; readonly id: number; readonly request: PreviewRequest; readonly trace: Exclude<PreviewedTrace, { kind: 'found' }> }
  | { readonly type: 'prompt'; readonly id: number; readonly teamId: string; readonly target: UnfurlTarget; readonly authUrl: string }
  | { readonly type: 'details'; readonly id: number; readonly request: DetailsRequest }
  | { readonly type: 'stop' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RelayedCounter = 'backend_retries' | 'slack_429' | 'work_objects_refused';

export interface WireError extends ErrorFacts {
  readonly code: ErrorCode;
  readonly message: string;
}

export type FromWorker =
  | { readonly type: 'ready' }
  /** The worker has the call: if it dies from now on, the call may be what killed it. */
  | { readonly type: 'accepted'; readonly id: number }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: PreviewResult | DetailsResult | null }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly type: 'log'; readonly level: LogLevel; readonly bindings: Record<string, unknown>; readonly obj: object; readonly msg?: string }
  | { readonly type: 'count'; readonly name: RelayedCounter; readonly backend?: string };

export function toWireError(error: unknown): WireError {
  const e = asLsslackError(error);
  return { code: e.code, message: e.message, ...e.facts() };
}

export function fromWireError(wire: WireError): LsslackError {
  const { code, message, ...facts } = wire;
  return new LsslackError(code, message, facts);
}
