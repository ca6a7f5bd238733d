/**
 * The only module that reads `process.env`. Everything else receives the values it needs from
 * here (through loadConfig or the CLI), so tests can pass a plain object instead.
 */

/** The environment variables lsslack understands, with their values as strings. */
export type EnvSnapshot = Readonly<Record<string, string | undefined>>;

/** Names of every variable lsslack reads; anything else in the environment is ignored. */
export const ENV_NAMES = [
  'SLACK_APP_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_CLIENT_ID',
  'SLACK_CLIENT_SECRET',
  'SLACK_API_URL',
  'SLACK_AUTHORIZE_URL',
  'LIGHTSTEP_APP_URL',
  'LIGHTSTEP_API_URL',
  'LIGHTSTEP_ORG',
  'LIGHTSTEP_API_KEY',
  'LSSLACK_MODE',
  'LSSLACK_HOST',
  'LSSLACK_PORT',
  'LSSLACK_PUBLIC_URL',
  'LSSLACK_DATA_DIR',
  'LSSLACK_CONCURRENCY',
  'LSSLACK_LOG_LEVEL',
  'LSSLACK_SECRET_KEY',
  'LSSLACK_ADMIN_TOKEN',
  'LSSLACK_SHUTDOWN_TIMEOUT',
  'LSSLACK_STORE_URL',
  // Where `lsslack config set` keeps its settings (defaults to the per-user config directory).
  'LSSLACK_CONFIG_DIR',
  // Used only to derive the per-user default directories.
  'HOME',
  'XDG_DATA_HOME',
  'XDG_CONFIG_HOME',
  'NO_COLOR',
] as const;

/** Copy the variables lsslack uses out of `env` (defaults to the real process environment). */
export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSnapshot {
  const out: Record<string, string | undefined> = {};
  for (const name of ENV_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return Object.freeze(out);
}
