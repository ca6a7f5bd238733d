import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LsslackError } from '../domain/errors.js';
import type { DetailLevel } from '../domain/types.js';
import type { Config, SettingSource } from './config.js';
import { defaultDataDir } from './default-paths.js';
import { loadBackends } from './load-backends.js';
import type { EnvSnapshot } from './read-env.js';
import { SETTINGS, type SettingKey, type SettingSpec } from './settings.js';

/** What a command needs to be present before it may start. */
export type Requirement = 'none' | 'start';

export interface LoadConfigInput {
  /** CLI flags, by setting key (highest precedence). */
  readonly flags?: Partial<Record<SettingKey, string>>;
  readonly env: EnvSnapshot;
  /** `--config FILE`, shaped like config.example.json. */
  readonly file?: string;
  /** Settings saved with `lsslack config set`. */
  readonly saved?: Readonly<Record<string, unknown>>;
  readonly require?: Requirement;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Merge flags > environment > config file > saved settings > defaults, validate every value and
 * list *all* problems at once (LsslackError 'config_invalid', one problem per line).
 */
export function loadConfig(input: LoadConfigInput): Config {
  const problems: string[] = [];
  const { values: fileValues, backends: fileBackends, private: filePrivate } = input.file === undefined ? { values: {}, backends: undefined, private: false } : readConfigFile(input.file, problems);
  const raw: Partial<Record<SettingKey, string>> = {};
  const sources: Record<string, SettingSource> = {};
  for (const spec of SETTINGS) {
    const picked = pick(spec, input, fileValues);
    if (picked === undefined) continue;
    raw[spec.key] = picked.value;
    sources[spec.key] = picked.source;
    const problem = checkValue(spec, picked.value);
    if (problem !== undefined) problems.push(describe(spec, picked.source, problem, input.file));
  }
  // Backends only from values that passed their own checks (a bad URL is reported once, above).
  const valid = Object.fromEntries(Object.entries(raw).filter(([key, value]) => checkValue(SETTINGS.find((s) => s.key === key)!, value!) === undefined)) as Partial<Record<SettingKey, string>>;
  const loaded = loadBackends({ fromFile: fileBackends, file: input.file, filePrivate, settings: valid, env: input.env, strict: input.require === 'start' });
  problems.push(...loaded.problems);
  if (input.require === 'start') problems.push(...missingForStart(raw, loaded.backends.length));
  if (problems.length > 0) {
    throw new LsslackError('config_invalid', `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return build(raw, input.env, sources, loaded.backends);
}

function pick(spec: SettingSpec, input: LoadConfigInput, fileValues: Record<string, string>): { value: string; source: SettingSource } | undefined {
  const flag = input.flags?.[spec.key];
  if (flag !== undefined) return { value: flag, source: 'flag' };
  for (const name of [spec.env, ...(spec.envAliases ?? [])]) {
    const env = input.env[name];
    if (env !== undefined) return { value: env, source: 'env' };
  }
  const file = fileValues[spec.key];
  if (file !== undefined) return { value: file, source: 'file' };
  const saved = input.saved?.[spec.key];
  if (saved !== undefined && saved !== null) return { value: String(saved), source: 'saved' };
  if (spec.fallback !== undefined) return { value: spec.fallback, source: 'default' };
  return undefined;
}

/** Check one value against its kind; returns a problem or undefined. */
export function checkValue(spec: SettingSpec, value: string): string | undefined {
  switch (spec.kind) {
    case 'url':
      return checkUrl(value);
    case 'origins':
      return value.split(',').map((o) => o.trim()).filter((o) => o !== '').map(checkUrl).find((p) => p !== undefined)
        ?? (value.trim() === '' ? 'must list at least one origin' : undefined);
    case 'int':
    case 'seconds': {
      const n = Number(value);
      const ok = /^\d+(\.\d+)?$/.test(value.trim()) && (spec.kind === 'seconds' || Number.isInteger(n));
      if (!ok || n < (spec.min ?? -Infinity) || n > (spec.max ?? Infinity)) {
        return `must be ${spec.kind === 'int' ? 'an integer' : 'a number of seconds'} from ${spec.min} to ${spec.max}, got "${value}"`;
      }
      return undefined;
    }
    case 'mode':
      return value === 'socket' || value === 'http' ? undefined : `must be "socket" or "http", got "${value}"`;
    case 'level':
      return LEVELS.includes(value) ? undefined : `must be one of ${LEVELS.join(', ')}, got "${value}"`;
    case 'path':
    case 'string':
      if (value.trim() === '') return 'must not be empty';
      return spec.check?.(value);
  }
}

function checkUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'postgres:' || url.protocol === 'postgresql:'
      ? undefined
      : `must be an http(s) URL, got "${value}"`;
  } catch {
    return `must be an absolute URL such as https://example.com, got "${value}"`;
  }
}

function describe(spec: SettingSpec, source: SettingSource, problem: string, file?: string): string {
  const where = source === 'env' ? `${spec.env}` : source === 'file' ? `"${spec.key}" in ${file}` : source === 'flag' ? `--${flagName(spec.key)}` : source === 'saved' ? `saved setting ${spec.key} (lsslack config set)` : spec.key;
  // Never echo a secret's value back: the message may end up in a log.
  const safe = spec.secret ? problem.replace(/, got ".*"$/, '') : problem;
  return `${where} (${spec.description}) ${safe}.`;
}

/** commander flag name for a setting key: `http.port` → `port`, `lightstep.apiUrl` → `lightstep-api-url`. */
export function flagName(key: SettingKey): string {
  const bare = key.startsWith('http.') ? key.slice(5) : key;
  return bare.replace(/\./g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function missingForStart(raw: Partial<Record<SettingKey, string>>, backends: number): string[] {
  const problems: string[] = [];
  const need = (key: SettingKey, why: string, fix: string) => {
    if (raw[key] === undefined) {
      const spec = SETTINGS.find((s) => s.key === key);
      problems.push(`${spec?.env} is not set: ${why}. ${fix}`);
    }
  };
  const mode = raw.mode ?? 'socket';
  need('slack.botToken', 'lsslack posts previews with the bot token', 'Copy it from OAuth & Permissions → Bot User OAuth Token.');
  if (mode === 'socket') need('slack.appToken', 'Socket Mode needs an app-level token', 'Create one under Basic Information → App-Level Tokens with the connections:write scope, or use --mode http.');
  if (mode === 'http') need('slack.signingSecret', 'HTTP mode verifies every request with the signing secret', 'Copy it from Basic Information → App Credentials → Signing Secret.');
  need('slack.clientId', 'users link their Slack identity through OAuth', 'Copy it from Basic Information → App Credentials → Client ID.');
  need('slack.clientSecret', 'users link their Slack identity through OAuth', 'Copy it from Basic Information → App Credentials → Client Secret.');
  if (backends === 0) {
    problems.push('No trace backend is configured, so no link would ever unfurl. Set LIGHTSTEP_ORG and LIGHTSTEP_API_KEY (Lightstep), LSSLACK_JAEGER_URL (Jaeger), LSSLACK_ZIPKIN_URL (Zipkin) or LSSLACK_GRAFANA_URL with LSSLACK_TEMPO_URL (Grafana/Tempo), or list them under "backends" in a --config file (README, "Trace backends").');
  }
  if (raw['store.url'] !== undefined) {
    need('secretKey', 'replicas sharing PostgreSQL must decrypt each other\'s stored tokens, so they need the same key', 'Generate one with `openssl rand -hex 32` and give every replica the same value.');
  }
  return problems;
}

interface ConfigFile {
  readonly values: Record<string, string>;
  /** The `backends` list, unparsed (load-backends.ts checks it). */
  readonly backends: unknown;
  /** Mode 0600 (or stricter): only then may it hold secrets. */
  readonly private: boolean;
}

function readConfigFile(file: string, problems: string[]): ConfigFile {
  const empty: ConfigFile = { values: {}, backends: undefined, private: false };
  let text: string;
  let mode: number;
  try {
    text = readFileSync(file, 'utf8');
    mode = statSync(file).mode;
  } catch (error) {
    problems.push(`--config ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): check the path and permissions.`);
    return empty;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(`--config ${file} is not valid JSON (${(error as Error).message}): compare it with config.example.json.`);
    return empty;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`--config ${file} must hold a JSON object like config.example.json.`);
    return empty;
  }
  const { backends, ...rest } = parsed as Record<string, unknown>;
  const flat: Record<string, string> = {};
  flatten(rest, '', flat, problems, file);
  const isPrivate = (mode & 0o077) === 0;
  const secrets = SETTINGS.filter((s) => s.secret && flat[s.key] !== undefined);
  if (secrets.length > 0 && !isPrivate) {
    problems.push(`--config ${file} holds secrets (${secrets.map((s) => s.key).join(', ')}) but other users can read it: run \`chmod 600 ${path.resolve(file)}\`, or move the secrets to the environment.`);
  }
  return { values: flat, backends, private: isPrivate };
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, string>, problems: string[], file: string): void {
  for (const [name, value] of Object.entries(obj)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (name.startsWith('$') || name.startsWith('_')) continue; // comments such as "$comment"
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      flatten(value as Record<string, unknown>, key, out, problems, file);
    } else if (!SETTINGS.some((s) => s.key === key)) {
      problems.push(`"${key}" in ${file} is not a known setting; known settings: ${SETTINGS.map((s) => s.key).join(', ')}.`);
    } else if (Array.isArray(value)) {
      out[key] = value.map(String).join(',');
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
    } else {
      problems.push(`"${key}" in ${file} must be a string or a number.`);
    }
  }
}

function build(raw: Partial<Record<SettingKey, string>>, env: EnvSnapshot, sources: Record<string, SettingSource>, backends: Config['backends']): Config {
  const host = raw['http.host'] ?? '127.0.0.1';
  const port = Number(raw['http.port'] ?? 3000);
  const hostForUrl = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return Object.freeze({
    slack: Object.freeze({
      appToken: raw['slack.appToken'],
      botToken: raw['slack.botToken'],
      signingSecret: raw['slack.signingSecret'],
      clientId: raw['slack.clientId'],
      clientSecret: raw['slack.clientSecret'],
      apiUrl: withTrailingSlash(raw['slack.apiUrl'] ?? 'https://slack.com/api/'),
      authorizeUrl: raw['slack.authorizeUrl'] ?? 'https://slack.com/oauth/v2/authorize',
    }),
    backends: Object.freeze(backends.map((b) => Object.freeze(b))),
    traceLimits: Object.freeze({ maxBytes: Number(raw.traceMaxBytes ?? 64 * 1024 * 1024), deadlineMs: Math.round(Number(raw.traceDeadline ?? 20) * 1000) }),
    outageRideOutMs: Math.round(Number(raw.outageRideOut ?? 1800) * 1000),
    mode: (raw.mode ?? 'socket') as Config['mode'],
    http: Object.freeze({ host, port, publicUrl: (raw['http.publicUrl'] ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '') }),
    dataDir: path.resolve(raw.dataDir ?? defaultDataDir(env)),
    concurrency: Number(raw.concurrency ?? 8),
    previewWorkers: Number(raw.previewWorkers ?? 1),
    previewHeapMb: Number(raw.previewHeapMb ?? 1024),
    queueMemory: Number(raw.queueMemory ?? 2000),
    workObjects: raw.preview === 'work-object',
    refreshDelaysMs: Object.freeze(refreshDelays(raw.refreshAfter ?? '30,120')),
    detailDefaults: Object.freeze({ internal: (raw['detail.internal'] ?? 'full') as DetailLevel, external: (raw['detail.external'] ?? 'summary') as DetailLevel }),
    logLevel: raw.logLevel ?? 'info',
    secretKey: raw.secretKey,
    adminToken: raw.adminToken,
    shutdownTimeoutMs: Math.round(Number(raw.shutdownTimeout ?? 10) * 1000),
    storeUrl: raw['store.url'],
    sources: Object.freeze(sources),
    values: Object.freeze({ ...raw }),
  });
}

function refreshDelays(value: string): number[] {
  return value === 'none' ? [] : value.split(',').map((p) => Math.round(Number(p.trim()) * 1000));
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
