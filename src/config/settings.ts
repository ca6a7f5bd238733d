/**
 * Every setting lsslack has, in one table: its key (config file, `lsslack config set`), its
 * environment variable, whether it is a secret, its default and how to check it. loadConfig walks
 * this table, so adding a setting is one entry.
 */

export type SettingKind = 'string' | 'url' | 'origins' | 'int' | 'mode' | 'level' | 'seconds' | 'path';

export interface SettingSpec {
  readonly key: SettingKey;
  readonly env: string;
  readonly kind: SettingKind;
  readonly secret: boolean;
  /** Value used when no source sets it; undefined = no default. */
  readonly fallback?: string;
  readonly description: string;
  /** Extra check beyond the kind (returns a problem, or undefined when fine). */
  readonly check?: (value: string) => string | undefined;
  readonly min?: number;
  readonly max?: number;
  /** Older names of the environment variable, still read (the first name wins). */
  readonly envAliases?: readonly string[];
}

export type SettingKey =
  | 'slack.appToken'
  | 'slack.botToken'
  | 'slack.signingSecret'
  | 'slack.clientId'
  | 'slack.clientSecret'
  | 'slack.apiUrl'
  | 'slack.authorizeUrl'
  | 'lightstep.appUrl'
  | 'lightstep.apiUrl'
  | 'lightstep.org'
  | 'lightstep.apiKey'
  | 'jaeger.url'
  | 'jaeger.apiUrl'
  | 'zipkin.url'
  | 'zipkin.apiUrl'
  | 'grafana.url'
  | 'grafana.tempoUrl'
  | 'grafana.tempoDatasource'
  | 'grafana.tempoTenant'
  | 'traceMaxBytes'
  | 'traceDeadline'
  | 'outageRideOut'
  | 'mode'
  | 'http.host'
  | 'http.port'
  | 'http.publicUrl'
  | 'dataDir'
  | 'concurrency'
  | 'previewWorkers'
  | 'previewHeapMb'
  | 'queueMemory'
  | 'preview'
  | 'detail.internal'
  | 'detail.external'
  | 'refreshAfter'
  | 'logLevel'
  | 'secretKey'
  | 'adminToken'
  | 'shutdownTimeout'
  | 'store.url';

