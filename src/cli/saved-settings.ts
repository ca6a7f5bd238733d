import Conf from 'conf';
import { defaultConfigDir } from '../config/default-paths.js';
import type { EnvSnapshot } from '../config/read-env.js';

/** Settings saved with `lsslack config set`, kept by conf in the per-user config dir (mode 0600). */
export function openSavedSettings(env: EnvSnapshot): Conf<Record<string, string>> {
  return new Conf<Record<string, string>>({
    projectName: 'lsslack',
    cwd: defaultConfigDir(env),
    configName: 'settings',
    configFileMode: 0o600,
    // Keys such as "slack.botToken" are stored flat, not as nested objects.
    accessPropertiesByDotNotation: false,
  });
}
