import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real, tiny filesystem (tmpfs) to fill up: what a full disk does to lsslack, not a mock of it. */
export interface TinyFs {
  readonly dir: string;
  /** Writes a filler file until the filesystem is full (ENOSPC). */
  fill(): Promise<void>;
  /** Removes the filler: space again. */
  free(): Promise<void>;
  /** Gives `bytes` of the filler back (whole pages: tmpfs counts in 4 KiB pages). */
  freeSome(bytes: number): Promise<void>;
  unmount(): Promise<void>;
}

export const TINY_FS_SKIP_NOTICE =
  'full-disk tests SKIPPED: they mount a small tmpfs, which needs root (or CAP_SYS_ADMIN) and the mount command. ' +
  'Run the suite as root (CI does) to prove that a full disk loses no acknowledged event.';

let warned = false;

/** Mounts a tmpfs of `bytes`; undefined (with a loud notice, once) where the machine does not allow it. */
export async function mountTinyFs(bytes: number): Promise<TinyFs | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-tinyfs-'));
  try {
    if (process.getuid?.() !== 0) throw new Error('not root');
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    if (!warned) process.stderr.write(`\n*** ${TINY_FS_SKIP_NOTICE}\n\n`);
    warned = true;
    return undefined;
  }
  const filler = path.join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    async fill() {
      const handle = await open(filler, 'a');
      const block = Buffer.alloc(4096, 0x61);
      try {
        for (;;) await handle.write(block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await handle.close();
      }
      // The last partial block: byte by byte, so not even a few bytes are left.
      const tail = await open(filler, 'a');
      try {
        for (;;) await tail.write(Buffer.from('a'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await tail.close();
      }
    },
    async free() {
      await unlink(filler).catch(() => undefined);
    },
    async freeSome(bytes) {
      const handle = await open(filler, 'r+');
      try {
        const { size } = await handle.stat();
        await handle.truncate(Math.max(0, size - bytes));
      } finally {
        await handle.close();
      }
    },
    async unmount() {
      if (!mounted) return;
      mounted = false;
      await run('umount', ['-l', dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
