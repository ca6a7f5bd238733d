import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { deliver, settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';
import { prng } from '../helpers/prng.js';

/**
 * Malformed Socket Mode frames (seeded: FUZZ_SEED=… reproduces a run), interleaved with
 * legitimate link_shared events that must all unfurl once. Nothing may become an unhandled
 * rejection, malformed events_api envelopes that carry an envelope_id are acked (else Slack
 * redelivers garbage forever), and dropped frames leave a warn line.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x50c3e7);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 300);
const LEGIT_EVENTS = 20;
const LEGIT_CHANNEL = 'CSOCKFUZZ';
const MiB = 1024 * 1024;


/** Names the SDK's SocketModeClient emits itself (its EventEmitter is shared with envelope types). */
/** Inner event types that are Object.prototype members: a handler table lookup must not find them. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
const CLIENT_EVENT_NAMES = ['connecting', 'connected', 'authenticated', 'disconnecting', 'disconnected', 'reconnecting', 'error', 'close', 'ws_message', 'slack_event', 'outgoing_message', 'newListener', 'removeListener', 'unable_to_socket_mode_start'];

describe(`Socket Mode malformed-frame fuzz (seed ${SEED})`, () => {
  let stack: Stack;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason);
  };

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  it(`survives ${FRAMES} malformed frames, acks malformed envelopes, logs drops, and unfurls every legitimate event`, async () => {
    const rand = prng(SEED);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const chance = (p: number) => rand() < p;
    const token = (n: number) => {
      const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
      let out = '';
      for (let i = 0; i < n; i += 1) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    };
    const text = (n: number) => {
      let out = '';
      for (let i = 0; i < n; i += 1) out += String.fromCharCode(int(0x20, 0x2fff));
      return out;
    };
    const scalar = (): unknown => pick<unknown>([null, true, false, 0, -1, 1.5e300, '', token(int(1, 30)), [], [1, 'a', null], {}]);
    let garbageTs = 0;
    // Other teams only: garbage must not revoke or uninstall the legitimate team.
    const otherEvent = () => linkSharedEvent({ teamId: `TGARB${token(6).toUpperCase()}`, userId: 'U0GARBAGE', channel: 'CGARBAGE', messageTs: `1750004000.${String(++garbageTs).padStart(6, '0')}`, urls: [`https://example.com/${token(10)}`] }) as Record<string, unknown>;
    const envelope = (fields: Record<string, unknown>) => JSON.stringify({ accepts_response_payload: false, retry_attempt: 0, retry_reason: '', ...fields });

    const slack = stack.slack;
    const opensBefore = slack.calls.filter((c) => c.method === 'apps.connections.open').length;
    const counts = new Map<string, number>();
    const count = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
    /** Envelopes sent with sendEvent, i.e. with an envelope_id the simulator waits an ack for. */
    const acked: Array<Promise<unknown>> = [];
    const ackFailures: string[] = [];
    const legitTs: string[] = [];
    const legitDeliveries: Array<Promise<number>> = [];
    const legitAt = new Set<number>();
    while (legitAt.size < LEGIT_EVENTS) legitAt.add(int(0, FRAMES + LEGIT_EVENTS - 1));

    const sendAcked = (kind: string, payload: unknown) => {
      count(kind);
      acked.push(
        slack.sendEvent(payload as object, { timeoutMs: 8000 }).catch((error: unknown) => {
          ackFailures.push(`${kind}: ${(error as Error).message} — payload ${JSON.stringify(payload)?.slice(0, 200)}`);
        }),
      );
    };
    const raw = (kind: string, frame: string) => {
      count(kind);
      slack.sendRaw(frame);
    };

    const generators: Array<[number, () => void]> = [
      // Not JSON at all (and never accidentally JSON: a leading '~').
      [12, () => raw('not-json', `~${chance(0.5) ? text(int(0, 300)) : token(int(0, 300))}`)],
      [3, () => raw('not-json', pick(['{', '{"type":"events_api"', '[1,2', '{"envelope_id":"x",}', 'undefined', 'NaN', "{'type':'events_api'}"]))],
      // JSON, but not an object.
      [8, () => raw('not-object', JSON.stringify(pick<unknown>([[], [1, 2], 5, -0.1, 'events_api', null, true, [{ type: 'events_api' }]])))],
      // events_api without payload, without event, without event.type, with odd payloads; with and without envelope_id.
      [14, () => {
        const payload = pick<unknown>([undefined, null, {}, [], 'payload', 42, { event: null }, { event: {} }, { event: [] }, { event: 'link_shared' }, { event: { type: 5 } }, { event: { type: null } }, { event: { type: ['link_shared'] } }, { type: 'event_callback', event: { channel: 'C1' } }]);
        const id = chance(0.5) ? { envelope_id: randomUUID() } : chance(0.5) ? {} : { envelope_id: scalar() };
        raw('events_api-malformed', envelope({ type: 'events_api', ...id, ...(payload === undefined ? {} : { payload }) }));
      }],
      // Unknown envelope types, with and without envelope_id / payload.
      [10, () => raw('unknown-type', envelope({ type: pick([token(int(1, 12)), 'slash_commands', 'interactive', 'app_rate_limited', 'events', 'EVENTS_API', 5, null, ['events_api'], { a: 1 }]), ...(chance(0.6) ? { envelope_id: randomUUID() } : {}), ...(chance(0.5) ? { payload: chance(0.5) ? otherEvent() : scalar() } : {}) }))],
      // No type at all.
      [4, () => raw('no-type', envelope({ envelope_id: randomUUID(), payload: otherEvent() }))],
      // Envelope types that are the client's own event names.
      [6, () => raw('client-event-name', envelope({ type: pick(CLIENT_EVENT_NAMES), envelope_id: randomUUID(), payload: otherEvent(), reason: 'warning' }))],
      // events_api whose inner event type is a client event name.
      [4, () => {
        const body = otherEvent();
        (body.event as Record<string, unknown>).type = pick(CLIENT_EVENT_NAMES);
        raw('inner-client-event-name', envelope({ type: 'events_api', envelope_id: randomUUID(), payload: body }));
      }],
      // A complete-looking envelope without envelope_id (cannot be acked; must not crash).
      [4, () => raw('no-envelope-id', envelope({ type: 'events_api', payload: otherEvent() }))],
      // Deep nesting.
      [3, () => {
        const depth = int(1000, 100_000);
        const shape = int(0, 3);
        if (shape === 0) raw('deep', `${'['.repeat(depth)}${']'.repeat(depth)}`);
        else if (shape === 1) raw('deep', envelope({ type: 'events_api', envelope_id: randomUUID() }).replace(/}$/, `,"payload":{"event":{"type":"link_shared","x":${'['.repeat(depth)}${']'.repeat(depth)}}}}`));
        else if (shape === 2) raw('deep', `{"type":"events_api","envelope_id":"${randomUUID()}","payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`);
        else raw('not-json', '['.repeat(depth));
      }],
      // Huge frames (1–3 MiB).
      [2, () => {
        const size = int(MiB, 3 * MiB);
        if (chance(0.5)) raw('huge-not-json', `~${'x'.repeat(size)}`);
        else {
          const body = otherEvent();
          (body.event as Record<string, unknown>).padding = 'y'.repeat(size);
          raw('huge-envelope', envelope({ type: 'events_api', envelope_id: randomUUID(), payload: body }));
        }
      }],
      // Malformed events_api envelopes WITH an envelope_id, sent so that the ack is observed.
      [20, () => {
        const payload = pick<unknown>([undefined, null, {}, [], 'x', 7, { event: null }, { event: {} }, { type: 'event_callback' }, { type: 'event_callback', event: { type: 42 } }, { type: 'event_callback', event: { type: { nested: true } } }]);
        sendAcked('acked-malformed', payload);
      }],
      // Well-formed envelopes around garbage (signed by nobody: Socket Mode is trusted transport).
      [10, () => {
        const body = otherEvent();
        const mangle = pick(['event_id', 'team_id', 'type', 'authorizations', 'event.links', 'event.user', 'event.channel', 'event.message_ts', 'event.type'] as const);
        const value = mangle === 'event.type' ? pick<unknown>(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', token(8)]) : scalar();
        if (mangle.startsWith('event.')) (body.event as Record<string, unknown>)[mangle.slice(6)] = value;
        else body[mangle] = value;
        sendAcked(`acked-garbage/${mangle}`, body);
      }],
    ];
    const weightSum = generators.reduce((s, [w]) => s + w, 0);

    // A dictionary first, as fuzzers use: every dangerous name once, whatever the seed.
    for (const type of [...PROTOTYPE_NAMES, ...CLIENT_EVENT_NAMES]) {
      const body = otherEvent();
      (body.event as Record<string, unknown>).type = type;
      sendAcked(`dictionary/event-type`, body);
      raw('dictionary/envelope-type', envelope({ type, envelope_id: randomUUID(), payload: otherEvent() }));
    }
    raw('dictionary/envelope-type', envelope({ type: ['disconnected'], envelope_id: randomUUID(), payload: otherEvent() }));
    // A payload type nested 50,000 deep: JSON.parse copes, anything recursive over it does not.
    // (Raw: the simulator's own JSON.stringify could not send it; its ack shows in the logs below.)
    raw('dictionary/deep-payload-type', envelope({ type: 'events_api', envelope_id: randomUUID(), payload: { ...otherEvent(), type: '@' } }).replace('"type":"@"', `"type":${'['.repeat(50_000)}${']'.repeat(50_000)}`));

    for (let i = 0; i < FRAMES + LEGIT_EVENTS; i += 1) {
      if (legitAt.has(i)) {
        const messageTs = `1750005000.${String(legitTs.length + 1).padStart(6, '0')}`;
        legitTs.push(messageTs);
        legitDeliveries.push(deliver(slack, linkSharedEvent({ teamId: TEAM, userId: USER, channel: LEGIT_CHANNEL, messageTs, urls: [traceUrl()] })));
        continue;
      }
      let r = rand() * weightSum;
      for (const [weight, send] of generators) {
        r -= weight;
        if (r < 0) {
          send();
          break;
        }
      }
      // Let the client read as we go, like a real stream.
      if (i % 10 === 0) await settle(0);
    }

    const deliveries = await Promise.all(legitDeliveries);
    await Promise.all(acked);
    const summary = [...counts].sort().map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`# seed ${SEED}: ${FRAMES} frames (${summary}); ${LEGIT_EVENTS} legitimate events, redeliveries needed: ${deliveries.reduce((a, b) => a + b, 0)}`);

    assert.deepEqual(ackFailures, [], 'every malformed events_api envelope with an envelope_id is acked');
    assert.equal(slack.unackedEnvelopes, 0);

    // Every legitimate event unfurled exactly once.
    const legitUnfurls = () => slack.unfurls().filter((c) => c.args.channel === LEGIT_CHANNEL);
    await waitFor(() => legitUnfurls().length >= LEGIT_EVENTS, `${LEGIT_EVENTS} legitimate unfurls`, 30_000);
    await settle(300);
    const perTs = new Map<string, number>();
    for (const call of legitUnfurls()) perTs.set(String(call.args.ts), (perTs.get(String(call.args.ts)) ?? 0) + 1);
    for (const ts of legitTs) assert.equal(perTs.get(ts), 1, `message ${ts} unfurled exactly once`);
    for (const call of legitUnfurls()) assert.match(JSON.stringify(call.args.unfurls), /frontend: GET \/checkout/);

    // Dropped frames left a warn line each (the non-JSON ones are countable exactly).
    const notJson = (counts.get('not-json') ?? 0) + (counts.get('huge-not-json') ?? 0);
    const dropped = () => stack.logs.records().filter((r) => r.msg === 'malformed Socket Mode frame dropped');
    await waitFor(() => dropped().filter((r) => r.reason === 'frame is not JSON').length >= notJson, 'a warn line per non-JSON frame');
    assert.equal(dropped().filter((r) => r.reason === 'frame is not JSON').length, notJson);
    assert.ok(dropped().filter((r) => r.reason === 'frame is not a JSON object').length >= (counts.get('not-object') ?? 0));
    assert.ok(dropped().every((r) => r.level === 40), 'at warn level');
    assert.ok(dropped().every((r) => JSON.stringify(r).length < 1000), 'the frame itself is not logged');

    // Nothing was left unacknowledged because handling it threw (Slack would redeliver it).
    const notAcked = stack.logs.records().filter((r) => r.msg === 'event handling failed; not acknowledged');
    assert.deepEqual(notAcked.map((r) => String(r.err)), [], 'no envelope failed to be handled');

    // The connection survived it all: no reconnect, still ready, and nothing went unhandled.
    assert.equal(slack.socketConnections, 1);
    assert.equal(slack.calls.filter((c) => c.method === 'apps.connections.open').length, opensBefore, 'no reconnect');
    const ready = await fetch(`${stack.httpUrl}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    await settle(100);
    assert.deepEqual(unhandled.map((e) => String((e as Error)?.stack ?? e)), [], 'no unhandled rejection');
  });
});
