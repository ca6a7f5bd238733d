import webApi from '@slack/web-api';
import type { Logger } from '../../domain/ports.js';
import { slackLoggerFor } from './slack-logger.js';

const { WebClient } = webApi;

export interface RefreshedToken {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInS: number;
}

export type TokenRefresher = (refreshToken: string) => Promise<RefreshedToken>;

/**
 * Token rotation (slack-platform.md §5.2): `oauth.v2.access` with `grant_type=refresh_token`.
 * Refresh tokens are single-use, so callers must single-flight refreshes per user.
 */
export function createTokenRefresher(options: { apiUrl: string; clientId: string; clientSecret: string; log: Logger }): TokenRefresher {
  const client = new WebClient(undefined, { slackApiUrl: options.apiUrl, logger: slackLoggerFor(options.log, 'oauth-sdk'), timeout: 10_000, retryConfig: { retries: 1 } });
  return async (refreshToken) => {
    const result = (await client.oauth.v2.access({ client_id: options.clientId, client_secret: options.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken })) as {
      access_token?: string;
      refresh_token?: string;
      expires_in?: number;
    };
    if (typeof result.access_token !== 'string' || typeof result.refresh_token !== 'string' || typeof result.expires_in !== 'number') {
      throw new Error('oauth.v2.access refresh answered without access_token, refresh_token and expires_in');
    }
    return { accessToken: result.access_token, refreshToken: result.refresh_token, expiresInS: result.expires_in };
  };
}
