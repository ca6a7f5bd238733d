import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { chunk, nowSeconds, rawExchange, requestHead, signature, signingHeaders, type RawResponse } from '../helpers/raw-http.js';
import { startHttpStack } from '../helpers/http-stack.js';
import { settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';

const SECRET = 'http-events-test-signing-secret-6b1f0e';
const MiB = 1024 * 1024;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

describe('HTTP Events transport (POST /slack/events) against the running daemon', () => {
  let stack: Stack;
  let port: number;
  let eventsUrl: string;
  let n = 0;
  const ts = () => `1750000000.${String(++n).padStart(6, '0')}`;
  const share = (channel: string, extra: { eventId?: string } = {}) =>
    linkSharedEvent({ teamId: TEAM, userId: USER, channel, messageTs: ts(), urls: [traceUrl()], ...extra });
  const unfurlsIn = (channel: string) => stack.slack.unfurls().filter((c) => c.args.channel === channel);

  /** A POST through node's fetch: a real client on loopback. */
  async function post(body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
    const res = await fetch(eventsUrl, { method: 'POST', body, headers });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // left empty; the test asserts on it
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  /** A correctly signed JSON POST. */
  const signedJson = (body: object | string, extra: Record<string, string> = {}, secret = SECRET) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return post(raw, { 'content-type': 'application/json', ...Object.fromEntries(signingHeaders(secret, raw)), ...extra });
  };
  /** A raw request with exactly these header lines (Content-Length added unless given). */
  const raw = (headers: Array<[string, string]>, body: string | Buffer) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const withLength = headers.some(([k]) => k.toLowerCase() === 'content-length') ? headers : [...headers, ['Content-Length', String(bytes.length)] as [string, string]];
    return rawExchange(port, [requestHead([['Connection', 'close'], ...withLength]), bytes]);
  };
  const assertShort401 = (answer: { status: number; body?: string; text?: string }, what: string) => {
    assert.equal(answer.status, 401, what);
    const text = answer.text ?? answer.body ?? '';
    assert.ok(text.length < 200, `${what}: a short body, got ${text.length} bytes`);
    const json = JSON.parse(text) as Record<string, unknown>;
    assert.match(String(json.error), /^(signature_invalid|request_stale)$/, what);
  };

  before(async () => {
    const started = await startHttpStack(SECRET);
    stack = started;
    eventsUrl = started.eventsUrl;
    port = Number(new URL(stack.httpUrl).port);
  });
  after(async () => {
    await stack?.stop();
  });

  it('answers url_verification with the challenge', async () => {
    const answer = await signedJson({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(answer.json, { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    // The simulator's independent signer agrees.
    const viaSim = await stack.slack.postEvent(eventsUrl, { type: 'url_verification', challenge: 'sim-challenge', token: 'x' }, { signingSecret: SECRET });
    assert.equal(viaSim.status, 200);
    assert.deepEqual(JSON.parse(viaSim.body), { challenge: 'sim-challenge' });
  });

  it('acks an event_callback with 200 before any network call, then unfurls as in Socket Mode', async () => {
    const body = share('CH1');
    const lightstepBefore = stack.lightstep.storedTraceRequestCount();
    // Lightstep answers nothing while stalled: the 200 cannot be waiting for it.
    stack.lightstep.stall(true);
    try {
      const answer = await signedJson(body);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { ok: true });
      assert.equal(unfurlsIn('CH1').length, 0, 'acked before the unfurl was posted');
      await waitFor(() => stack.lightstep.storedTraceRequestCount() > lightstepBefore, 'the Lightstep fetch to start');
    } finally {
      stack.lightstep.stall(false);
    }
    await waitFor(() => unfurlsIn('CH1').length === 1, 'the chat.unfurl call');
    const call = unfurlsIn('CH1')[0]!;
    const event = (body as { event: { message_ts: string } }).event;
    assert.equal(call.args.ts, event.message_ts);
    assert.ok(stack.slack.userTokens().some((t) => t.token === call.token), 'posted with the linked user token');
    assert.match(JSON.stringify(call.args.unfurls), /frontend: GET \/checkout/);
  });

  it('treats header names case-insensitively and accepts a charset parameter', async () => {
    const body = JSON.stringify(share('CH2'));
    const t = nowSeconds();
    const answer = await raw([['content-TYPE', 'Application/JSON; charset=utf-8'], ['x-SLACK-request-TIMESTAMP', String(t)], ['X-Slack-SIGNATURE', signature(SECRET, t, body)]], body);
    assert.equal(answer.status, 200, answer.body);
    await waitFor(() => unfurlsIn('CH2').length === 1, 'the unfurl');
  });

  it('deduplicates Slack retries (X-Slack-Retry-Num / X-Slack-Retry-Reason) by event_id: one unfurl', async () => {
    const body = share('CH3');
    const first = await signedJson(body);
    const second = await signedJson(body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    const third = await signedJson(body, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' });
    for (const answer of [first, second, third]) assert.equal(answer.status, 200, 'every delivery is acknowledged');
    await waitFor(() => unfurlsIn('CH3').length >= 1, 'the unfurl');
    // And via the simulator's own delivery, a third retry.
    const viaSim = await stack.slack.postEvent(eventsUrl, body, { signingSecret: SECRET, retryNum: 3, retryReason: 'http_timeout' });
    assert.equal(viaSim.status, 200);
    await settle(300);
    assert.equal(unfurlsIn('CH3').length, 1);
  });

  it('accepts the form-encoded payload= variant', async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(share('CH4')))}`;
    const answer = await post(body, { 'content-type': 'application/x-www-form-urlencoded', ...Object.fromEntries(signingHeaders(SECRET, body)) });
    assert.equal(answer.status, 200, answer.text);
    await waitFor(() => unfurlsIn('CH4').length === 1, 'the unfurl');
    const verification = `payload=${encodeURIComponent(JSON.stringify({ type: 'url_verification', challenge: 'form-challenge' }))}`;
    const echoed = await post(verification, { 'content-type': 'application/x-www-form-urlencoded', ...Object.fromEntries(signingHeaders(SECRET, verification)) });
    assert.deepEqual(echoed.json, { challenge: 'form-challenge' });
  });

  it('answers an unsigned ssl_check=1 form post with 200 and trusts nothing else in it', async () => {
    const answer = await post('ssl_check=1&token=xyz', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(answer.status, 200);
    // An unsigned ssl_check cannot smuggle an event in.
    const sneaky = `ssl_check=1&payload=${encodeURIComponent(JSON.stringify(share('CH5')))}`;
    assert.equal((await post(sneaky, { 'content-type': 'application/x-www-form-urlencoded' })).status, 200);
    await settle(300);
    assert.equal(unfurlsIn('CH5').length, 0);
  });

  it('answers 200 to an unknown type and to app_rate_limited, and ignores them', async () => {
    for (const body of [{ type: 'brand_new_callback', event: share('CH6') }, { token: 't', type: 'app_rate_limited', team_id: TEAM, minute_rate_limited: 1518467820, api_app_id: 'A0SIM' }, { no: 'type' }]) {
      const answer = await signedJson(body);
      assert.equal(answer.status, 200, JSON.stringify(body));
    }
    await settle(300);
    assert.equal(unfurlsIn('CH6').length, 0);
  });

  it('answers 200 to signed events whose type is an Object.prototype member, and ignores them', async () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const body = share('CH6b') as { event: Record<string, unknown> };
      body.event.type = type;
      const answer = await signedJson(body);
      assert.equal(answer.status, 200, `event.type ${type}: ${answer.text}`);
    }
    await settle(300);
    assert.equal(unfurlsIn('CH6b').length, 0);
  });

  it('rejects missing, duplicated and malformed signing headers with a short 401 and processes nothing', async () => {
    const body = JSON.stringify(share('CH7'));
    const t = nowSeconds();
    const good = signature(SECRET, t, body);
    const json: [string, string] = ['Content-Type', 'application/json'];
    const cases: Array<[string, Array<[string, string]>]> = [
      ['no signing headers', [json]],
      ['no timestamp', [json, ['X-Slack-Signature', good]]],
      ['no signature', [json, ['X-Slack-Request-Timestamp', String(t)]]],
      ['duplicated timestamp', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', good]]],
      ['duplicated signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', good], ['X-Slack-Signature', good]]],
      ['duplicated signature, one wrong', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', `v0=${'0'.repeat(64)}`], ['X-Slack-Signature', good]]],
      ['empty timestamp', [json, ['X-Slack-Request-Timestamp', ''], ['X-Slack-Signature', good]]],
      ['non-numeric timestamp', [json, ['X-Slack-Request-Timestamp', 'yesterday'], ['X-Slack-Signature', signature(SECRET, 'yesterday', body)]]],
      ['fractional timestamp', [json, ['X-Slack-Request-Timestamp', `${t}.5`], ['X-Slack-Signature', signature(SECRET, `${t}.5`, body)]]],
      ['millisecond timestamp', [json, ['X-Slack-Request-Timestamp', String(t * 1000)], ['X-Slack-Signature', signature(SECRET, t * 1000, body)]]],
      ['v1 signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', good.replace('v0=', 'v1=')]]],
      ['uppercase hex', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', `v0=${good.slice(3).toUpperCase()}`]]],
      ['short signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', good.slice(0, 40)]]],
      ['long signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', `${good}00`]]],
      ['empty signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', '']]],
      ['bare hex signature', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', good.slice(3)]]],
      ['signature with another secret', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', signature(`${SECRET}-other`, t, body)]]],
      ['signature over another body', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', signature(SECRET, t, `${body} `)]]],
      ['signature over another timestamp', [json, ['X-Slack-Request-Timestamp', String(t)], ['X-Slack-Signature', signature(SECRET, t - 1, body)]]],
    ];
    for (const [what, headers] of cases) {
      const answer = await raw(headers, body);
      assertShort401(answer, what);
      assert.ok(answer.headers['x-request-id'], `${what}: the request id is returned`);
    }
    await settle(300);
    assert.equal(unfurlsIn('CH7').length, 0, 'no rejected event was processed');
  });

  it('rejects stale and future timestamps with 401 (both directions, 5 minutes)', async () => {
    for (const skew of [-301 - 5, -3600, +301 + 5, +86_400]) {
      const body = JSON.stringify(share('CH8'));
      const t = nowSeconds() + skew;
      const answer = await post(body, { 'content-type': 'application/json', ...Object.fromEntries(signingHeaders(SECRET, body, t)) });
      assertShort401(answer, `skew ${skew}`);
      assert.equal(answer.json.error, 'request_stale', `skew ${skew}`);
    }
    // Well inside the window in either direction is fine.
    for (const skew of [-240, +240]) {
      const body = JSON.stringify(share('CH8b'));
      const answer = await post(body, { 'content-type': 'application/json', ...Object.fromEntries(signingHeaders(SECRET, body, nowSeconds() + skew)) });
      assert.equal(answer.status, 200, `skew ${skew}`);
    }
    await waitFor(() => unfurlsIn('CH8b').length === 2, 'the two in-window events');
    await settle(300);
    assert.equal(unfurlsIn('CH8').length, 0);
  });

  it('refuses other content types with 415', async () => {
    const body = JSON.stringify(share('CH9'));
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '']) {
      const answer = await raw([['Content-Type', type], ...signingHeaders(SECRET, body)], body);
      assert.equal(answer.status, 415, `content type ${JSON.stringify(type)}`);
    }
    const none = await raw(signingHeaders(SECRET, body), body);
    assert.equal(none.status, 415, 'no content type');
    await settle(300);
    assert.equal(unfurlsIn('CH9').length, 0);
  });

  it('answers 400 to a valid signature over a body that is not a JSON object', async () => {
    for (const body of ['{"type":"event_callback",', 'not json at all', '[1,2,3]', '"a string"', 'null', '42', '']) {
      const answer = await signedJson(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.json.error, 'request_malformed');
    }
    for (const body of ['token=abc&team_id=T1', 'payload=%7Bnot-json', 'payload=%5B%5D']) {
      const answer = await post(body, { 'content-type': 'application/x-www-form-urlencoded', ...Object.fromEntries(signingHeaders(SECRET, body)) });
      assert.equal(answer.status, 400, body);
    }
  });

  it('accepts a body of exactly 1 MiB and refuses 1 MiB + 1 byte with 413', async () => {
    const prefix = '{"type":"url_verification","challenge":"big-one","pad":"';
    const exact = `${prefix}${'x'.repeat(MiB - prefix.length - 2)}"}`;
    assert.equal(Buffer.byteLength(exact), MiB);
    const ok = await signedJson(exact);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { challenge: 'big-one' });
    const over = `${prefix}${'x'.repeat(MiB - prefix.length - 1)}"}`;
    const refused = await raw([['Content-Type', 'application/json'], ...signingHeaders(SECRET, over)], over);
    assert.equal(refused.status, 413);
    assert.equal(JSON.parse(refused.body).error, 'body_too_large');
  });

  it('answers 413 without reading the rest: announced by Content-Length, and chunked without one', async () => {
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const sig = signingHeaders(SECRET, 'whatever');
    // 100 MiB announced, only 1 MiB + 64 KiB sent and the socket left open: the answer must come anyway.
    const announced = await rawExchange(
      port,
      [requestHead([['Content-Type', 'application/json'], ['Content-Length', String(100 * MiB)], ...sig]), ...Array.from({ length: 17 }, () => piece)],
    );
    assert.equal(announced.status, 413);
    assert.equal(announced.headers.connection, 'close');
    // Chunked, no Content-Length: 1 MiB + 64 KiB of chunks and no terminating chunk.
    const chunked = await rawExchange(
      port,
      [requestHead([['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked'], ...sig]), ...Array.from({ length: 17 }, () => chunk(piece))],
    );
    assert.equal(chunked.status, 413);
    assert.equal(JSON.parse(chunked.body).error, 'body_too_large');
    // Chunked and small is fine.
    const body = JSON.stringify({ type: 'url_verification', challenge: 'chunked-ok' });
    const small = await rawExchange(port, [requestHead([['Connection', 'close'], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked'], ...signingHeaders(SECRET, body)]), chunk(body.slice(0, 10)), chunk(body.slice(10)), '0\r\n\r\n']);
    assert.equal(small.status, 200);
    assert.deepEqual(JSON.parse(small.body), { challenge: 'chunked-ok' });
  });

  it('answers a truncated body with 400 and processes nothing', async () => {
    const body = JSON.stringify(share('CH10'));
    const sent = body.slice(0, 60);
    const answer = await rawExchange(port, [requestHead([['Content-Type', 'application/json'], ['Content-Length', String(body.length)], ...signingHeaders(SECRET, body)]), sent], { end: true });
    assert.equal(answer.status, 400);
    await settle(300);
    assert.equal(unfurlsIn('CH10').length, 0);
  });

  it('times out a slow body (headers sent, body never finished) with 408', async () => {
    const body = JSON.stringify(share('CH11'));
    const answer = await rawExchange(port, [requestHead([['Content-Type', 'application/json'], ['Content-Length', String(body.length)], ...signingHeaders(SECRET, body)]), body.slice(0, 30)], { timeoutMs: 30_000 });
    assert.equal(answer.status, 408);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(unfurlsIn('CH11').length, 0);
  });

  it('answers other methods with 405', async () => {
    const res = await fetch(eventsUrl);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    await res.arrayBuffer();
  });

  it('logs nothing of a rejected request beyond the reason and the request id', async () => {
    const challenge = `rejected-challenge-${Math.random().toString(36).slice(2)}`;
    const body = JSON.stringify({ type: 'url_verification', challenge, token: 'tok-should-not-be-logged' });
    const badSignature = signature(`${SECRET}-wrong`, nowSeconds(), body);
    const from = stack.logs.lines.length;
    const answers: RawResponse[] = [];
    answers.push(await raw([['Content-Type', 'application/json'], ['X-Slack-Request-Timestamp', String(nowSeconds())], ['X-Slack-Signature', badSignature], ['User-Agent', 'agent-should-not-be-logged']], body));
    answers.push(await raw([['Content-Type', 'application/json'], ...signingHeaders(SECRET, body, nowSeconds() - 3600)], body));
    answers.push(await raw([['Content-Type', 'application/json'], ['X-Slack-Request-Timestamp', 'ts-should-not-be-logged'], ['X-Slack-Signature', badSignature]], body));
    for (const a of answers) assert.equal(a.status, 401);
    await waitFor(() => stack.logs.lines.length >= from + answers.length, 'the rejection log lines');
    const lines = stack.logs.lines.slice(from);
    const text = lines.join('\n');
    for (const secret of [SECRET, challenge, 'tok-should-not-be-logged', badSignature, badSignature.slice(3), 'agent-should-not-be-logged', 'ts-should-not-be-logged']) {
      assert.equal(text.includes(secret), false, `${secret} is not logged`);
    }
    // Everywhere in the logs, not only in the rejection lines.
    assert.equal(stack.logs.text.includes(SECRET), false, 'the signing secret is never logged');
    const rejected = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'event request rejected');
    assert.equal(rejected.length, answers.length);
    const requestIds = answers.map((a) => a.headers['x-request-id']);
    for (const record of rejected) {
      assert.deepEqual(Object.keys(record).sort(), ['code', 'component', 'level', 'msg', 'reason', 'requestId', 'service', 'time']);
      assert.ok(requestIds.includes(String(record.requestId)), 'the request id matches the one returned');
    }
    // Why each was refused stays readable (redaction is by exact path, not every field named `code`).
    assert.deepEqual(rejected.map((r) => r.code), ['signature_invalid', 'request_stale', 'signature_invalid']);
  });

  it('keeps serving: /healthz and /readyz answer 200', async () => {
    assert.equal((await fetch(`${stack.httpUrl}/healthz`)).status, 200);
    const ready = await fetch(`${stack.httpUrl}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  });
});

describe('Socket Mode and HTTP Events produce the same chat.unfurl', () => {
  let socket: Stack;
  let http: Stack & { eventsUrl: string };
  before(async () => {
    [socket, http] = await Promise.all([startStack(), startHttpStack(SECRET)]);
  });
  after(async () => {
    await Promise.all([socket?.stop(), http?.stop()]);
  });

  it('for the same event body, in a channel, a thread and the composer', async () => {
    const bodies = [
      linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CPARITY', messageTs: '1750003000.000001', urls: [traceUrl({ fragment: '0c4e7a91d2' })] }),
      linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CPARITY', messageTs: '1750003000.000002', threadTs: '1750003000.000001', urls: [traceUrl(), traceUrl({ span: 'a1b2c3d4e5f60718' })] }),
      linkSharedEvent({ teamId: TEAM, userId: USER, source: 'composer', unfurlId: 'CPARITY.1750003000.000003.abc', urls: [traceUrl().replace('&', '&amp;')] }),
    ];
    const sBefore = socket.slack.unfurls().length;
    const hBefore = http.slack.unfurls().length;
    for (const body of bodies) {
      await socket.slack.sendEvent(body);
      const answer = await http.slack.postEvent(http.eventsUrl, body, { signingSecret: SECRET });
      assert.equal(answer.status, 200);
    }
    // One chat.unfurl per link: 1 + 2 + 1. Jobs run concurrently, so compare them in a stable order.
    const expected = 4;
    const [viaSocket, viaHttp] = await Promise.all([socket.slack.waitForCalls('chat.unfurl', sBefore + expected), http.slack.waitForCalls('chat.unfurl', hBefore + expected)]);
    await settle(300);
    assert.equal(socket.slack.unfurls().length, sBefore + expected);
    assert.equal(http.slack.unfurls().length, hBefore + expected);
    const stable = (calls: typeof viaSocket) => calls.slice(-expected).map((c) => c.args).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    const a = stable(viaSocket);
    const b = stable(viaHttp);
    for (const args of a) assert.ok(args.unfurls !== undefined, 'previews, not prompts');
    assert.match(JSON.stringify(a), /frontend: GET \/checkout/);
    assert.deepEqual(b, a, 'identical chat.unfurl arguments (channel, ts, thread, unfurl_id/source, unfurls blocks)');
    // Both posted with the linked user's token (each simulator issued its own).
    for (const [stack, calls] of [[socket, viaSocket], [http, viaHttp]] as const) {
      for (const call of calls.slice(-expected)) assert.ok(stack.slack.userTokens().some((t) => t.token === call.token));
    }
  });
});

describe('lsslack start --mode http', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-http-cli-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('exits 2 with a clear message when SLACK_SIGNING_SECRET is missing', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      LSSLACK_CONFIG_DIR: path.join(home, 'cfg'),
      LSSLACK_DATA_DIR: path.join(home, 'data'),
      LSSLACK_PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-1-test',
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'client-secret',
      LIGHTSTEP_ORG: 'org',
      LIGHTSTEP_API_KEY: 'key',
    };
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve('src/cli/run.ts'), 'start', '--mode', 'http'], { env, timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /SLACK_SIGNING_SECRET/);
    assert.match(result.stderr, /signing secret/i);
    // Only that is missing: the other required settings are not complained about.
    assert.doesNotMatch(result.stderr, /SLACK_APP_TOKEN|LIGHTSTEP_API_KEY is not set/);
  });
});
