import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fail, pass, type CheckResult } from './check.js';

const NAME = 'data directory';

/** Files in the data dir that hold secrets or private data: store (encrypted tokens, mappings) and key. */
// The journal holds message ids and links of pending work: private like the store.
export const PRIVATE_FILES = ['store.json', 'secret.key', 'journal.log'] as const;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * The data dir exists (or can be created), is writable, not group/world writable, and the store
 * and key (when present) are mode 0600. Never creates or changes anything.
 */
export async function checkDataDir(dataDir: string): Promise<CheckResult> {
  let info;
  try {
    info = await stat(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return fail(NAME, `${dataDir} cannot be inspected (${(error as NodeJS.ErrnoException).code ?? 'error'})`, `check the permissions of ${dataDir} and its parents, or set LSSLACK_DATA_DIR.`);
    }
    return creatable(dataDir);
  }
  if (!info.isDirectory()) return fail(NAME, `${dataDir} exists but is not a directory`, `move it away or point LSSLACK_DATA_DIR elsewhere.`);
  const problems: string[] = [];
  const fixes: string[] = [];
  if ((info.mode & 0o022) !== 0) {
    problems.push(`${dataDir} is group/world writable (mode ${octal(info.mode)}): others could replace the store or key`);
    fixes.push(`chmod 700 ${dataDir}`);
  }
  try {
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    problems.push(`${dataDir} is not writable by this user`);
    fixes.push(`chown -R <the user lsslack runs as> ${dataDir}`);
  }
  const present: string[] = [];
  for (const name of PRIVATE_FILES) {
    const file = path.join(dataDir, name);
    let fileInfo;
    try {
      fileInfo = await stat(file);
    } catch {
      continue;
    }
    present.push(name);
    if (!fileInfo.isFile()) {
      problems.push(`${file} is not a regular file`);
      fixes.push(`remove ${file}`);
    } else if ((fileInfo.mode & 0o077) !== 0) {
      problems.push(`${file} is readable or writable by others (mode ${octal(fileInfo.mode)}) and holds ${name === 'secret.key' ? 'the encryption key' : 'encrypted tokens and user mappings'}`);
      fixes.push(`chmod 600 ${file}`);
    }
  }
  if (problems.length > 0) return fail(NAME, problems.join('\n'), `${fixes.join(' && ')}`);
  return pass(NAME, `${dataDir} (mode ${octal(info.mode)})${present.length > 0 ? `, ${present.join(' and ')} mode 0600` : ', empty so far'}`);
}

/** A missing data dir is fine when lsslack can create it on first start. */
async function creatable(dataDir: string): Promise<CheckResult> {
  let parent = path.dirname(dataDir);
  for (;;) {
    try {
      const info = await stat(parent);
      if (!info.isDirectory()) return fail(NAME, `${dataDir} does not exist and ${parent} is not a directory`, 'point LSSLACK_DATA_DIR at a directory path.');
      break;
    } catch {
      const up = path.dirname(parent);
      if (up === parent) break;
      parent = up;
    }
  }
  try {
    await access(parent, constants.W_OK | constants.X_OK);
  } catch {
    return fail(NAME, `${dataDir} does not exist and cannot be created (${parent} is not writable by this user)`, `create it: mkdir -m 700 -p ${dataDir} && chown <the user lsslack runs as> ${dataDir}, or set LSSLACK_DATA_DIR.`);
  }
  return pass(NAME, `${dataDir} does not exist yet; lsslack creates it (mode 0700) on first start`);
}