const oneOf = (...allowed: string[]) => (value: string) => (allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`);

/** `none`, or up to 5 increasing delays of 1 s to 1 h. */
const refreshList = (value: string): string | undefined => {
  if (value === 'none') return undefined;
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  if (parts.length > 5 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p)) || numbers.some((n) => n < 1 || n > 3600)) return 'must be "none" or up to 5 comma-separated delays in seconds (1 to 3600), e.g. 30,120';
  return undefined;
};

const prefixed = (prefix: string, what: string) => (value: string) =>
  value.startsWith(prefix) ? undefined : `must be ${what} starting with "${prefix}"`;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'slack.appToken', env: 'SLACK_APP_TOKEN', kind: 'string', secret: true, description: 'app-level token (xapp-…) with connections:write, for Socket Mode', check: prefixed('xapp-', 'an app-level token') },
  { key: 'slack.botToken', env: 'SLACK_BOT_TOKEN', kind: 'string', secret: true, description: 'bot token (xoxb-…) with links:read, links:write, channels:read, groups:read, im:read and mpim:read', check: prefixed('xoxb-', 'a bot token') },
  { key: 'slack.signingSecret', env: 'SLACK_SIGNING_SECRET', kind: 'string', secret: true, description: 'signing secret for HTTP mode (Basic Information → App Credentials)' },
  { key: 'slack.clientId', env: 'SLACK_CLIENT_ID', kind: 'string', secret: false, description: 'OAuth client id (Basic Information → App Credentials)' },
  { key: 'slack.clientSecret', env: 'SLACK_CLIENT_SECRET', kind: 'string', secret: true, description: 'OAuth client secret' },
  { key: 'slack.apiUrl', env: 'SLACK_API_URL', kind: 'url', secret: false, fallback: 'https://slack.com/api/', description: 'Slack Web API base URL' },
  { key: 'slack.authorizeUrl', env: 'SLACK_AUTHORIZE_URL', kind: 'url', secret: false, fallback: 'https://slack.com/oauth/v2/authorize', description: 'browser OAuth authorize page' },
  { key: 'lightstep.appUrl', env: 'LIGHTSTEP_APP_URL', kind: 'origins', secret: false, fallback: 'https://app.lightstep.com', description: 'origin(s) whose trace links are unfurled, comma-separated' },
  { key: 'lightstep.apiUrl', env: 'LIGHTSTEP_API_URL', kind: 'url', secret: false, fallback: 'https://api.lightstep.com', description: 'Lightstep public API base URL' },
  { key: 'lightstep.org', env: 'LIGHTSTEP_ORG', kind: 'string', secret: false, description: 'Lightstep organization name (it never appears in trace links)' },
  { key: 'lightstep.apiKey', env: 'LIGHTSTEP_API_KEY', kind: 'string', secret: true, description: 'Lightstep API key (sent as Authorization: Bearer)' },
  { key: 'jaeger.url', env: 'LSSLACK_JAEGER_URL', kind: 'url', secret: false, description: 'Jaeger UI base URL: defines the backend "jaeger" (links {url}/trace/{id})' },
  { key: 'jaeger.apiUrl', env: 'LSSLACK_JAEGER_API_URL', kind: 'url', secret: false, description: 'Jaeger query service API base URL, when not the UI URL' },
  { key: 'zipkin.url', env: 'LSSLACK_ZIPKIN_URL', kind: 'url', secret: false, description: 'Zipkin UI base URL: defines the backend "zipkin" (links {url}/zipkin/traces/{id})' },
  { key: 'zipkin.apiUrl', env: 'LSSLACK_ZIPKIN_API_URL', kind: 'url', secret: false, description: 'Zipkin API base URL, when not the UI URL' },
  { key: 'grafana.url', env: 'LSSLACK_GRAFANA_URL', kind: 'url', secret: false, description: 'Grafana root URL: with LSSLACK_TEMPO_URL defines the backend "grafana" (Explore links)' },
  { key: 'grafana.tempoUrl', env: 'LSSLACK_TEMPO_URL', kind: 'url', secret: false, description: "Tempo query API base URL behind Grafana's Tempo datasource" },
  { key: 'grafana.tempoDatasource', env: 'LSSLACK_TEMPO_DATASOURCE', kind: 'string', secret: false, description: 'uid of that Tempo datasource in Grafana (default "tempo")', check: (v) => (/^[A-Za-z0-9_-]{1,40}$/.test(v) ? undefined : 'must be a Grafana datasource uid (letters, digits, - and _)') },
  { key: 'grafana.tempoTenant', env: 'LSSLACK_TEMPO_TENANT', kind: 'string', secret: false, description: 'Tempo tenant sent as X-Scope-OrgID (multi-tenant Tempo)' },
  { key: 'traceMaxBytes', env: 'LSSLACK_TRACE_MAX_BYTES', kind: 'int', secret: false, fallback: String(64 * 1024 * 1024), min: 65_536, max: 1024 * 1024 * 1024, description: 'largest trace reply read from a backend, bytes (default 64 MiB); larger ones get a "too large" preview' },
  { key: 'traceDeadline', env: 'LSSLACK_TRACE_DEADLINE', kind: 'seconds', secret: false, fallback: '20', min: 1, max: 600, description: 'seconds one trace request may take, headers and body together' },
  { key: 'outageRideOut', env: 'LSSLACK_OUTAGE_RIDE_OUT', kind: 'seconds', secret: false, fallback: '1800', min: 0, max: 86_400, description: 'seconds a preview waits out an outage of a backend or Slack before it is given up' },
  { key: 'mode', env: 'LSSLACK_MODE', kind: 'mode', secret: false, fallback: 'socket', description: 'how Slack events arrive: socket or http' },
  { key: 'http.host', env: 'LSSLACK_HOST', kind: 'string', secret: false, fallback: '127.0.0.1', description: 'address of the built-in HTTP listener' },
  { key: 'http.port', env: 'LSSLACK_PORT', kind: 'int', secret: false, fallback: '3000', min: 0, max: 65535, description: 'port of the built-in HTTP listener (0 = any free port)' },
  { key: 'http.publicUrl', env: 'LSSLACK_PUBLIC_URL', kind: 'url', secret: false, description: 'how browsers reach the listener (OAuth links); default http://HOST:PORT' },
  { key: 'dataDir', env: 'LSSLACK_DATA_DIR', kind: 'path', secret: false, description: 'where the store, key and journal live; default a per-user data directory' },
  { key: 'concurrency', env: 'LSSLACK_CONCURRENCY', kind: 'int', secret: false, fallback: '8', min: 1, max: 1024, description: 'how many unfurls run at once' },
  { key: 'previewWorkers', env: 'LSSLACK_PREVIEW_WORKERS', envAliases: ['LSSLACK_THREADS'], kind: 'int', secret: false, fallback: '1', min: 1, max: 64, description: 'preview worker processes that fetch, analyse and post previews (the daemon only acks, records and decides)' },
  { key: 'queueMemory', env: 'LSSLACK_QUEUE_MEMORY', kind: 'int', secret: false, fallback: '2000', min: 10, max: 1_000_000, description: 'jobs held in memory at once; the rest wait in the journal (or PostgreSQL) and are read back in order' },
  { key: 'previewHeapMb', env: 'LSSLACK_PREVIEW_HEAP_MB', kind: 'int', secret: false, fallback: '1024', min: 64, max: 65_536, description: "heap limit of each preview worker, MiB: a trace needing more gets a \"too large\" preview" },
  { key: 'preview', env: 'LSSLACK_PREVIEW', kind: 'string', secret: false, fallback: 'blocks', check: oneOf('blocks', 'work-object'), description: 'blocks, or work-object: previews also carry a Work Object card whose flexpane answers each viewer (turn on Work Object Previews in the app settings first)' },
  { key: 'detail.internal', env: 'LSSLACK_DETAIL_INTERNAL', kind: 'string', secret: false, fallback: 'full', check: oneOf('full', 'summary', 'none'), description: 'what previews show in channels inside the organisation, unless `lsslack channels set` says otherwise: full, summary or none' },
  { key: 'detail.external', env: 'LSSLACK_DETAIL_EXTERNAL', kind: 'string', secret: false, fallback: 'summary', check: oneOf('full', 'summary', 'none'), description: 'what previews show in channels shared with other organisations (Slack Connect) or whose audience is unknown: full, summary or none' },
  { key: 'refreshAfter', env: 'LSSLACK_REFRESH_AFTER', kind: 'string', secret: false, fallback: '30,120', check: refreshList, description: 'seconds after which a preview of a trace still arriving (no root yet, orphan spans, PARTIAL, spans ending just now) is refreshed, comma-separated; "none" never refreshes' },
  { key: 'logLevel', env: 'LSSLACK_LOG_LEVEL', kind: 'level', secret: false, fallback: 'info', description: 'log level: fatal, error, warn, info, debug, trace or silent' },
  { key: 'secretKey', env: 'LSSLACK_SECRET_KEY', kind: 'string', secret: true, description: 'key that encrypts tokens and signs links (64 hex chars); generated into the data dir when unset', check: (v) => (/^[0-9a-fA-F]{64}$/.test(v) ? undefined : 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`') },
  { key: 'adminToken', env: 'LSSLACK_ADMIN_TOKEN', kind: 'string', secret: true, description: 'bearer token required by /status and /metrics (else loopback only)', check: (v) => (v.length >= 16 ? undefined : 'must be at least 16 characters') },
  { key: 'shutdownTimeout', env: 'LSSLACK_SHUTDOWN_TIMEOUT', kind: 'seconds', secret: false, fallback: '10', min: 0, max: 3600, description: 'seconds running jobs may take to finish on shutdown' },
  { key: 'store.url', env: 'LSSLACK_STORE_URL', kind: 'url', secret: true, description: 'postgres://… to share state between replicas (default: embedded lowdb store)' },
];

/** Look a setting up by key; undefined for unknown keys. */
export function findSetting(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.key === key);
}

/** Show a secret without revealing it: the first 4 characters of a token prefix, then stars. */
export function maskSecret(value: string): string {
  const prefix = /^(xapp|xoxb|xoxp|xoxe)-/.exec(value)?.[0] ?? '';
  return `${prefix}${'*'.repeat(8)}`;
}
