import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { defaultConfigDir } from '../config/default-paths.js';
import type { EnvSnapshot } from '../config/read-env.js';

const CONFIG_NAME = 'settings';

/**
 * Settings saved with `lsslack config set`, kept by conf in the per-user config dir (the file
 * 0600, the directory 0700). Opening it for writing creates them.
 */
export function openSavedSettings(env: EnvSnapshot): Conf<Record<string, string>> {
  const cwd = defaultConfigDir(env);
  // conf would create the directory with the default mode (0755); the settings may hold secrets.
  mkdirSync(cwd, { recursive: true, mode: 0o700 });
  return new Conf<Record<string, string>>({
    projectName: 'lsslack',
    cwd,
    configName: CONFIG_NAME,
    configFileMode: 0o600,
    // Keys such as "slack.botToken" are stored flat, not as nested objects.
    accessPropertiesByDotNotation: false,
  });
}

/**
 * The saved settings, for reading: nothing is created when there are none (a `start` with a bad
 * configuration, or any read-only command, leaves no directory behind).
 */
export function readSavedSettings(env: EnvSnapshot): Record<string, string> {
  const cwd = defaultConfigDir(env);
  if (!existsSync(path.join(cwd, `${CONFIG_NAME}.json`))) return {};
  return openSavedSettings(env).store;
}

/** Where the saved settings live (whether or not they exist yet). */
export function savedSettingsPath(env: EnvSnapshot): string {
  return path.join(defaultConfigDir(env), `${CONFIG_NAME}.json`);
}
