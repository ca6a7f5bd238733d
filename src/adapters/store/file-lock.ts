import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** A lock older than this is considered abandoned (its holder crashed mid-write). */
  readonly staleMs?: number;
  /** Give up after this long. */
  readonly timeoutMs?: number;
}

/**
 * A cross-process lock: a `<file>.lock` created with O_EXCL holding the owner's pid. Held only
 * for the milliseconds of one read-modify-write. A lock whose owner is gone (kill -9) or that is
 * older than `staleMs` is taken over.
 *
 * Hand-written instead of proper-lockfile: that library pulls in signal-exit, which re-raises
 * SIGTERM/SIGINT after its own handler and so turned one `systemctl stop` into the "second signal,
 * exit now" path of our graceful shutdown.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let wait = 2;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } catch (error) {
        // A full disk: an empty lock file left behind would block every writer until it is stale.
        await handle.close().catch(() => undefined);
        await unlink(lockPath).catch(() => undefined);
        throw error;
      }
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(lockPath).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isAbandoned(lockPath, staleMs)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockPath} is held by another process`);
    await sleep(wait);
    wait = Math.min(50, wait * 2);
  }
}

async function isAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number(text);
    // An empty file is a lock being written right now; give its owner the benefit of the doubt.
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    // Gone between our attempts: not abandoned, just retry.
    return false;
  }
}
