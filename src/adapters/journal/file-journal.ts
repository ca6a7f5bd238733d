import { ftruncateSync, readSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LsslackError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports.js';
import type { UnfurlJob } from '../../domain/types.js';
import type { JobJournal } from '../../pipeline/job-journal.js';
import { decodeRecord, encodeRecord, type JournalRecord } from './journal-records.js';

export interface FileJournalOptions {
  readonly dataDir: string;
  readonly log: Logger;
  /** Rewrite the file once this many lines accumulated since the last rewrite. */
  readonly compactAfterLines?: number;
  /** First wait before writing records again after a failed write (doubles up to 30 s). */
  readonly retryWriteMs?: number;
}

/** What the journal knows of one live job; the job itself is in memory only while it is held. */
interface Entry {
  /** Byte offset of its `job` line in the file (-1 until written). */
  offset: number;
  /** Bytes of that line, `\n` included. */
  length: number;
  /** Attempts begun without ending since the last `retry` (crashes and restarts cut them short). */
  crashes: number;
  held: boolean;
  job: UnfurlJob | undefined;
}

interface Pending {
  readonly line: string;
  /** Set on `job` lines: the entry whose offset the write fixes. */
  readonly entry?: Entry;
}

/** Phase 1 of a rewrite done: the live jobs as of the cut, in the temp file, fsync'd. */
interface Rewritten {
  readonly out: FileHandle;
  /** Bytes written to the temp file. */
  readonly at: number;
  /** The old file's size at the cut: lines from here on are copied in phase 2. */
  readonly end: number;
  /** The entries copied, and their offsets in the temp file. */
  readonly moved: Map<Entry, number>;
  readonly lines: number;
  readonly linesAtCut: number;
  readonly started: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Read the file in pieces this big at start-up, so a large backlog is never held as one string. */
const READ_CHUNK = 1 << 20;

/**
 * Append-only job journal: one line per record (journal-records.ts).
 *
 * - Acked means written: a batch of `job` records is written to the last byte (short writes are
 *   continued) and fdatasync'd before its events are acked. Any error or short write truncates
 *   the file back to the last good offset and rejects the whole batch, so nothing half-written
 *   stays behind and Slack redelivers those events; `start`/`retry`/`done` records of that
 *   batch are kept and written with the next one (or after a back-off while the disk is full).
 * - Group commit: appends that arrive while a write is in flight are written and synced together.
 * - Start-up needs no free space: the file is read in 1 MiB pieces, a torn or damaged tail is cut
 *   off with ftruncate, and the file is only rewritten (compaction) once it has grown, and only
 *   if that rewrite succeeds; a failed rewrite removes its temp file and is retried much later.
 * - Bounded memory: a live job is an offset in the file plus a few numbers; the job itself is in
 *   memory only while this process holds it (queued or running). `take()` reads waiting jobs
 *   back from the file in order.
 */
export async function openFileJournal(options: FileJournalOptions): Promise<JobJournal> {
  const file = path.join(options.dataDir, 'journal.log');
  const tmp = `${file}.compact`;
  const log = options.log.child({ component: 'journal' });
  const compactAfter = options.compactAfterLines ?? 20_000;
  const retryBaseMs = options.retryWriteMs ?? 1_000;
  // A compaction that crashed (kill -9, full disk) leaves its temp file behind.
  await unlink(tmp).catch(() => undefined);

  let handle = await open(file, 'a+', 0o600).then(async (h) => {
    // 'a+' only to create it with the right mode; writes are positional, which O_APPEND forbids.
    await h.close();
    return open(file, 'r+');
  });
  const recovered = await recover(handle, log).catch(async (error: unknown) => {
    await handle.close();
    throw new LsslackError('store_unavailable', `Cannot read the job journal ${file}: ${(error as Error).message}`, { cause: error });
  });
  const { live } = recovered;
  let size = recovered.goodEnd;
  if (recovered.fileSize > size) {
    // Cut the torn tail off in place: unlike a rewrite, truncating needs no free space.
    ftruncateSync(handle.fd, size);
    await handle.datasync().catch(() => undefined);
  }
  if (recovered.dropped > 0) log.warn({ dropped: recovered.dropped, kept: recovered.kept, file }, 'journal had damaged records; they were dropped and the intact part recovered');

  const waitIds: string[] = [...live.keys()];
  let waitHead = 0;
  let waiting = waitIds.length;
  let linesSinceCompaction = recovered.lines;
  let compactWhenAbove = recovered.middleDamage ? 0 : compactAfter;
  let meta: string[] = [];
  let jobs: Pending[] = [];
  let waiters: Waiter[] = [];
  let flushing: Promise<void> | undefined;
  /** A rewrite copying the live jobs to the temp file, while appends go on (phase 1). */
  let compacting: Promise<void> | undefined;
  /** A finished copy, waiting for the flush loop to add what was appended meanwhile and switch (phase 2). */
  let rewritten: Rewritten | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = retryBaseMs;
  let failing = false;
  let closed = false;

  /** Writes `data` at `position` of `fd` to its last byte; a short write is continued, an error throws. */
  const writeFully = (fd: number, data: Buffer, position: number) => {
    let written = 0;
    while (written < data.length) {
      const n = writeSync(fd, data, written, data.length - written, position + written);
      if (n <= 0) throw new Error(`short write (${written} of ${data.length} bytes)`);
      written += n;
    }
  };

  const flushLoop = async (): Promise<void> => {
    while (!closed && (meta.length > 0 || jobs.length > 0 || rewritten !== undefined)) {
      if (rewritten !== undefined) {
        const ready = rewritten;
        rewritten = undefined;
        await switchTo(ready);
        continue;
      }
      const metaLines = meta;
      const jobLines = jobs;
      const batch = waiters;
      meta = [];
      jobs = [];
      waiters = [];
      const text = metaLines.join('') + jobLines.map((p) => p.line).join('');
      const data = Buffer.from(text, 'utf8');
      try {
        // Appended synchronously: a write into the page cache takes microseconds, while a trip
        // through libuv's threadpool (FileHandle.write) took 0.2 ms at the median and 3 ms at p99
        // under load (bench/http-ingress), on every ack's path. Only the fdatasync waits off-thread.
        writeFully(handle.fd, data, size);
        // Only job records must be on disk before their event is acked. A batch of nothing but
        // start/retry/done records is written without an fdatasync of its own (the next job
        // batch's sync covers it): otherwise every finished job cost an fsync that the next ack had
        // to wait behind. Losing an unsynced `done` to a power cut only replays a finished job; a
        // process crash loses nothing (the page cache has it).
        if (batch.length > 0) await handle.datasync();
      } catch (error) {
        // Nothing of this batch may count as recorded: cut the file back to where it was good.
        try {
          ftruncateSync(handle.fd, size);
        } catch (truncateError) {
          log.error({ err: (truncateError as Error).message }, 'journal could not be truncated after a failed write');
        }
        const failure = new LsslackError('store_unavailable', `Cannot write the job journal ${file}: ${(error as Error).message}`, { cause: error });
        for (const w of batch) w.reject(failure);
        // Records about jobs already on disk are not lost: they go first in the next batch.
        meta = [...metaLines, ...meta];
        if (!failing) log.error({ err: (error as NodeJS.ErrnoException).code ?? (error as Error).message, file }, 'journal write failed; events are not acknowledged until it works again');
        failing = true;
        scheduleRetry();
        return;
      }
      let at = size;
      for (const line of metaLines) at += Buffer.byteLength(line);
      for (const p of jobLines) {
        const length = Buffer.byteLength(p.line);
        if (p.entry !== undefined) {
          p.entry.offset = at;
          p.entry.length = length;
        }
        at += length;
      }
      size += data.length;
      linesSinceCompaction += metaLines.length + jobLines.length;
      if (failing) log.info({ file }, 'journal writes work again');
      failing = false;
      retryDelay = retryBaseMs;
      for (const w of batch) w.resolve();
      if (compacting === undefined && rewritten === undefined && linesSinceCompaction >= compactWhenAbove && linesSinceCompaction > 2 * live.size) {
        // Not awaited: appends (and their acks) go on while the live jobs are copied.
        compacting = compact().finally(() => {
          compacting = undefined;
        });
      }
    }
  };

  const scheduleRetry = () => {
    if (retryTimer !== undefined || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, retryDelay);
    retryTimer.unref();
    retryDelay = Math.min(30_000, retryDelay * 2);
  };

  /**
   * Rewrite the file with only the live jobs, in two phases, so that acks never wait for the copy:
   * 1. (here, beside appends) the live jobs as of now are copied to a temp file and fsync'd;
   * 2. (in the flush loop, between two batches) the lines appended to the old file meanwhile are
   *    copied after them, the temp file is fdatasync'd and renamed over the journal, and the
   *    directory is fsync'd. Only this short step holds appends up.
   * Until the rename the old file is the journal, so a failure (a full disk) changes nothing but the
   * temp file, which is removed; the next attempt waits for as many lines again. Measured on the
   * bench (socket, previews running): a rewrite of 7,000 live jobs held every ack for 92 ms when
   * it was one step.
   */
  const compact = async (): Promise<void> => {
    const started = performance.now();
    // The cut: everything below `end` is in the old file; whatever comes later is copied in phase 2.
    const end = size;
    const linesAtCut = linesSinceCompaction;
    const pending = pendingStarts();
    const snapshot: Array<[string, Entry, number]> = [];
    for (const [id, entry] of live) {
      // Not written yet (appended during this rewrite): its own batch writes it (phase 2 copies
      // it), and must be free to fail without the job having been recorded here behind its back.
      if (entry.offset < 0) continue;
      // `start` records still in memory reach the old file after the cut, so phase 2 copies them.
      snapshot.push([id, entry, Math.max(0, entry.crashes - (pending.get(id) ?? 0))]);
    }
    let out: FileHandle | undefined;
    const moved = new Map<Entry, number>();
    try {
      out = await open(tmp, 'w+', 0o600);
      let at = 0;
      let chunk: string[] = [];
      let chunkBytes = 0;
      const flushChunk = async () => {
        if (chunk.length === 0) return;
        const data = Buffer.from(chunk.join(''), 'utf8');
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await out!.write(data, written, data.length - written, at + written);
          if (bytesWritten <= 0) throw new Error('short write');
          written += bytesWritten;
        }
        at += data.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (let i = 0; i < snapshot.length; i++) {
        const [id, entry, crashes] = snapshot[i]!;
        // Lines not in memory are read back with a pread each: let acks through between runs of them.
        if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
        const line = entry.job !== undefined ? encodeRecord({ t: 'job', job: entry.job }) : readLine(entry);
        if (line === undefined) continue;
        moved.set(entry, at + chunkBytes);
        chunk.push(line);
        chunkBytes += Buffer.byteLength(line);
        for (let k = 0; k < crashes; k++) {
          const start = encodeRecord({ t: 'start', id });
          chunk.push(start);
          chunkBytes += Buffer.byteLength(start);
        }
        if (chunkBytes >= READ_CHUNK) await flushChunk();
      }
      await flushChunk();
      await out.sync();
      // close() waits for this, so the journal is still open here.
      rewritten = { out, at, end, moved, lines: snapshot.length, linesAtCut, started };
      out = undefined;
      schedule();
    } catch (error) {
      await abandonRewrite(out, error);
    }
  };

  /** A rewrite that failed: its temp file goes, the old file stays the journal, the next try waits. */
  const abandonRewrite = async (out: FileHandle | undefined, error: unknown) => {
    await out?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    compactWhenAbove = linesSinceCompaction + compactAfter;
    log.warn({ err: (error as NodeJS.ErrnoException).code ?? (error as Error).message }, 'journal compaction failed; it grows until the next attempt');
  };

  /** Phase 2 of a rewrite (only ever run by the flush loop, so no batch is being written). */
  const switchTo = async (ready: Rewritten): Promise<void> => {
    const { out, end, moved } = ready;
    const shift = ready.at - end;
    try {
      // The lines appended since the cut, as they are in the old file.
      let copied = 0;
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, size - end)));
      while (end + copied < size) {
        const n = readSync(handle.fd, buffer, 0, Math.min(buffer.length, size - end - copied), end + copied);
        if (n <= 0) throw new Error('the journal ended early');
        writeFully(out.fd, buffer.subarray(0, n), ready.at + copied);
        copied += n;
      }
      await out.datasync();
      await rename(tmp, file);
    } catch (error) {
      await abandonRewrite(out, error);
      return;
    }
    // Renamed: the new file is the journal from here on, whatever happens next (the old one is
    // unlinked, so writing on to it would lose every record).
    const old = handle;
    handle = out;
    for (const entry of live.values()) if (entry.offset >= end) entry.offset += shift;
    for (const [entry, offset] of moved) entry.offset = offset;
    size += shift;
    // The copied jobs, then every line appended since the cut.
    linesSinceCompaction = ready.lines + linesSinceCompaction - ready.linesAtCut;
    compactWhenAbove = compactAfter;
    await old.close().catch(() => undefined);
    await syncDir(path.dirname(file)).catch((error: unknown) => {
      log.warn({ err: (error as NodeJS.ErrnoException).code ?? (error as Error).message }, 'journal directory could not be synced after a rewrite');
    });
    log.debug({ live: ready.lines, ms: Math.round(performance.now() - ready.started) }, 'journal compacted');
  };

  /** How many `start` records of each job are queued in memory, not yet written. */
  const pendingStarts = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const line of meta) {
      const record = decodeRecord(Buffer.from(line.slice(0, -1), 'utf8'));
      if (record?.t === 'start') counts.set(record.id, (counts.get(record.id) ?? 0) + 1);
    }
    return counts;
  };

  /** The `job` line of an entry that is not in memory, as written (for compaction). */
  const readLine = (entry: Entry): string | undefined => {
    const bytes = readBytes(entry);
    return bytes === undefined ? undefined : bytes.toString('utf8');
  };

  const readBytes = (entry: Entry): Buffer | undefined => {
    if (entry.offset < 0 || entry.length <= 0) return undefined;
    const bytes = Buffer.allocUnsafe(entry.length);
    let got = 0;
    while (got < entry.length) {
      const n = readSync(handle.fd, bytes, got, entry.length - got, entry.offset + got);
      if (n <= 0) return undefined;
      got += n;
    }
    return bytes;
  };

  /** A waiting job read back from the file. */
  const readJob = (id: string, entry: Entry): UnfurlJob | undefined => {
    const bytes = readBytes(entry);
    const record = bytes === undefined ? undefined : decodeRecord(bytes.subarray(0, bytes.length - 1));
    if (record?.t === 'job' && record.job.id === id) return record.job;
    log.error({ jobId: id, offset: entry.offset }, 'a recorded job could not be read back from the journal; it is dropped');
    return undefined;
  };

  const schedule = () => {
    if (closed) return;
    flushing ??= flushLoop()
      .catch((error: unknown) => log.error({ err: (error as Error).message }, 'journal flush failed'))
      .finally(() => {
        flushing = undefined;
        // Lines queued by a waiter's callback after the loop's last check, or a rewrite ready to switch.
        if ((!failing && (meta.length > 0 || jobs.length > 0)) || rewritten !== undefined) schedule();
      });
  };

  // start/retry/done records of one turn of the event loop go down in one write: under load
  // every job wrote two lines of its own (a pwrite each); a job batch in flight takes them along.
  let metaSoon: NodeJS.Immediate | undefined;
  const addMeta = (record: JournalRecord) => {
    meta.push(encodeRecord(record));
    if (failing || metaSoon !== undefined) return;
    metaSoon = setImmediate(() => {
      metaSoon = undefined;
      if (!failing) schedule();
    });
  };

  return {
    shared: false,
    append(newJobs) {
      if (closed) return Promise.reject(new LsslackError('store_unavailable', 'The journal is closed.'));
      if (newJobs.length === 0) return Promise.resolve();
      const entries: Array<[string, Entry]> = [];
      for (const job of newJobs) {
        const entry: Entry = { offset: -1, length: 0, crashes: 0, held: true, job };
        live.set(job.id, entry);
        entries.push([job.id, entry]);
        jobs.push({ line: encodeRecord({ t: 'job', job }), entry });
      }
      const recorded = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      schedule();
      return recorded.catch((error: unknown) => {
        // Not recorded: not live either (the event is not acked and Slack redelivers it).
        for (const [id, entry] of entries) if (live.get(id) === entry) live.delete(id);
        throw error;
      });
    },
    async started(jobId) {
      const entry = live.get(jobId);
      if (entry === undefined || closed) return 1;
      entry.crashes += 1;
      addMeta({ t: 'start', id: jobId });
      return entry.crashes;
    },
    deferred(jobId) {
      const entry = live.get(jobId);
      if (entry === undefined || closed) return;
      entry.crashes = 0;
      addMeta({ t: 'retry', id: jobId });
    },
    done(jobId) {
      const entry = live.get(jobId);
      if (closed || entry === undefined) return;
      live.delete(jobId);
      if (!entry.held) waiting -= 1;
      addMeta({ t: 'done', id: jobId });
    },
    spill(jobIds) {
      for (const id of jobIds) {
        const entry = live.get(id);
        if (entry === undefined || !entry.held) continue;
        entry.held = false;
        entry.job = undefined;
        waitIds.push(id);
        waiting += 1;
      }
    },
    async take(limit) {
      const out: UnfurlJob[] = [];
      while (out.length < limit && waitHead < waitIds.length) {
        const id = waitIds[waitHead]!;
        waitHead += 1;
        const entry = live.get(id);
        if (entry === undefined || entry.held) continue;
        waiting -= 1;
        const job = readJob(id, entry);
        if (job === undefined) {
          live.delete(id);
          addMeta({ t: 'done', id });
          continue;
        }
        entry.held = true;
        entry.job = job;
        out.push(job);
      }
      if (waitHead > 4096 && waitHead * 2 > waitIds.length) {
        waitIds.splice(0, waitHead);
        waitHead = 0;
      }
      return out;
    },
    hasWaiting: () => waiting > 0,
    waitingCount: () => waiting,
    async close() {
      if (closed) return;
      clearImmediate(metaSoon);
      metaSoon = undefined;
      // Let what is buffered be written first (unless the disk refuses it), and a rewrite under
      // way finish (it reads the old file, and its switch runs in the flush loop).
      if (!failing) schedule();
      while (flushing !== undefined || compacting !== undefined) {
        await flushing;
        await compacting;
      }
      closed = true;
      clearTimeout(retryTimer);
      // start/retry/done records may still be unsynced (see flushLoop).
      await handle.datasync().catch(() => undefined);
      await handle.close();
    },
  };
}

