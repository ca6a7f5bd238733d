import type { BackendAuth, BackendConfig, GrafanaDatasourceConfig } from '../adapters/backends/backend-config.js';
import type { EnvSnapshot } from './read-env.js';
import type { SettingKey } from './settings.js';

/** Ids name backends in grants (`id/scope`) and logs: short, lowercase, no slash. */
const BACKEND_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Environment variable names a config may point credentials at. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Datasource uids as Grafana makes them (letters, digits, `-`, `_`), up to 40 characters. */
const DATASOURCE_UID = /^[A-Za-z0-9_-]{1,40}$/;

const KINDS = ['lightstep', 'jaeger', 'zipkin', 'grafana'] as const;
const DATASOURCE_KINDS = ['tempo', 'jaeger', 'zipkin'] as const;

/** Fields each kind of entry may have (anything else is a typo worth reporting). */
const FIELDS: Record<(typeof KINDS)[number], readonly string[]> = {
  lightstep: ['id', 'kind', 'appUrl', 'apiUrl', 'org', 'apiKeyEnv', 'tokenEnv', 'apiKey'],
  jaeger: ['id', 'kind', 'uiUrl', 'apiUrl', 'tokenEnv', 'basicAuthEnv', 'token', 'basicAuth'],
  zipkin: ['id', 'kind', 'uiUrl', 'apiUrl', 'tokenEnv', 'basicAuthEnv', 'token', 'basicAuth'],
  grafana: ['id', 'kind', 'url', 'datasources', 'tokenEnv', 'basicAuthEnv', 'token', 'basicAuth'],
};
const DATASOURCE_FIELDS = ['kind', 'apiUrl', 'tenant', 'name', 'tokenEnv', 'basicAuthEnv', 'token', 'basicAuth'];

export interface BackendsInput {
  /** The `backends` list of the config file, as parsed (untrusted). */
  readonly fromFile?: unknown;
  /** Where that list came from, for messages. */
  readonly file?: string;
  /** Whether the config file is private (mode 0600): only then may it hold credentials. */
  readonly filePrivate: boolean;
  /** Effective values of the backend shorthands (LIGHTSTEP_*, LSSLACK_JAEGER_URL…). */
  readonly settings: Partial<Record<SettingKey, string>>;
  readonly env: EnvSnapshot;
  /**
   * When starting: a shorthand given only in part (LIGHTSTEP_ORG without LIGHTSTEP_API_KEY) is a
   * problem. Other commands (users, store, doctor) just leave that backend out.
   */
  readonly strict: boolean;
}

/**
 * The trace backends lsslack unfurls, from the config file's `backends` list and the shorthands
 * for one backend of a kind (`LIGHTSTEP_*` define the backend `lightstep`, as they always did;
 * `LSSLACK_JAEGER_URL` one called `jaeger`, …). Every problem is collected, none thrown, so the
 * operator sees all of them at once together with the other configuration problems.
 */
export function loadBackends(input: BackendsInput): { backends: BackendConfig[]; problems: string[] } {
  const problems: string[] = [];
  const backends: BackendConfig[] = [];
  const where = (i: number, field?: string) => `backends[${i}]${field === undefined ? '' : `.${field}`}`;

  if (input.fromFile !== undefined) {
    const fileName = input.file ?? 'the config file';
    if (!Array.isArray(input.fromFile)) problems.push(`"backends" in ${fileName} must be a list of backend entries (see the README, "Trace backends").`);
    else {
      const listProblems: string[] = [];
      input.fromFile.forEach((entry, i) => {
        const parsed = parseEntry(entry, i, where, input, listProblems);
        if (parsed !== undefined) backends.push(parsed);
      });
      const ids = input.fromFile.map((e) => (isObject(e) && typeof e.id === 'string' ? e.id : undefined));
      for (const id of new Set(ids.filter((x, i) => x !== undefined && ids.indexOf(x) !== i))) {
        listProblems.push(`two trace backends have the id "${id}": ids must be unique (grants and logs name them).`);
      }
      problems.push(...listProblems.map((p) => `${fileName}: ${p}`));
    }
  }
  const listed = new Set(Array.isArray(input.fromFile) ? input.fromFile.map((e) => (isObject(e) ? e.id : undefined)) : []);
  // An entry of the list wins over the shorthand for the same id (it takes LIGHTSTEP_API_KEY as its key).
  for (const shorthand of shorthands(input, problems, listed)) backends.push(shorthand);
  return { backends, problems };
}

