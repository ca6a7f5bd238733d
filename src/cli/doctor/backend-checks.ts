import type { Dispatcher } from 'undici';
import { moduleFor } from '../../adapters/backends/registry.js';
import type { Config } from '../../config/config.js';
import { fail, pass, type CheckResult } from './check.js';

/** The name of a backend's line in `lsslack doctor`. */
export function backendCheckName(id: string, product: string): string {
  return `trace backend ${id} (${product})`;
}

export const NO_BACKEND = 'trace backends';

/**
 * One line per configured backend: asked what it is asked in real use (its services, its
 * projects, its readiness), with the configured credentials — reachable, accepted, the right server.
 */
export async function checkBackends(config: Config, dispatcher: Dispatcher): Promise<CheckResult[]> {
  if (config.backends.length === 0) {
    return [fail(NO_BACKEND, 'no trace backend is configured', 'set LIGHTSTEP_ORG and LIGHTSTEP_API_KEY, LSSLACK_JAEGER_URL, LSSLACK_ZIPKIN_URL or LSSLACK_GRAFANA_URL with LSSLACK_TEMPO_URL, or list them under "backends" in a --config file (README, "Trace backends").')];
  }
  const http = { dispatcher, limits: { maxBytes: 4 << 20, deadlineMs: Math.min(config.traceLimits.deadlineMs, 5_000) } };
  return Promise.all(
    config.backends.map(async (b) => {
      const module = moduleFor(b);
      const name = backendCheckName(b.id, module.product);
      const result = await module.probe(b, http);
      return result.ok ? pass(name, result.detail) : fail(name, result.detail, result.fix);
    }),
  );
}
