import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { LsslackError } from '../../domain/errors.js';
import type { ChannelPolicy, UserMapping } from '../../domain/types.js';
import { acquireFileLock } from './file-lock.js';
import { migrateMapping } from './migrate-mapping.js';
import { SecureJsonFile } from './secure-json-file.js';
import type { OAuthState, PendingUnfurl, Store, StoredLink } from './store.js';

/**
 * The lowdb document. `version` lets a release migrate the file: 1 held Lightstep projects per
 * mapping, 2 holds grants. A version-1 file is migrated in memory when read and written as
 * version 2 by the next change (reading never writes: starting must not need free space).
 */
export interface StoreData {
  version: 1 | 2;
  mappings: UserMapping[];
  links: StoredLink[];
  pending: PendingUnfurl[];
  states: OAuthState[];
  used: { id: string; expiresAt: number }[];
  /** Added with audience policies; files from before have none. */
  policies: ChannelPolicy[];
}

const emptyData = (): StoreData => ({ version: 2, mappings: [], links: [], pending: [], states: [], used: [], policies: [] });

export interface LowdbStoreOptions {
  readonly dataDir: string;
  readonly now?: () => number;
}

/**
 * The embedded store: one JSON file in the data dir, shared by the daemon and the CLI.
 *
 * Two processes write it (the daemon, and `lsslack users map` from a shell), and lowdb rewrites
 * the whole file on every write, so a plain read-modify-write would lose the other side's
 * change. Every mutation therefore runs under a cross-process lock (file-lock.ts) and re-reads
 * the file first; reads re-load the file when its mtime/size changed, so the daemon sees a
 * mapping made by the CLI without a restart.
 */
