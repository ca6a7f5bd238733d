/**
 * The Slack simulator's audiences (conversations.info, channel_shared/unshared) and Work Objects (chat.unfurl
 * metadata, entity_details_requested, entity.presentDetails), driven by the REAL @slack/web-api 8.2 WebClient and
 * @slack/socket-mode 3.1 SocketModeClient pointed at it with `slackApiUrl`.
 */

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import webApi from '@slack/web-api';
import {
  channelSharedEvent,
  channelUnsharedEvent,
  linkSharedEvent,
  startSlackSimulator,
} from '../../src/simulators/slack/index.js';
import type { SlackSimulator } from '../../src/simulators/slack/index.js';

// @slack/web-api is CommonJS: under ESM take the classes off the default export (slack-platform.md §4.5).
const { WebClient, ErrorCode, LogLevel: WebLogLevel } = webApi;
type Client = InstanceType<typeof WebClient>;

const TRACE_URL = 'https://app.lightstep.com/acme/trace?span_guid=0123456789abcdef';
const CANONICAL_URL = 'https://app.lightstep.com/acme/trace/0123456789abcdef';
const TRACE_ID = '0123456789abcdef';

function client(sim: SlackSimulator, token: string = sim.botToken, extra: Record<string, unknown> = {}): Client {
  return new WebClient(token, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logLevel: WebLogLevel.ERROR, ...extra });
}

/** Asserts that `promise` rejects with a WebAPIPlatformError carrying `error`; returns the error's data. */
async function rejectsWithPlatformError(promise: Promise<unknown>, error: string): Promise<Record<string, unknown>> {
  let data: Record<string, unknown> = {};
  await assert.rejects(promise, (e: unknown) => {
    const err = e as { code?: string; data?: { error?: string } };
    assert.equal(err.code, ErrorCode.PlatformError);
    assert.equal(err.data?.error, error);
    data = err.data as Record<string, unknown>;
    return true;
  });
  return data;
}

/** A minimal valid Work Object entity (the fields EntityMetadata requires). */
function entity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entity_type: 'slack#/entities/item',
    external_ref: { id: TRACE_ID, type: 'trace' },
    url: CANONICAL_URL,
    app_unfurl_url: TRACE_URL,
    entity_payload: { attributes: { title: { text: 'checkout · 120 ms' }, product_name: 'Lightstep' } },
    ...overrides,
  };
}

