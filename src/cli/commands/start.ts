import { Option, type Command } from 'commander';
import { createDaemon } from '../../app/daemon.js';
import type { SettingKey } from '../../config/settings.js';
import { configFor } from '../context.js';
import { createLogger } from '../create-logger.js';
import { packageInfo } from '../package-info.js';

interface StartFlags {
  config?: string;
  mode?: string;
  host?: string;
  port?: string;
  publicUrl?: string;
  dataDir?: string;
  concurrency?: string;
  logLevel?: string;
}

/** `lsslack start`: run the daemon until SIGINT/SIGTERM. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the daemon: receive link_shared events and post previews')
    .option('--config <file>', 'config file shaped like config.example.json')
    .addOption(new Option('--mode <mode>', 'how events arrive').choices(['socket', 'http']))
    .option('--host <host>', 'listener address (LSSLACK_HOST)')
    .option('--port <port>', 'listener port (LSSLACK_PORT)')
    .option('--public-url <url>', 'how browsers reach the listener (LSSLACK_PUBLIC_URL)')
    .option('--data-dir <dir>', 'where the store lives (LSSLACK_DATA_DIR)')
    .option('--concurrency <n>', 'unfurl workers (LSSLACK_CONCURRENCY)')
    .option('--log-level <level>', 'pino level (LSSLACK_LOG_LEVEL)')
    .action(async (flags: StartFlags) => {
      const config = configFor({ config: flags.config, flags: toSettings(flags), require: 'start' });
      const log = createLogger(config.logLevel);
      const daemon = createDaemon({ config, log, version: packageInfo().version });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal: exiting now');
          log.flush();
          process.exit(130);
        }
        log.info({ signal }, 'shutting down');
        void daemon.stop().then(() => {
          log.flush();
          process.exitCode = 0;
        });
      };
      // The daemon owns its signals. conf's write helper (atomically → when-exit) hooks SIGINT/SIGTERM
      // and re-raises them, which would turn one `systemctl stop` into "second signal, exit now".
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.removeAllListeners(signal);
        process.on(signal, onSignal);
      }
      try {
        await daemon.start();
      } catch (error) {
        await daemon.stop();
        log.flush();
        throw error;
      }
    });
}

function toSettings(flags: StartFlags): Partial<Record<SettingKey, string>> {
  const out: Partial<Record<SettingKey, string>> = {};
  if (flags.mode !== undefined) out.mode = flags.mode;
  if (flags.host !== undefined) out['http.host'] = flags.host;
  if (flags.port !== undefined) out['http.port'] = flags.port;
  if (flags.publicUrl !== undefined) out['http.publicUrl'] = flags.publicUrl;
  if (flags.dataDir !== undefined) out.dataDir = flags.dataDir;
  if (flags.concurrency !== undefined) out.concurrency = flags.concurrency;
  if (flags.logLevel !== undefined) out.logLevel = flags.logLevel;
  return out;
}
