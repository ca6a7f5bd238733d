import { createHmac } from 'node:crypto';

/**
 * The bench's own `link_shared` bodies and request signing (written from Slack's docs, like the
 * simulator's, but without its randomness so building one costs a few microseconds).
 */

export const BENCH_TEAM = 'T0SIM';
export const BENCH_USER = 'U0SIMUSER';
export const BENCH_PROJECT = 'checkout';
/** A link to the simulator's sample trace (seed span of sampleCheckoutTrace). */
export const SAMPLE_TRACE_URL = 'https://app.lightstep.com/checkout/trace?span_guid=3f2a9c7d1e8b4a01&at_micros=1749992800123000';

export interface LinkSharedOptions {
  readonly eventId: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly url?: string;
  readonly teamId?: string;
  readonly userId?: string;
}

/** An Events API `event_callback` carrying one `link_shared` event, shaped as Slack sends it. */
export function linkSharedBody(o: LinkSharedOptions): Record<string, unknown> {
  const teamId = o.teamId ?? BENCH_TEAM;
  const url = o.url ?? SAMPLE_TRACE_URL;
  const nowS = Math.floor(Date.now() / 1000);
  return {
    token: 'benchVerificationToken00',
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: 'A0SIM',
    event: {
      type: 'link_shared',
      channel: o.channel,
      is_bot_user_member: true,
      user: o.userId ?? BENCH_USER,
      message_ts: o.messageTs,
      unfurl_id: `${o.channel}.${o.messageTs.replace('.', '')}.bench`,
      source: 'conversations_history',
      links: [{ domain: 'app.lightstep.com', url }],
      event_ts: o.messageTs,
    },
    type: 'event_callback',
    event_id: o.eventId,
    event_time: nowS,
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: 'U0SIMBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: '4-eyJlIjoibGlua19zaGFyZWQiLCJ0IjoiVDBTSU0iLCJjIjoiQzBTSU1DSEFOIn0',
  };
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` (Slack request signing v0). */
export function signBody(signingSecret: string, timestampS: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampS}:`).update(body).digest('hex')}`;
}

/** Unique ids for a run: a per-process prefix plus a counter. */
export function idSource(prefix: string): { eventId(): string; messageTs(): string; readonly channel: string; readonly count: number } {
  const nonce = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();
  const base = Math.floor(Date.now() / 1000);
  let n = 0;
  return {
    // A channel of its own, so message+URL dedupe never meets another run's messages.
    channel: `C0B${nonce}`,
    eventId() {
      n += 1;
      return `Ev${prefix}${nonce}${n.toString(36).toUpperCase()}`;
    },
    // Unique per event: seconds advance once the micro part wraps.
    messageTs() {
      return `${base + Math.floor(n / 1_000_000)}.${String(n % 1_000_000).padStart(6, '0')}`;
    },
    get count() {
      return n;
    },
  };
}