function block(text: string): { type: 'section'; text: { type: 'mrkdwn'; text: string } } {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

describe('Slack simulator: conversations.info', () => {
  let sim: SlackSimulator;
  let web: Client;

  before(async () => {
    sim = await startSlackSimulator();
    web = client(sim);
  });
  after(() => sim.stop());

  it('answers a public channel for ids never set, with the read scopes in the headers', async () => {
    const res = await web.conversations.info({ channel: 'C0NEVERSET' });
    assert.equal(res.ok, true);
    const channel = res.channel as Record<string, unknown>;
    assert.equal(channel.id, 'C0NEVERSET');
    assert.equal(typeof channel.name, 'string');
    assert.equal(channel.name_normalized, channel.name);
    for (const [key, value] of Object.entries({
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: false,
      is_archived: false,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      context_team_id: 'T0SIM',
    })) {
      assert.equal(channel[key], value, key);
    }
    assert.equal(typeof channel.created, 'number');
    assert.equal(typeof channel.updated, 'number');
    assert.deepEqual(channel.shared_team_ids, ['T0SIM']);
    assert.equal('locale' in channel, false);
    assert.deepEqual(res.response_metadata?.scopes, [
      'links:read',
      'links:write',
      'channels:read',
      'groups:read',
      'im:read',
      'mpim:read',
    ]);
    assert.deepEqual(res.response_metadata?.acceptedScopes, ['channels:read', 'groups:read', 'im:read', 'mpim:read']);
  });

  it('answers what setConversation defined: public, private, legacy private, ext-shared, org-shared', async () => {
    sim.setConversation('C0PUBLIC', { name: 'checkout' });
    sim.setConversation('C0PRIVATE', { name: 'secret-ops', isPrivate: true });
    sim.setConversation('G0LEGACY', { name: 'old-private', isPrivate: true });
    sim.setConversation('C0CONNECT', { name: 'acme-partner', isExtShared: true });
    sim.setConversation('C0ORG', { name: 'org-wide', isOrgShared: true });
    sim.setConversation('C0SHARED', { isShared: true });

    const info = async (id: string): Promise<Record<string, unknown>> =>
      (await web.conversations.info({ channel: id })).channel as Record<string, unknown>;

    const pub = await info('C0PUBLIC');
    assert.equal(pub.name, 'checkout');
    assert.equal(pub.is_private, false);

    const priv = await info('C0PRIVATE');
    assert.equal(priv.name, 'secret-ops');
    assert.equal(priv.is_private, true);
    assert.equal(priv.is_channel, true, 'private channels created since 2021 are channels');
    assert.equal(priv.is_group, false);

    const legacy = await info('G0LEGACY');
    assert.equal(legacy.is_private, true);
    assert.equal(legacy.is_channel, false, 'G ids are pre-2021 private channels');
    assert.equal(legacy.is_group, true);

    const connect = await info('C0CONNECT');
    assert.equal(connect.is_ext_shared, true);
    assert.equal(connect.is_shared, true, 'is_shared defaults to true for shared channels');
    assert.equal(connect.is_org_shared, false);

    const org = await info('C0ORG');
    assert.equal(org.is_org_shared, true);
    assert.equal(org.is_shared, true);
    assert.equal(org.is_ext_shared, false);

    const shared = await info('C0SHARED');
    assert.equal(shared.is_shared, true);
    assert.equal(shared.is_ext_shared, false);

    // A later definition replaces the earlier one.
    sim.setConversation('C0PUBLIC', { name: 'checkout', isExtShared: true });
    assert.equal((await info('C0PUBLIC')).is_ext_shared, true);
  });

  it('answers group DMs as private groups and 1:1 DMs in the short IM shape', async () => {
    sim.setConversation('G0MPIM', { isMpim: true });
    const mpim = (await web.conversations.info({ channel: 'G0MPIM' })).channel as Record<string, unknown>;
    assert.equal(mpim.is_mpim, true);
    assert.equal(mpim.is_private, true);
    assert.equal(mpim.is_channel, false);
    assert.equal(mpim.is_group, true);
    assert.equal(mpim.is_im, false);
    assert.match(String(mpim.name), /^mpdm-/);

    sim.setConversation('D0DM', { isIm: true, user: 'U0ALICE' });
    const im = (await web.conversations.info({ channel: 'D0DM' })).channel as Record<string, unknown>;
    assert.equal(im.id, 'D0DM');
    assert.equal(im.is_im, true);
    assert.equal(im.user, 'U0ALICE');
    assert.equal(im.is_org_shared, false);
    assert.equal(im.context_team_id, 'T0SIM');
    for (const absent of ['name', 'is_channel', 'is_private', 'is_mpim', 'is_ext_shared']) {
      assert.equal(absent in im, false, `IM objects carry no ${absent}`);
    }

    sim.setConversation('D0EXT', { isIm: true, isExtShared: true });
    const ext = (await web.conversations.info({ channel: 'D0EXT' })).channel as Record<string, unknown>;
    assert.equal(ext.user, 'U0SIMUSER');
    assert.equal(ext.is_ext_shared, true);
    assert.equal(ext.is_shared, true);

    assert.throws(() => sim.setConversation('D0BAD', { isIm: true, isMpim: true }), TypeError);
  });

  it('adds the locale with include_locale, and answers channel_not_found without a channel', async () => {
    const res = await web.conversations.info({ channel: 'C0PUBLIC', include_locale: true });
    assert.equal((res.channel as Record<string, unknown>).locale, 'en-US');
    await rejectsWithPlatformError(web.apiCall('conversations.info', {}), 'channel_not_found');
  });

  it('counts lookups per channel, injected faults included', async (t) => {
    const counter = await startSlackSimulator();
    t.after(() => counter.stop());
    const c = client(counter, counter.botToken, { rejectRateLimitedCalls: true });
    assert.equal(counter.conversationLookups(), 0);
    assert.equal(counter.conversationLookups('C0A'), 0);
    await c.conversations.info({ channel: 'C0A' });
    await c.conversations.info({ channel: 'C0A' });
    await c.conversations.info({ channel: 'C0B' });
    assert.equal(counter.conversationLookups('C0A'), 2);
    assert.equal(counter.conversationLookups('C0B'), 1);
    assert.equal(counter.conversationLookups(), 3);

    counter.failNext('conversations.info', 1, 'internal_error');
    await rejectsWithPlatformError(c.conversations.info({ channel: 'C0A' }), 'internal_error');
    counter.rateLimitNext('conversations.info', 1, 5);
    await assert.rejects(c.conversations.info({ channel: 'C0A' }), (e: unknown) => {
      const err = e as { code?: string; retryAfter?: number };
      assert.equal(err.code, ErrorCode.RateLimitedError);
      assert.equal(err.retryAfter, 5);
      return true;
    });
    counter.httpErrorNext('conversations.info', 1, 503);
    await assert.rejects(c.conversations.info({ channel: 'C0A' }), { code: ErrorCode.HTTPError });
    assert.equal(counter.conversationLookups('C0A'), 5);
    assert.equal((await c.conversations.info({ channel: 'C0A' })).ok, true, 'the faults were used up');
    assert.equal(counter.conversationLookups(), 7);
    assert.equal(counter.calls.filter((call) => call.method === 'conversations.info').length, 7);
  });

  it('answers channel_not_found for unknown ids with defaultConversation "not_found"', async (t) => {
    const strict = await startSlackSimulator({ defaultConversation: 'not_found' });
    t.after(() => strict.stop());
    const c = client(strict);
    await rejectsWithPlatformError(c.conversations.info({ channel: 'C0UNKNOWN' }), 'channel_not_found');
    strict.setConversation('C0KNOWN', { name: 'known' });
    assert.equal(((await c.conversations.info({ channel: 'C0KNOWN' })).channel as { name: string }).name, 'known');
    assert.equal(strict.conversationLookups('C0UNKNOWN'), 1, 'failed lookups count too');
  });

  it('applies a custom defaultConversation to ids never set', async (t) => {
    const connect = await startSlackSimulator({ defaultConversation: { isExtShared: true, isPrivate: true } });
    t.after(() => connect.stop());
    const c = client(connect);
    const channel = (await c.conversations.info({ channel: 'C0ANY' })).channel as Record<string, unknown>;
    assert.equal(channel.id, 'C0ANY');
    assert.equal(channel.is_ext_shared, true);
    assert.equal(channel.is_private, true);
    connect.setConversation('C0INTERNAL', {});
    const internal = (await c.conversations.info({ channel: 'C0INTERNAL' })).channel as Record<string, unknown>;
    assert.equal(internal.is_ext_shared, false);
  });

  it('needs one of the read scopes, and neither an app token nor a bad token', async (t) => {
    const narrow = await startSlackSimulator({ botScopes: ['links:read', 'links:write'] });
    t.after(() => narrow.stop());
    const data = await rejectsWithPlatformError(client(narrow).conversations.info({ channel: 'C1' }), 'missing_scope');
    assert.equal(data.needed, 'channels:read,groups:read,im:read,mpim:read');
    assert.equal(data.provided, 'links:read,links:write');
    assert.deepEqual((await client(narrow).auth.test()).response_metadata?.scopes, ['links:read', 'links:write']);

    const one = await startSlackSimulator({ botScopes: ['links:read', 'links:write', 'im:read'] });
    t.after(() => one.stop());
    assert.equal((await client(one).conversations.info({ channel: 'C1' })).ok, true);

    await rejectsWithPlatformError(client(sim, sim.appToken).conversations.info({ channel: 'C1' }), 'not_allowed_token_type');
    await rejectsWithPlatformError(client(sim, 'xoxb-wrong').conversations.info({ channel: 'C1' }), 'invalid_auth');
  });
});

describe('Slack simulator: chat.unfurl with Work Object metadata', () => {
  let sim: SlackSimulator;
  let web: Client;

  before(async () => {
    sim = await startSlackSimulator();
    web = client(sim);
  });
  after(() => sim.stop());

  it('accepts metadata with unfurls and records the entities parsed', async () => {
    const metadata = { entities: [entity()] };
    const res = await web.chat.unfurl({
      channel: 'C0SIMCHAN',
      ts: '1700000000.000100',
      unfurls: { [TRACE_URL]: { blocks: [block('*checkout* 120 ms')] } },
      metadata,
    } as never);
    assert.equal(res.ok, true);
    const last = sim.unfurls().at(-1);
    assert.deepEqual(last?.args.metadata, metadata);
  });

  it('accepts metadata alone (any app_unfurl_url), several entities, and JSON bodies', async () => {
    const two = { entities: [entity(), entity({ app_unfurl_url: 'https://traces.example.com/t/1', external_ref: { id: 'x1' } })] };
    assert.equal((await web.chat.unfurl({ channel: 'C1', ts: '1.2', metadata: two } as never)).ok, true);
    assert.deepEqual(sim.unfurls().at(-1)?.args.metadata, two);

    const res = await fetch(`${sim.apiUrl}chat.unfurl`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${sim.botToken}` },
      body: JSON.stringify({ unfurl_id: 'U1.2.3', source: 'composer', metadata: { entities: [entity()] } }),
    });
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(sim.unfurls().at(-1)?.args.metadata, { entities: [entity()] });
  });

  it('answers invalid_metadata for malformed metadata', async () => {
    const before = sim.unfurls().length;
    const bad: Array<[string, unknown]> = [
      ['no entities', {}],
      ['empty entities', { entities: [] }],
      ['entities not an array', { entities: entity() }],
      ['entity not an object', { entities: ['x'] }],
      ['no entity_type', { entities: [entity({ entity_type: undefined })] }],
      ['entity_type not a string', { entities: [entity({ entity_type: 7 })] }],
      ['no external_ref', { entities: [entity({ external_ref: undefined })] }],
      ['no external_ref.id', { entities: [entity({ external_ref: { type: 'trace' } })] }],
      ['no url', { entities: [entity({ url: undefined })] }],
      ['no app_unfurl_url', { entities: [entity({ app_unfurl_url: undefined })] }],
      ['no entity_payload', { entities: [entity({ entity_payload: undefined })] }],
      ['no attributes', { entities: [entity({ entity_payload: {} })] }],
      ['no title', { entities: [entity({ entity_payload: { attributes: {} } })] }],
      ['title.text not a string', { entities: [entity({ entity_payload: { attributes: { title: { text: 1 } } } })] }],
      ['second entity bad', { entities: [entity(), entity({ url: '' })] }],
    ];
    for (const [why, metadata] of bad) {
      await assert.rejects(web.chat.unfurl({ channel: 'C1', ts: '1.2', metadata } as never), (e: unknown) => {
        assert.equal((e as { data?: { error?: string } }).data?.error, 'invalid_metadata', why);
        return true;
      });
    }
    // The posted link must be one of the message's: with `unfurls`, its keys are the message's links.
    await rejectsWithPlatformError(
      web.chat.unfurl({
        channel: 'C1',
        ts: '1.2',
        unfurls: { [TRACE_URL]: { blocks: [block('x')] } },
        metadata: { entities: [entity({ app_unfurl_url: 'https://elsewhere.example.com/' })] },
      } as never),
      'invalid_metadata',
    );
    // A form field that is not JSON at all.
    await rejectsWithPlatformError(web.apiCall('chat.unfurl', { channel: 'C1', ts: '1.2', metadata: '{not json' }), 'invalid_metadata');
    assert.equal(sim.unfurls().length, before);
    assert.equal(sim.calls.at(-1)?.error, 'invalid_metadata');
  });

  it('refuses metadata over 12 KB', async () => {
    const big = { entities: [entity({ entity_payload: { attributes: { title: { text: 'x'.repeat(13 * 1024) } } } })] };
    await rejectsWithPlatformError(web.chat.unfurl({ channel: 'C1', ts: '1.2', metadata: big } as never), 'invalid_metadata');
    const fits = { entities: [entity({ entity_payload: { attributes: { title: { text: 'x'.repeat(11 * 1024) } } } })] };
    assert.equal((await web.chat.unfurl({ channel: 'C1', ts: '1.2', metadata: fits } as never)).ok, true);
  });

  it('answers feature_not_enabled for metadata when Work Object Previews are off', async (t) => {
    const off = await startSlackSimulator({ workObjects: false });
    t.after(() => off.stop());
    const c = client(off);
    await rejectsWithPlatformError(
      c.chat.unfurl({ channel: 'C1', ts: '1.2', metadata: { entities: [entity()] } } as never),
      'feature_not_enabled',
    );
    // Even broken metadata: the feature gate comes first.
    await rejectsWithPlatformError(c.apiCall('chat.unfurl', { channel: 'C1', ts: '1.2', metadata: '{}' }), 'feature_not_enabled');
    // Plain block unfurls still work.
    assert.equal((await c.chat.unfurl({ channel: 'C1', ts: '1.2', unfurls: { [TRACE_URL]: { blocks: [block('x')] } } })).ok, true);
  });
});

describe('Slack simulator: Work Object flexpane (entity_details_requested → entity.presentDetails)', () => {
  let sim: SlackSimulator;
  let web: Client;

  before(async () => {
    sim = await startSlackSimulator();
    web = client(sim);
  });
  after(() => sim.stop());

  /** A fresh trigger for the default trace entity, as if U0VIEWER opened the card. */
  function trigger(user = 'U0VIEWER', id = TRACE_ID): string {
    return sim.detailsRequest({ user, url: TRACE_URL, externalRef: { id, type: 'trace' } }).triggerId;
  }

  it('builds the entity_details_requested body as docs.slack.dev shows it', () => {
    const { body, triggerId } = sim.detailsRequest({
      user: 'U0VIEWER',
      url: TRACE_URL,
      externalRef: { id: TRACE_ID, type: 'trace' },
      entityUrl: CANONICAL_URL,
      channel: 'C0TRACES',
      messageTs: '1755035323.759739',
      threadTs: '1755035300.000100',
    });
    assert.match(triggerId, /^\d{13}\.\d{13}\.[0-9a-f]{32}$/);
    const b = body as Record<string, any>;
    assert.deepEqual(Object.keys(b), ['token', 'team_id', 'api_app_id', 'event', 'type', 'authorizations', 'event_id', 'event_time']);
    assert.equal(b.type, 'event_callback');
    assert.equal(b.team_id, 'T0SIM');
    assert.equal(b.api_app_id, 'A0SIM');
    assert.match(b.event_id, /^Ev/);
    assert.equal(typeof b.event_time, 'number');
    assert.deepEqual(b.authorizations, [
      { enterprise_id: null, team_id: 'T0SIM', user_id: 'U0SIMBOT', is_bot: true, is_enterprise_install: false },
    ]);
    const { event_ts: eventTs, ...event } = b.event;
    assert.match(eventTs, /^\d+\.\d{6}$/);
    assert.deepEqual(event, {
      type: 'entity_details_requested',
      user: 'U0VIEWER',
      external_ref: { id: TRACE_ID, type: 'trace' },
      entity_url: CANONICAL_URL,
      link: { url: CANONICAL_URL, domain: 'app.lightstep.com' },
      app_unfurl_url: TRACE_URL,
      trigger_id: triggerId,
      user_locale: 'en-US',
      channel: 'C0TRACES',
      message_ts: '1755035323.759739',
      thread_ts: '1755035300.000100',
    });
  });

  it('defaults entity_url to the posted link and leaves out thread_ts and an absent external_ref.type', async (t) => {
    const other = await startSlackSimulator({ teamId: 'T0OTHER', appId: 'A0OTHER' });
    t.after(() => other.stop());
    const a = other.detailsRequest({ user: 'U1', url: TRACE_URL, externalRef: { id: 'r1' } });
    const b = other.detailsRequest({ user: 'U1', url: TRACE_URL, externalRef: { id: 'r1' }, teamId: 'T0THIRD' });
    const ev = (a.body as Record<string, any>).event;
    assert.equal(ev.entity_url, TRACE_URL);
    assert.deepEqual(ev.link, { url: TRACE_URL, domain: 'app.lightstep.com' });
    assert.deepEqual(ev.external_ref, { id: 'r1' });
    assert.equal(ev.channel, 'C0SIMCHAN');
    assert.match(ev.message_ts, /^\d+\.\d{6}$/);
    assert.equal('thread_ts' in ev, false);
    assert.equal((a.body as Record<string, any>).team_id, 'T0OTHER');
    assert.equal((a.body as Record<string, any>).api_app_id, 'A0OTHER');
    assert.equal((b.body as Record<string, any>).team_id, 'T0THIRD');
    assert.notEqual(a.triggerId, b.triggerId);
    assert.notEqual((a.body as Record<string, any>).event_id, (b.body as Record<string, any>).event_id);
  });

  it('presents details once per trigger and records what the viewer saw', async () => {
    const triggerId = trigger('U0ALICE');
    const metadata = entity({ app_unfurl_url: undefined });
    delete metadata.app_unfurl_url; // optional in entity.presentDetails
    const res = await web.entity.presentDetails({ trigger_id: triggerId, metadata } as never);
    assert.equal(res.ok, true);
    const shown = sim.flexpaneAnswers().at(-1);
    assert.ok(shown);
    assert.equal(shown.triggerId, triggerId);
    assert.equal(shown.user, 'U0ALICE');
    assert.deepEqual(shown.externalRef, { id: TRACE_ID, type: 'trace' });
    assert.equal(shown.kind, 'details');
    assert.deepEqual(shown.metadata, metadata);
    assert.equal(typeof shown.at, 'number');
    assert.equal(shown.userAuthUrl, undefined);
    assert.equal(shown.errorStatus, undefined);
    // The SDK form-encodes `metadata` as a JSON string; the recorded call has it parsed.
    assert.deepEqual(sim.calls.at(-1)?.args.metadata, metadata);

    const count = sim.flexpaneAnswers().length;
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: triggerId, metadata } as never), 'invalid_trigger_id');
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, error: { status: 'not_found' } }),
      'invalid_trigger_id',
    );
    assert.equal(sim.flexpaneAnswers().length, count, 'refused answers are not recorded');
    // With app_unfurl_url too.
    assert.equal((await web.entity.presentDetails({ trigger_id: trigger(), metadata: entity() } as never)).ok, true);
  });

  it('asks the viewer to sign in with user_auth_required + user_auth_url', async () => {
    const triggerId = trigger('U0BOB');
    const url = 'https://lsslack.example/link?state=abc';
    assert.equal((await web.entity.presentDetails({ trigger_id: triggerId, user_auth_required: true, user_auth_url: url })).ok, true);
    const shown = sim.flexpaneAnswers().at(-1);
    assert.equal(shown?.kind, 'auth_required');
    assert.equal(shown?.user, 'U0BOB');
    assert.equal(shown?.userAuthUrl, url);
    assert.equal(sim.calls.at(-1)?.args.user_auth_required, true, 'recorded as a boolean');

    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: trigger(), user_auth_required: true }), 'user_auth_url_missing');
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: trigger(), user_auth_required: true, user_auth_url: 'not a url' }),
      'invalid_arguments',
    );
  });

  it('shows each documented error status, and refuses others', async () => {
    const statuses = ['restricted', 'internal_error', 'not_found', 'custom', 'custom_partial_view', 'timeout', 'edit_error'];
    for (const status of statuses) {
      const triggerId = trigger();
      const error = status.startsWith('custom') ? { status, custom_title: 'No access', custom_message: 'Ask an admin' } : { status };
      assert.equal((await web.entity.presentDetails({ trigger_id: triggerId, error })).ok, true, status);
      const shown = sim.flexpaneAnswers().at(-1);
      assert.equal(shown?.triggerId, triggerId);
      assert.equal(shown?.kind, 'error');
      assert.equal(shown?.errorStatus, status);
    }
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: trigger(), error: { status: 'teapot' } }), 'invalid_arguments');
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: trigger(), error: {} } as never), 'invalid_arguments');
    await rejectsWithPlatformError(web.apiCall('entity.presentDetails', { trigger_id: trigger(), error: '{oops' }), 'invalid_arguments');
  });

  it('answers invalid_trigger_id for triggers it never issued, invalid_arguments without one', async () => {
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: '1234567890123.1234567890123.abcdef01234567890abcdef012345689', metadata: entity() } as never),
      'invalid_trigger_id',
    );
    await rejectsWithPlatformError(web.apiCall('entity.presentDetails', { metadata: entity() }), 'invalid_arguments');
  });

  it('needs exactly one of metadata, user_auth_required and error', async () => {
    const triggerId = trigger();
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: triggerId }), 'invalid_arguments');
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, metadata: entity(), error: { status: 'not_found' } } as never),
      'invalid_arguments',
    );
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, user_auth_required: true, user_auth_url: 'https://x.example/', error: { status: 'restricted' } }),
      'invalid_arguments',
    );
    // user_auth_required: false is no answer by itself, but does not spoil a metadata answer.
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: triggerId, user_auth_required: false }), 'invalid_arguments');
    assert.equal((await web.entity.presentDetails({ trigger_id: triggerId, user_auth_required: false, metadata: entity() } as never)).ok, true);
  });

  it('validates metadata and refuses an entity other than the one the trigger was for', async () => {
    const triggerId = trigger('U0CAROL', TRACE_ID);
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, metadata: entity({ external_ref: { id: 'someone-else' } }) } as never),
      'entity_metadata_does_not_match_trigger',
    );
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, metadata: entity({ entity_payload: { attributes: {} } }) } as never),
      'invalid_metadata',
    );
    await rejectsWithPlatformError(
      web.entity.presentDetails({ trigger_id: triggerId, metadata: { entities: [entity()] } } as never),
      'invalid_metadata',
    );
    await rejectsWithPlatformError(web.apiCall('entity.presentDetails', { trigger_id: triggerId, metadata: 'nope' }), 'invalid_metadata');
    const huge = entity({ entity_payload: { attributes: { title: { text: 'y'.repeat(13 * 1024) } } } });
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: triggerId, metadata: huge } as never), 'invalid_metadata');
    // Refused answers do not use the trigger up; the external_ref.type need not match, only the id.
    const ok = await web.entity.presentDetails({ trigger_id: triggerId, metadata: entity({ external_ref: { id: TRACE_ID } }) } as never);
    assert.equal(ok.ok, true);
    assert.equal(sim.flexpaneAnswers().at(-1)?.user, 'U0CAROL');
  });

  it('accepts JSON bodies with a Bearer token, and refuses app tokens and bad tokens', async () => {
    const triggerId = trigger();
    const res = await fetch(`${sim.apiUrl}entity.presentDetails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${sim.botToken}` },
      body: JSON.stringify({ trigger_id: triggerId, error: { status: 'restricted' } }),
    });
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(sim.flexpaneAnswers().at(-1)?.errorStatus, 'restricted');
    await rejectsWithPlatformError(
      client(sim, sim.appToken).entity.presentDetails({ trigger_id: trigger(), error: { status: 'restricted' } }),
      'not_allowed_token_type',
    );
    await rejectsWithPlatformError(
      client(sim, 'xoxb-wrong').entity.presentDetails({ trigger_id: trigger(), error: { status: 'restricted' } }),
      'invalid_auth',
    );
  });

  it('injects faults into entity.presentDetails without using the trigger up', async () => {
    const triggerId = trigger();
    sim.failNext('entity.presentDetails', 1, 'internal_error');
    await rejectsWithPlatformError(web.entity.presentDetails({ trigger_id: triggerId, error: { status: 'timeout' } }), 'internal_error');
    sim.rateLimitNext('entity.presentDetails', 1, 2);
    const strict = client(sim, sim.botToken, { rejectRateLimitedCalls: true });
    await assert.rejects(strict.entity.presentDetails({ trigger_id: triggerId, error: { status: 'timeout' } }), {
      code: ErrorCode.RateLimitedError,
    });
    assert.equal((await web.entity.presentDetails({ trigger_id: triggerId, error: { status: 'timeout' } })).ok, true);
  });

  it('answers feature_not_enabled when Work Object Previews are off', async (t) => {
    const off = await startSlackSimulator({ workObjects: false });
    t.after(() => off.stop());
    const { triggerId } = off.detailsRequest({ user: 'U1', url: TRACE_URL, externalRef: { id: TRACE_ID } });
    await rejectsWithPlatformError(
      client(off).entity.presentDetails({ trigger_id: triggerId, metadata: entity() } as never),
      'feature_not_enabled',
    );
    assert.deepEqual(off.flexpaneAnswers(), []);
  });
});

describe('Slack simulator: delivering Work Object and audience events', () => {
  let sim: SlackSimulator;
  let socket: SocketModeClient;
  const events: Array<{ type: string; [key: string]: unknown }> = [];
  let server: http.Server;
  let requestUrl = '';
  const posted: string[] = [];

  before(async () => {
    sim = await startSlackSimulator();
    socket = new SocketModeClient({
      appToken: sim.appToken,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    socket.on('slack_event', async (args: { ack: () => Promise<void>; body: { event: { type: string } } }) => {
      events.push(args.body.event);
      await args.ack();
    });
    await socket.start();
    await sim.waitForSocketConnections(1);
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    requestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  after(async () => {
    await socket.disconnect();
    await sim.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers entity_details_requested over Socket Mode, and the trigger then works', async () => {
    const { body, triggerId } = sim.detailsRequest({ user: 'U0VIEWER', url: TRACE_URL, externalRef: { id: TRACE_ID } });
    await sim.sendEvent(body);
    const got = events.at(-1);
    assert.equal(got?.type, 'entity_details_requested');
    assert.equal(got?.trigger_id, triggerId);
    const web = client(sim);
    assert.equal((await web.entity.presentDetails({ trigger_id: String(got?.trigger_id), error: { status: 'not_found' } })).ok, true);
    assert.equal(sim.flexpaneAnswers().at(-1)?.user, 'U0VIEWER');
  });

  it('delivers entity_details_requested over HTTP', async () => {
    const { body, triggerId } = sim.detailsRequest({ user: 'U0VIEWER', url: TRACE_URL, externalRef: { id: TRACE_ID } });
    const res = await sim.postEvent(requestUrl, body, { signingSecret: 's3cr3t' });
    assert.equal(res.status, 200);
    const parsed = JSON.parse(posted.at(-1) ?? '{}') as { event?: { trigger_id?: string } };
    assert.equal(parsed.event?.trigger_id, triggerId);
  });

  it('builds channel_shared and channel_unshared with the documented shapes', async () => {
    const shared = channelSharedEvent({ channel: 'C0CONNECT', connectedTeamId: 'E163Q94DX' }) as Record<string, any>;
    assert.equal(shared.type, 'event_callback');
    assert.equal(shared.team_id, 'T0SIM');
    assert.equal(shared.api_app_id, 'A0SIM');
    assert.match(shared.event_id, /^Ev/);
    assert.equal(typeof shared.event_time, 'number');
    assert.equal(shared.authorizations.length, 1);
    assert.deepEqual(Object.keys(shared.event), ['type', 'connected_team_id', 'channel', 'event_ts']);
    assert.equal(shared.event.type, 'channel_shared');
    assert.equal(shared.event.connected_team_id, 'E163Q94DX');
    assert.equal(shared.event.channel, 'C0CONNECT');
    assert.match(shared.event.event_ts, /^\d+\.\d{6}$/);

    const unshared = channelUnsharedEvent({
      teamId: 'T0OTHER',
      channel: 'C0CONNECT',
      previouslyConnectedTeamId: 'E163Q94DX',
      isExtShared: false,
      eventId: 'Ev0FIXED',
    }) as Record<string, any>;
    assert.equal(unshared.team_id, 'T0OTHER');
    assert.equal(unshared.event_id, 'Ev0FIXED');
    assert.equal(unshared.authorizations[0].team_id, 'T0OTHER');
    assert.deepEqual(Object.keys(unshared.event), ['type', 'previously_connected_team_id', 'channel', 'is_ext_shared', 'event_ts']);
    assert.equal(unshared.event.type, 'channel_unshared');
    assert.equal(unshared.event.previously_connected_team_id, 'E163Q94DX');
    assert.equal(unshared.event.is_ext_shared, false);
    const again = channelSharedEvent({ channel: 'C0CONNECT', connectedTeamId: 'E163Q94DX' }) as Record<string, any>;
    assert.notEqual(again.event_id, shared.event_id, 'event ids are unique');

    // Both go through Socket Mode like any event_callback body.
    await sim.sendEvent(shared);
    assert.equal(events.at(-1)?.type, 'channel_shared');
    await sim.sendEvent(unshared);
    assert.equal(events.at(-1)?.type, 'channel_unshared');
  });

  it('marks link_shared from Slack Connect channels with is_ext_shared_channel', () => {
    const ext = linkSharedEvent({ urls: [TRACE_URL], isExtSharedChannel: true }) as Record<string, unknown>;
    assert.equal(ext.is_ext_shared_channel, true);
    const internal = linkSharedEvent({ urls: [TRACE_URL], isExtSharedChannel: false }) as Record<string, unknown>;
    assert.equal(internal.is_ext_shared_channel, false);
    assert.equal((linkSharedEvent({ urls: [TRACE_URL] }) as Record<string, unknown>).is_ext_shared_channel, false);
  });
});
