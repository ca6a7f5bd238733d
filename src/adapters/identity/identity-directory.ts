import type { IdentityDirectory, LinkRevoker, Logger } from '../../domain/ports.js';
import type { Keyring } from '../crypto/keyring.js';
import type { TokenRefresher } from '../slack/token-refresher.js';
import type { Store, StoredLink } from '../store/store.js';

export interface IdentityDirectoryOptions {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly log: Logger;
  readonly now?: () => number;
  readonly refresh?: TokenRefresher;
  /** Counts links dropped because Slack refused their token (for /status). */
  readonly onDropped?: (reason: string) => void;
}

/** Rotating tokens are refreshed when they expire within this window (as @slack/oauth does). */
const REFRESH_WINDOW_MS = 2 * 60 * 60_000;

/**
 * Mappings and links as the unfurl job sees them. Tokens leave the store encrypted and are
 * decrypted only here, at the moment a preview is posted. Rotating tokens are refreshed shortly
 * before they expire, one refresh per user at a time (refresh tokens are single-use).
 */
export function createIdentityDirectory(options: IdentityDirectoryOptions): IdentityDirectory & LinkRevoker {
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'identity' });
  const inFlight = new Map<string, Promise<string | undefined>>();

  const dropLink = async (teamId: string, userId: string, reason: string) => {
    if (await options.store.removeLink(teamId, userId)) {
      log.info({ teamId, userId, reason }, 'link dropped: Slack no longer accepts its token');
      options.onDropped?.(reason);
    }
  };

  const refreshed = async (link: StoredLink): Promise<string | undefined> => {
    if (options.refresh === undefined || link.refreshTokenCipher === undefined) {
      return link.expiresAt !== undefined && link.expiresAt <= now() ? undefined : options.keyring.decrypt(link.tokenCipher);
    }
    try {
      const fresh = await options.refresh(options.keyring.decrypt(link.refreshTokenCipher));
      await options.store.putLink({
        ...link,
        tokenCipher: options.keyring.encrypt(fresh.accessToken),
        refreshTokenCipher: options.keyring.encrypt(fresh.refreshToken),
        expiresAt: now() + fresh.expiresInS * 1000,
      });
      log.info({ teamId: link.teamId, userId: link.slackUserId }, 'user token refreshed');
      return fresh.accessToken;
    } catch (error) {
      await dropLink(link.teamId, link.slackUserId, `refresh failed: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`);
      return undefined;
    }
  };

  return {
    findMapping: (teamId, userId) => options.store.findMapping(teamId, userId),
    async findLinkToken(teamId, userId) {
      const link = await options.store.findLink(teamId, userId);
      if (link === undefined) return undefined;
      if (link.expiresAt === undefined || link.expiresAt - now() > REFRESH_WINDOW_MS) return options.keyring.decrypt(link.tokenCipher);
      const key = `${teamId}\u0000${userId}`;
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = refreshed(link).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    dropLink,
  };
}