function parseEntry(entry: unknown, i: number, where: (i: number, field?: string) => string, input: BackendsInput, problems: string[]): BackendConfig | undefined {
  if (!isObject(entry)) {
    problems.push(`${where(i)} must be an object with an id and a kind.`);
    return undefined;
  }
  const before = problems.length;
  const id = entry.id;
  const kind = entry.kind;
  if (typeof id !== 'string' || !BACKEND_ID.test(id)) problems.push(`${where(i, 'id')} must be a short lowercase name (letters, digits, - or _, no slash), got ${describe(id)}.`);
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    problems.push(`${where(i, 'kind')} must be one of ${KINDS.join(', ')}, got ${describe(kind)}.`);
    return undefined;
  }
  const k = kind as (typeof KINDS)[number];
  for (const field of Object.keys(entry)) if (!FIELDS[k].includes(field)) problems.push(`${where(i, field)} is not a field of a ${k} backend; known fields: ${FIELDS[k].join(', ')}.`);
  const url = (field: string, required: boolean, fallback?: string): string | undefined => {
    const value = entry[field] ?? fallback;
    if (value === undefined) {
      if (required) problems.push(`${where(i, field)} is required for a ${k} backend.`);
      return undefined;
    }
    const problem = urlProblem(value);
    if (problem !== undefined) problems.push(`${where(i, field)} ${problem}.`);
    return problem === undefined ? trimSlash(String(value)) : undefined;
  };
  const auth = () => authOf(entry, where(i), input, problems);
  let config: BackendConfig | undefined;
  switch (k) {
    case 'lightstep': {
      const appUrls = origins(entry.appUrl ?? ['https://app.lightstep.com'], where(i, 'appUrl'), problems);
      const apiUrl = url('apiUrl', false, 'https://api.lightstep.com');
      const org = typeof entry.org === 'string' && entry.org.trim() !== '' ? entry.org.trim() : undefined;
      if (org === undefined) problems.push(`${where(i, 'org')} is required for a lightstep backend (the organization never appears in trace links).`);
      const key = lightstepKey(entry, where(i), input, problems, id === 'lightstep');
      if (appUrls !== undefined && apiUrl !== undefined && org !== undefined && key !== undefined) config = { id: String(id), kind: 'lightstep', appUrls, apiUrl, org, apiKey: key.value, apiKeyFrom: key.from };
      break;
    }
    case 'jaeger':
    case 'zipkin': {
      const uiUrl = url('uiUrl', true);
      // One server serves both where no separate API address is given (Jaeger's query service, Zipkin).
      const apiUrl = url('apiUrl', false, uiUrl);
      const a = auth();
      if (uiUrl !== undefined && apiUrl !== undefined) config = { id: String(id), kind: k, uiUrl, apiUrl, ...(a === undefined ? {} : { auth: a }) };
      break;
    }
    case 'grafana': {
      const root = url('url', true);
      const shared = auth();
      const datasources = datasourcesOf(entry.datasources, where(i, 'datasources'), input, problems, shared);
      if (root !== undefined && datasources !== undefined) config = { id: String(id), kind: 'grafana', url: root, datasources };
      break;
    }
  }
  return problems.length === before ? config : undefined;
}