interface Recovered {
  readonly live: Map<string, Entry>;
  /** End of the last intact line: everything after it is a torn or damaged tail. */
  readonly goodEnd: number;
  readonly fileSize: number;
  readonly kept: number;
  readonly dropped: number;
  readonly lines: number;
  /** Damaged lines before intact ones (only a rewrite can remove them). */
  readonly middleDamage: boolean;
}

/**
 * Reads the journal in pieces and rebuilds the live jobs (offsets only). A line whose checksum
 * or JSON does not hold is dropped; the last intact line marks where the file is good.
 */
async function recover(handle: FileHandle, log: Logger): Promise<Recovered> {
  const live = new Map<string, Entry>();
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = 0;
  let readAt = 0;
  let goodEnd = 0;
  let kept = 0;
  let dropped = 0;
  let droppedBeforeGood = 0;
  let droppedSinceGood = 0;
  let lines = 0;

  const onLine = (bytes: Buffer, offset: number, length: number) => {
    lines += 1;
    const record = decodeRecord(bytes);
    if (record === undefined) {
      dropped += 1;
      droppedSinceGood += 1;
      return;
    }
    kept += 1;
    droppedBeforeGood += droppedSinceGood;
    droppedSinceGood = 0;
    goodEnd = offset + length;
    switch (record.t) {
      case 'job':
        live.set(record.job.id, { offset, length, crashes: 0, held: false, job: undefined });
        return;
      case 'done':
        live.delete(record.id);
        return;
      case 'start': {
        const entry = live.get(record.id);
        if (entry !== undefined) entry.crashes += 1;
        return;
      }
      case 'retry': {
        const entry = live.get(record.id);
        if (entry !== undefined) entry.crashes = 0;
      }
    }
  };

  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, readAt);
    if (bytesRead === 0) break;
    readAt += bytesRead;
    const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      onLine(data.subarray(start, nl), carryOffset + start, nl - start + 1);
      start = nl + 1;
    }
    // The chunk buffer is reused for the next read: keep a copy of the unfinished line.
    carry = Buffer.from(data.subarray(start));
    carryOffset += start;
  }
  // A file that does not end in "\n" has a torn last line.
  if (carry.length > 0) {
    dropped += 1;
    lines += 1;
  }
  if (dropped > 0) log.debug({ dropped }, 'damaged journal lines');
  return { live, goodEnd, fileSize: readAt, kept, dropped, lines, middleDamage: droppedBeforeGood > 0 };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
