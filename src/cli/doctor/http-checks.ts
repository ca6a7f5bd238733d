import { request, type Dispatcher } from 'undici';
import type { Config } from '../../config/config.js';
import { describeNetworkError, fail, pass, type CheckResult } from './check.js';

const TIMEOUT_MS = 5_000;
const LIGHTSTEP = 'Lightstep API key and org (projects listing)';
const PUBLIC = 'LSSLACK_PUBLIC_URL reaches this listener';

/** `GET {api}/public/v0.2/{org}/projects` with the API key: both the key and the org are right. */
export async function checkLightstep(config: Config, dispatcher?: Dispatcher): Promise<CheckResult> {
  const { org, apiKey, apiUrl } = config.lightstep;
  const missing = [org === undefined ? 'LIGHTSTEP_ORG' : undefined, apiKey === undefined ? 'LIGHTSTEP_API_KEY' : undefined].filter((m) => m !== undefined);
  if (org === undefined || apiKey === undefined) {
    return fail(LIGHTSTEP, `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`, 'set LIGHTSTEP_ORG to your organization name and LIGHTSTEP_API_KEY to a key from Lightstep → Settings → API Keys (Viewer is enough).');
  }
  const url = `${apiUrl}/public/v0.2/${encodeURIComponent(org)}/projects`;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { dispatcher, headers: { authorization: `Bearer ${apiKey}`, accept: 'application/vnd.api+json, application/json' }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  } catch (error) {
    return fail(LIGHTSTEP, `cannot reach ${apiUrl}: ${describeNetworkError(error)}`, `check this host's network and HTTPS proxy, and LIGHTSTEP_API_URL (now ${apiUrl}; EU accounts use https://api.eu.lightstep.com).`);
  }
  const status = response.statusCode;
  if (status === 200) {
    const body = (await response.body.json().catch(() => undefined)) as { data?: Array<{ id?: string }> } | undefined;
    const projects = Array.isArray(body?.data) ? body.data.map((p) => p.id).filter((id) => typeof id === 'string') : undefined;
    if (projects === undefined) return fail(LIGHTSTEP, `${apiUrl} answered 200 but not with a projects list`, `check LIGHTSTEP_API_URL (now ${apiUrl}): it must be Lightstep's public API, not the web app.`);
    const shown = projects.slice(0, 5).join(', ') + (projects.length > 5 ? ', …' : '');
    return pass(LIGHTSTEP, `org ${org}: ${projects.length} project${projects.length === 1 ? '' : 's'} visible${projects.length > 0 ? ` (${shown})` : ''}`);
  }
  await response.body.dump().catch(() => undefined);
  if (status === 401 || status === 403) {
    return fail(
      LIGHTSTEP,
      `Lightstep refused the request (HTTP ${status}) for org ${org}`,
      'check LIGHTSTEP_API_KEY (Lightstep → Settings → API Keys; it must belong to this organization) and LIGHTSTEP_ORG (the organization name, case-sensitive): Lightstep answers 401 both for a wrong key and for an organization the key does not belong to.',
    );
  }
  if (status === 404) return fail(LIGHTSTEP, `Lightstep does not know org ${org} (HTTP 404)`, 'set LIGHTSTEP_ORG to your organization name as shown in Lightstep → Settings.');
  return fail(LIGHTSTEP, `Lightstep answered HTTP ${status}`, status >= 500 ? 'Lightstep is having trouble; try again later (status.lightstep.com).' : `check LIGHTSTEP_API_URL (now ${apiUrl}).`);
}

/**
 * `GET {publicUrl}/healthz` must answer 200 {"status":"ok"}: the public URL (and any proxy in
 * front) leads to a running lsslack. Only meaningful while the daemon runs.
 */
export async function checkPublicUrl(config: Config, dispatcher?: Dispatcher): Promise<CheckResult> {
  const base = config.http.publicUrl;
  const url = `${base}/healthz`;
  const hint = 'start lsslack first, or fix LSSLACK_PUBLIC_URL / your proxy';
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  } catch (error) {
    return fail(PUBLIC, `${url} is unreachable: ${describeNetworkError(error)}`, `${hint} (the listener is LSSLACK_HOST:LSSLACK_PORT = ${config.http.host}:${config.http.port}).`);
  }
  const status = response.statusCode;
  const text = await response.body.text().catch(() => '');
  if (status >= 300 && status < 400) {
    return fail(PUBLIC, `${url} redirects (HTTP ${status}) to ${String(response.headers.location ?? '?')}`, `${hint}: set LSSLACK_PUBLIC_URL to the final URL (e.g. https://… when the proxy redirects http to https).`);
  }
  let ok = false;
  try {
    ok = (JSON.parse(text) as { status?: unknown }).status === 'ok';
  } catch {
    ok = false;
  }
  if (status !== 200 || !ok) {
    return fail(PUBLIC, `${url} answered HTTP ${status}, not lsslack's {"status":"ok"}`, `${hint}: something else answers at that address.`);
  }
  return pass(PUBLIC, `${url} answers {"status":"ok"}`);
}
