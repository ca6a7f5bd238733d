import type { BackendConfig, BackendKind } from './backend-config.js';
import type { BackendModule } from './backend-module.js';
import { grafanaBackend } from './grafana/grafana-backend.js';
import { jaegerBackend } from './jaeger/jaeger-backend.js';
import { lightstepBackend } from './lightstep/lightstep-backend.js';
import { zipkinBackend } from './zipkin/zipkin-backend.js';

/** Every kind of trace backend lsslack speaks. A new backend is one module and one line here. */
export const BACKENDS: { readonly [K in BackendKind]: BackendModule<Extract<BackendConfig, { kind: K }>> } = {
  lightstep: lightstepBackend,
  jaeger: jaegerBackend,
  zipkin: zipkinBackend,
  grafana: grafanaBackend,
};

export const BACKEND_KINDS = Object.keys(BACKENDS) as BackendKind[];

/** The module for a configured backend. */
export function moduleFor<C extends BackendConfig>(config: C): BackendModule<C> {
  return BACKENDS[config.kind] as unknown as BackendModule<C>;
}
