import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LsslackError } from '../../domain/errors.js';

/**
 * Encrypts tokens at rest (AES-256-GCM) and signs link tokens and cookies (HMAC-SHA256), with
 * keys derived (HKDF) from one master key so a signature can never be confused with a ciphertext.
 */
export interface Keyring {
  encrypt(plain: string): string;
  /** Throws LsslackError('store_corrupt') when the ciphertext was tampered with or the key changed. */
  decrypt(cipher: string): string;
  /** base64url(JSON) + '.' + base64url(HMAC). */
  sign(payload: object): string;
  /** The payload if the signature is valid, else undefined. Constant-time compare. */
  verify(token: string): Record<string, unknown> | undefined;
}

const KEY_FILE = 'secret.key';

/** The master key: LSSLACK_SECRET_KEY (64 hex) or a key generated once into the data dir (0600). */
export async function loadMasterKey(dataDir: string, configured?: string): Promise<Buffer> {
  if (configured !== undefined) return Buffer.from(configured, 'hex');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, KEY_FILE);
  try {
    const handle = await open(file, 'wx', 0o600);
    const key = randomBytes(32);
    await handle.writeFile(key.toString('hex'));
    await handle.sync();
    await handle.close();
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) {
    throw new LsslackError('store_corrupt', `${file} does not hold a 64-hex-character key. Restore it from a backup; without it stored tokens cannot be decrypted (users would have to link again).`);
  }
  await chmod(file, 0o600);
  return Buffer.from(text, 'hex');
}

export function createKeyring(master: Buffer): Keyring {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  const encKey = derive('lsslack token encryption v1');
  const signKey = derive('lsslack signing v1');
  const mac = (data: string) => createHmac('sha256', signKey).update(data).digest();
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(text) {
      try {
        if (!text.startsWith('v1.')) throw new Error('unknown format');
        const raw = Buffer.from(text.slice(3), 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new LsslackError('store_corrupt', 'A stored token cannot be decrypted: the secret key changed or the store was altered.', { cause: error });
      }
    },
    sign(payload) {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    verify(token) {
      const dot = token.indexOf('.');
      if (dot <= 0 || token.length > 4096) return undefined;
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = mac(body);
      // timingSafeEqual throws on a length mismatch, so check lengths first (slack-platform.md §1.1).
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
