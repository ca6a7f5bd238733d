import { randomBytes } from 'node:crypto';
import type { AuthPrompter } from '../../domain/ports.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../store/store.js';

/** How long a prompt's link (and the unfurl waiting on it) stays valid. The issue caps it at 30 min. */
export const LINK_TOKEN_TTL_MS = 30 * 60_000;

/** What a link token names: the prompted team and user, and the unfurl to deliver afterwards. */
export interface LinkTokenClaims {
  readonly team: string;
  readonly user: string;
  readonly pending: string;
  readonly exp: number;
  /** Single-use id, marked used in the store when the page is opened. */
  readonly jti: string;
}

export interface LinkPrompterOptions {
  /** Known only once the listener is up (the port may be chosen by the OS). */
  readonly publicUrl: () => string;
  readonly keyring: Keyring;
  readonly store: Store;
  readonly now?: () => number;
}

/**
 * Builds `user_auth_url` = `{LSSLACK_PUBLIC_URL}/integration/auth/slack?t=…` with a signed,
 * expiring, single-use token, and remembers the unfurl so it is posted once the user has linked.
 */
export function createLinkPrompter(options: LinkPrompterOptions): AuthPrompter {
  const now = options.now ?? Date.now;
  return {
    async authUrlFor(job, _mapped, promptOptions) {
      const at = now();
      const pendingId = randomBytes(12).toString('base64url');
      // A flexpane prompt delivers nothing afterwards: opening the card again shows the details.
      if (promptOptions?.deliver !== false) await options.store.putPending({
        id: pendingId,
        teamId: job.teamId,
        slackUserId: job.userId,
        channel: job.channel,
        messageTs: job.messageTs,
        target: job.target,
        url: job.url,
        eventId: job.eventId,
        createdAt: at,
        expiresAt: at + LINK_TOKEN_TTL_MS,
      });
      const claims: LinkTokenClaims = { team: job.teamId, user: job.userId, pending: pendingId, exp: at + LINK_TOKEN_TTL_MS, jti: randomBytes(16).toString('base64url') };
      return `${options.publicUrl()}/integration/auth/slack?t=${encodeURIComponent(options.keyring.sign(claims))}`;
    },
  };
}
