import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { buildSlackManifest, MANIFEST_LIMITS, publicUrlWarnings, unfurlDomainsFor, type SlackManifest } from '../../src/cli/slack-manifest.js';
import { LsslackError } from '../../src/domain/errors.js';

const isUsage = (pattern: RegExp) => (e: unknown) => e instanceof LsslackError && e.code === 'usage' && pattern.test(e.message);

describe('buildSlackManifest', () => {
  it('socket mode: links and audience scopes, the bot events, the OAuth redirect, socket_mode_enabled, no request_url', () => {
    const m = buildSlackManifest({ mode: 'socket', publicUrl: 'https://ls.example.com/', appOrigins: ['https://app.lightstep.com'] });
    // Round-trip through YAML, as Slack's manifest editor reads it.
    const back = parse(stringify(m)) as SlackManifest;
    assert.deepEqual(back, m);
    assert.deepEqual(back._metadata, { major_version: 1, minor_version: 1 });
    assert.ok(back.display_information.name.length > 0 && back.display_information.name.length <= MANIFEST_LIMITS.name);
    assert.ok(back.display_information.description.length <= MANIFEST_LIMITS.description);
    assert.equal(typeof back.features.bot_user.display_name, 'string');
    assert.deepEqual(back.features.unfurl_domains, ['app.lightstep.com']);
    assert.deepEqual(back.oauth_config.redirect_urls, ['https://ls.example.com/integration/auth/slack/callback']);
    assert.deepEqual(back.oauth_config.scopes, { bot: ['links:read', 'links:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read'], user: ['links:read', 'links:write'] });
    assert.deepEqual(back.settings.event_subscriptions, { bot_events: ['link_shared', 'tokens_revoked', 'app_uninstalled', 'channel_shared', 'channel_unshared'] });
    assert.equal(back.settings.socket_mode_enabled, true);
    assert.deepEqual(back.settings.interactivity, { is_enabled: false });
    assert.equal(back.settings.org_deploy_enabled, false);
    assert.equal(back.settings.token_rotation_enabled, false);
  });

  it('http mode: socket_mode_enabled false and the Events request_url', () => {
    const m = buildSlackManifest({ mode: 'http', publicUrl: 'https://ls.example.com', appOrigins: ['https://app.lightstep.com'] });
    assert.equal(m.settings.socket_mode_enabled, false);
    assert.equal(m.settings.event_subscriptions.request_url, 'https://ls.example.com/slack/events');
    assert.deepEqual(m.settings.event_subscriptions.bot_events, ['link_shared', 'tokens_revoked', 'app_uninstalled', 'channel_shared', 'channel_unshared']);
  });

  it('Work Object previews: the flexpane event is subscribed to as well', () => {
    const m = buildSlackManifest({ mode: 'socket', publicUrl: 'https://ls.example.com', appOrigins: ['https://app.lightstep.com'], workObjects: true });
    assert.deepEqual(m.settings.event_subscriptions.bot_events, ['link_shared', 'tokens_revoked', 'app_uninstalled', 'channel_shared', 'channel_unshared', 'entity_details_requested']);
  });

  it('unfurl domains are bare hosts, de-duplicated, at most 5', () => {
    assert.deepEqual(unfurlDomainsFor(['https://app.lightstep.com', 'https://APP.lightstep.com', 'http://lightstep.internal:8080']), ['app.lightstep.com', 'lightstep.internal']);
    const five = ['a', 'b', 'c', 'd', 'e'].map((h) => `https://${h}.example.com`);
    assert.equal(buildSlackManifest({ mode: 'socket', publicUrl: 'https://x.example', appOrigins: five }).features.unfurl_domains.length, 5);
    assert.throws(() => buildSlackManifest({ mode: 'socket', publicUrl: 'https://x.example', appOrigins: [...five, 'https://f.example.com'] }), isUsage(/6 hosts .* at most 5/));
    assert.throws(() => unfurlDomainsFor([]), isUsage(/LIGHTSTEP_APP_URL/));
  });

  it('enforces the name and description lengths', () => {
    const base = { mode: 'socket' as const, publicUrl: 'https://x.example', appOrigins: ['https://app.lightstep.com'] };
    assert.equal(buildSlackManifest({ ...base, name: 'n'.repeat(35) }).display_information.name.length, 35);
    assert.throws(() => buildSlackManifest({ ...base, name: 'n'.repeat(36) }), isUsage(/name is 36 characters; Slack allows at most 35/));
    assert.throws(() => buildSlackManifest({ ...base, name: '  ' }), isUsage(/must not be empty/));
    assert.equal(buildSlackManifest({ ...base, description: 'd'.repeat(140) }).display_information.description.length, 140);
    assert.throws(() => buildSlackManifest({ ...base, description: 'd'.repeat(141) }), isUsage(/description is 141 characters; Slack allows at most 140/));
    const named = buildSlackManifest({ ...base, name: 'Trace Unfurler (prod)' });
    assert.equal(named.features.bot_user.display_name, 'trace-unfurler-prod');
  });

  it('warns about public URLs Slack or browsers cannot use', () => {
    assert.equal(publicUrlWarnings('https://ls.example.com', 'http').length, 0);
    assert.match(publicUrlWarnings('http://127.0.0.1:3000', 'socket')[0] ?? '', /loopback/);
    assert.match(publicUrlWarnings('http://ls.example.com', 'http')[0] ?? '', /not https/);
  });
});
