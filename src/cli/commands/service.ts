import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { LsslackError } from '../../domain/errors.js';
import { configFor } from '../context.js';
import { packageInfo } from '../package-info.js';
import {
  buildEnvFileTemplate,
  buildSystemdUnit,
  DEFAULT_ENV_FILE,
  DEFAULT_SERVICE_USER,
  inspectFile,
  installedPaths,
  STATE_DIR,
  UNIT_PATH,
  type BuiltUnit,
  type Inspect,
} from '../systemd-unit.js';

interface ServiceFlags {
  user?: string;
  envFile?: string;
  environmentFile?: string;
  config?: string;
}

/**
 * `--env-file` is what the issue asks for, but Node 20 (nodejs/node#54232, still in 20.20) also
 * reads `--env-file PATH` after the script name and exits 9 ("node: PATH: not found") before
 * lsslack runs when PATH does not exist yet — exactly the case for a fresh install. So
 * `--environment-file` is the reliable spelling and `--env-file` an alias that works for existing files.
 */
function envFileOf(flags: ServiceFlags): string {
  if (flags.envFile !== undefined && flags.environmentFile !== undefined && flags.envFile !== flags.environmentFile) {
    throw new LsslackError('usage', '--env-file and --environment-file name different files; give one of them.');
  }
  return flags.environmentFile ?? flags.envFile ?? DEFAULT_ENV_FILE;
}

const ENV_FILE_HELP = `file with the secrets (EnvironmentFile=), default ${DEFAULT_ENV_FILE}`;
const ENV_FILE_ALIAS_HELP = 'alias of --environment-file (Node 20 exits before lsslack starts if this file does not exist yet)';

/** `lsslack service print|install`: run lsslack as a hardened systemd service. */
export function registerService(program: Command): void {
  const service = program.command('service').description('run lsslack as a systemd service');

  service
    .command('print')
    .description('print the systemd unit for this installation')
    .option('--user <user>', 'system user the service runs as', DEFAULT_SERVICE_USER)
    .option('--environment-file <path>', ENV_FILE_HELP)
    .option('--env-file <path>', ENV_FILE_ALIAS_HELP)
    .option('--config <file>', 'config file (only LSSLACK_SHUTDOWN_TIMEOUT is used, for TimeoutStopSec)')
    .action((flags: ServiceFlags) => {
      const unit = unitFor(flags);
      for (const warning of unit.warnings) process.stderr.write(`lsslack: warning: ${warning}\n`);
      process.stdout.write(unit.text);
    });

  service
    .command('install')
    .description(`write ${UNIT_PATH} and an env-file template for the secrets, then print the systemctl commands to run (needs root)`)
    .option('--user <user>', 'system user the service runs as', DEFAULT_SERVICE_USER)
    .option('--environment-file <path>', `${ENV_FILE_HELP}; created from a template if absent, never overwritten`)
    .option('--env-file <path>', ENV_FILE_ALIAS_HELP)
    .option('--config <file>', 'config file (only LSSLACK_SHUTDOWN_TIMEOUT is used, for TimeoutStopSec)')
    .action(async (flags: ServiceFlags) => {
      const { nodePath, binPath } = installedPaths();
      await installService({
        root: '/',
        isRoot: realIsRoot,
        systemd: realSystemdProbe,
        user: flags.user ?? DEFAULT_SERVICE_USER,
        envFile: envFileOf(flags),
        // Loaded only after the root and systemd checks, so a refusal is never masked by a config error.
        shutdownTimeoutMs: () => configFor({ config: flags.config }).shutdownTimeoutMs,
        nodePath,
        binPath,
        out: (line) => process.stdout.write(`${line}\n`),
        warn: (line) => process.stderr.write(`lsslack: warning: ${line}\n`),
      });
    });
}

