/**
 * A loopback Slack that speaks the real wire protocols, so that the unmodified `@slack/web-api` WebClient and
 * `@slack/socket-mode` SocketModeClient can be pointed at it with `slackApiUrl` (slack-platform.md §4.5).
 * One HTTP server serves the Web API (`/api/*`), the OAuth authorize page (`/oauth/v2/authorize`) and the
 * Socket Mode WebSocket (`/link/`). It shares no code with the product: Node built-ins and `ws` only.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConfig } from './config.js';
import { Conversations } from './conversations.js';
import { entityDetailsRequestedEvent, EventPoster } from './events.js';
import { OAuthState } from './oauth.js';
import { CallRecorder } from './recorder.js';
import { SocketModeServer } from './socket-mode.js';
import type { SlackSimulator, SlackSimulatorOptions } from './types.js';
import { WebApi } from './web-api.js';
import { WorkObjects } from './work-objects.js';

/** Formats a host for use in a URL (IPv6 needs brackets; wildcard binds are reached via loopback). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts a Slack simulator on `host:port` (default 127.0.0.1, an ephemeral port).
 *
 * @example
 * const sim = await startSlackSimulator();
 * const web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
 * // …
 * await sim.stop();
 */
export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  const config = resolveConfig(options);
  const recorder = new CallRecorder();
  const oauth = new OAuthState(config);
  const socket = new SocketModeServer(config);
  const poster = new EventPoster();
  const conversations = new Conversations(config);
  const workObjects = new WorkObjects();
  let base = '';
  const webApi = new WebApi({
    config,
    oauth,
    socket,
    recorder,
    conversations,
    workObjects,
    wsBase: () => base.replace(/^http/, 'ws'),
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const apiMatch = /^\/api\/([A-Za-z0-9._-]+)\/?$/.exec(url.pathname);
    if (apiMatch?.[1] !== undefined && (req.method === 'POST' || req.method === 'GET')) {
      webApi.handle(req, res, apiMatch[1], url.searchParams).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    if (url.pathname === '/oauth/v2/authorize' && req.method === 'GET') {
      oauth.handleAuthorize(url, res);
      return;
    }
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Slack simulator: POST /api/<method>, GET /oauth/v2/authorize, WebSocket /link/\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ ok: false, error: 'not_found' }));
  });
  server.on('upgrade', (req, sock, head) => socket.handleUpgrade(req, sock, head));
  server.on('clientError', (_error, sock) => {
    if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else sock.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  base = `http://${urlHost(config.host)}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      recorder.close();
      webApi.close();
      poster.close();
      await socket.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections from WebClient's fetch would otherwise hold server.close() open.
      server.closeAllConnections();
      await closed;
    })();
    return stopping;
  };

  const sim: SlackSimulator = {
    url: base,
    apiUrl: `${base}/api/`,
    authorizeUrl: `${base}/oauth/v2/authorize`,
    appToken: config.appToken,
    botToken: config.botToken,
    teamId: config.teamId,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    calls: recorder.calls,
    unfurls: () => recorder.calls.filter((c) => c.method === 'chat.unfurl' && c.ok),
    waitForCalls: (method, count, timeoutMs) => recorder.waitFor(method, count, timeoutMs),
    rateLimitNext: (method, count, retryAfterSeconds, teamToken) =>
      webApi.rateLimitNext(method, count, retryAfterSeconds, teamToken),
    failNext: (method, count, error) => webApi.failNext(method, count, error),
    httpErrorNext: (method, count, status) => webApi.httpErrorNext(method, count, status),
    stallNext: (method, count) => webApi.stallNext(method, count),
    get socketConnections() {
      return socket.connectionCount;
    },
    waitForSocketConnections: (n, timeoutMs) => socket.waitForConnections(n, timeoutMs),
    sendEvent: (body, opts) => socket.sendEvent(body, opts),
    sendRaw: (frame, connection) => socket.sendRaw(frame, connection),
    get unackedEnvelopes() {
      return socket.unackedCount;
    },
    disconnect: (reason, connection) => socket.disconnect(reason, connection),
    dropConnections: () => socket.dropConnections(),
    authorizeAs: (identity) => oauth.authorizeAs(identity),
    denyNextAuthorization: () => oauth.denyNextAuthorization(),
    revokeToken: (token) => oauth.revokeToken(token),
    expireToken: (token) => oauth.expireToken(token),
    userTokens: () => oauth.userTokens(),
    setConversation: (id, info) => conversations.set(id, info),
    conversationLookups: (channel) => conversations.lookups(channel),
    detailsRequest: (opts) => {
      const triggerId = workObjects.issueTrigger(opts.user, opts.externalRef);
      const body = entityDetailsRequestedEvent({
        ...opts,
        teamId: opts.teamId ?? config.teamId,
        appId: config.appId,
        botUserId: config.botUserId,
        triggerId,
      });
      return { body, triggerId };
    },
    flexpaneAnswers: () => workObjects.answers(),
    postEvent: (requestUrl, body, opts) => poster.post(requestUrl, body, opts),
    stop,
  };
  return sim;
}
