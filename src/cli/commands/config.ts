import type { Command } from 'commander';
import { checkValue } from '../../config/load-config.js';
import { readEnv } from '../../config/read-env.js';
import { findSetting, maskSecret, SETTINGS } from '../../config/settings.js';
import { LsslackError } from '../../domain/errors.js';
import { configFor } from '../context.js';
import { openSavedSettings } from '../saved-settings.js';

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
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(...rows.map((r) => r.key.length));
      for (const r of rows) process.stdout.write(`${r.key.padEnd(width)}  ${r.value}  (${r.source}, ${r.env})\n`);
    });

  config
    .command('path')
    .description('print where saved settings are kept')
    .action(() => {
      process.stdout.write(`${openSavedSettings(readEnv()).path}\n`);
    });
}

function effectiveRows(file?: string): Array<{ key: string; env: string; value: string; source: string }> {
  const cfg = configFor({ config: file });
  const values: Record<string, string | undefined> = {
    'slack.appToken': cfg.slack.appToken,
    'slack.botToken': cfg.slack.botToken,
    'slack.signingSecret': cfg.slack.signingSecret,
    'slack.clientId': cfg.slack.clientId,
    'slack.clientSecret': cfg.slack.clientSecret,
    'slack.apiUrl': cfg.slack.apiUrl,
    'slack.authorizeUrl': cfg.slack.authorizeUrl,
    'lightstep.appUrl': cfg.lightstep.appOrigins.join(','),
    'lightstep.apiUrl': cfg.lightstep.apiUrl,
    'lightstep.org': cfg.lightstep.org,
    'lightstep.apiKey': cfg.lightstep.apiKey,
    mode: cfg.mode,
    'http.host': cfg.http.host,
    'http.port': String(cfg.http.port),
    'http.publicUrl': cfg.http.publicUrl,
    dataDir: cfg.dataDir,
    concurrency: String(cfg.concurrency),
    threads: String(cfg.threads),
    logLevel: cfg.logLevel,
    secretKey: cfg.secretKey,
    adminToken: cfg.adminToken,
    shutdownTimeout: String(cfg.shutdownTimeoutMs / 1000),
    'store.url': cfg.storeUrl,
  };
  return SETTINGS.map((s) => {
    const value = values[s.key];
    return { key: s.key, env: s.env, value: value === undefined ? '(unset)' : s.secret ? maskSecret(value) : value, source: cfg.sources[s.key] ?? (s.key === 'dataDir' || s.key === 'http.publicUrl' ? 'default' : 'unset') };
  });
}
