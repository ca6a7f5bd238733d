import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { SettingKey } from '../../config/settings.js';
import { moduleFor } from '../../adapters/backends/registry.js';
import type { Config } from '../../config/config.js';
import { configFor } from '../context.js';
import { WORK_OBJECT_SETUP } from '../doctor/work-object-check.js';
import { buildSlackManifest, publicUrlWarnings } from '../slack-manifest.js';

interface ManifestFlags {
  mode?: string;
  publicUrl?: string;
  format: 'yaml' | 'json';
  config?: string;
  name?: string;
}

/** `lsslack manifest`: the Slack app manifest for this configuration, ready to paste. */
export function registerManifest(program: Command): void {
  program
    .command('manifest')
    .description('print a Slack app manifest for "Create app from manifest" (api.slack.com/apps → Create New App → From a manifest)')
    .addOption(new Option('--mode <mode>', 'how events arrive (LSSLACK_MODE)').choices(['socket', 'http']))
    .option('--public-url <url>', 'how Slack and browsers reach lsslack (LSSLACK_PUBLIC_URL)')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--name <name>', 'app name shown in Slack (at most 35 characters)')
    .option('--config <file>', 'config file shaped like config.example.json')
    .action((flags: ManifestFlags) => {
      const settings: Partial<Record<SettingKey, string>> = {};
      if (flags.mode !== undefined) settings.mode = flags.mode;
      if (flags.publicUrl !== undefined) settings['http.publicUrl'] = flags.publicUrl;
      const config = configFor({ config: flags.config, flags: settings });
      const manifest = buildSlackManifest({ mode: config.mode, publicUrl: config.http.publicUrl, appOrigins: linkOrigins(config), name: flags.name, workObjects: config.workObjects });
      // Warnings go to stderr so stdout stays exactly the manifest.
      for (const warning of publicUrlWarnings(config.http.publicUrl, config.mode)) process.stderr.write(`lsslack: warning: ${warning}\n`);
      // Manifests have no field for it (github.com/slackapi/manifest-schema): it is a switch in the app settings.
      if (config.workObjects) process.stderr.write(`lsslack: note: LSSLACK_PREVIEW=work-object also needs Work Object Previews: ${WORK_OBJECT_SETUP}\n`);
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest, { lineWidth: 0 }));
    });
}

/**
 * Origins of every configured backend's trace links. With no backend configured yet (a first
 * manifest, before the daemon is set up), the Lightstep app's: LIGHTSTEP_APP_URL's default, as
 * this command always did.
 */
export function linkOrigins(config: Config): string[] {
  if (config.backends.length === 0) return (config.values['lightstep.appUrl'] ?? 'https://app.lightstep.com').split(',').map((o) => o.trim()).filter((o) => o !== '');
  return config.backends.flatMap((b) => moduleFor(b).domains(b)).map((host) => `https://${host}`);
}
