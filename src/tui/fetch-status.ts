import { Agent, request } from 'undici';
import type { StatusSnapshot } from '../pipeline/status.js';
import { bodyMessage, describeHttpError, parseSnapshot } from './read-snapshot.js';

/** What one `GET /status` gave: a snapshot, a refusal, or nothing usable. */
export type FetchStatusResult =
  | { readonly kind: 'ok'; readonly snapshot: StatusSnapshot }
  | { readonly kind: 'unauthorized'; readonly status: number; readonly message: string }
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'bad_response'; readonly status: number; readonly message: string };

/** `GET ${url}/status` once, with the admin token if any; never throws. */
export async function fetchStatus(options: { url: string; token?: string; timeoutMs?: number }): Promise<FetchStatusResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const statusUrl = new URL('status', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  try {
    const response = await request(statusUrl, { dispatcher: agent, headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.body.text();
    if (response.statusCode === 401 || response.statusCode === 403) {
      return { kind: 'unauthorized', status: response.statusCode, message: bodyMessage(body) ?? `HTTP ${response.statusCode}` };
    }
    const snapshot = response.statusCode === 200 ? parseSnapshot(body) : undefined;
    if (snapshot === undefined) {
      return { kind: 'bad_response', status: response.statusCode, message: `HTTP ${response.statusCode}, not an lsslack status snapshot` };
    }
    return { kind: 'ok', snapshot };
  } catch (error) {
    const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
    return { kind: 'unreachable', message: timedOut ? `no answer within ${timeoutMs / 1000} s` : describeHttpError(error) };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