function datasourcesOf(value: unknown, where: string, input: BackendsInput, problems: string[], shared: BackendAuth | undefined): Record<string, GrafanaDatasourceConfig> | undefined {
  if (!isObject(value) || Object.keys(value).length === 0) {
    problems.push(`${where} must map each datasource uid to {"kind": "tempo"|"jaeger"|"zipkin", "apiUrl": "…"}.`);
    return undefined;
  }
  const out: Record<string, GrafanaDatasourceConfig> = {};
  let ok = true;
  for (const [uid, ds] of Object.entries(value)) {
    const at = `${where}.${uid}`;
    if (!DATASOURCE_UID.test(uid)) {
      problems.push(`${at}: "${uid.slice(0, 60)}" is not a Grafana datasource uid (letters, digits, - and _).`);
      ok = false;
      continue;
    }
    if (!isObject(ds)) {
      problems.push(`${at} must be an object with a kind and an apiUrl.`);
      ok = false;
      continue;
    }
    for (const field of Object.keys(ds)) if (!DATASOURCE_FIELDS.includes(field)) problems.push(`${at}.${field} is not a datasource field; known fields: ${DATASOURCE_FIELDS.join(', ')}.`);
    if (typeof ds.kind !== 'string' || !(DATASOURCE_KINDS as readonly string[]).includes(ds.kind)) {
      problems.push(`${at}.kind must be one of ${DATASOURCE_KINDS.join(', ')}, got ${describe(ds.kind)}.`);
      ok = false;
      continue;
    }
    if (ds.apiUrl === undefined) {
      problems.push(`${at}.apiUrl is required: the ${ds.kind} API this datasource reads from (Grafana itself is not asked).`);
      ok = false;
      continue;
    }
    const urlProblemText = urlProblem(ds.apiUrl);
    if (urlProblemText !== undefined) {
      problems.push(`${at}.apiUrl ${urlProblemText}.`);
      ok = false;
      continue;
    }
    const tenant = ds.tenant;
    if (tenant !== undefined && (typeof tenant !== 'string' || tenant.trim() === '')) problems.push(`${at}.tenant must be the Tempo tenant (X-Scope-OrgID) as a string.`);
    const name = ds.name;
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) problems.push(`${at}.name must be the datasource's display name as a string.`);
    const auth = authOf(ds, at, input, problems) ?? shared;
    out[uid] = {
      kind: ds.kind as GrafanaDatasourceConfig['kind'],
      apiUrl: trimSlash(String(ds.apiUrl)),
      ...(typeof tenant === 'string' && tenant.trim() !== '' ? { tenant: tenant.trim() } : {}),
      ...(typeof name === 'string' && name.trim() !== '' ? { name: name.trim() } : {}),
      ...(auth === undefined ? {} : { auth }),
    };
  }
  return ok ? out : undefined;
}

/** `tokenEnv` / `basicAuthEnv` name environment variables; literal `token` / `basicAuth` only in a 0600 file. */
function authOf(entry: Record<string, unknown>, where: string, input: BackendsInput, problems: string[]): BackendAuth | undefined {
  const named = (field: 'tokenEnv' | 'basicAuthEnv'): { value: string; from: string } | undefined => {
    const name = entry[field];
    if (name === undefined) return undefined;
    if (typeof name !== 'string' || !ENV_NAME.test(name)) {
      problems.push(`${where}.${field} must name an environment variable (like TEMPO_TOKEN), got ${describe(name)}.`);
      return undefined;
    }
    const value = input.env[name];
    if (value === undefined) {
      problems.push(`${where}.${field} names ${name}, which is not set: export it (or put it in the service's environment file, mode 0600).`);
      return undefined;
    }
    return { value, from: name };
  };
  const literal = (field: 'token' | 'basicAuth'): { value: string; from: string } | undefined => {
    const value = entry[field];
    if (value === undefined) return undefined;
    if (!input.filePrivate) {
      problems.push(`${where}.${field} puts a credential in the file, which other users can read: use ${field}Env with an environment variable instead, or chmod 600 the file.`);
      return undefined;
    }
    if (typeof value !== 'string' || value === '') {
      problems.push(`${where}.${field} must be a non-empty string.`);
      return undefined;
    }
    return { value, from: `${field} in ${input.file ?? 'the config file'}` };
  };
  const bearer = named('tokenEnv') ?? literal('token');
  const basic = named('basicAuthEnv') ?? literal('basicAuth');
  if (bearer !== undefined && basic !== undefined) {
    problems.push(`${where} has both a bearer token and basic auth: give one.`);
    return undefined;
  }
  if (basic !== undefined && !basic.value.includes(':')) {
    problems.push(`${where}: ${basic.from} must hold user:token (Grafana Cloud: instance id, a colon, then the token).`);
    return undefined;
  }
  if (bearer !== undefined) return { bearer: bearer.value, from: bearer.from };
  if (basic !== undefined) return { basic: basic.value, from: basic.from };
  return undefined;
}

