/** Resolved simulator settings shared by the simulator's parts (internal, not exported from index.ts). */

import { randomBytes } from 'node:crypto';
import type { ConversationInfo, SlackSimulatorOptions } from './types.js';

/**
 * The unfurl scopes plus the four `conversations.info` needs to read every conversation type (slack-platform.md §9;
 * docs.slack.dev/reference/methods/conversations.info lists them as the method's bot scopes).
 */
const DEFAULT_BOT_SCOPES = ['links:read', 'links:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read'];

/** {@link SlackSimulatorOptions} with every default applied. */
export interface SimConfig {
  readonly host: string;
  readonly port: number;
  readonly appToken: string;
  readonly botToken: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly appId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenRotation: boolean;
  readonly unfurlLatencyMs: number;
  /** Bot user id reported by auth.test and in event authorizations. */
  readonly botUserId: string;
  /** Bot id reported by auth.test. */
  readonly botId: string;
  /** Bot scopes, comma-separated as in `X-OAuth-Scopes` for the bot token. */
  readonly botScopes: string;
  /** "Work Object Previews" switched on in the app settings. */
  readonly workObjects: boolean;
  /** `conversations.info` for ids never set. */
  readonly defaultConversation: Readonly<ConversationInfo> | 'not_found';
}

/** Applies the documented defaults. */
export function resolveConfig(options: SlackSimulatorOptions = {}): SimConfig {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    appToken: options.appToken ?? 'xapp-1-A0SIM-demo',
    botToken: options.botToken ?? 'xoxb-sim-bot-token',
    teamId: options.teamId ?? 'T0SIM',
    teamName: options.teamName ?? 'Simulated Workspace',
    appId: options.appId ?? 'A0SIM',
    clientId: options.clientId ?? '1111.2222',
    clientSecret: options.clientSecret ?? 'sim-client-secret',
    tokenRotation: options.tokenRotation ?? false,
    unfurlLatencyMs: Math.max(0, options.unfurlLatencyMs ?? 0),
    botUserId: 'U0SIMBOT',
    botId: 'B0SIM',
    botScopes: (options.botScopes ?? DEFAULT_BOT_SCOPES).join(','),
    workObjects: options.workObjects ?? true,
    defaultConversation: options.defaultConversation ?? {},
  };
}

/** Random lowercase hex of `bytes` bytes. Tokens are random so that tests can grep logs for leaks. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Random decimal digits (Slack token segments are numeric). */
export function randomDigits(count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  for (const b of bytes) out += String(b % 10);
  // Avoid a leading zero so the segment looks like Slack's numeric ids.
  return out.replace(/^0/, '1');
}
