import type { Command } from 'commander';
import { Agent } from 'undici';
import type { Config } from '../../config/config.js';
import { readEnv, type EnvSnapshot } from '../../config/read-env.js';
import { SETTINGS } from '../../config/settings.js';
import { LsslackError } from '../../domain/errors.js';
import { configFor } from '../context.js';
import { fail, pass, renderChecklist, skip, type CheckResult } from '../doctor/check.js';
import { checkDataDir } from '../doctor/data-dir-check.js';
import { checkBackends, NO_BACKEND } from '../doctor/backend-checks.js';
import { checkPublicUrl } from '../doctor/http-checks.js';
import { checkAppToken, checkBotToken, checkClockSkew, checkSigningSecret } from '../doctor/slack-checks.js';
import { checkWorkObjects } from '../doctor/work-object-check.js';

/** `lsslack doctor`: check the configuration and every outside dependency, as a ✓/✗ checklist. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, data dir permissions, Slack credentials, every trace backend (reachable, credentials accepted), the public URL and the clock; exit 1 if anything fails')
    .option('--config <file>', 'config file shaped like config.example.json')
    .action(async (opts: { config?: string }) => {
      const env = readEnv();
      const { results, secrets } = await runDoctor({ config: opts.config, env });
      process.stdout.write(redact(renderChecklist(results), secrets));
      const failed = results.filter((r) => r.status === 'fail').length;
      if (failed > 0) throw new LsslackError('checks_failed', `doctor: ${failed} check${failed === 1 ? '' : 's'} failed (✗ above, each with a fix).`);
    });
}

const CONFIG = 'configuration';

/** Run every check; never throws for a failed check. `secrets` are the values to keep out of any output. */
export async function runDoctor(options: { config?: string; env: EnvSnapshot }): Promise<{ results: CheckResult[]; secrets: string[] }> {
  const results: CheckResult[] = [];
  let config: Config | undefined;
  try {
    config = configFor({ config: options.config, env: options.env, require: 'start' });
    results.push(pass(CONFIG, `valid (mode ${config.mode}, data dir ${config.dataDir})`));
  } catch (error) {
    if (!(error instanceof LsslackError)) throw error;
    results.push(fail(CONFIG, error.message, 'fix the settings listed above (environment, --config file or `lsslack config set`); `lsslack config list` shows where each value comes from.'));
    // Still run whatever the settings that are there allow.
    try {
      config = configFor({ config: options.config, env: options.env, require: 'none' });
    } catch {
      config = undefined;
    }
  }
  const secrets = secretValues(options.env, config);
  if (config === undefined) {
    for (const name of ['data directory', 'bot token (auth.test)', 'conversation audiences (conversations.info scopes)', 'app token (apps.connections.open)', 'signing secret', NO_BACKEND, 'LSSLACK_PUBLIC_URL reaches this listener', "clock skew (Slack's Date header)", 'Work Object previews']) {
      results.push(skip(name, 'skipped: the configuration has invalid values'));
    }
    return { results, secrets };
  }
  const dispatcher = new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 1_000 });
  try {
    const cfg = config;
    // Independent checks run concurrently; the list keeps a fixed order.
    const [dataDir, [bot, audience], app, signing, backends, publicUrl, skew, workObjects] = await Promise.all([
      checkDataDir(cfg.dataDir),
      checkBotToken(cfg),
      checkAppToken(cfg),
      Promise.resolve(checkSigningSecret(cfg)),
      checkBackends(cfg, dispatcher),
      checkPublicUrl(cfg, dispatcher),
      checkClockSkew(cfg, dispatcher),
      checkWorkObjects(cfg),
    ]);
    results.push(dataDir, bot, audience, app, signing, ...backends, publicUrl, skew, workObjects);
  } finally {
    await dispatcher.close();
  }
  return { results, secrets };
}

/** Every secret value lsslack knows of, so the output can be scrubbed as a last line of defence. */
function secretValues(env: EnvSnapshot, config: Config | undefined): string[] {
  const values = new Set<string>();
  for (const spec of SETTINGS) {
    if (!spec.secret) continue;
    const value = env[spec.env];
    if (value !== undefined && value.length >= 4) values.add(value);
  }
  if (config !== undefined) {
    for (const value of [config.slack.appToken, config.slack.botToken, config.slack.signingSecret, config.slack.clientSecret, config.secretKey, config.adminToken, config.storeUrl, ...backendSecrets(config)]) {
      if (value !== undefined && value.length >= 4) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** Every credential the configured backends carry. */
function backendSecrets(config: Config): Array<string | undefined> {
  return config.backends.flatMap((b) => {
    switch (b.kind) {
      case 'lightstep':
        return [b.apiKey];
      case 'jaeger':
      case 'zipkin':
        return [b.auth?.bearer, b.auth?.basic];
      case 'grafana':
        return Object.values(b.datasources).flatMap((ds) => [ds.auth?.bearer, ds.auth?.basic]);
    }
  });
}

