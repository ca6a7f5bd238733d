/**
 * The configured trace backends, as the config loader validates them (config/load-backends.ts)
 * and the backend modules use them. Secrets (API keys, tokens) are resolved values here: they
 * come from the environment or a 0600 file, never from a world-readable config file.
 */

/** Credentials sent to a backend: `Authorization: Bearer …` or HTTP basic `user:token`. */
export interface BackendAuth {
  readonly bearer?: string;
  readonly basic?: string;
  /** The environment variable they came from, to name in messages (never the value). */
  readonly from: string;
}

export interface LightstepBackendConfig {
  readonly id: string;
  readonly kind: 'lightstep';
  /** Origins of the web app whose trace links are unfurled, e.g. `https://app.lightstep.com`. */
  readonly appUrls: readonly string[];
  readonly apiUrl: string;
  readonly org: string;
  readonly apiKey: string;
  readonly apiKeyFrom: string;
}

export interface JaegerBackendConfig {
  readonly id: string;
  readonly kind: 'jaeger';
  /** Base of Jaeger UI links (may carry a path prefix). */
  readonly uiUrl: string;
  /** Base of the query service API (defaults to uiUrl: one server serves both). */
  readonly apiUrl: string;
  readonly auth?: BackendAuth;
}

export interface ZipkinBackendConfig {
  readonly id: string;
  readonly kind: 'zipkin';
  readonly uiUrl: string;
  readonly apiUrl: string;
  readonly auth?: BackendAuth;
}

/** A Grafana datasource whose trace links lsslack unfurls, by the API behind it. */
export interface GrafanaDatasourceConfig {
  readonly kind: 'tempo' | 'jaeger' | 'zipkin';
  readonly apiUrl: string;
  /** Tempo tenant (`X-Scope-OrgID`). */
  readonly tenant?: string;
  /** The datasource's display name: legacy Explore links name it instead of its uid. */
  readonly name?: string;
  readonly auth?: BackendAuth;
}

export interface GrafanaBackendConfig {
  readonly id: string;
  readonly kind: 'grafana';
  /** Grafana's root URL (may carry a sub-path). */
  readonly url: string;
  /** By datasource uid. */
  readonly datasources: Readonly<Record<string, GrafanaDatasourceConfig>>;
}

export type BackendConfig = LightstepBackendConfig | JaegerBackendConfig | ZipkinBackendConfig | GrafanaBackendConfig;
export type BackendKind = BackendConfig['kind'];

/** What bounds every read of a trace (LSSLACK_TRACE_MAX_BYTES, LSSLACK_TRACE_DEADLINE). */
export interface TraceLimits {
  /** Largest body accepted, bytes. */
  readonly maxBytes: number;
  /** One deadline for the whole request, headers and body, ms. */
  readonly deadlineMs: number;
}