function lightstepKey(entry: Record<string, unknown>, where: string, input: BackendsInput, problems: string[], isDefault: boolean): { value: string; from: string } | undefined {
  const envName = entry.apiKeyEnv ?? entry.tokenEnv;
  if (envName !== undefined) {
    if (typeof envName !== 'string' || !ENV_NAME.test(envName)) {
      problems.push(`${where}.apiKeyEnv must name an environment variable, got ${describe(envName)}.`);
      return undefined;
    }
    const value = input.env[envName];
    if (value === undefined) problems.push(`${where}.apiKeyEnv names ${envName}, which is not set.`);
    return value === undefined ? undefined : { value, from: envName };
  }
  if (entry.apiKey !== undefined) {
    if (!input.filePrivate) {
      problems.push(`${where}.apiKey puts the Lightstep API key in the file, which other users can read: use apiKeyEnv instead, or chmod 600 the file.`);
      return undefined;
    }
    return typeof entry.apiKey === 'string' && entry.apiKey !== '' ? { value: entry.apiKey, from: `apiKey in ${input.file ?? 'the config file'}` } : undefined;
  }
  // The backend called lightstep takes LIGHTSTEP_API_KEY, as before backends could be listed.
  if (isDefault && input.settings['lightstep.apiKey'] !== undefined) return { value: input.settings['lightstep.apiKey'], from: 'LIGHTSTEP_API_KEY' };
  problems.push(`${where} has no API key: set apiKeyEnv to the variable holding it${isDefault ? ', or LIGHTSTEP_API_KEY' : ''}.`);
  return undefined;
}

/** The backends the single-backend settings define. */
function shorthands(input: BackendsInput, problems: string[], listed: ReadonlySet<unknown>): BackendConfig[] {
  const s = input.settings;
  const out: BackendConfig[] = [];
  if (!listed.has('lightstep') && (s['lightstep.org'] !== undefined || s['lightstep.apiKey'] !== undefined)) {
    if (input.strict && s['lightstep.org'] === undefined) problems.push('LIGHTSTEP_ORG is not set: trace links do not name the organization. Set it to your Lightstep organization name.');
    if (input.strict && s['lightstep.apiKey'] === undefined) problems.push('LIGHTSTEP_API_KEY is not set: stored traces are fetched with an API key. Create one in Lightstep under Settings → API Keys (Viewer is enough).');
    if (s['lightstep.org'] !== undefined && s['lightstep.apiKey'] !== undefined) {
      out.push({
        id: 'lightstep',
        kind: 'lightstep',
        appUrls: (s['lightstep.appUrl'] ?? 'https://app.lightstep.com').split(',').map((o) => o.trim()).filter((o) => o !== '').map((o) => new URL(o).origin),
        apiUrl: trimSlash(s['lightstep.apiUrl'] ?? 'https://api.lightstep.com'),
        org: s['lightstep.org'],
        apiKey: s['lightstep.apiKey'],
        apiKeyFrom: 'LIGHTSTEP_API_KEY',
      });
    }
  }
  for (const kind of ['jaeger', 'zipkin'] as const) {
    const ui = s[`${kind}.url`];
    if (ui === undefined || listed.has(kind)) continue;
    out.push({ id: kind, kind, uiUrl: trimSlash(ui), apiUrl: trimSlash(s[`${kind}.apiUrl`] ?? ui) });
  }
  const grafana = s['grafana.url'];
  const tempo = s['grafana.tempoUrl'];
  if ((grafana === undefined) !== (tempo === undefined) && input.strict) {
    problems.push('LSSLACK_GRAFANA_URL and LSSLACK_TEMPO_URL go together: Grafana links are recognised at the first and their traces read from the second.');
  } else if (grafana !== undefined && tempo !== undefined && !listed.has('grafana')) {
    const uid = s['grafana.tempoDatasource'] ?? 'tempo';
    const tenant = s['grafana.tempoTenant'];
    out.push({ id: 'grafana', kind: 'grafana', url: trimSlash(grafana), datasources: { [uid]: { kind: 'tempo', apiUrl: trimSlash(tempo), ...(tenant === undefined ? {} : { tenant }) } } });
  }
  return out;
}

function origins(value: unknown, where: string, problems: string[]): string[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (list === undefined || list.length === 0) {
    problems.push(`${where} must list the web app's origin(s), e.g. ["https://app.lightstep.com"].`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of list) {
    const problem = urlProblem(typeof item === 'string' ? item.trim() : item);
    if (problem !== undefined) {
      problems.push(`${where} ${problem}.`);
      return undefined;
    }
    out.push(new URL(String(item).trim()).origin);
  }
  return out;
}

function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a URL string, got ${describe(value)}`;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `must be an http(s) URL, got "${value.slice(0, 100)}"`;
  } catch {
    return `must be an absolute URL such as https://jaeger.example.com, got "${value.slice(0, 100)}"`;
  }
}

function trimSlash(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  return value === undefined ? 'nothing' : value === null ? 'null' : typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
