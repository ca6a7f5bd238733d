import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { startHttpStack } from '../helpers/http-stack.js';
import { chunk, nowSeconds, rawExchange, requestHead, signature, signingHeaders } from '../helpers/raw-http.js';
import { settle, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';
import { prng } from '../helpers/prng.js';

/**
 * Hostile input against POST /slack/events: ≥ 10,000 generated requests from a seeded PRNG
 * (FUZZ_SEED=… reproduces a run; FUZZ_REQUESTS=… changes the count; FUZZ_DEBUG=1 prints memory
 * every 1,000 requests), 16 in flight, interleaved with 50 legitimate signed link_shared events
 * that must each unfurl exactly once. Requests go through an undici Pool (keep-alive), or over raw
 * sockets for what undici refuses to send (duplicated / invalid headers, unfinished bodies).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x15_51_ac_4);
const FUZZ_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const LEGIT_EVENTS = 50;
const IN_FLIGHT = 16;
const SECRET = 'fuzz-signing-secret-0c9d7e';
const MiB = 1024 * 1024;
const LEGIT_CHANNEL = 'CFUZZLEGIT';


type Header = [string, string];

interface Spec {
  readonly index: number;
  readonly kind: string;
  readonly via: 'pool' | 'raw' | 'abort';
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Header[];
  readonly body?: Buffer;
  /** For via 'raw' / 'abort': the exact bytes. */
  readonly parts?: Buffer[];
  /** Statuses that are right for this request; undefined: any 2xx/4xx. */
  readonly expect?: readonly number[];
  readonly legitTs?: string;
}

/** What is kept of a request once answered: not its body, so the test itself holds no memory. */
interface Outcome {
  readonly spec: Pick<Spec, 'index' | 'kind' | 'expect'> & { readonly preview: string };
  /** 0: no answer (connection dropped / client error). */
  readonly status: number;
  readonly error?: string;
}

