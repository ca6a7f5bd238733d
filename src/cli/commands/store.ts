import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openConfiguredStore } from '../../app/open-persistence.js';
import { LsslackError } from '../../domain/errors.js';
import { migrateMapping } from '../../adapters/store/migrate-mapping.js';
import type { StoreSnapshot } from '../../adapters/store/store.js';
import { configFor } from '../context.js';
import { createLogger } from '../create-logger.js';

/** `lsslack store migrate|export|import`: schema upkeep and moving data between lowdb and PostgreSQL. */
export function registerStore(program: Command): void {
  const store = program.command('store').description('the store: PostgreSQL migrations, export and import');

  store
    .command('migrate')
    .description('apply pending PostgreSQL migrations (lsslack start does this too)')
    .option('--config <file>', 'config file')
    .action(async (opts: { config?: string }) => {
      const config = configFor({ config: opts.config });
      if (config.storeUrl === undefined) throw new LsslackError('usage', 'LSSLACK_STORE_URL is not set: the embedded lowdb store needs no migrations.');
      const handle = await openConfiguredStore(config, createLogger('warn', 2));
      await handle.close();
      process.stdout.write('PostgreSQL schema is up to date.\n');
    });

  store
    .command('export')
    .description('write everything the configured store holds as JSON (tokens stay encrypted)')
    .option('--out <file>', 'write to a file (mode 0600) instead of stdout')
    .option('--config <file>', 'config file')
    .action(async (opts: { out?: string; config?: string }) => {
      const handle = await openConfiguredStore(configFor({ config: opts.config }), createLogger('warn', 2));
      try {
        const text = `${JSON.stringify(await handle.store.exportData(), null, 2)}\n`;
        if (opts.out === undefined) process.stdout.write(text);
        else await writeFile(opts.out, text, { mode: 0o600 });
        if (opts.out !== undefined) process.stdout.write(`Exported the ${handle.kind} store to ${opts.out}.\n`);
      } finally {
        await handle.close();
      }
    });

  store
    .command('import <file>')
    .description('merge an export into the configured store (same LSSLACK_SECRET_KEY / secret.key, or linked users must link again)')
    .option('--config <file>', 'config file')
    .action(async (file: string, opts: { config?: string }) => {
      const snapshot = await readSnapshot(file);
      const handle = await openConfiguredStore(configFor({ config: opts.config }), createLogger('warn', 2));
      try {
        await handle.store.importData(snapshot);
      } finally {
        await handle.close();
      }
      process.stdout.write(`Imported ${snapshot.mappings.length} mappings, ${snapshot.links.length} links and ${snapshot.pending.length} pending unfurls into the ${handle.kind} store.\n`);
    });
}

async function readSnapshot(file: string): Promise<StoreSnapshot> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new LsslackError('usage', `${file} is not a readable JSON export (${(error as Error).message}).`);
  }
  const s = parsed as { version?: unknown; mappings?: unknown; links?: unknown; pending?: unknown };
  if ((s.version !== 1 && s.version !== 2) || !Array.isArray(s.mappings) || !Array.isArray(s.links) || !Array.isArray(s.pending)) {
    throw new LsslackError('usage', `${file} is not an lsslack store export (expected version 1 or 2 with mappings, links and pending).`);
  }
  // Version 1 (before trace backends) held Lightstep projects: migrated to grants on the way in.
  return { ...(s as StoreSnapshot), version: 2, mappings: (s.mappings as Parameters<typeof migrateMapping>[0][]).map(migrateMapping) };
}
