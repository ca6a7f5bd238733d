import type { Command } from 'commander';
import { LsslackError } from '../../domain/errors.js';
import { fetchStatus } from '../../tui/fetch-status.js';
import { formatStatusSummary } from '../../tui/status-summary.js';
import { configFor } from '../context.js';

/** Flags shared by `status` and `dashboard`. */
export interface TargetFlags {
  url?: string;
  token?: string;
  config?: string;
}

/** Which daemon to ask, and with which admin token. */
export interface Target {
  readonly url: string;
  readonly token?: string;
}

/** `lsslack status [--json]`: one snapshot of a running daemon; exit 0 ready, 1 not ready, 2 unreachable. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('print one status snapshot of the running daemon and exit (0 ready, 1 not ready, 2 unreachable)')
    .option('--json', 'print the /status JSON as is')
    .option('--url <url>', "the daemon's listener (default http://LSSLACK_HOST:LSSLACK_PORT)")
    .option('--token <token>', 'admin token, if the daemon has LSSLACK_ADMIN_TOKEN set (default LSSLACK_ADMIN_TOKEN)')
    .option('--config <file>', 'config file')
    .action(async (flags: TargetFlags & { json?: boolean }) => {
      await printStatus(resolveTarget(flags), { json: flags.json === true, out: (text) => process.stdout.write(`${text}\n`) });
    });
}

/** --url/--token, or the listener and admin token from the configuration. */
export function resolveTarget(flags: TargetFlags): Target {
  if (flags.token !== undefined && flags.token.trim() === '') throw new LsslackError('usage', '--token must not be empty.');
  const url = flags.url === undefined ? undefined : checkUrl(flags.url);
  if (url !== undefined && flags.token !== undefined) return { url, token: flags.token };
  const config = configFor({ config: flags.config });
  const token = flags.token ?? config.adminToken;
  return { url: url ?? listenerUrl(config.http.host, config.http.port), ...(token === undefined ? {} : { token }) };
}

/** The URL to reach a listener bound to host:port from this machine (wildcards → loopback). */
export function listenerUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const bracketed = local.includes(':') && !local.startsWith('[') ? `[${local}]` : local;
  return `http://${bracketed}:${port}`;
}

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LsslackError('usage', `--url "${raw}" is not a URL; give the daemon's listener, e.g. --url http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LsslackError('usage', `--url must be http:// or https://, got "${raw}"`);
  if (url.search !== '' || url.hash !== '') throw new LsslackError('usage', `--url takes the listener's base URL only, without ?query or #fragment: "${raw}"`);
  return url.toString().replace(/\/$/, '');
}

/**
 * Fetch and print one snapshot. Resolves when the daemon is ready; otherwise throws the error
 * whose code gives the exit status: 1 not ready, 2 unreachable or refused (the fix is in the
 * URL, the token or starting the daemon).
 */
export async function printStatus(target: Target, options: { json: boolean; out: (text: string) => void }): Promise<void> {
  const result = await fetchStatus({ url: target.url, token: target.token });
  if (result.kind === 'ok') {
    const { snapshot } = result;
    options.out(options.json ? JSON.stringify(snapshot, null, 2) : formatStatusSummary(snapshot, target.url));
    if (!snapshot.ready) {
      throw new LsslackError('daemon_not_ready', `the daemon at ${target.url} is not ready: ${snapshot.notReadyReasons.join('; ')}`);
    }
    return;
  }
  const message = unreachableMessage(target, result);
  if (options.json) options.out(JSON.stringify({ reachable: result.kind !== 'unreachable', url: target.url, error: result.kind, message: result.message }, null, 2));
  // Exit 2: the fix is starting the daemon or pointing at it (exit-codes.ts).
  throw new LsslackError('daemon_unreachable', message);
}

function unreachableMessage(target: Target, result: Exclude<Awaited<ReturnType<typeof fetchStatus>>, { kind: 'ok' }>): string {
  const at = `${target.url}/status`;
  switch (result.kind) {
    case 'unreachable':
      return `cannot reach the lsslack daemon at ${at}: ${result.message}.\n  Is it running? Start it with \`lsslack start\`, or point at its listener with --url http://HOST:PORT (or LSSLACK_HOST / LSSLACK_PORT, --config FILE).`;
    case 'unauthorized':
      return result.status === 401
        ? `the daemon at ${at} wants its admin token (HTTP 401): ${result.message}\n  Pass --token <LSSLACK_ADMIN_TOKEN> or set LSSLACK_ADMIN_TOKEN${target.token === undefined ? '' : ' (the token given was refused)'}.`
        : `the daemon at ${at} only answers loopback clients (HTTP 403): ${result.message}\n  Run this on the daemon's host, or set LSSLACK_ADMIN_TOKEN on the daemon and pass --token.`;
    case 'bad_response':
      return `${at} did not answer like an lsslack daemon (${result.message}). Check --url: it should be the listener of \`lsslack start\`.`;
  }
}
