import { request, type Dispatcher } from 'undici';
import type { Config } from '../../config/config.js';
import { describeNetworkError, fail, pass, type CheckResult } from './check.js';

const TIMEOUT_MS = 5_000;
const PUBLIC = 'LSSLACK_PUBLIC_URL reaches this listener';

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