describe(`HTTP Events fuzz (seed ${SEED})`, () => {
  let stack: Stack;
  let port: number;
  let pool: Pool;

  before(async () => {
    stack = await startHttpStack(SECRET);
    port = Number(new URL(stack.httpUrl).port);
    pool = new Pool(stack.httpUrl, { connections: IN_FLIGHT, pipelining: 1, keepAliveTimeout: 2_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  });
  after(async () => {
    await pool?.close();
    await stack?.stop();
  });

  it(`answers ${FUZZ_REQUESTS} hostile requests with 2xx/4xx, keeps serving, and unfurls every legitimate event once`, async () => {
    const rand = prng(SEED);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const chance = (p: number) => rand() < p;
    const bytes = (n: number) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += 1) out[i] = Math.floor(rand() * 256);
      return out;
    };
    const printable = (n: number) => {
      let out = '';
      for (let i = 0; i < n; i += 1) out += String.fromCharCode(int(0x21, 0x7e));
      return out;
    };
    const token = (n: number) => {
      const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
      let out = '';
      for (let i = 0; i < n; i += 1) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    };
    const randomCase = (name: string) => [...name].map((c) => (chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');

    // Reused paddings so huge bodies cost the PRNG nothing and memory little.
    const padding = 'x'.repeat(MiB + 512 * 1024);
    const json: Header = ['Content-Type', 'application/json'];
    const form: Header = ['Content-Type', 'application/x-www-form-urlencoded'];
    const signed = (body: Buffer, ts = nowSeconds()): Header[] => signingHeaders(SECRET, body, ts);
    let garbageCounter = 0;
    const garbageTeam = () => `TGARB${token(6).toUpperCase()}`;
    // A realistic-looking event that is not ours: another team, a channel nobody checks, no trace links.
    const otherEvent = () =>
      linkSharedEvent({ teamId: garbageTeam(), userId: `U${token(8).toUpperCase()}`, channel: 'CGARBAGE', messageTs: `1750001000.${String(++garbageCounter).padStart(6, '0')}`, urls: [`https://example.com/${token(12)}`] }) as Record<string, unknown>;

    /** A random JSON value, shallow (deep nesting has its own generator). */
    const jsonValue = (depth: number): unknown => {
      const r = rand();
      if (depth <= 0 || r < 0.35) {
        return pick<unknown>([null, true, false, 0, -1, 1e308, -0.5, int(-1e9, 1e9), '', token(int(1, 40)), 'event_callback', 'link_shared', 'url_verification', '\u0000\ud800', printable(int(1, 20)), '__proto__']);
      }
      if (r < 0.6) return Array.from({ length: int(0, 5) }, () => jsonValue(depth - 1));
      const o: Record<string, unknown> = {};
      for (let i = int(0, 6); i > 0; i -= 1) {
        o[pick(['type', 'event', 'event_id', 'team_id', 'challenge', 'token', 'links', 'url', 'channel', 'message_ts', 'user', 'authorizations', 'constructor', 'prototype', token(5)])] = jsonValue(depth - 1);
      }
      return o;
    };
    /** A JSON object that passes the signature but is garbage to the pipeline. */
    const garbageObject = (): Record<string, unknown> => {
      const base = chance(0.5) ? otherEvent() : {};
      const r = rand();
      if (r < 0.3) {
        // Mangle one part of a real-looking event_callback.
        const target = pick(['type', 'event', 'event_id', 'team_id', 'authorizations']);
        base[target] = jsonValue(3);
        return base;
      }
      if (r < 0.6) {
        // event_callback with a mangled inner event.
        const event = (otherEvent().event ?? {}) as Record<string, unknown>;
        event[pick(['type', 'links', 'channel', 'message_ts', 'user', 'unfurl_id', 'source'])] = jsonValue(3);
        if (chance(0.3)) event.links = Array.from({ length: int(0, 4) }, () => jsonValue(2));
        return { type: 'event_callback', event_id: `EvGARB${token(10)}`, team_id: garbageTeam(), event };
      }
      if (r < 0.75) return { type: pick(['url_verification', 'app_rate_limited', 'event_callback', token(8)]), challenge: jsonValue(2), event: jsonValue(2) };
      const o = jsonValue(4);
      return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : { value: o };
    };
    // Garbage must not be able to revoke or uninstall the legitimate team (those are Slack's word).
    const safe = (o: Record<string, unknown>) => {
      if (o.team_id === TEAM) o.team_id = garbageTeam();
      return o;
    };

    // Legitimate events, their requests (for replays), spread over the run at seeded positions.
    const total = FUZZ_REQUESTS + LEGIT_EVENTS;
    const legitAt = new Set<number>();
    while (legitAt.size < LEGIT_EVENTS) legitAt.add(int(0, total - 1));
    const legitTs: string[] = [];
    const sentLegit: Array<{ headers: Header[]; body: Buffer }> = [];
    const legit = (index: number): Spec => {
      const messageTs = `1750002000.${String(legitTs.length + 1).padStart(6, '0')}`;
      legitTs.push(messageTs);
      const body = Buffer.from(JSON.stringify(linkSharedEvent({ teamId: TEAM, userId: USER, channel: LEGIT_CHANNEL, messageTs, urls: [traceUrl()] })));
      const headers = [json, ...signed(body)];
      sentLegit.push({ headers, body });
      return { index, kind: 'legit', via: 'pool', headers, body, expect: [200], legitTs: messageTs };
    };

    const generators: Array<[number, (index: number) => Spec]> = [
      // Random bytes, any content type, signed or not.
      [14, (index) => {
        const body = bytes(int(0, 2048));
        const type = pick(['json', 'form', 'octet', 'none'] as const);
        const signing = pick(['valid', 'none', 'garbage'] as const);
        const headers: Header[] = [];
        if (type === 'json') headers.push(json);
        if (type === 'form') headers.push(form);
        if (type === 'octet') headers.push(['Content-Type', 'application/octet-stream']);
        if (signing === 'valid') headers.push(...signed(body));
        if (signing === 'garbage') headers.push(['X-Slack-Request-Timestamp', printable(int(1, 12))], ['X-Slack-Signature', printable(int(1, 80))]);
        const expect = type === 'octet' || type === 'none' ? [415] : signing === 'valid' ? [400] : [401];
        return { index, kind: `random-bytes/${type}/${signing}`, via: 'pool', headers, body, expect };
      }],
      // Truncated JSON with a valid signature.
      [10, (index) => {
        const full = JSON.stringify(otherEvent());
        const body = Buffer.from(full.slice(0, int(0, full.length - 1)));
        return { index, kind: 'truncated-json', via: 'pool', headers: [json, ...signed(body)], body, expect: [400] };
      }],
      // Deeply nested JSON (up to 100k levels), signed or not, in several shapes.
      [5, (index) => {
        const depth = Math.round(Math.exp(rand() * Math.log(100_000)));
        const shape = pick(['open-brackets', 'arrays', 'objects', 'in-event', 'in-type', 'in-challenge'] as const);
        let text: string;
        let expect: number[];
        if (shape === 'open-brackets') [text, expect] = ['['.repeat(depth), [400]];
        else if (shape === 'arrays') [text, expect] = ['['.repeat(depth) + ']'.repeat(depth), [400]];
        else if (shape === 'objects') [text, expect] = ['{"a":'.repeat(depth) + '1' + '}'.repeat(depth), [200]];
        else {
          const deep = '['.repeat(depth) + ']'.repeat(depth);
          if (shape === 'in-event') text = `{"type":"event_callback","event_id":"EvDEEP${token(8)}","team_id":"${garbageTeam()}","event":{"type":"link_shared","channel":"CGARBAGE","user":"U1","message_ts":"1.2","links":[{"url":"https://example.com/d"}],"deep":${deep}}}`;
          else if (shape === 'in-type') text = `{"type":"event_callback","event_id":"EvDEEP${token(8)}","team_id":"${garbageTeam()}","event":{"type":${deep}}}`;
          else text = `{"type":"url_verification","challenge":${deep}}`;
          expect = [200];
        }
        const body = Buffer.from(text);
        const unsigned = chance(0.2);
        return { index, kind: `deep/${shape}${unsigned ? '/unsigned' : ''}`, via: 'pool', headers: unsigned ? [json] : [json, ...signed(body)], body, expect: unsigned ? [401] : expect };
      }],
      // Huge strings within the limit (up to exactly 1 MiB).
      [2, (index) => {
        const size = pick([64 * 1024, 256 * 1024, 1000 * 1024, MiB]);
        const shape = pick(['challenge', 'field', 'url', 'type'] as const);
        const head = shape === 'challenge' ? '{"type":"url_verification","challenge":"' : shape === 'type' ? '{"type":"' : shape === 'url' ? `{"type":"event_callback","event_id":"EvHUGE${token(8)}","team_id":"${garbageTeam()}","event":{"type":"link_shared","channel":"CGARBAGE","user":"U1","message_ts":"1.${int(1, 1e6)}","links":[{"url":"https://example.com/` : '{"type":"event_callback","junk":"';
        const tail = shape === 'url' ? '"}]}}' : '"}';
        const body = Buffer.from(head + padding.slice(0, size - head.length - tail.length) + tail);
        return { index, kind: `huge-within/${shape}`, via: 'pool', headers: [json, ...signed(body)], body, expect: [200] };
      }],
      // Huge bodies beyond the limit: announced, or chunked without a length; never finished.
      [0.5, (index) => {
        const piece = Buffer.from(padding.slice(0, 64 * 1024));
        const pieces = Array.from({ length: 17 }, () => piece);
        const sig = signed(Buffer.from('irrelevant'));
        if (chance(0.5)) {
          return { index, kind: 'huge-beyond/content-length', via: 'raw', parts: [Buffer.from(requestHead([json, ['Content-Length', String(MiB + int(1, MiB))], ...sig])), ...pieces], expect: [413] };
        }
        return { index, kind: 'huge-beyond/chunked', via: 'raw', parts: [Buffer.from(requestHead([json, ['Transfer-Encoding', 'chunked'], ...sig])), ...pieces.map((p) => chunk(p))], expect: [413] };
      }],
      // Wrong content types over a validly signed event.
      [8, (index) => {
        const body = Buffer.from(JSON.stringify(otherEvent()));
        const type = pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=zz', 'application/json-patch+json', 'text/json', 'application/x-www-form-urlencodedx', '*/*', 'application/jsonp', token(10), `${token(4)}/${token(4)}`, '']);
        const headers: Header[] = type === '' && chance(0.5) ? [...signed(body)] : [['Content-Type', type], ...signed(body)];
        return { index, kind: 'content-type', via: 'pool', headers, body, expect: [415] };
      }],
      // Header permutations over an otherwise valid request.
      [15, (index) => {
        const body = Buffer.from(JSON.stringify(safe(otherEvent())));
        const t = nowSeconds();
        const ts: Header = ['X-Slack-Request-Timestamp', String(t)];
        const sig: Header = ['X-Slack-Signature', signature(SECRET, t, body)];
        const variant = pick(['no-ts', 'no-sig', 'none', 'case', 'garbage-ts', 'garbage-sig', 'hex-wrong-length', 'v1', 'dup-ts', 'dup-sig', 'dup-sig-wrong-first', 'ows', 'extra', 'dup-content-type', 'long-header', 'obs-text', 'ctl-in-value', 'bad-name', 'empty-values'] as const);
        switch (variant) {
          case 'no-ts': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, sig], body, expect: [401] };
          case 'no-sig': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, ts], body, expect: [401] };
          case 'none': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json], body, expect: [401] };
          case 'case': return { index, kind: `headers/${variant}`, via: 'pool', headers: [[randomCase('content-type'), 'application/json'], [randomCase(ts[0]), ts[1]], [randomCase(sig[0]), sig[1]]], body, expect: [200] };
          case 'garbage-ts': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, [ts[0], printable(int(1, 30))], sig], body, expect: [401] };
          case 'garbage-sig': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, ts, [sig[0], printable(int(1, 90))]], body, expect: [401] };
          case 'hex-wrong-length': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, ts, [sig[0], sig[1].slice(0, int(3, sig[1].length - 1))]], body, expect: [401] };
          case 'v1': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, ts, [sig[0], sig[1].replace('v0=', 'v1=')]], body, expect: [401] };
          case 'dup-ts': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, ts, ts, sig, ['Content-Length', String(body.length)]])), body], expect: [401] };
          case 'dup-sig': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, ts, sig, sig, ['Content-Length', String(body.length)]])), body], expect: [401] };
          case 'dup-sig-wrong-first': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, ts, [sig[0], 'v0=00'], sig, ['Content-Length', String(body.length)]])), body], expect: [401] };
          case 'ows': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, [ts[0], ` \t${ts[1]}  `], [sig[0], `  ${sig[1]}\t`], ['Content-Length', String(body.length)]])), body], expect: [200] };
          case 'extra': return { index, kind: `headers/${variant}`, via: 'pool', headers: [json, ts, sig, ...Array.from({ length: int(1, 20) }, (): Header => [`X-${token(int(1, 20))}`, printable(int(0, 200))])], body, expect: [200] };
          case 'dup-content-type': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], [json[0], pick(['text/plain', 'application/json'])], [json[0], pick(['text/plain', 'application/json'])], ts, sig, ['Content-Length', String(body.length)]])), body] };
          case 'long-header': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, ts, [sig[0], `${sig[1]}${'a'.repeat(int(17_000, 40_000))}`], ['Content-Length', String(body.length)]])), body], expect: [431] };
          case 'obs-text': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.concat([Buffer.from(`POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nX-Slack-Request-Timestamp: ${t}\r\nX-Slack-Signature: `), bytes(int(1, 64)).map((b) => 0x80 | b), Buffer.from(`\r\nContent-Length: ${body.length}\r\n\r\n`)]), body] };
          case 'ctl-in-value': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(`POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nX-Slack-Signature: v0=\u0001\u0000${printable(5)}\r\nContent-Length: ${body.length}\r\n\r\n`), body], expect: [400] };
          case 'bad-name': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(`POST /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX Slack(Signature): ${sig[1]}\r\nContent-Length: ${body.length}\r\n\r\n`), body], expect: [400] };
          case 'empty-values': return { index, kind: `headers/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], json, [ts[0], ''], [sig[0], ''], ['Content-Length', String(body.length)]])), body], expect: [401] };
        }
      }],
      // Valid signatures over garbage (JSON objects the pipeline must shrug off; non-objects are 400).
      [20, (index) => {
        const asForm = chance(0.15);
        const value = chance(0.1) ? jsonValue(3) : safe(garbageObject());
        const text = JSON.stringify(value) ?? 'undefined';
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        const body = Buffer.from(asForm ? `payload=${encodeURIComponent(text)}${chance(0.3) ? `&${token(4)}=${token(8)}` : ''}` : text);
        return { index, kind: `signed-garbage${asForm ? '/form' : ''}`, via: 'pool', headers: [asForm ? form : json, ...signed(body)], body, expect: isObject ? [200] : [400] };
      }],
      // Replays of legitimate requests already sent (byte for byte, sometimes as Slack retries).
      [8, (index) => {
        if (sentLegit.length === 0) {
          const body = Buffer.from('{}');
          return { index, kind: 'replay/none-yet', via: 'pool', headers: [json, ...signed(body)], body, expect: [200] };
        }
        const original = pick(sentLegit);
        const retry: Header[] = chance(0.5) ? [['X-Slack-Retry-Num', String(int(1, 3))], ['X-Slack-Retry-Reason', pick(['http_timeout', 'http_error', 'connection_failed', 'unknown_error'])]] : [];
        return { index, kind: 'replay', via: 'pool', headers: [...original.headers, ...retry], body: original.body, expect: [200] };
      }],
      // Methods and paths.
      [5, (index) => {
        const body = Buffer.from(JSON.stringify({ type: 'url_verification', challenge: token(10) }));
        const variant = pick(['method', 'not-found', 'query', 'dot-segments'] as const);
        if (variant === 'method') {
          const method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
          return { index, kind: `route/${method}`, via: 'pool', method, path: '/slack/events', headers: method === 'GET' || method === 'HEAD' ? [] : [json, ...signed(body)], body: method === 'GET' || method === 'HEAD' ? undefined : body, expect: [405] };
        }
        if (variant === 'not-found') return { index, kind: 'route/404', via: 'pool', path: pick(['/slack/event', '/slack/events/x', '/SLACK/EVENTS', `/${token(8)}`]), headers: [json, ...signed(body)], body, expect: [404] };
        if (variant === 'query') return { index, kind: 'route/query', via: 'pool', path: `/slack/events?${token(5)}=${token(5)}`, headers: [json, ...signed(body)], body, expect: [200] };
        return { index, kind: 'route/dot-segments', via: 'pool', path: '/slack/x/../events', headers: [json, ...signed(body)], body };
      }],
      // Stale and future timestamps with otherwise valid signatures.
      [5, (index) => {
        const body = Buffer.from(JSON.stringify(safe(otherEvent())));
        const skew = pick([-1, 1]) * int(306, 10 ** 8);
        return { index, kind: skew < 0 ? 'stale' : 'future', via: 'pool', headers: [json, ...signed(body, nowSeconds() + skew)], body, expect: [401] };
      }],
      // Protocol-level garbage that node's parser refuses.
      [3, (index) => {
        const variant = pick(['random', 'dup-length', 'length-and-chunked', 'negative-length', 'bad-chunk', 'http10', 'expect-continue'] as const);
        const body = Buffer.from(JSON.stringify({ type: 'url_verification', challenge: 'c' }));
        switch (variant) {
          case 'random': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.concat([Buffer.from([0x01]), bytes(int(0, 512)), Buffer.from('\r\n\r\n')])], expect: [400] };
          case 'dup-length': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([json, ['Content-Length', '5'], ['Content-Length', '6']])), 'abcdef'].map((p) => Buffer.from(p)), expect: [400] };
          case 'length-and-chunked': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([json, ['Content-Length', '5'], ['Transfer-Encoding', 'chunked']])), Buffer.from('0\r\n\r\n')], expect: [400] };
          case 'negative-length': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([json, ['Content-Length', '-1']]))], expect: [400] };
          case 'bad-chunk': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([json, ['Transfer-Encoding', 'chunked'], ...signed(body)])), Buffer.from(`zz\r\n${printable(8)}\r\n`)], expect: [400] };
          case 'http10': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(`POST /slack/events HTTP/1.0\r\n${[json, ...signed(body), ['Content-Length', String(body.length)]].map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`), body], expect: [200] };
          case 'expect-continue': return { index, kind: `protocol/${variant}`, via: 'raw', parts: [Buffer.from(requestHead([['Connection', 'close'], ['Expect', '100-continue'], json, ...signed(body), ['Content-Length', String(body.length)]])), body], expect: [200] };
        }
      }],
      // Deliberate aborts mid-request (no answer expected; the server must just cope).
      [1, (index) => {
        const body = Buffer.from(JSON.stringify(otherEvent()));
        const full = Buffer.concat([Buffer.from(requestHead([json, ...signed(body), ['Content-Length', String(body.length)]])), body]);
        return { index, kind: 'abort', via: 'abort', parts: [full.subarray(0, int(1, full.length - 1))] };
      }],
    ];
    const weightSum = generators.reduce((s, [w]) => s + w, 0);
    // A dictionary first, as fuzzers use: signed events whose types are Object.prototype members.
    const dictionary: Array<(index: number) => Spec> = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'].flatMap((name) => [
      (index: number): Spec => {
        const event = otherEvent();
        (event.event as Record<string, unknown>).type = name;
        const body = Buffer.from(JSON.stringify(event));
        return { index, kind: 'dictionary/event-type', via: 'pool', headers: [json, ...signed(body)], body, expect: [200] };
      },
      (index: number): Spec => {
        const body = Buffer.from(JSON.stringify({ type: name, challenge: name, event: { type: name } }));
        return { index, kind: 'dictionary/envelope-type', via: 'pool', headers: [json, ...signed(body)], body, expect: [200] };
      },
    ]);
    const generate = (index: number): Spec => {
      if (legitAt.has(index)) return legit(index);
      const fromDictionary = dictionary.shift();
      if (fromDictionary !== undefined) return fromDictionary(index);
      let r = rand() * weightSum;
      for (const [weight, make] of generators) {
        r -= weight;
        if (r < 0) return make(index);
      }
      return generators[0]![1](index);
    };

    const abort = (parts: Buffer[]) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          for (const p of parts) socket.write(p);
          setImmediate(() => socket.destroy());
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });

    const send = async (full: Spec): Promise<Outcome> => {
      const spec = { index: full.index, kind: full.kind, expect: full.expect, preview: (full.body ?? full.parts?.[0] ?? Buffer.alloc(0)).subarray(0, 300).toString('latin1') };
      const outcome = await exchange(full);
      return { spec, ...outcome };
    };
    const exchange = async (spec: Spec): Promise<Omit<Outcome, 'spec'>> => {
      if (spec.via === 'abort') {
        await abort(spec.parts ?? []);
        return { status: -1 };
      }
      if (spec.via === 'raw') {
        const answer = await rawExchange(port, spec.parts ?? []);
        return { status: answer.status, ...(answer.status === 0 ? { error: `${answer.socketError} ${answer.body.slice(0, 120)}` } : {}) };
      }
      try {
        const response = await pool.request({ path: spec.path ?? '/slack/events', method: (spec.method ?? 'POST') as 'POST', headers: (spec.headers ?? []).flat(), body: spec.body });
        await response.body.dump();
        return { status: response.statusCode };
      } catch (error) {
        return { status: 0, error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    };

    const outcomes: Outcome[] = [];
    let next = 0;
    let rssAfterWarmup = 0;
    const worker = async () => {
      while (next < total) {
        const spec = generate(next);
        next += 1;
        if (next === 500) rssAfterWarmup = process.memoryUsage().rss;
        if (process.env.FUZZ_DEBUG !== undefined && next % 1000 === 0) {
          const m = process.memoryUsage();
          console.log(`# at ${next}: rss ${(m.rss / MiB).toFixed(0)} heap ${(m.heapUsed / MiB).toFixed(0)} external ${(m.external / MiB).toFixed(0)} arrayBuffers ${(m.arrayBuffers / MiB).toFixed(0)}`);
        }
        outcomes.push(await send(spec));
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const elapsedMs = performance.now() - started;

    // Every request answered 2xx/4xx (aborts excepted), and with the status its kind calls for.
    const byClass = new Map<string, number>();
    const byKind = new Map<string, Map<number, number>>();
    for (const o of outcomes) {
      const cls = o.status === -1 ? 'aborted' : o.status === 0 ? 'no answer' : `${Math.floor(o.status / 100)}xx`;
      byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
      const kind = byKind.get(o.spec.kind) ?? new Map<number, number>();
      kind.set(o.status, (kind.get(o.status) ?? 0) + 1);
      byKind.set(o.spec.kind, kind);
    }
    const report = [...byKind].sort().map(([kind, statuses]) => `${kind}: ${[...statuses].map(([s, c]) => `${s}×${c}`).join(' ')}`).join('\n');
    const summary = `seed ${SEED}, ${outcomes.length} requests in ${Math.round(elapsedMs)} ms; ${[...byClass].map(([k, v]) => `${k}: ${v}`).join(', ')}`;
    console.log(`# ${summary}\n# ${report.replace(/\n/g, '\n# ')}`);
    assert.equal(outcomes.length, total);
    const wrong = outcomes.filter((o) => o.status !== -1 && (o.status < 200 || o.status >= 500 || (o.status >= 300 && o.status < 400)));
    const show = (o: Outcome) => `#${o.spec.index} ${o.spec.kind}: ${o.status} ${o.error ?? ''} ${o.spec.preview}`;
    const failures = () => stack.logs.records().filter((r) => (r.level as number) >= 50 || r.code === 'internal').slice(0, 5).map((r) => JSON.stringify(r).slice(0, 400));
    assert.deepEqual(wrong.slice(0, 10).map(show), [], `${wrong.length} requests without a 2xx/4xx answer (${summary}); daemon errors: ${failures().join('\n')}`);
    const unexpected = outcomes.filter((o) => o.spec.expect !== undefined && !o.spec.expect.includes(o.status));
    assert.deepEqual(unexpected.slice(0, 10).map((o) => `#${o.spec.index} ${o.spec.kind}: got ${o.status}, expected ${o.spec.expect!.join('/')}`), [], `${unexpected.length} requests with the wrong status (${summary})`);
    assert.ok(FUZZ_REQUESTS < 10_000 || outcomes.filter((o) => o.spec.kind !== 'legit').length >= 10_000);

    // Every legitimate event unfurled exactly once, whatever the replays.
    assert.equal(legitTs.length, LEGIT_EVENTS);
    const legitUnfurls = () => stack.slack.unfurls().filter((c) => c.args.channel === LEGIT_CHANNEL);
    await waitFor(() => legitUnfurls().length >= LEGIT_EVENTS, `${LEGIT_EVENTS} legitimate unfurls (have ${legitUnfurls().length})`, 60_000);
    await settle(500);
    const perTs = new Map<string, number>();
    for (const call of legitUnfurls()) perTs.set(String(call.args.ts), (perTs.get(String(call.args.ts)) ?? 0) + 1);
    for (const ts of legitTs) assert.equal(perTs.get(ts), 1, `message ${ts} unfurled exactly once`);
    assert.equal(legitUnfurls().length, LEGIT_EVENTS);
    for (const call of legitUnfurls()) assert.match(JSON.stringify(call.args.unfurls), /frontend: GET \/checkout/, 'a real preview');

    // Still serving, and memory did not run away.
    const health = await pool.request({ path: '/healthz', method: 'GET' });
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    const ready = await pool.request({ path: '/readyz', method: 'GET' });
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
    const rssGrowthMb = (process.memoryUsage().rss - rssAfterWarmup) / MiB;
    console.log(`# rss growth after warm-up: ${rssGrowthMb.toFixed(1)} MB; heapUsed now ${(process.memoryUsage().heapUsed / MiB).toFixed(1)} MB; log lines ${stack.logs.lines.length}, longest ${Math.max(...stack.logs.lines.map((l) => l.length))} chars`);
    assert.ok(rssGrowthMb < 200, `rss grew by ${rssGrowthMb.toFixed(1)} MB`);
    // However hostile the input, the signing secret never reaches the logs.
    assert.equal(stack.logs.text.includes(SECRET), false);
  });
});
