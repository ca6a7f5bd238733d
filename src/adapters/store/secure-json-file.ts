import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * lowdb adapter that keeps the file private (mode 0600: it holds encrypted tokens and who may see
 * which customer's traces) and never leaves a half-written file: write a temp file, fsync, rename.
 */
export class SecureJsonFile<T> implements Adapter<T> {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return JSON.parse(text) as T;
  }

  async write(data: T): Promise<void> {
    const tmp = path.join(path.dirname(this.#file), `.${path.basename(this.#file)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      try {
        // writeFile continues short writes itself and throws on ENOSPC/EIO: never half a file.
        await handle.writeFile(JSON.stringify(data, null, 2));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.#file);
    } catch (error) {
      // A full disk must not also leave a temp file behind on every attempt.
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }
}
