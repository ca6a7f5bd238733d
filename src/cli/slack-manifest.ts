import type { Mode } from '../config/config.js';
import { LsslackError } from '../domain/errors.js';

/** Slack's limits for the manifest fields lsslack fills (slack-platform.md §6). */
export const MANIFEST_LIMITS = { name: 35, description: 140, botDisplayName: 80, unfurlDomains: 5 } as const;

export const DEFAULT_APP_NAME = 'lsslack';
export const DEFAULT_APP_DESCRIPTION = 'Rich previews of trace links (Lightstep, Jaeger, Zipkin, Grafana Tempo): services, errors and the critical path, in the channel.';

/** Where the daemon serves the OAuth callback and (HTTP mode) the Events API. */
export const OAUTH_CALLBACK_PATH = '/integration/auth/slack/callback';
export const EVENTS_PATH = '/slack/events';

export interface ManifestInput {
  readonly mode: Mode;
  /** LSSLACK_PUBLIC_URL, without a trailing slash needed. */
  readonly publicUrl: string;
  /** Origins of the trace links of every configured backend (their hosts become the unfurl domains). */
  readonly appOrigins: readonly string[];
  readonly name?: string;
  readonly description?: string;
  /** LSSLACK_PREVIEW=work-object: subscribe to flexpane requests too. */
  readonly workObjects?: boolean;
}

/**
 * Bot scopes: links:read/links:write to unfurl; channels:read, groups:read, im:read and mpim:read
 * so conversations.info can say who sees a conversation (docs.slack.dev/reference/methods/conversations.info).
 */
export const BOT_SCOPES = ['links:read', 'links:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read'] as const;

/**
 * Events: link_shared; tokens_revoked and app_uninstalled end links; channel_shared and
 * channel_unshared say a channel's audience changed; entity_details_requested asks for a Work
 * Object's flexpane (docs.slack.dev/reference/events).
 */
export function botEventsFor(workObjects: boolean): string[] {
  return ['link_shared', 'tokens_revoked', 'app_uninstalled', 'channel_shared', 'channel_unshared', ...(workObjects ? ['entity_details_requested'] : [])];
}

/** The subset of Slack's app manifest lsslack produces. */
export interface SlackManifest {
  _metadata: { major_version: number; minor_version: number };
  display_information: { name: string; description: string };
  features: {
    bot_user: { display_name: string; always_online: boolean };
    unfurl_domains: string[];
  };
  oauth_config: {
    redirect_urls: string[];
    scopes: { bot: string[]; user: string[] };
  };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** The hosts Slack should send link_shared for: host names only (no scheme, port or path), de-duplicated. */
export function unfurlDomainsFor(appOrigins: readonly string[]): string[] {
  const hosts = [...new Set(appOrigins.map((origin) => new URL(origin).hostname.toLowerCase()))];
  if (hosts.length === 0) throw new LsslackError('usage', 'No trace backend names a link host, so the manifest would list no unfurl domain. Configure one: LIGHTSTEP_APP_URL, LSSLACK_JAEGER_URL, LSSLACK_ZIPKIN_URL, LSSLACK_GRAFANA_URL, or "backends" in --config.');
  if (hosts.length > MANIFEST_LIMITS.unfurlDomains) {
    throw new LsslackError(
      'usage',
      `The configured trace backends name ${hosts.length} hosts (${hosts.join(', ')}), but a Slack app may list at most ${MANIFEST_LIMITS.unfurlDomains} unfurl domains. Keep the ${MANIFEST_LIMITS.unfurlDomains} your teams share links from, or register a common parent domain (Slack matches its subdomains too).`,
    );
  }
  return hosts;
}

/**
 * Build the app manifest for "Create app from manifest". Pure; throws LsslackError 'usage' when a
 * Slack limit would be exceeded, naming what to change.
 */
export function buildSlackManifest(input: ManifestInput): SlackManifest {
  const name = input.name ?? DEFAULT_APP_NAME;
  const description = input.description ?? DEFAULT_APP_DESCRIPTION;
  const problems: string[] = [];
  if (name.trim() === '') problems.push('the app name must not be empty');
  if ([...name].length > MANIFEST_LIMITS.name) problems.push(`the app name is ${[...name].length} characters; Slack allows at most ${MANIFEST_LIMITS.name}`);
  if ([...description].length > MANIFEST_LIMITS.description) problems.push(`the description is ${[...description].length} characters; Slack allows at most ${MANIFEST_LIMITS.description}`);
  let base: URL | undefined;
  try {
    base = new URL(input.publicUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') problems.push(`the public URL must be http(s), got "${input.publicUrl}"`);
  } catch {
    problems.push(`the public URL must be an absolute URL such as https://lsslack.example.com, got "${input.publicUrl}"`);
  }
  if (problems.length > 0) throw new LsslackError('usage', `Cannot build the manifest: ${problems.join('; ')}.`);
  const unfurlDomains = unfurlDomainsFor(input.appOrigins);
  const publicUrl = input.publicUrl.replace(/\/+$/, '');
  const botName = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MANIFEST_LIMITS.botDisplayName) || DEFAULT_APP_NAME;
  const botEvents = botEventsFor(input.workObjects === true);
  const eventSubscriptions: SlackManifest['settings']['event_subscriptions'] = input.mode === 'http' ? { request_url: `${publicUrl}${EVENTS_PATH}`, bot_events: botEvents } : { bot_events: botEvents };
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: { name, description },
    features: {
      bot_user: { display_name: botName, always_online: false },
      unfurl_domains: unfurlDomains,
    },
    oauth_config: {
      redirect_urls: [`${publicUrl}${OAUTH_CALLBACK_PATH}`],
      scopes: { bot: [...BOT_SCOPES], user: ['links:read', 'links:write'] },
    },
    settings: {
      event_subscriptions: eventSubscriptions,
      interactivity: { is_enabled: false },
      org_deploy_enabled: false,
      socket_mode_enabled: input.mode === 'socket',
      token_rotation_enabled: false,
    },
  };
}

/** Why a public URL will not work for Slack (printed as warnings, not errors); empty when it looks fine. */
export function publicUrlWarnings(publicUrl: string, mode: Mode): string[] {
  const warnings: string[] = [];
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return warnings;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '0.0.0.0';
  if (local) {
    warnings.push(
      `the public URL ${publicUrl} is a loopback address: ${mode === 'http' ? "Slack's servers cannot deliver events to it and " : ''}people's browsers on other machines cannot reach the OAuth callback. Pass --public-url https://your-host or set LSSLACK_PUBLIC_URL.`,
    );
  } else if (url.protocol !== 'https:') {
    warnings.push(`the public URL ${publicUrl} is not https: Slack expects https:// for redirect${mode === 'http' ? ' and request' : ''} URLs. Put a TLS reverse proxy in front of lsslack.`);
  }
  return warnings;
}