function unitFor(flags: ServiceFlags): BuiltUnit {
  const { nodePath, binPath } = installedPaths();
  return buildSystemdUnit({
    inspect: inspectFile,
    nodePath,
    binPath,
    user: flags.user ?? DEFAULT_SERVICE_USER,
    envFile: envFileOf(flags),
    shutdownTimeoutMs: configFor({ config: flags.config }).shutdownTimeoutMs,
    version: packageInfo().version,
  });
}

/** What the install step found out about the machine. */
export interface SystemdProbe {
  /** /run/systemd/system exists: this machine was booted with systemd. */
  readonly running: boolean;
  /** `systemctl` is on PATH. */
  readonly systemctl: boolean;
}

export interface InstallServiceOptions {
  /** Directory the absolute target paths are taken relative to: `/` for real, a temp dir in tests. */
  readonly root: string;
  readonly isRoot: () => boolean;
  readonly systemd: () => SystemdProbe;
  readonly user: string;
  /** Absolute path as the service sees it (relative to `root` when written). */
  readonly envFile: string;
  /** LSSLACK_SHUTDOWN_TIMEOUT in ms, or a function loading it (called after the root/systemd checks). */
  readonly shutdownTimeoutMs: number | (() => number);
  readonly nodePath: string;
  readonly binPath: string;
  readonly out: (line: string) => void;
  readonly warn: (line: string) => void;
  /** The filesystem the permission checks look at (default the real one). */
  readonly inspect?: Inspect;
}

export interface InstallServiceResult {
  readonly unitFile: string;
  readonly unitState: 'created' | 'updated' | 'unchanged';
  readonly envFile: string;
  readonly envFileCreated: boolean;
  readonly userExists: boolean;
  /** The commands the operator should run next, in order. */
  readonly commands: readonly string[];
}

/**
 * Install the unit and the env-file template. Refuses (LsslackError 'forbidden', exit 1) when not
 * root, when systemd is absent, or when node/lsslack live where ProtectHome=yes hides them; bad
 * --user/--env-file values are usage errors (exit 2). Never overwrites an existing env file.
 */
