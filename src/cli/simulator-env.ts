/** The endpoints and credentials of the simulators, as the fields they expose. */
export interface SimulatorEndpoints {
  readonly slack: { appToken: string; botToken: string; clientId: string; clientSecret: string; apiUrl: string; authorizeUrl: string };
  readonly lightstep: { url: string; org: string; apiKey: string };
  /** The Jaeger query service (its routes live under `queryUrl`). */
  readonly jaeger?: { queryUrl: string };
  readonly zipkin?: { apiUrl: string };
  readonly tempo?: { apiUrl: string };
}

/**
 * Where the simulated backends' trace links point: the hosts people would paste links from. Only
 * their APIs are simulated (loopback); these names just have to be what the links carry.
 */
export const SIMULATED_UI = {
  jaeger: 'https://jaeger.example.com',
  zipkin: 'https://zipkin.example.com',
  grafana: 'https://grafana.example.com',
} as const;

/** The uid of the simulated Grafana's Tempo datasource. */
export const SIMULATED_TEMPO_DATASOURCE = 'tempo-prod';

/**
 * The environment that points lsslack at the built-in simulators (the demo; tests and benchmarks
 * use it too): the same variables an operator sets for the real Slack and trace backends.
 */
export function simulatorEnv({ slack, lightstep, jaeger, zipkin, tempo }: SimulatorEndpoints, dataDir: string): Record<string, string> {
  return {
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_CLIENT_ID: slack.clientId,
    SLACK_CLIENT_SECRET: slack.clientSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_AUTHORIZE_URL: slack.authorizeUrl,
    LIGHTSTEP_API_URL: lightstep.url,
    LIGHTSTEP_ORG: lightstep.org,
    LIGHTSTEP_API_KEY: lightstep.apiKey,
    ...(jaeger === undefined ? {} : { LSSLACK_JAEGER_URL: SIMULATED_UI.jaeger, LSSLACK_JAEGER_API_URL: jaeger.queryUrl }),
    ...(zipkin === undefined ? {} : { LSSLACK_ZIPKIN_URL: SIMULATED_UI.zipkin, LSSLACK_ZIPKIN_API_URL: zipkin.apiUrl }),
    ...(tempo === undefined ? {} : { LSSLACK_GRAFANA_URL: SIMULATED_UI.grafana, LSSLACK_TEMPO_URL: tempo.apiUrl, LSSLACK_TEMPO_DATASOURCE: SIMULATED_TEMPO_DATASOURCE }),
    LSSLACK_PORT: '0',
    LSSLACK_DATA_DIR: dataDir,
  };
}

/** A Jaeger UI link to a trace, optionally selecting a span (`?uiFind=`), as Jaeger UI builds it. */
export function jaegerLink(traceId: string, spanId?: string): string {
  return `${SIMULATED_UI.jaeger}/trace/${traceId}${spanId === undefined ? '' : `?uiFind=${spanId}`}`;
}

/** A Zipkin Lens link to a trace. */
export function zipkinLink(traceId: string): string {
  return `${SIMULATED_UI.zipkin}/zipkin/traces/${traceId}`;
}

/** A Grafana Explore link (schemaVersion 1 `panes`) to a trace in the Tempo datasource, optionally with a span open. */
export function grafanaLink(traceId: string, spanId?: string): string {
  const pane = {
    datasource: SIMULATED_TEMPO_DATASOURCE,
    queries: [{ refId: 'A', datasource: { type: 'tempo', uid: SIMULATED_TEMPO_DATASOURCE }, queryType: 'traceql', query: traceId }],
    range: { from: 'now-1h', to: 'now' },
    ...(spanId === undefined ? {} : { panelsState: { trace: { spanId } } }),
  };
  return `${SIMULATED_UI.grafana}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify({ q7x: pane }))}`;
}
