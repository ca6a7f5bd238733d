import type { IdentityDirectory, LinkRevoker, Logger } from '../../domain/ports.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../store/store.js';

export interface IdentityDirectoryOptions {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly log: Logger;
  readonly now?: () => number;
  /** Counts links dropped because Slack refused their token (for /status). */
  readonly onDropped?: (reason: string) => void;
}

/**
 * Mappings and links as the unfurl job sees them. Tokens leave the store encrypted and are
 * decrypted only here, at the moment a preview is posted.
 */
export function createIdentityDirectory(options: IdentityDirectoryOptions): IdentityDirectory & LinkRevoker {
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'identity' });
  return {
    findMapping: (teamId, userId) => options.store.findMapping(teamId, userId),
    async findLinkToken(teamId, userId) {
      const link = await options.store.findLink(teamId, userId);
      if (link === undefined) return undefined;
      // An expired rotating token is treated as not linked: the user is prompted again.
      if (link.expiresAt !== undefined && link.expiresAt <= now()) return undefined;
      return options.keyring.decrypt(link.tokenCipher);
    },
    async dropLink(teamId, userId, reason) {
      if (await options.store.removeLink(teamId, userId)) {
        log.info({ teamId, userId, reason }, 'link dropped: Slack no longer accepts its token');
        options.onDropped?.(reason);
      }
    },
  };
}
