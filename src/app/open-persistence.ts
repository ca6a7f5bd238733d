import { openFileJournal } from '../adapters/journal/file-journal.js';
import { openLowdbStore } from '../adapters/store/lowdb-store.js';
import { migrate } from '../adapters/store/pg/migrations.js';
import { createPgJournal } from '../adapters/store/pg/pg-journal.js';
import { createPgPool, storeUnavailable } from '../adapters/store/pg/pg-pool.js';
import { createPgStore } from '../adapters/store/pg/pg-store.js';
import type { Store } from '../adapters/store/store.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../domain/ports.js';
import { createMemoryDeduper } from '../pipeline/deduper.js';
import { createLocalRecorder, type NewJobRecorder } from '../pipeline/record-new-jobs.js';
import type { JobJournal } from '../pipeline/job-journal.js';

/** Everything the daemon keeps, from one backend: the lowdb file (one box) or PostgreSQL (replicas). */
export interface Persistence {
  readonly kind: 'lowdb' | 'postgres';
  readonly store: Store;
  readonly journal: JobJournal;
  /** Dedupe + durable record of new jobs, atomically where it matters (replicas). */
  readonly recorder: NewJobRecorder;
  close(): Promise<void>;
}

export interface StoreHandle {
  readonly kind: 'lowdb' | 'postgres';
  readonly store: Store;
  close(): Promise<void>;
}

/** Just the store, for CLI commands (`users map`, `store export`…); runs migrations for PostgreSQL. */
export async function openConfiguredStore(config: Config, log: Logger): Promise<StoreHandle> {
  if (config.storeUrl === undefined) {
    const store = await openLowdbStore({ dataDir: config.dataDir });
    return { kind: 'lowdb', store, close: () => store.close() };
  }
  const { pool, schema } = createPgPool(config.storeUrl, log, { max: 2 });
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw storeUnavailable(error);
  }
  return { kind: 'postgres', store: createPgStore(pool), close: () => pool.end() };
}

/** The store, the job journal and the deduper the daemon runs on. */
export async function openPersistence(options: { config: Config; log: Logger; now: () => number }): Promise<Persistence> {
  const { config, log, now } = options;
  if (config.storeUrl === undefined) {
    const store = await openLowdbStore({ dataDir: config.dataDir, now });
    const journal = await openFileJournal({ dataDir: config.dataDir, log });
    return {
      kind: 'lowdb',
      store,
      journal,
      recorder: createLocalRecorder(createMemoryDeduper(now), journal),
      async close() {
        await journal.close();
        await store.close();
      },
    };
  }
  const { pool, schema } = createPgPool(config.storeUrl, log, { max: Math.min(20, config.concurrency + 4) });
  try {
    const applied = await migrate(pool, schema);
    if (applied.length > 0) log.info({ applied, schema }, 'PostgreSQL migrations applied');
  } catch (error) {
    await pool.end();
    throw storeUnavailable(error);
  }
  const journal = createPgJournal({ pool, log, now });
  return {
    kind: 'postgres',
    store: createPgStore(pool, now),
    journal,
    recorder: journal,
    async close() {
      await journal.close();
      await pool.end();
    },
  };
}
