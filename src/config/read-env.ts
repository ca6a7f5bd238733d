/**
 * The only module that reads `process.env`. Everything else receives the values it needs from
 * here (through loadConfig or the CLI), so tests can pass a plain object instead.
 */

/** The environment variables lsslack understands, with their values as strings. */
export type EnvSnapshot = Readonly<Record<string, string | undefined>>;

/** A frozen copy of `env` (defaults to the real process environment); empty values count as unset. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSnapshot {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[name] = value;
  }
  return Object.freeze(out);
}
