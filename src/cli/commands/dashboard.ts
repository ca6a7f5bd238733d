import type { Command } from 'commander';
import { readEnv } from '../../config/read-env.js';
import { printStatus, resolveTarget, type TargetFlags } from './status.js';

/** `lsslack dashboard`: the live terminal dashboard of a running daemon (`lsslack status` without a TTY). */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('live terminal dashboard of the running daemon (q quits, p pauses); prints `lsslack status` when not on a terminal')
    .option('--url <url>', "the daemon's listener (default http://LSSLACK_HOST:LSSLACK_PORT)")
    .option('--token <token>', 'admin token, if the daemon has LSSLACK_ADMIN_TOKEN set (default LSSLACK_ADMIN_TOKEN)')
    .option('--config <file>', 'config file')
    .action(async (flags: TargetFlags) => {
      const target = resolveTarget(flags);
      if (process.stdout.isTTY !== true) {
        await printStatus(target, { json: false, out: (text) => process.stdout.write(`${text}\n`) });
        return;
      }
      // Ink and React load only here, so other commands start without them.
      const { renderDashboard } = await import('../../tui/render-dashboard.js');
      const dashboard = renderDashboard({ url: target.url, token: target.token, color: readEnv().NO_COLOR === undefined });
      await dashboard.waitUntilExit();
    });
}
