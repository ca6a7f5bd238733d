import { writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LsslackError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports.js';
import type { UnfurlJob } from '../../domain/types.js';
import type { JobJournal } from '../../pipeline/job-journal.js';

type Entry = { t: 'job'; job: UnfurlJob } | { t: 'done'; id: string };

export interface FileJournalOptions {
  readonly dataDir: string;
  readonly log: Logger;
  /** Rewrite the file once this many lines accumulated since the last rewrite. */
  readonly compactAfterLines?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Append-only job journal: one line per record, `<crc32 hex> <json>\n`.
 *
 * - Group commit: appends that arrive while a write is in flight are written and fsync'd together,
 *   so the ack latency is one fdatasync however many events arrive at once.
 * - Recovery: a line whose checksum or JSON does not hold (power loss mid-write, a torn tail) is
 *   reported and dropped; the intact part is kept and the file rewritten, so a bad tail can never
 *   cause a crash loop.
 * - Bounded: live jobs are kept in memory; after `compactAfterLines` lines the file is rewritten
 *   with only the live jobs (temp file, fsync, rename).
 */
export async function openFileJournal(options: FileJournalOptions): Promise<JobJournal> {
  const file = path.join(options.dataDir, 'journal.log');
  const log = options.log.child({ component: 'journal' });
  const compactAfter = options.compactAfterLines ?? 20_000;
  const live = new Map<string, UnfurlJob>();
  const recovered = await recover(file, live, log);
  await rewrite(file, live);
  let handle: FileHandle = await open(file, 'a', 0o600);
  let linesSinceCompaction = live.size;
  let buffer: string[] = [];
  let waiters: Waiter[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;
  if (recovered.dropped > 0) log.warn({ dropped: recovered.dropped, kept: recovered.kept, file }, 'journal had damaged records; they were dropped and the intact part recovered');

  const flushLoop = async (): Promise<void> => {
    while (buffer.length > 0) {
      const lines = buffer;
      const batch = waiters;
      buffer = [];
      waiters = [];
      try {
        // Appended synchronously: a write into the page cache takes microseconds, while a trip
        // through libuv's threadpool (FileHandle.write) took 0.2 ms at the median and 3 ms at p99
        // under load (bench/http-ingress), on every ack's path. Only the fdatasync waits off-thread.
        writeSync(handle.fd, lines.join(''));
        // Only job records must be on disk before their event is acked. A batch of nothing but
        // `done` records is written without an fdatasync of its own (the next job batch's sync
        // covers it): otherwise every finished job cost an fsync that the next ack had to wait
        // behind (bench/http-ingress, bench/socket). Losing an unsynced `done` to a power cut only
        // replays a job that already finished; a process crash loses nothing (the page cache has it).
        if (batch.length > 0) await handle.datasync();
        linesSinceCompaction += lines.length;
        for (const w of batch) w.resolve();
      } catch (error) {
        const failure = new LsslackError('store_unavailable', `Cannot write the job journal ${file}: ${(error as Error).message}`, { cause: error });
        for (const w of batch) w.reject(failure);
      }
      if (linesSinceCompaction >= compactAfter && linesSinceCompaction > 2 * live.size) await compact();
    }
  };

  const compact = async (): Promise<void> => {
    try {
      await handle.close();
      await rewrite(file, live);
      linesSinceCompaction = live.size;
    } catch (error) {
      log.error({ err: (error as Error).message }, 'journal compaction failed; will retry');
    } finally {
      handle = await open(file, 'a', 0o600);
    }
  };

  const schedule = () => {
    flushing ??= flushLoop().finally(() => {
      flushing = undefined;
      // Lines queued by a waiter's callback after the loop's last check.
      if (buffer.length > 0) schedule();
    });
  };

  return {
    append(jobs) {
      if (closed) return Promise.reject(new LsslackError('store_unavailable', 'The journal is closed.'));
      if (jobs.length === 0) return Promise.resolve();
      for (const job of jobs) {
        live.set(job.id, job);
        buffer.push(encode({ t: 'job', job }));
      }
      const recorded = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      schedule();
      return recorded.catch((error: unknown) => {
        // Not recorded: not live either (the event is not acked and Slack redelivers it).
        for (const job of jobs) live.delete(job.id);
        throw error;
      });
    },
    done(jobId) {
      if (closed || !live.delete(jobId)) return;
      buffer.push(encode({ t: 'done', id: jobId }));
      schedule();
    },
    live: () => [...live.values()],
    async close() {
      if (closed) return;
      closed = true;
      while (flushing !== undefined) await flushing;
      // `done` records may still be unsynced (see flushLoop).
      await handle.datasync().catch(() => undefined);
      await handle.close();
    },
  };
}

function encode(entry: Entry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

async function recover(file: string, live: Map<string, UnfurlJob>, log: Logger): Promise<{ kept: number; dropped: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kept: 0, dropped: 0 };
    throw new LsslackError('store_unavailable', `Cannot read the job journal ${file}: ${(error as Error).message}`, { cause: error });
  }
  let kept = 0;
  let dropped = 0;
  const lines = text.split('\n');
  // A file that does not end in "\n" has a torn last line; split leaves it as the last element.
  for (const line of lines) {
    if (line === '') continue;
    const entry = decode(line);
    if (entry === undefined) {
      dropped += 1;
      continue;
    }
    kept += 1;
    if (entry.t === 'job') live.set(entry.job.id, entry.job);
    else live.delete(entry.id);
  }
  if (dropped > 0) log.debug({ file, dropped }, 'damaged journal lines');
  return { kept, dropped };
}

function decode(line: string): Entry | undefined {
  const space = line.indexOf(' ');
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return undefined;
  try {
    const entry = JSON.parse(json) as Entry;
    if (entry.t === 'job' && typeof entry.job?.id === 'string') return entry;
    if (entry.t === 'done' && typeof entry.id === 'string') return entry;
  } catch {
    // fall through
  }
  return undefined;
}

/** Replace the file with just the live jobs: temp file, fsync, rename, fsync the directory. */
async function rewrite(file: string, live: Map<string, UnfurlJob>): Promise<void> {
  const tmp = `${file}.compact`;
  const out = await open(tmp, 'w', 0o600);
  try {
    const lines = [...live.values()].map((job) => encode({ t: 'job', job }));
    // Chunked so a large backlog does not build one giant string.
    for (let i = 0; i < lines.length; i += 1000) await out.write(lines.slice(i, i + 1000).join(''));
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
