import os from 'node:os';
import path from 'node:path';
import type { EnvSnapshot } from './read-env.js';

/** Per-user data directory, following the XDG base directory spec like most Linux daemons. */
export function defaultDataDir(env: EnvSnapshot): string {
  const base = env.XDG_DATA_HOME ?? path.join(env.HOME ?? os.homedir(), '.local', 'share');
  return path.join(base, 'lsslack');
}

/** Per-user directory for settings saved with `lsslack config set`. */
export function defaultConfigDir(env: EnvSnapshot): string {
  if (env.LSSLACK_CONFIG_DIR !== undefined) return env.LSSLACK_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME ?? path.join(env.HOME ?? os.homedir(), '.config');
  return path.join(base, 'lsslack');
}
