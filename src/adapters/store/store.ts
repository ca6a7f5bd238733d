/** What lsslack keeps between restarts. One interface; the lowdb file store implements it (PostgreSQL later). */
import type { ChannelPolicy, UnfurlTarget, UserMapping } from '../../domain/types.js';

/** A completed identity link. Token fields hold ciphertext (see adapters/crypto), never clear text. */
export interface StoredLink {
  readonly teamId: string;
  readonly slackUserId: string;
  readonly teamName: string;
  readonly scope: string;
  readonly tokenCipher: string;
  readonly refreshTokenCipher?: string;
  /** ms since epoch when the access token expires (token rotation only). */
  readonly expiresAt?: number;
  readonly linkedAt: string;
}

/** An unfurl that prompted its sharer to link; posted automatically once they do. */
export interface PendingUnfurl {
  readonly id: string;
  readonly teamId: string;
  readonly slackUserId: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly target: UnfurlTarget;
  readonly url: string;
  readonly eventId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** OAuth `state`, bound to one browser session and one prompted Slack user. */
export interface OAuthState {
  readonly id: string;
  readonly sessionId: string;
  readonly teamId: string;
  readonly slackUserId: string;
  readonly expiresAt: number;
}

export interface Store {
  listMappings(): Promise<UserMapping[]>;
  findMapping(teamId: string, slackUserId: string): Promise<UserMapping | undefined>;
  putMapping(mapping: UserMapping): Promise<void>;
  removeMapping(teamId: string, slackUserId: string): Promise<boolean>;

  listPolicies(): Promise<ChannelPolicy[]>;
  /** The policy of one channel (or, channel `*`, of the workspace). */
  findPolicy(teamId: string, channel: string): Promise<ChannelPolicy | undefined>;
  putPolicy(policy: ChannelPolicy): Promise<void>;
  removePolicy(teamId: string, channel: string): Promise<boolean>;

  listLinks(): Promise<StoredLink[]>;
  findLink(teamId: string, slackUserId: string): Promise<StoredLink | undefined>;
  putLink(link: StoredLink): Promise<void>;
  removeLink(teamId: string, slackUserId: string): Promise<boolean>;
  removeTeam(teamId: string): Promise<{ links: number; pending: number }>;

  /** Marks `id` used; true only the first time (single-use link tokens). */
  consumeOnce(id: string, expiresAt: number): Promise<boolean>;
  /** Whether `id` was marked used (and has not expired): a read that marks nothing. */
  isUsed(id: string): Promise<boolean>;
  putState(state: OAuthState): Promise<void>;
  /** Removes and returns the state: a state can be taken once, whatever happens next. */
  takeState(id: string): Promise<OAuthState | undefined>;

  putPending(pending: PendingUnfurl): Promise<void>;
  takePending(teamId: string, slackUserId: string): Promise<PendingUnfurl[]>;
  countPending(): Promise<number>;

  /** Everything the store holds, for `lsslack store export` (token fields stay encrypted). */
  exportData(): Promise<StoreSnapshot>;
  /** Merge a snapshot in (existing rows with the same keys are replaced). */
  importData(snapshot: StoreSnapshot): Promise<void>;

  /** Cheap health check for /readyz: throws when the store cannot be read. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The portable content of a store: what `lsslack store export` writes and `import` reads.
 * Version 2 holds grants; an export of version 1 (Lightstep projects) is migrated on import.
 */
export interface StoreSnapshot {
  readonly version: 2;
  readonly mappings: readonly UserMapping[];
  readonly links: readonly StoredLink[];
  readonly pending: readonly PendingUnfurl[];
  /** Channel policies (absent in exports made before they existed). */
  readonly policies?: readonly ChannelPolicy[];
}
