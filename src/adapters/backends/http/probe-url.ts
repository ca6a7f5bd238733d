import type { ProbeResult } from '../backend-module.js';
import { getTraceReply, parseJson, type Asked, type TraceHttp } from './get-trace-reply.js';

/**
 * Asks a backend a cheap question (its services list, its readiness) the way the trace requests
 * are sent, for `lsslack doctor`: reachable, credentials accepted, the right kind of server.
 */
export async function probeUrl(url: string, headers: Record<string, string>, asked: Asked, http: TraceHttp, options: { what: string; credentials: string; describe: (json: unknown, text: string) => string | undefined }): Promise<ProbeResult> {
  try {
    const reply = await getTraceReply(url, { accept: 'application/json', ...headers }, asked, { ...http, limits: { maxBytes: 4 << 20, deadlineMs: Math.min(http.limits.deadlineMs, 10_000) } });
    if (reply.status === 401 || reply.status === 403) return { ok: false, detail: `HTTP ${reply.status} from ${url}`, fix: `${options.credentials} was refused (or is missing): check it.` };
    if (reply.status !== 200) return { ok: false, detail: `HTTP ${reply.status} from ${url}`, fix: `check that ${url} is ${options.what}.` };
    const text = reply.body.toString('utf8', 0, Math.min(reply.body.length, 65_536));
    let json: unknown;
    try {
      json = parseJson(reply, asked);
    } catch {
      json = undefined;
    }
    const detail = options.describe(json, text);
    return detail === undefined ? { ok: false, detail: `${url} answered 200, but not like ${options.what}`, fix: `check the configured URL: it must be ${options.what}.` } : { ok: true, detail };
  } catch (error) {
    return { ok: false, detail: (error as Error).message, fix: `check that ${url} is reachable from this machine (proxy, firewall, DNS).` };
  }
}

/** `N things (a, b, c, …)` for a list of names. */
export function listed(names: readonly unknown[], noun: string): string {
  const strings = names.filter((n): n is string => typeof n === 'string');
  const shown = strings.slice(0, 5).join(', ') + (strings.length > 5 ? ', …' : '');
  return `${strings.length} ${noun}${strings.length === 1 ? '' : 's'}${strings.length > 0 ? ` (${shown})` : ''}`;
}
