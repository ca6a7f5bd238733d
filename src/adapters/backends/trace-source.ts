import { Agent } from 'undici';
import { LsslackError } from '../../domain/errors.js';
import type { TraceSource } from '../../domain/ports.js';
import type { BackendConfig, TraceLimits } from './backend-config.js';
import type { TraceClient } from './backend-module.js';
import type { TraceHttp } from './http/get-trace-reply.js';
import { moduleFor } from './registry.js';

export interface BackendTraceSource extends TraceSource {
  close(): Promise<void>;
}

/**
 * One TraceSource over every configured backend: a reference goes to the client of the backend
 * that recognised it. All share one keep-alive undici Agent (connections are reused across jobs).
 */
export function createTraceSource(options: { backends: readonly BackendConfig[]; limits: TraceLimits; onRetry?: (backendId: string) => void }): BackendTraceSource {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 128, connect: { timeout: Math.min(5_000, options.limits.deadlineMs) } });
  const http: TraceHttp = { dispatcher, limits: options.limits, onRetry: options.onRetry };
  const clients = new Map<string, TraceClient>();
  for (const config of options.backends) clients.set(config.id, moduleFor(config).client(config, http));
  return {
    async fetchTrace(ref, signal) {
      const client = clients.get(ref.backendId);
      if (client === undefined) throw new LsslackError('internal', `No trace backend "${ref.backendId}" is configured in this preview worker.`, { backend: ref.backendId });
      return client.fetchTrace(ref, signal);
    },
    close: () => dispatcher.close(),
  };
}
