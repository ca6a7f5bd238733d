import { chmod, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { createDaemon } from '../../app/daemon.js';
import { scrubSecrets } from '../../adapters/slack/slack-logger.js';
import { readEnv } from '../../config/read-env.js';
import type { SettingKey } from '../../config/settings.js';
import type { DashboardHandle } from '../../tui/render-dashboard.js';
import { configFor } from '../context.js';
import { createLogger } from '../create-logger.js';
import { packageInfo } from '../package-info.js';
import { listenerUrl } from './status.js';

interface StartFlags {
  config?: string;
  mode?: string;
  host?: string;
  port?: string;
  publicUrl?: string;
  dataDir?: string;
  concurrency?: string;
  logLevel?: string;
  dashboard?: boolean;
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
    .option('--dashboard', 'show the live dashboard in this terminal (logs then go to lsslack.log in the data dir; q stops the daemon)')
    .action(async (flags: StartFlags) => {
      const config = configFor({ config: flags.config, flags: toSettings(flags), require: 'start' });
      const logFile = flags.dashboard === true ? path.join(config.dataDir, 'lsslack.log') : undefined;
      if (logFile !== undefined) {
        await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
        // 0600 like everything else in the data dir: log lines name teams, users and channels. A
        // file left by an older version may be 0644, so the mode is set, not only asked for.
        await (await open(logFile, 'a', 0o600)).close();
        await chmod(logFile, 0o600);
        process.stdout.write(`lsslack: logs go to ${logFile}\n`);
      }
      const log = logFile === undefined ? createLogger(config.logLevel) : createLogger(config.logLevel, pino.destination({ dest: logFile, sync: false }));
      let dashboard: DashboardHandle | undefined;
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
        dashboard?.unmount();
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
      // The Slack SDK reconnects with promises nobody awaits (e.g. apps.connections.open failing
      // while Slack is unreachable during a stop). A daemon must not die of that: log and carry on.
      process.on('unhandledRejection', (reason) => {
        log.error({ err: scrubSecrets(reason instanceof Error ? reason.message : String(reason)) }, 'unhandled rejection inside a library; continuing');
      });
      let httpUrl: string;
      try {
        ({ httpUrl } = await daemon.start());
      } catch (error) {
        await daemon.stop();
        log.flush();
        throw error;
      }
      if (logFile === undefined) return;
      if (process.stdout.isTTY !== true) {
        process.stdout.write('lsslack: --dashboard needs a terminal; running without it (Ctrl-C or SIGTERM stops the daemon)\n');
        return;
      }
      // The same dashboard as `lsslack dashboard`, against this daemon's own listener.
      const own = new URL(httpUrl);
      const { renderDashboard } = await import('../../tui/render-dashboard.js');
      dashboard = renderDashboard({ url: listenerUrl(own.hostname, Number(own.port)), token: config.adminToken, color: readEnv().NO_COLOR === undefined });
      try {
        await dashboard.waitUntilExit();
      } finally {
        // q, Ctrl+C, a signal or a crashed dashboard: the daemon stops gracefully in every case.
        process.stdout.write('lsslack: dashboard closed, stopping the daemon…\n');
        await daemon.stop();
        log.flush();
      }
      process.stdout.write(`lsslack: stopped (logs: ${logFile})\n`);
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
