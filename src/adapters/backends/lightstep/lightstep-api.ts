import type { FetchTraceResult } from '../../../domain/ports.js';
import type { LightstepBackendConfig } from '../backend-config.js';
import type { ProbeResult, TraceClient } from '../backend-module.js';
import { getTraceReply, parseJson, statusError, withQuickRetry, type Asked, type TraceHttp } from '../http/get-trace-reply.js';
import { decodeStoredTrace } from './decode-stored-trace.js';

/**
 * Lightstep's public API (trace-backends.md §1):
 * `GET {api}/public/v0.2/{org}/projects/{project}/stored-traces?span-id={seed}` with
 * `Authorization: Bearer <API key>`. 404 means the trace is no longer stored (or was never
 * sampled); 429 carries `X-RateLimit-Reset` (seconds), which the queue honours by deferring the job.
 */
export function createLightstepClient(config: LightstepBackendConfig, http: TraceHttp): TraceClient {
  const asked: Asked = { backendId: config.id, product: 'Lightstep' };
  const headers = { authorization: `Bearer ${config.apiKey}`, accept: 'application/vnd.api+json, application/json' };
  const fix = `Check ${config.apiKeyFrom} and the organization (${config.org}) of backend "${config.id}"; the key needs access to the project.`;
  return {
    async fetchTrace(ref): Promise<FetchTraceResult> {
      const project = ref.scope ?? '';
      const span = ref.lookup.kind === 'span' ? ref.lookup.spanId : '';
      const url = `${config.apiUrl}/public/v0.2/${encodeURIComponent(config.org)}/projects/${encodeURIComponent(project)}/stored-traces?span-id=${encodeURIComponent(span)}`;
      const reply = await withQuickRetry(asked, http, async () => {
        const r = await getTraceReply(url, headers, asked, http);
        if (r.status >= 500) throw statusError(r, asked, fix);
        return r;
      });
      if (reply.status === 200) return { kind: 'found', trace: decodeStoredTrace(parseJson(reply, asked)) };
      if (reply.status === 404) return { kind: 'not_found' };
      throw statusError(reply, asked, fix);
    },
  };
}

/** `GET {api}/public/v0.2/{org}/projects` with the API key: both the key and the org are right. */
export async function probeLightstep(config: LightstepBackendConfig, http: TraceHttp): Promise<ProbeResult> {
  const asked: Asked = { backendId: config.id, product: 'Lightstep' };
  const url = `${config.apiUrl}/public/v0.2/${encodeURIComponent(config.org)}/projects`;
  try {
    const reply = await getTraceReply(url, { authorization: `Bearer ${config.apiKey}`, accept: 'application/vnd.api+json, application/json' }, asked, http);
    const orgSetting = config.id === 'lightstep' ? 'LIGHTSTEP_ORG' : `the org of backend "${config.id}"`;
    if (reply.status === 401 || reply.status === 403) {
      return {
        ok: false,
        detail: `Lightstep refused the request (HTTP ${reply.status}) for org ${config.org}`,
        fix: `check ${config.apiKeyFrom} (Lightstep → Settings → API Keys; it must belong to this organization) and ${orgSetting} (the organization name, case-sensitive): Lightstep answers 401 both for a wrong key and for an organization the key does not belong to.`,
      };
    }
    if (reply.status === 404) return { ok: false, detail: `Lightstep does not know org ${config.org} (HTTP 404)`, fix: `set ${orgSetting} to your organization name as shown in Lightstep → Settings.` };
    if (reply.status !== 200) return { ok: false, detail: `HTTP ${reply.status} from ${config.apiUrl}`, fix: `check the API URL of backend "${config.id}" (LIGHTSTEP_API_URL, now ${config.apiUrl}).` };
    const body = parseJson(reply, asked) as { data?: Array<{ id?: unknown }> };
    const projects = Array.isArray(body?.data) ? body.data.map((p) => p.id).filter((id): id is string => typeof id === 'string') : undefined;
    if (projects === undefined) return { ok: false, detail: `${config.apiUrl} answered 200 but not with a projects list`, fix: `check the API URL of backend "${config.id}" (now ${config.apiUrl}): it must be Lightstep's public API, not the web app.` };
    const shown = projects.slice(0, 5).join(', ') + (projects.length > 5 ? ', …' : '');
    return { ok: true, detail: `org ${config.org}: ${projects.length} project${projects.length === 1 ? '' : 's'} visible${projects.length > 0 ? ` (${shown})` : ''}` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message, fix: `check that ${config.apiUrl} is reachable from this machine (proxy, firewall, DNS).` };
  }
}
