/**
 * The Slack simulator driven by the REAL Slack SDK clients (@slack/web-api 8.2 WebClient, @slack/socket-mode 3.1
 * SocketModeClient), unmodified and pointed at it with `slackApiUrl`.
 */

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import webApi from '@slack/web-api';
import { WebSocket } from 'ws';
import { linkSharedEvent, startSlackSimulator } from '../../src/simulators/slack/index.js';
import type { SlackSimulator } from '../../src/simulators/slack/index.js';

// @slack/web-api is CommonJS: under ESM take the classes off the default export (slack-platform.md §4.5).
const { WebClient, ErrorCode, LogLevel: WebLogLevel } = webApi;

const TRACE_URL = 'https://app.lightstep.com/acme/trace?span_guid=0123456789abcdef';

function block(text: string): { type: 'section'; text: { type: 'mrkdwn'; text: string } } {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Asserts that `promise` rejects with a WebAPIPlatformError carrying `error`. */
async function rejectsWithPlatformError(promise: Promise<unknown>, error: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    const err = e as { code?: string; data?: { error?: string } };
    assert.equal(err.code, ErrorCode.PlatformError);
    assert.equal(err.data?.error, error);
    return true;
  });
}

/** Opens a raw `ws` Socket Mode connection (for behaviour the SDK client hides) and collects its frames. */
async function rawSocket(sim: SlackSimulator): Promise<{ ws: WebSocket; frames: unknown[]; url: string }> {
  const res = await fetch(`${sim.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.appToken}` },
  });
  const body = (await res.json()) as { ok: boolean; url: string };
  assert.equal(body.ok, true);
  const ws = new WebSocket(body.url);
  const frames: unknown[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, url: body.url };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Slack simulator: Web API through the real WebClient', () => {
  let sim: SlackSimulator;
  let web: InstanceType<typeof WebClient>;

  before(async () => {
    sim = await startSlackSimulator();
    web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logLevel: WebLogLevel.ERROR });
  });
  after(async () => {
    await sim.stop();
    await sim.stop(); // idempotent
  });

  it('exposes loopback URLs and default credentials', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.apiUrl, `${sim.url}/api/`);
    assert.equal(sim.authorizeUrl, `${sim.url}/oauth/v2/authorize`);
    assert.equal(sim.appToken, 'xapp-1-A0SIM-demo');
    assert.equal(sim.botToken, 'xoxb-sim-bot-token');
    assert.equal(sim.teamId, 'T0SIM');
  });

  it('auth.test identifies the bot', async () => {
    const res = await web.auth.test();
    assert.equal(res.ok, true);
    assert.equal(res.team_id, 'T0SIM');
    assert.equal(res.user_id, 'U0SIMBOT');
    assert.equal(res.bot_id, 'B0SIM');
    assert.deepEqual(res.response_metadata?.scopes, [
      'links:read',
      'links:write',
      'channels:read',
      'groups:read',
      'im:read',
      'mpim:read',
    ]);
  });

  it('records chat.unfurl with the form-encoded unfurls parsed back into an object', async () => {
    const unfurls = { [TRACE_URL]: { blocks: [block('*checkout* 120 ms')] } };
    const res = await web.chat.unfurl({ channel: 'C0SIMCHAN', ts: '1700000000.000100', unfurls });
    assert.equal(res.ok, true);
    const last = sim.unfurls().at(-1);
    assert.ok(last);
    assert.equal(last.token, sim.botToken);
    assert.deepEqual(last.args.unfurls, unfurls);
    assert.equal(last.args.channel, 'C0SIMCHAN');
    assert.equal('token' in last.args, false);
    const [waited] = await sim.waitForCalls('chat.unfurl', 1);
    assert.equal(waited?.method, 'chat.unfurl');
  });

  it('accepts unfurl_id + source and JSON bodies with a Bearer token', async () => {
    const res = await fetch(`${sim.apiUrl}chat.unfurl`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${sim.botToken}` },
      body: JSON.stringify({ unfurl_id: 'U1.2.3', source: 'composer', unfurls: { [TRACE_URL]: { blocks: [block('x')] } } }),
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('date'));
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(sim.unfurls().at(-1)?.args.source, 'composer');
  });

  it('records user_auth_required as a boolean without unfurls', async () => {
    await web.chat.unfurl({
      channel: 'COMPOSER',
      ts: 'U0SIMUSER-909b5454-75f8-4ac4-b325-1b40e230bbd8-gryl3kb80b3wm49ihzoo35fyqoq08n2y',
      user_auth_required: true,
      user_auth_url: 'https://lsslack.example/link?state=abc',
    } as never);
    const last = sim.unfurls().at(-1);
    assert.equal(last?.args.user_auth_required, true);
    assert.equal(last?.args.user_auth_url, 'https://lsslack.example/link?state=abc');
  });

  it('reports missing arguments', async () => {
    await rejectsWithPlatformError(web.chat.unfurl({ ts: '1.2', unfurls: {} } as never), 'missing_channel');
    await rejectsWithPlatformError(web.chat.unfurl({ channel: 'C1', unfurls: {} } as never), 'missing_ts');
    await rejectsWithPlatformError(web.chat.unfurl({ source: 'composer', unfurls: {} } as never), 'missing_unfurl_id');
    await rejectsWithPlatformError(web.chat.unfurl({ unfurl_id: 'U1', unfurls: {} } as never), 'missing_source');
    await rejectsWithPlatformError(web.chat.unfurl({ channel: 'C1', ts: '1.2' } as never), 'missing_unfurls');
    await rejectsWithPlatformError(
      web.apiCall('chat.unfurl', { channel: 'C1', ts: '1.2', unfurls: '[1,2]' }),
      'invalid_unfurls_format',
    );
  });

  it('rejects more than 50 blocks and rich_text blocks with invalid_blocks', async () => {
    const before = sim.unfurls().length;
    const tooMany = Array.from({ length: 51 }, (_, i) => block(`line ${i}`));
    await rejectsWithPlatformError(
      web.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: { [TRACE_URL]: { blocks: tooMany } } } as never),
      'invalid_blocks',
    );
    const richText = { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'hi' }] }] };
    await rejectsWithPlatformError(
      web.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: { [TRACE_URL]: { blocks: [richText] } } } as never),
      'invalid_blocks',
    );
    await rejectsWithPlatformError(
      web.chat.unfurl({
        channel: 'C1',
        ts: '1.2',
        unfurls: { [TRACE_URL]: { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] } },
      } as never),
      'invalid_blocks',
    );
    assert.equal(sim.unfurls().length, before, 'failed calls are not successful unfurls');
    const failed = sim.calls.at(-1);
    assert.equal(failed?.ok, false);
    assert.equal(failed?.error, 'invalid_blocks');
  });

  it('answers invalid_auth, token_revoked and unknown_method', async () => {
    const bogus = new WebClient('xoxb-not-a-real-token', { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
    await rejectsWithPlatformError(bogus.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), 'invalid_auth');
    await rejectsWithPlatformError(bogus.auth.test(), 'invalid_auth');
    await rejectsWithPlatformError(web.apiCall('no.such.method'), 'unknown_method');
    const anonymous = new WebClient(undefined, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
    await rejectsWithPlatformError(anonymous.auth.test(), 'not_authed');
  });

  it('rate-limits with HTTP 429 + Retry-After, optionally per token', async () => {
    const strict = new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    sim.rateLimitNext('chat.unfurl', 1, 7);
    await assert.rejects(strict.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), (e: unknown) => {
      const err = e as { code?: string; retryAfter?: number };
      assert.equal(err.code, ErrorCode.RateLimitedError);
      assert.equal(err.retryAfter, 7);
      return true;
    });
    assert.equal(sim.calls.at(-1)?.error, 'ratelimited');
    // The fault was used up.
    assert.equal((await strict.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} })).ok, true);

    // Scoped to one workspace's token: the bot token is unaffected.
    sim.rateLimitNext('chat.unfurl', 1, 3, 'xoxp-other-workspace');
    assert.equal((await strict.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} })).ok, true);
    const other = new WebClient('xoxp-other-workspace', {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    await assert.rejects(other.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), { code: ErrorCode.RateLimitedError });
  });

  it('injects platform errors and HTTP errors', async () => {
    sim.failNext('chat.unfurl', 2, 'cannot_unfurl_url');
    await rejectsWithPlatformError(web.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), 'cannot_unfurl_url');
    await rejectsWithPlatformError(web.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), 'cannot_unfurl_url');
    sim.httpErrorNext('auth.test', 1, 503);
    await assert.rejects(web.auth.test(), (e: unknown) => {
      const err = e as { code?: string; statusCode?: number };
      assert.equal(err.code, ErrorCode.HTTPError);
      assert.equal(err.statusCode, 503);
      return true;
    });
    assert.equal(sim.calls.at(-1)?.error, 'http_503');
    assert.equal((await web.auth.test()).ok, true);
  });

  it('delays chat.unfurl by unfurlLatencyMs', async () => {
    const slow = await startSlackSimulator({ unfurlLatencyMs: 150 });
    try {
      const client = new WebClient(slow.botToken, { slackApiUrl: slow.apiUrl, retryConfig: { retries: 0 } });
      const started = performance.now();
      await client.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} });
      assert.ok(performance.now() - started >= 140);
    } finally {
      await slow.stop();
    }
  });

  // With a 60 s delay, a stop() that waited for the answer would hit this test's timeout instead.
  it('stop() does not wait for a delayed answer', { timeout: 20_000 }, async () => {
    const slow = await startSlackSimulator({ unfurlLatencyMs: 60_000 });
    const client = new WebClient(slow.botToken, { slackApiUrl: slow.apiUrl, retryConfig: { retries: 0 } });
    const pending = client.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} });
    // The call is recorded only when answered, so give the request a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await slow.stop();
    await assert.rejects(pending, { code: ErrorCode.RequestError });
  });

  it('waitForCalls rejects with a description of what was recorded', async () => {
    await assert.rejects(sim.waitForCalls('chat.postMessage', 1, 50), /chat\.postMessage.*got 0.*chat\.unfurl ok/s);
  });
});

describe('Slack simulator: OAuth v2', () => {
  let sim: SlackSimulator;
  let oauthClient: InstanceType<typeof WebClient>;
  const redirectUri = 'http://127.0.0.1:9/slack/oauth_redirect';

  before(async () => {
    sim = await startSlackSimulator({ tokenRotation: false });
    oauthClient = new WebClient(undefined, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
  });
  after(() => sim.stop());

  async function authorize(params: Record<string, string>): Promise<Response> {
    const url = new URL(sim.authorizeUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return fetch(url, { redirect: 'manual' });
  }

  it('redirects with a code, exchanges it once, and the token works', async () => {
    sim.authorizeAs({ userId: 'U0ALICE' });
    const res = await authorize({ client_id: sim.clientId, user_scope: 'links:write', state: 's-123', redirect_uri: redirectUri });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, redirectUri);
    assert.equal(location.searchParams.get('state'), 's-123');
    const code = location.searchParams.get('code');
    assert.ok(code);

    const access = await oauthClient.oauth.v2.access({
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      code,
      redirect_uri: redirectUri,
    });
    assert.equal(access.ok, true);
    assert.equal(access.team?.id, 'T0SIM');
    assert.equal(access.authed_user?.id, 'U0ALICE');
    assert.equal(access.authed_user?.scope, 'links:write');
    assert.equal(access.authed_user?.token_type, 'user');
    const userToken = access.authed_user?.access_token;
    assert.match(userToken ?? '', /^xoxp-/);
    assert.deepEqual(sim.userTokens(), [{ token: userToken, userId: 'U0ALICE', teamId: 'T0SIM', scope: 'links:write' }]);

    const asUser = new WebClient(userToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
    assert.equal((await asUser.auth.test()).user_id, 'U0ALICE');
    assert.equal((await asUser.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} })).ok, true);

    // Codes are single-use.
    await rejectsWithPlatformError(
      oauthClient.oauth.v2.access({ client_id: sim.clientId, client_secret: sim.clientSecret, code, redirect_uri: redirectUri }),
      'invalid_code',
    );

    sim.revokeToken(userToken ?? '');
    await rejectsWithPlatformError(asUser.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: {} }), 'token_revoked');
  });

  it('rejects a different redirect_uri and consumes the code anyway', async () => {
    const res = await authorize({ client_id: sim.clientId, user_scope: 'links:write', state: 's', redirect_uri: redirectUri });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    await rejectsWithPlatformError(
      oauthClient.oauth.v2.access({ client_id: sim.clientId, client_secret: sim.clientSecret, code, redirect_uri: `${redirectUri}/x` }),
      'bad_redirect_uri',
    );
    await rejectsWithPlatformError(
      oauthClient.oauth.v2.access({ client_id: sim.clientId, client_secret: sim.clientSecret, code, redirect_uri: redirectUri }),
      'invalid_code',
    );
  });

  it('checks client credentials, also via HTTP Basic auth', async () => {
    const code = async (): Promise<string> => {
      const res = await authorize({ client_id: sim.clientId, user_scope: 'links:write', redirect_uri: redirectUri });
      return new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    await rejectsWithPlatformError(
      oauthClient.oauth.v2.access({ client_id: 'nope', client_secret: sim.clientSecret, code: await code(), redirect_uri: redirectUri }),
      'invalid_client_id',
    );
    await rejectsWithPlatformError(
      oauthClient.oauth.v2.access({ client_id: sim.clientId, client_secret: 'wrong', code: await code(), redirect_uri: redirectUri }),
      'bad_client_secret',
    );
    const res = await fetch(`${sim.apiUrl}oauth.v2.access`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ code: await code(), redirect_uri: redirectUri }).toString(),
    });
    const body = (await res.json()) as { ok: boolean; authed_user?: { access_token?: string } };
    assert.equal(body.ok, true);
    assert.match(body.authed_user?.access_token ?? '', /^xoxp-/);
  });

  it('denies, and validates client_id and redirect_uri on the authorize page', async () => {
    sim.denyNextAuthorization();
    const denied = await authorize({ client_id: sim.clientId, user_scope: 'links:write', state: 'st', redirect_uri: redirectUri });
    const location = new URL(denied.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'st');
    assert.equal(location.searchParams.get('code'), null);
    // Only the next one is denied.
    const allowed = await authorize({ client_id: sim.clientId, user_scope: 'links:write', redirect_uri: redirectUri });
    assert.ok(new URL(allowed.headers.get('location') ?? '').searchParams.get('code'));

    const badClient = await authorize({ client_id: '9999.9999', redirect_uri: redirectUri });
    assert.equal(badClient.status, 400);
    assert.match(await badClient.text(), /invalid_client_id/);
    const badRedirect = await authorize({ client_id: sim.clientId, redirect_uri: '/relative' });
    assert.equal(badRedirect.status, 400);
    await badRedirect.text();
  });

  it('rotates tokens when tokenRotation is on', async (t) => {
    const rot = await startSlackSimulator({ tokenRotation: true });
    t.after(() => rot.stop());
    const client = new WebClient(undefined, { slackApiUrl: rot.apiUrl, retryConfig: { retries: 0 } });
    const url = new URL(rot.authorizeUrl);
    url.search = new URLSearchParams({ client_id: rot.clientId, user_scope: 'links:write', redirect_uri: redirectUri }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const first = await client.oauth.v2.access({ client_id: rot.clientId, client_secret: rot.clientSecret, code, redirect_uri: redirectUri });
    assert.match(first.authed_user?.access_token ?? '', /^xoxe\.xoxp-/);
    assert.match(first.authed_user?.refresh_token ?? '', /^xoxe-1-/);
    assert.equal(first.authed_user?.expires_in, 43200);

    const refreshArgs = {
      client_id: rot.clientId,
      client_secret: rot.clientSecret,
      grant_type: 'refresh_token' as const,
      refresh_token: first.authed_user?.refresh_token ?? '',
    };
    const refreshed = await client.oauth.v2.access(refreshArgs);
    assert.equal(refreshed.token_type, 'user');
    assert.match(refreshed.access_token ?? '', /^xoxe\.xoxp-/);
    assert.notEqual(refreshed.refresh_token, first.authed_user?.refresh_token);
    await rejectsWithPlatformError(client.oauth.v2.access(refreshArgs), 'invalid_refresh_token');
    assert.equal(rot.userTokens().length, 2);

    rot.expireToken(refreshed.access_token ?? '');
    const asUser = new WebClient(refreshed.access_token, { slackApiUrl: rot.apiUrl, retryConfig: { retries: 0 } });
    await rejectsWithPlatformError(asUser.auth.test(), 'token_expired');
  });
});

describe('Slack simulator: Socket Mode through the real SocketModeClient', () => {
  let sim: SlackSimulator;
  let client: SocketModeClient;
  const received: Array<{ type: string; envelope_id: string; retry_num?: number; body: { event_id?: string } }> = [];
  const linkShared: unknown[] = [];

  before(async () => {
    sim = await startSlackSimulator();
    client = new SocketModeClient({
      appToken: sim.appToken,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
      clientPingTimeout: 2000,
      logLevel: LogLevel.ERROR,
    });
    client.on('slack_event', async (args: { ack: () => Promise<void>; type: string; envelope_id: string; retry_num?: number; body: { event_id?: string } }) => {
      received.push(args);
      await args.ack();
    });
    client.on('link_shared', (args: { event: unknown }) => linkShared.push(args.event));
  });
  after(async () => {
    // Disconnect the client first: a client whose server vanished would keep trying to reconnect.
    await client.disconnect();
    await sim.stop();
  });

  it('connects: apps.connections.open then hello', async () => {
    const resp = (await client.start()) as { ok: boolean; url: string };
    assert.equal(resp.ok, true);
    assert.match(resp.url, /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0SIM$/);
    await sim.waitForSocketConnections(1);
    assert.equal(sim.socketConnections, 1);
    const open = await sim.waitForCalls('apps.connections.open', 1);
    assert.equal(open[0]?.token, sim.appToken);
  });

  it('delivers an events_api envelope and resolves on the ack', async () => {
    const body = linkSharedEvent({ urls: [TRACE_URL], source: 'composer' });
    const result = await sim.sendEvent(body, { retryAttempt: 1, retryReason: 'timeout' });
    assert.deepEqual(result.ack, { envelope_id: result.envelopeId, payload: {} });
    assert.ok(result.ackedAt <= Date.now());
    const got = received.at(-1);
    assert.equal(got?.type, 'events_api');
    assert.equal(got?.envelope_id, result.envelopeId);
    assert.equal(got?.retry_num, 1);
    assert.deepEqual(got?.body, body);
    assert.equal(sim.unackedEnvelopes, 0);
    const event = linkShared.at(-1) as { channel: string; source: string; links: Array<{ domain: string; url: string }> };
    assert.equal(event.channel, 'COMPOSER');
    assert.equal(event.source, 'composer');
    assert.deepEqual(event.links, [{ domain: 'app.lightstep.com', url: TRACE_URL }]);
  });

  it('survives malformed frames', async () => {
    // Non-JSON is ignored by the SDK. (An events_api frame without `payload` is NOT sent here: SocketModeClient
    // 3.1.0 reads payload.event.type in an async listener and that TypeError becomes an unhandledRejection.)
    sim.sendRaw('this is not json');
    const result = await sim.sendEvent(linkSharedEvent({ urls: [TRACE_URL] }));
    assert.equal((result.ack as { envelope_id: string }).envelope_id, result.envelopeId);
  });

  it('reconnects after disconnect(refresh_requested) and keeps delivering', async () => {
    const reconnected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    sim.disconnect('refresh_requested');
    await reconnected;
    await sim.waitForCalls('apps.connections.open', 2, 10_000);
    await sim.waitForSocketConnections(1);
    const body = linkSharedEvent({ urls: [TRACE_URL], channel: 'C0SIMCHAN' });
    const result = await sim.sendEvent(body);
    assert.equal(received.at(-1)?.envelope_id, result.envelopeId);
    assert.equal(received.at(-1)?.body.event_id, (body as { event_id: string }).event_id);
  });
});

describe('Slack simulator: Socket Mode details with a raw ws client', () => {
  let sim: SlackSimulator;
  before(async () => {
    sim = await startSlackSimulator({ appId: 'A0RAW' });
  });
  after(() => sim.stop());

  it('sends hello with connection info, and tickets are single-use', async (t) => {
    const { ws, frames, url } = await rawSocket(sim);
    t.after(() => ws.terminate());
    await until(() => frames.length > 0);
    assert.deepEqual(frames[0], {
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0RAW' },
      debug_info: { host: 'sim', build_number: 1, approximate_connection_time: 3600 },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const again = new WebSocket(url);
      again.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      again.on('open', () => reject(new Error('reused ticket was accepted')));
      again.on('error', () => {});
    });
    assert.equal(status, 401);
  });

  it('apps.connections.open needs the app token in the header', async () => {
    const noAuth = await fetch(`${sim.apiUrl}apps.connections.open`, { method: 'POST' });
    assert.equal(((await noAuth.json()) as { error: string }).error, 'not_authed');
    const bot = await fetch(`${sim.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.botToken}` },
    });
    assert.equal(((await bot.json()) as { error: string }).error, 'invalid_auth');
  });

  it('rejects sendEvent when the connection closes before the ack, or on timeout', async () => {
    const a = await rawSocket(sim);
    await sim.waitForSocketConnections(1);
    await assert.rejects(sim.sendEvent(linkSharedEvent({ urls: [TRACE_URL] }), { timeoutMs: 50 }), /no ack for envelope/);
    const pending = sim.sendEvent(linkSharedEvent({ urls: [TRACE_URL] }), { envelopeId: 'env-drop' });
    await until(() => a.frames.some((f) => (f as { envelope_id?: string }).envelope_id === 'env-drop'));
    assert.equal(sim.unackedEnvelopes, 1);
    sim.dropConnections();
    await assert.rejects(pending, /closed .*before envelope env-drop was acked/);
    await until(() => sim.socketConnections === 0);
  });

  it('sends disconnect frames to every connection and routes by index', async (t) => {
    const a = await rawSocket(sim);
    const b = await rawSocket(sim);
    t.after(() => {
      a.ws.terminate();
      b.ws.terminate();
    });
    await sim.waitForSocketConnections(2);
    // Ack whatever arrives on b only.
    b.ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { envelope_id?: string };
      if (frame.envelope_id !== undefined) b.ws.send(JSON.stringify({ envelope_id: frame.envelope_id, payload: {} }));
    });
    const result = await sim.sendEvent(linkSharedEvent({ urls: [TRACE_URL] }), { connection: 1 });
    assert.ok(result.envelopeId);
    sim.disconnect('warning');
    await until(() => a.frames.length >= 2 && b.frames.length >= 3);
    assert.deepEqual(a.frames.at(-1), { type: 'disconnect', reason: 'warning', debug_info: { host: 'sim' } });
    assert.deepEqual(b.frames.at(-1), { type: 'disconnect', reason: 'warning', debug_info: { host: 'sim' } });
    assert.throws(() => sim.sendRaw('x', 5), RangeError);
  });
});

describe('Slack simulator: HTTP Events API delivery', () => {
  let sim: SlackSimulator;
  let server: http.Server;
  let requestUrl = '';
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

  before(async () => {
    sim = await startSlackSimulator();
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    requestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  after(async () => {
    await sim.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("signs exactly like Slack's documented test vector", async () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const res = await sim.postEvent(requestUrl, body, {
      signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      timestamp: 1531420618,
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.equal(res.headers['x-test'], 'yes');
    assert.ok(res.ms >= 0);
    const got = seen.at(-1);
    assert.equal(got?.body, body);
    assert.equal(got?.headers['x-slack-request-timestamp'], '1531420618');
    assert.equal(got?.headers['x-slack-signature'], 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    assert.equal(got?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('posts JSON event_callback bodies with retry headers and a verifiable signature', async () => {
    const event = linkSharedEvent({ urls: [TRACE_URL], teamId: 'T0OTHER' });
    const before = Math.floor(Date.now() / 1000);
    await sim.postEvent(requestUrl, event, { signingSecret: 's3cr3t', retryNum: 2, retryReason: 'http_timeout' });
    const got = seen.at(-1);
    assert.ok(got);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-slack-retry-num'], '2');
    assert.equal(got.headers['x-slack-retry-reason'], 'http_timeout');
    const ts = String(got.headers['x-slack-request-timestamp']);
    assert.ok(Math.abs(Number(ts) - before) <= 2);
    const expected = `v0=${createHmac('sha256', 's3cr3t').update(`v0:${ts}:${got.body}`).digest('hex')}`;
    assert.equal(got.headers['x-slack-signature'], expected);
    const parsed = JSON.parse(got.body) as Record<string, unknown>;
    assert.equal(parsed.type, 'event_callback');
    assert.equal(parsed.team_id, 'T0OTHER');
    assert.match(String(parsed.event_id), /^Ev/);
  });

  it('builds distinct realistic link_shared events', () => {
    const a = linkSharedEvent({ urls: [TRACE_URL, 'http://traces.example.com:8080/x'] }) as Record<string, any>;
    const b = linkSharedEvent({ urls: [TRACE_URL] }) as Record<string, any>;
    assert.notEqual(a.event_id, b.event_id);
    assert.equal(a.event.type, 'link_shared');
    assert.equal(a.event.source, 'conversations_history');
    assert.match(a.event.message_ts, /^\d+\.\d{6}$/);
    assert.equal(a.event.links[1].domain, 'traces.example.com');
    assert.equal(a.authorizations.length, 1);
    assert.equal(a.is_ext_shared_channel, false);
    const composer = linkSharedEvent({ urls: [TRACE_URL], source: 'composer', threadTs: '1.2' }) as Record<string, any>;
    assert.equal(composer.event.channel, 'COMPOSER');
    assert.match(composer.event.message_ts, /^U0SIMUSER-[0-9a-f-]{36}-[0-9a-z]{32}$/);
    assert.equal(composer.event.thread_ts, '1.2');
    assert.ok(composer.event.unfurl_id);
  });
});
