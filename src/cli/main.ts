import { Command, CommanderError } from 'commander';
import { LsslackError } from '../domain/errors.js';
import { registerConfig } from './commands/config.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerManifest } from './commands/manifest.js';
import { registerService } from './commands/service.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerStore } from './commands/store.js';
import { registerChannels } from './commands/channels.js';
import { registerUsers } from './commands/users.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { packageInfo } from './package-info.js';

/** Build the commander program (exported so tests can inspect it). */
export function buildProgram(): Command {
  const program = new Command()
    .name('lsslack')
    .description('Unfurls Lightstep, Jaeger, Zipkin and Grafana (Tempo) trace links in Slack.')
    .version(packageInfo().version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStart(program);
  registerStatus(program);
  registerDashboard(program);
  registerDemo(program);
  registerUsers(program);
  registerChannels(program);
  registerConfig(program);
  registerStore(program);
  registerService(program);
  registerManifest(program);
  registerDoctor(program);
  return program;
}

/** Run the CLI; resolves to the exit code. The single place errors become messages and exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof LsslackError ? error.message : `Unexpected error: ${(error as Error).stack ?? String(error)}`;
    process.stderr.write(`lsslack: ${message}\n`);
    return exitCodeFor(error);
  }
}
