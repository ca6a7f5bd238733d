import type { Command } from 'commander';
import { checkValue } from '../../config/load-config.js';
import { readEnv } from '../../config/read-env.js';
import { findSetting, maskSecret, SETTINGS } from '../../config/settings.js';
import { LsslackError } from '../../domain/errors.js';
import type { BackendAuth } from '../../adapters/backends/backend-config.js';
import type { Config } from '../../config/config.js';
import { configFor } from '../context.js';
import { openSavedSettings, savedSettingsPath } from '../saved-settings.js';

/** `lsslack config set|get|unset|list|path`: settings saved per user (conf, mode 0600). */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('save settings for this user, and show the effective configuration');

  config
    .command('set <key> <value>')
    .description(`save a setting; keys: ${SETTINGS.map((s) => s.key).join(', ')}`)
    .action((key: string, value: string) => {
      const spec = findSetting(key);
      if (spec === undefined) throw new LsslackError('usage', `Unknown setting "${key}". Known settings: ${SETTINGS.map((s) => s.key).join(', ')}.`);
      const problem = checkValue(spec, value);
      if (problem !== undefined) throw new LsslackError('usage', `${key} ${spec.secret ? problem.replace(/, got ".*"$/, '') : problem}.`);
      openSavedSettings(readEnv()).set(key, value);
      process.stdout.write(`Saved ${key}${spec.secret ? ' (secret, stored with mode 0600)' : ` = ${value}`}.\n`);
    });

  config
    .command('unset <key>')
    .description('remove a saved setting')
    .action((key: string) => {
      if (findSetting(key) === undefined) throw new LsslackError('usage', `Unknown setting "${key}".`);
      openSavedSettings(readEnv()).delete(key);
      process.stdout.write(`Removed saved ${key}.\n`);
    });

  config
    .command('get <key>')
    .description('print the effective value of one setting (secrets masked)')
    .option('--config <file>', 'config file')
    .action((key: string, opts: { config?: string }) => {
      const rows = effectiveRows(opts.config);
      const row = rows.find((r) => r.key === key);
      if (row === undefined) throw new LsslackError('usage', `Unknown setting "${key}".`);
      process.stdout.write(`${row.value}\n`);
    });

  config
    .command('list')
    .description('print every setting with its effective value and where it came from (secrets masked)')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action((opts: { config?: string; json?: boolean }) => {
      const rows = effectiveRows(opts.config);
      const backends = backendRows(configFor({ config: opts.config }));
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify({ settings: rows, backends }, null, 2)}\n`);
        return;
      }
      const width = Math.max(...rows.map((r) => r.key.length));
      for (const r of rows) process.stdout.write(`${r.key.padEnd(width)}  ${r.value}  (${r.source}, ${r.env})\n`);
      process.stdout.write(`\ntrace backends (tried in this order):\n${backends.length === 0 ? '  (none: no link would unfurl)\n' : backends.map((line) => `  ${line}\n`).join('')}`);
    });

  config
    .command('path')
    .description('print where saved settings are kept')
    .action(() => {
      process.stdout.write(`${savedSettingsPath(readEnv())}\n`);
    });
}

function effectiveRows(file?: string): Array<{ key: string; env: string; value: string; source: string }> {
  const cfg = configFor({ config: file });
  // Values lsslack derives when unset (where they are shown as what they became).
  const derived: Partial<Record<string, string>> = { 'http.publicUrl': cfg.http.publicUrl, dataDir: cfg.dataDir };
  return SETTINGS.map((s) => {
    const value = cfg.values[s.key] ?? derived[s.key];
    return { key: s.key, env: s.env, value: value === undefined ? '(unset)' : s.secret ? maskSecret(value) : value, source: cfg.sources[s.key] ?? (derived[s.key] !== undefined ? 'default' : 'unset') };
  });
}

/** One line per configured trace backend, credentials named by where they come from and masked. */
export function backendRows(cfg: Config): string[] {
  return cfg.backends.map((b) => {
    const masked = (auth: BackendAuth | undefined) => (auth === undefined ? 'no credentials' : `${auth.bearer !== undefined ? 'bearer' : 'basic'} from ${auth.from} (${maskSecret(auth.bearer ?? auth.basic ?? '')})`);
    switch (b.kind) {
      case 'lightstep':
        return `${b.id} (lightstep): links ${b.appUrls.join(', ')} · API ${b.apiUrl} · org ${b.org} · API key from ${b.apiKeyFrom} (${maskSecret(b.apiKey)})`;
      case 'jaeger':
      case 'zipkin':
        return `${b.id} (${b.kind}): links ${b.uiUrl} · API ${b.apiUrl} · ${masked(b.auth)}`;
      case 'grafana':
        return `${b.id} (grafana): links ${b.url} · ${Object.entries(b.datasources).map(([uid, ds]) => `${uid} → ${ds.kind} ${ds.apiUrl}${ds.tenant === undefined ? '' : ` tenant ${ds.tenant}`}, ${masked(ds.auth)}`).join('; ')}`;
    }
  });
}
