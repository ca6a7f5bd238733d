import { loadConfig, type Requirement } from '../config/load-config.js';
import type { Config } from '../config/config.js';
import { readEnv, type EnvSnapshot } from '../config/read-env.js';
import type { SettingKey } from '../config/settings.js';
import { readSavedSettings } from './saved-settings.js';

/** Load the configuration for a command from every source (flags > env > file > saved > defaults). */
export function configFor(options: { config?: string; flags?: Partial<Record<SettingKey, string>>; require?: Requirement; env?: EnvSnapshot }): Config {
  const env = options.env ?? readEnv();
  const saved = readSavedSettings(env);
  return loadConfig({ env, file: options.config, saved, flags: options.flags, require: options.require });
}