export async function installService(options: InstallServiceOptions): Promise<InstallServiceResult> {
  if (!options.isRoot()) {
    throw new LsslackError('forbidden', `service install writes ${UNIT_PATH} and ${options.envFile}, which needs root: run it again with sudo (e.g. \`sudo ${options.nodePath} ${options.binPath} service install\`), or use \`lsslack service print\` and install the unit yourself.`);
  }
  const probe = options.systemd();
  if (!probe.running && !probe.systemctl) {
    throw new LsslackError('forbidden', 'systemd is not present on this machine (no /run/systemd/system and no systemctl on PATH), so a systemd unit would never run. Run `lsslack start` under your own supervisor instead (it exits 0 on SIGTERM after a graceful shutdown, and 2 on bad configuration).');
  }
  const shutdownTimeoutMs = typeof options.shutdownTimeoutMs === 'function' ? options.shutdownTimeoutMs() : options.shutdownTimeoutMs;
  const unit = buildSystemdUnit({ nodePath: options.nodePath, binPath: options.binPath, user: options.user, envFile: options.envFile, shutdownTimeoutMs, version: packageInfo().version, inspect: options.inspect ?? inspectFile });
  if (unit.warnings.length > 0) throw new LsslackError('forbidden', `Refusing to install: ${unit.warnings.join(' ')}`);

  const unitFile = path.join(options.root, UNIT_PATH);
  await mkdir(path.dirname(unitFile), { recursive: true, mode: 0o755 });
  const previous = await readFile(unitFile, 'utf8').catch(() => undefined);
  const unitState = previous === undefined ? 'created' : previous === unit.text ? 'unchanged' : 'updated';
  if (unitState !== 'unchanged') await writeAtomically(unitFile, unit.text, 0o644);
  options.out(`${unitState === 'created' ? 'Wrote' : unitState === 'updated' ? 'Updated' : 'Unchanged:'} ${UNIT_PATH} (runs ${options.nodePath} ${options.binPath} start as user ${options.user}; TimeoutStopSec=${unit.timeoutStopSec}).`);

  const envFile = path.join(options.root, options.envFile);
  const envDir = path.dirname(envFile);
  if (!existsSync(envDir)) await mkdir(envDir, { recursive: true, mode: 0o700 });
  let envFileCreated = false;
  try {
    const handle = await open(envFile, 'wx', 0o600);
    try {
      await handle.writeFile(buildEnvFileTemplate());
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(envFile, 0o600);
    envFileCreated = true;
    options.out(`Wrote ${options.envFile} (mode 0600, owned by root): a template listing every secret, with where to get it. Fill it in.`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    options.out(`Kept the existing ${options.envFile} (never overwritten).`);
    const mode = statSync(envFile).mode & 0o777;
    if ((mode & 0o077) !== 0) options.warn(`${options.envFile} has mode ${mode.toString(8).padStart(4, '0')} and holds secrets: run \`chmod 600 ${options.envFile}\`.`);
    for (const warning of envFileOverrides(await readFile(envFile, 'utf8'), options.envFile)) options.warn(warning);
  }

  const userExists = options.user === 'root' || (await passwdHasUser(options.root, options.user));
  if (!probe.running) options.warn('systemd is installed but not running here (no /run/systemd/system, e.g. a container); the commands below work once the machine boots with systemd.');
  const commands = [
    ...(userExists ? [] : [`useradd --system --user-group --home-dir ${STATE_DIR} --no-create-home --shell /usr/sbin/nologin ${options.user}`]),
    `\${EDITOR:-vi} ${options.envFile}`,
    'systemctl daemon-reload',
    'systemctl enable --now lsslack',
    'systemctl status lsslack',
    'journalctl -u lsslack -f',
  ];
  options.out('');
  options.out('Next, as root:');
  if (!userExists) options.out(`  # user ${options.user} does not exist yet; create it as a system user without a login shell:`);
  for (const command of commands) options.out(`  ${command}`);
  options.out('');
  options.out(`The daemon keeps its data in ${STATE_DIR} (created by systemd, mode 0700). Manage users as the service user, e.g.:`);
  options.out(`  sudo -u ${options.user} LSSLACK_DATA_DIR=${STATE_DIR} LSSLACK_CONFIG_DIR=${STATE_DIR} ${options.nodePath} ${options.binPath} users list`);
  return { unitFile, unitState, envFile, envFileCreated, userExists, commands };
}

/**
 * Settings in the EnvironmentFile override the unit's Environment= lines (systemd.exec(5)); under
 * ProtectSystem=strict only /var/lib/lsslack is writable, so a data or config dir elsewhere breaks.
 */
export function envFileOverrides(text: string, envFile: string): string[] {
  const warnings: string[] = [];
  for (const name of ['LSSLACK_DATA_DIR', 'LSSLACK_CONFIG_DIR']) {
    const value = new RegExp(`^\\s*${name}=(.*)$`, 'm').exec(text)?.[1]?.trim().replace(/^["']|["']$/g, '');
    if (value === undefined || value === '' || value === STATE_DIR || value.startsWith(`${STATE_DIR}/`)) continue;
    warnings.push(`${envFile} sets ${name}=${value}, which overrides the unit's ${STATE_DIR}; under ProtectSystem=strict only ${STATE_DIR} is writable, so lsslack could not write there. Remove that line.`);
  }
  return warnings;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

async function passwdHasUser(root: string, user: string): Promise<boolean> {
  const passwd = await readFile(path.join(root, 'etc', 'passwd'), 'utf8').catch(() => '');
  return passwd.split('\n').some((line) => line.startsWith(`${user}:`));
}

function realIsRoot(): boolean {
  return process.getuid?.() === 0;
}

function realSystemdProbe(): SystemdProbe {
  return { running: existsSync('/run/systemd/system'), systemctl: onPath('systemctl') };
}

/** Whether `systemctl` can be run (found on PATH by the OS; lsslack itself never reads PATH). */
function onPath(name: string): boolean {
  const result = spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 5_000 });
  return result.error === undefined;
}