export async function openLowdbStore(options: LowdbStoreOptions): Promise<Store> {
  const now = options.now ?? Date.now;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(options.dataDir, 'store.json');
  const db = new Low<StoreData>(new SecureJsonFile<StoreData>(file), emptyData());
  let signature = '';
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  const signatureOf = async (): Promise<string> => {
    try {
      const s = await stat(file);
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw error;
    }
  };

  const load = async (): Promise<void> => {
    try {
      await db.read();
    } catch (error) {
      throw new LsslackError('store_corrupt', `The store ${file} is not valid JSON (${(error as Error).message}). Restore it from a backup or move it away to start empty.`, { cause: error });
    }
    if ((db.data.version !== 1 && db.data.version !== 2) || !Array.isArray(db.data.mappings)) {
      throw new LsslackError('store_corrupt', `The store ${file} has an unknown layout (version ${String(db.data.version)}). It was written by another lsslack release.`);
    }
    for (const key of ['links', 'pending', 'states', 'used', 'policies'] as const) db.data[key] ??= [];
    if (db.data.version === 1) {
      db.data.mappings = db.data.mappings.map(migrateMapping);
      db.data.version = 2;
    }
  };

  /**
   * Re-read the file if someone else changed it since we last looked. The look (a stat) is skipped
   * for 100 ms after the previous one: two thread-pool round trips per unfurl were a measurable
   * share of a job's cost (bench/), and a CLI change still shows up within a tenth of a second.
   */
  let lookedAt = -Infinity;
  const fresh = async (): Promise<StoreData> => {
    if (closed) throw new LsslackError('store_unavailable', 'The store is closed.');
    if (performance.now() - lookedAt < 100) return db.data;
    // Timed from before the stat: a change written while it was in flight is looked for again
    // 100 ms after it started, not 100 ms after a slow stat returned.
    const startedAt = performance.now();
    const current = await signatureOf();
    lookedAt = startedAt;
    if (current !== signature) {
      await load();
      signature = current;
    }
    return db.data;
  };

  /** Serialise mutations in this process, then lock against other processes. */
  const mutate = <R>(fn: (data: StoreData) => R): Promise<R> => {
    const run = async (): Promise<R> => {
      if (closed) throw new LsslackError('store_unavailable', 'The store is closed.');
      const release = await acquireFileLock(`${file}.lock`).catch((error: unknown) => {
        throw new LsslackError('store_unavailable', `Cannot lock the store ${file}: ${(error as Error).message}`, { cause: error });
      });
      try {
        await load();
        prune(db.data, now());
        const result = fn(db.data);
        try {
          await db.write();
        } catch (error) {
          // The change is not on disk, so it must not stay in memory either: the next read
          // re-loads the file as it is.
          signature = '';
          throw new LsslackError('store_unavailable', `Cannot write the store ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Free some space in ${path.dirname(file)}; nothing was lost.`, { cause: error });
        }
        signature = await signatureOf();
        return result;
      } finally {
        await release().catch(() => undefined);
      }
    };
    const next = chain.then(run, run);
    chain = next.catch(() => undefined);
    return next;
  };

  // Create the file (0600) on first use, and tighten a file someone loosened by hand. An existing
  // file is only read: starting must not need free space (a full disk is when a restart matters).
  if ((await signatureOf()) === 'absent') await mutate(() => undefined);
  else {
    await load();
    signature = await signatureOf();
  }
  await chmod(file, 0o600);

  const same = (teamId: string, userId: string) => (x: { teamId: string; slackUserId: string }) => x.teamId === teamId && x.slackUserId === userId;

  return {
    async listMappings() {
      return [...(await fresh()).mappings];
    },
    async findMapping(teamId, userId) {
      return (await fresh()).mappings.find(same(teamId, userId));
    },
    putMapping: (mapping) =>
      mutate((d) => {
        d.mappings = d.mappings.filter((m) => !same(mapping.teamId, mapping.slackUserId)(m));
        d.mappings.push(mapping);
      }),
    removeMapping: (teamId, userId) =>
      mutate((d) => {
        const before = d.mappings.length;
        d.mappings = d.mappings.filter((m) => !same(teamId, userId)(m));
        return d.mappings.length !== before;
      }),
    async listPolicies() {
      return [...(await fresh()).policies];
    },
    async findPolicy(teamId, channel) {
      return (await fresh()).policies.find((p) => p.teamId === teamId && p.channel === channel);
    },
    putPolicy: (policy) =>
      mutate((d) => {
        d.policies = d.policies.filter((p) => !(p.teamId === policy.teamId && p.channel === policy.channel));
        d.policies.push(policy);
      }),
    removePolicy: (teamId, channel) =>
      mutate((d) => {
        const before = d.policies.length;
        d.policies = d.policies.filter((p) => !(p.teamId === teamId && p.channel === channel));
        return d.policies.length !== before;
      }),
    async listLinks() {
      return [...(await fresh()).links];
    },
    async findLink(teamId, userId) {
      return (await fresh()).links.find(same(teamId, userId));
    },
    putLink: (link) =>
      mutate((d) => {
        d.links = d.links.filter((l) => !same(link.teamId, link.slackUserId)(l));
        d.links.push(link);
      }),
    removeLink: (teamId, userId) =>
      mutate((d) => {
        const before = d.links.length;
        d.links = d.links.filter((l) => !same(teamId, userId)(l));
        return d.links.length !== before;
      }),
    removeTeam: (teamId) =>
      mutate((d) => {
        const links = d.links.length;
        const pending = d.pending.length;
        d.links = d.links.filter((l) => l.teamId !== teamId);
        d.pending = d.pending.filter((p) => p.teamId !== teamId);
        return { links: links - d.links.length, pending: pending - d.pending.length };
      }),
    consumeOnce: (id, expiresAt) =>
      mutate((d) => {
        if (d.used.some((u) => u.id === id)) return false;
        d.used.push({ id, expiresAt });
        return true;
      }),
    async isUsed(id) {
      const t = now();
      return (await fresh()).used.some((u) => u.id === id && u.expiresAt > t);
    },
    putState: (state) =>
      mutate((d) => {
        d.states.push(state);
      }),
    takeState: (id) =>
      mutate((d) => {
        const found = d.states.find((s) => s.id === id);
        d.states = d.states.filter((s) => s.id !== id);
        return found;
      }),
    putPending: (pending) =>
      mutate((d) => {
        // One pending unfurl per message and URL: a re-share replaces the older one.
        d.pending = d.pending.filter((p) => !(p.teamId === pending.teamId && p.channel === pending.channel && p.messageTs === pending.messageTs && p.url === pending.url));
        d.pending.push(pending);
      }),
    takePending: (teamId, userId) =>
      mutate((d) => {
        const mine = d.pending.filter(same(teamId, userId));
        d.pending = d.pending.filter((p) => !same(teamId, userId)(p));
        return mine;
      }),
    async countPending() {
      const t = now();
      return (await fresh()).pending.filter((p) => p.expiresAt > t).length;
    },
    async exportData() {
      const d = await fresh();
      return { version: 2, mappings: [...d.mappings], links: [...d.links], pending: [...d.pending], policies: [...d.policies] };
    },
    importData: (snapshot) =>
      mutate((d) => {
        const key = (x: { teamId: string; slackUserId: string }) => `${x.teamId}\u0000${x.slackUserId}`;
        const mappings = new Map(d.mappings.map((m) => [key(m), m]));
        for (const m of snapshot.mappings) mappings.set(key(m), m);
        const links = new Map(d.links.map((l) => [key(l), l]));
        for (const l of snapshot.links) links.set(key(l), l);
        const pending = new Map(d.pending.map((p) => [p.id, p]));
        for (const p of snapshot.pending) pending.set(p.id, p);
        const policies = new Map(d.policies.map((p) => [`${p.teamId}\u0000${p.channel}`, p]));
        for (const p of snapshot.policies ?? []) policies.set(`${p.teamId}\u0000${p.channel}`, p);
        d.policies = [...policies.values()];
        d.mappings = [...mappings.values()];
        d.links = [...links.values()];
        d.pending = [...pending.values()];
      }),
    async ping() {
      await fresh();
    },
    async close() {
      if (closed) return;
      await chain;
      closed = true;
    },
  };
}

/** Drop what has expired so the file stays small. */
function prune(data: StoreData, now: number): void {
  data.states = data.states.filter((s) => s.expiresAt > now);
  data.used = data.used.filter((u) => u.expiresAt > now);
  data.pending = data.pending.filter((p) => p.expiresAt > now);
}
