import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LsslackError } from '../domain/errors.js';

/** Where the service keeps its state: systemd creates it from `StateDirectory=lsslack`. */
export const STATE_DIR = '/var/lib/lsslack';
export const DEFAULT_ENV_FILE = '/etc/lsslack/lsslack.env';
export const DEFAULT_SERVICE_USER = 'lsslack';
export const UNIT_PATH = '/etc/systemd/system/lsslack.service';

/** Seconds systemd waits after SIGTERM beyond lsslack's own shutdown deadline before it sends SIGKILL. */
export const STOP_MARGIN_SECONDS = 20;

/** `ProtectHome=yes` makes these invisible to the service. */
const HIDDEN_BY_PROTECT_HOME = ['/home', '/root', '/run/user'];
/** `PrivateTmp=yes` gives the service its own, empty, /tmp and /var/tmp. */
const HIDDEN_BY_PRIVATE_TMP = ['/tmp', '/var/tmp'];

export interface UnitOptions {
  /** Absolute path of the node binary (process.execPath). */
  readonly nodePath: string;
  /** Absolute path of this package's bin/lsslack.js. */
  readonly binPath: string;
  readonly user: string;
  readonly envFile: string;
  /** LSSLACK_SHUTDOWN_TIMEOUT in ms (config.shutdownTimeoutMs). */
  readonly shutdownTimeoutMs: number;
  readonly version?: string;
  /** How to look at the filesystem for the permission checks (left out: path checks only). */
  readonly inspect?: Inspect;
}

export interface BuiltUnit {
  readonly text: string;
  readonly timeoutStopSec: number;
  /** Reasons the unit will not work as generated (the program lives where ProtectHome=yes hides it). */
  readonly warnings: readonly string[];
}

/** The absolute node and bin/lsslack.js paths of this installation. */
export function installedPaths(): { nodePath: string; binPath: string } {
  // src/cli/ (tsx) and dist/cli/ (compiled) are both two levels below the package root.
  const bin = fileURLToPath(new URL('../../bin/lsslack.js', import.meta.url));
  return { nodePath: realOrSame(process.execPath), binPath: realOrSame(bin) };
}

/** The real filesystem, for permissionWarnings. */
export const inspectFile: Inspect = (file) => {
  try {
    const st = statSync(file);
    return { mode: st.mode, isDirectory: st.isDirectory() };
  } catch {
    return undefined;
  }
};

function realOrSame(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** A valid system user name (what useradd accepts on Debian, conservatively). */
export function checkUserName(user: string): string | undefined {
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(user) ? undefined : `"${user}" is not a valid user name (lowercase letters, digits, "_" and "-", at most 32 characters, not starting with a digit or "-")`;
}

/** Problems with a path that will be written into the unit; undefined when fine. */
export function checkUnitPath(what: string, file: string): string | undefined {
  if (!path.isAbsolute(file)) return `${what} must be an absolute path, got "${file}"`;
  if (/[\n\r\0]/.test(file)) return `${what} must not contain line breaks`;
  return undefined;
}

const under = (dirs: readonly string[], file: string) => dirs.some((dir) => file === dir || file.startsWith(`${dir}/`));

/** Paths that `ProtectHome=yes` would hide from the service. */
export function hiddenByProtectHome(file: string): boolean {
  return under(HIDDEN_BY_PROTECT_HOME, file);
}

/** Paths that `PrivateTmp=yes` would hide from the service (its /tmp and /var/tmp are its own). */
export function hiddenByPrivateTmp(file: string): boolean {
  return under(HIDDEN_BY_PRIVATE_TMP, file);
}

const SYSTEM_WIDE =
  "Install node and lsslack system-wide instead (e.g. Debian's nodejs package or a NodeSource build in /usr, then `sudo npm install -g lsslack`, which lands in /usr/lib/node_modules or /usr/local/lib/node_modules; or a checkout under /opt/lsslack) and run this again.";

/**
 * Why the unit's sandbox would hide a path it depends on: ProtectHome=yes hides /home, /root and
 * /run/user; PrivateTmp=yes replaces /tmp and /var/tmp with empty ones (systemd.exec(5)). The
 * program and node are run inside the sandbox; the env file is a secrets file that must outlive
 * reboots and tmp cleaners, so /tmp is no place for it either.
 */
export function sandboxWarnings(options: Pick<UnitOptions, 'nodePath' | 'binPath' | 'envFile' | 'user'>): string[] {
  const warnings: string[] = [];
  for (const [what, file] of [['the node binary', options.nodePath], ['lsslack', options.binPath]] as const) {
    if (hiddenByProtectHome(file)) {
      warnings.push(`${what} is at ${file}, under ${HIDDEN_BY_PROTECT_HOME.join(', ')}, which ProtectHome=yes hides from the service (and user ${options.user} usually cannot read it anyway). ${SYSTEM_WIDE}`);
    } else if (hiddenByPrivateTmp(file)) {
      warnings.push(`${what} is at ${file}, under ${HIDDEN_BY_PRIVATE_TMP.join(' or ')}, which PrivateTmp=yes replaces with an empty directory for the service: it would not find its own program. ${SYSTEM_WIDE}`);
    }
  }
  if (hiddenByPrivateTmp(options.envFile)) {
    warnings.push(`the env file ${options.envFile} is under ${HIDDEN_BY_PRIVATE_TMP.join(' or ')}: temporary directories are cleaned (and private to services), and it holds the secrets. Use --environment-file /etc/lsslack/lsslack.env (the default).`);
  } else if (hiddenByProtectHome(options.envFile)) {
    warnings.push(`the env file ${options.envFile} is under ${HIDDEN_BY_PROTECT_HOME.join(', ')}, which ProtectHome=yes hides from the service. Use --environment-file /etc/lsslack/lsslack.env (the default).`);
  }
  return warnings;
}

/** What `permissionWarnings` needs to know of a path: its mode bits, or undefined when it does not exist. */
export type Inspect = (file: string) => { readonly mode: number; readonly isDirectory: boolean } | undefined;

/**
 * The service runs as its own user (not root): it must be able to reach and read node, lsslack and
 * the package's files. Every directory on the way needs search permission for others (o+x), the
 * package directory read permission too (o+r: Node lists and reads node_modules), and node must be
 * executable by others. Checked on the mode bits, so it holds whoever runs the check.
 */
export function permissionWarnings(options: Pick<UnitOptions, 'nodePath' | 'binPath' | 'user'>, inspect: Inspect): string[] {
  if (options.user === 'root') return [];
  const warnings: string[] = [];
  const packageDir = path.dirname(path.dirname(options.binPath));
  const check = (what: string, file: string, needFile: number) => {
    const info = inspect(file);
    if (info === undefined) {
      warnings.push(`${what} ${file} does not exist.`);
      return;
    }
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      const d = inspect(dir);
      if (d !== undefined && (d.mode & 0o001) === 0) {
        warnings.push(`user ${options.user} cannot reach ${what} ${file}: ${dir} is mode ${(d.mode & 0o777).toString(8).padStart(4, '0')} (others need x). Run \`chmod o+x ${dir}\`, or install lsslack where every user can read it (/usr/lib/node_modules, /opt/lsslack).`);
        return;
      }
      if (dir === path.dirname(dir)) break;
    }
    if ((info.mode & needFile) !== needFile) {
      warnings.push(`user ${options.user} cannot ${needFile === 0o005 ? 'run' : 'read'} ${what} ${file} (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}). Run \`chmod o+${needFile === 0o005 ? 'rx' : 'r'} ${file}\`.`);
    }
  };
  check('node', options.nodePath, 0o005);
  check('lsslack', options.binPath, 0o004);
  const pkg = inspect(packageDir);
  if (pkg !== undefined && warnings.length === 0 && (pkg.mode & 0o005) !== 0o005) {
    warnings.push(`user ${options.user} cannot list lsslack's package directory ${packageDir} (mode ${(pkg.mode & 0o777).toString(8).padStart(4, '0')}). Run \`chmod -R o+rX ${packageDir}\`.`);
  }
  return warnings;
}

/**
 * Quote one word of a systemd command line: `%` starts a specifier and `$` a variable, so both are
 * doubled; words with blanks, quotes or backslashes are double-quoted with C-style escapes.
 */
export function quoteExecWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (!/[\s"'\\;]/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `%` in a non-command setting (such as EnvironmentFile=) must still be doubled. */
function escapeSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/** TimeoutStopSec: lsslack's own shutdown deadline plus a margin for flushing and exit. */
export function timeoutStopSecFor(shutdownTimeoutMs: number): number {
  return Math.ceil(shutdownTimeoutMs / 1000) + STOP_MARGIN_SECONDS;
}

/**
 * The systemd unit for lsslack (pure: everything it depends on is in `options`).
 *
 * Decisions:
 * - A fixed system user (default `lsslack`) rather than `DynamicUser=yes`: operators run
 *   `lsslack users map …` against the same store, as that user, while the daemon runs; with a
 *   dynamic user the UID changes and the state lives in /var/lib/private/, which makes that awkward.
 * - `StateDirectory=lsslack` creates /var/lib/lsslack (mode 0700, owned by the user) and is the only
 *   writable path under `ProtectSystem=strict`, so no `ReadWritePaths=` is needed.
 * - `RestartPreventExitStatus=2`: exit 2 means bad configuration, which restarting cannot fix.
 */
export function buildSystemdUnit(options: UnitOptions): BuiltUnit {
  const problems: string[] = [];
  for (const [what, file] of [['the node binary', options.nodePath], ['bin/lsslack.js', options.binPath], ['the env file (--environment-file)', options.envFile]] as const) {
    const problem = checkUnitPath(what, file);
    if (problem !== undefined) problems.push(problem);
  }
  const userProblem = checkUserName(options.user);
  if (userProblem !== undefined) problems.push(`--user ${userProblem}`);
  if (problems.length > 0) throw new LsslackError('usage', `Cannot build the unit: ${problems.join('; ')}.`);
  const warnings = [...sandboxWarnings(options), ...(options.inspect === undefined ? [] : permissionWarnings(options, options.inspect))];
  const timeoutStopSec = timeoutStopSecFor(options.shutdownTimeoutMs);
  const shutdownSec = options.shutdownTimeoutMs / 1000;
  const exec = [options.nodePath, options.binPath, 'start'].map(quoteExecWord).join(' ');
  const lines = [
    `# lsslack${options.version === undefined ? '' : ` ${options.version}`} — generated by \`lsslack service print\`; regenerate rather than edit by hand.`,
    '# Secrets live in the EnvironmentFile (mode 0600, root-owned: systemd reads it before dropping privileges).',
    '# Logs are JSON lines on stdout, kept by the journal: journalctl -u lsslack -o cat',
    ...warnings.map((w) => `# WARNING: ${w}`),
    '',
    '[Unit]',
    'Description=lsslack: unfurls trace links (Lightstep, Jaeger, Zipkin, Grafana Tempo) in Slack',
    // The README of this installation: it is there, whatever the package registry has published.
    `Documentation=${escapeSpecifiers(pathToFileURL(path.join(path.dirname(path.dirname(options.binPath)), 'README.md')).href)}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '# At most 5 starts in 5 minutes; then systemd gives up until `systemctl reset-failed lsslack`.',
    'StartLimitIntervalSec=300',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=${exec}`,
    `User=${options.user}`,
    `Group=${options.user}`,
    `EnvironmentFile=${escapeSpecifiers(options.envFile)}`,
    '# The state directory below is the data dir (store, key, journal); saved settings live there too, because',
    '# the home directory is not writable under ProtectSystem=strict. Do not set LSSLACK_DATA_DIR in the env file.',
    `Environment=LSSLACK_DATA_DIR=${STATE_DIR}`,
    `Environment=LSSLACK_CONFIG_DIR=${STATE_DIR}`,
    'StateDirectory=lsslack',
    'StateDirectoryMode=0700',
    'UMask=0077',
    '',
    'Restart=on-failure',
    'RestartSec=5s',
    '# Exit code 2 = invalid configuration: restarting cannot fix it, so do not loop.',
    'RestartPreventExitStatus=2',
    `# SIGTERM starts a graceful shutdown: running jobs get LSSLACK_SHUTDOWN_TIMEOUT (${shutdownSec} s here), the rest`,
    `# stay in the journal. TimeoutStopSec leaves ${STOP_MARGIN_SECONDS} s more before SIGKILL; if you raise`,
    '# LSSLACK_SHUTDOWN_TIMEOUT in the env file, regenerate this unit with the same value in the environment.',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${timeoutStopSec}`,
    '',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=lsslack',
    '',
    '# Hardening. /var/lib/lsslack (StateDirectory=) is the only writable path, so no ReadWritePaths= is needed.',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'RemoveIPC=yes',
    'LockPersonality=yes',
    '# V8 compiles JavaScript to machine code at run time and needs writable+executable memory: keep this "no".',
    'MemoryDenyWriteExecute=no',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'SystemCallArchitectures=native',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return { text: lines.join('\n'), timeoutStopSec, warnings };
}

/** One variable of the env-file template. */
interface EnvEntry {
  readonly name: string;
  /** Comment lines above it: what it is and where to get it. */
  readonly help: readonly string[];
  /** Written as `NAME=` (to fill in) when true, else commented out with its default. */
  readonly fill: boolean;
  readonly example?: string;
}

const ENV_TEMPLATE: readonly EnvEntry[] = [
  { name: 'SLACK_BOT_TOKEN', fill: true, help: ['Bot token (xoxb-…): your app at https://api.slack.com/apps → OAuth & Permissions → Bot User OAuth Token.'] },
  { name: 'SLACK_APP_TOKEN', fill: true, help: ['App-level token (xapp-…), Socket Mode only: Basic Information → App-Level Tokens → Generate, scope connections:write.'] },
  { name: 'SLACK_SIGNING_SECRET', fill: true, help: ['Signing secret, HTTP mode only (LSSLACK_MODE=http): Basic Information → App Credentials → Signing Secret.'] },
  { name: 'SLACK_CLIENT_ID', fill: true, help: ['OAuth client id: Basic Information → App Credentials → Client ID.'] },
  { name: 'SLACK_CLIENT_SECRET', fill: true, help: ['OAuth client secret: Basic Information → App Credentials → Client Secret.'] },
  { name: 'LIGHTSTEP_ORG', fill: true, help: ['Lightstep organization name (Lightstep → Settings → Organization); trace links do not contain it.'] },
  { name: 'LIGHTSTEP_API_KEY', fill: true, help: ['Lightstep API key: Lightstep → Settings → API Keys → Create (Viewer role is enough).'] },
  { name: 'LSSLACK_PUBLIC_URL', fill: true, help: ['Public https:// URL of this host (or your reverse proxy) that browsers reach for OAuth, e.g. https://lsslack.example.com.', 'Also the Slack Events request URL base in HTTP mode. `lsslack manifest --public-url …` puts it into the Slack app.'] },
  { name: 'LSSLACK_ADMIN_TOKEN', fill: true, help: ['Bearer token for /status and /metrics (at least 16 characters); without it they answer only on loopback.', 'Generate one: openssl rand -hex 24'] },
  { name: 'LSSLACK_SECRET_KEY', fill: false, example: '<64 hex characters from `openssl rand -hex 32`>', help: ['Key that encrypts stored user tokens and signs links. When unset, one is generated into /var/lib/lsslack/secret.key.', 'Set it when several replicas share a store (LSSLACK_STORE_URL).'] },
  { name: 'LSSLACK_STORE_URL', fill: false, example: 'postgres://lsslack:password@db.example.com/lsslack', help: ['postgres://… to share state between replicas; default: the embedded store in /var/lib/lsslack.'] },
  { name: 'LIGHTSTEP_APP_URL', fill: false, example: 'https://app.lightstep.com', help: ['Origin(s) whose trace links are unfurled, comma-separated (at most 5: Slack\'s limit of unfurl domains).'] },
  { name: 'LIGHTSTEP_API_URL', fill: false, example: 'https://api.lightstep.com', help: ['Lightstep public API base URL (EU accounts: https://api.eu.lightstep.com).'] },
  { name: 'LSSLACK_MODE', fill: false, example: 'socket', help: ['How Slack events arrive: socket (outbound WebSocket, no public endpoint needed) or http (Slack POSTs to LSSLACK_PUBLIC_URL/slack/events).'] },
  { name: 'LSSLACK_HOST', fill: false, example: '127.0.0.1', help: ['Address of the built-in HTTP listener (OAuth pages, health, metrics); put a TLS reverse proxy in front.'] },
  { name: 'LSSLACK_PORT', fill: false, example: '3000', help: ['Port of the built-in HTTP listener.'] },
  { name: 'LSSLACK_CONCURRENCY', fill: false, example: '8', help: ['Number of unfurl workers.'] },
  { name: 'LSSLACK_LOG_LEVEL', fill: false, example: 'info', help: ['fatal, error, warn, info, debug, trace or silent.'] },
  { name: 'LSSLACK_SHUTDOWN_TIMEOUT', fill: false, example: '10', help: ['Seconds running jobs may take to finish on `systemctl stop`. The unit\'s TimeoutStopSec must stay longer:', 'if you change it, run `sudo LSSLACK_SHUTDOWN_TIMEOUT=<same> lsslack service install` again.'] },
];

/** Names of every variable the env-file template mentions. */
export const ENV_TEMPLATE_NAMES: readonly string[] = ENV_TEMPLATE.map((e) => e.name);

/** The env-file template: every secret and required variable, each with where to get it. No values. */
export function buildEnvFileTemplate(): string {
  const out = [
    '# lsslack environment: read by systemd (EnvironmentFile= in lsslack.service) as root before it starts lsslack.',
    '# Keep this file mode 0600, owned by root: it holds secrets. Syntax: NAME=value, one per line, no spaces around "=".',
    '# Empty values count as unset. Do not set LSSLACK_DATA_DIR here: the unit points it at /var/lib/lsslack.',
    '# After editing: sudo systemctl restart lsslack',
    '',
  ];
  for (const entry of ENV_TEMPLATE) {
    for (const line of entry.help) out.push(`# ${line}`);
    out.push(entry.fill ? `${entry.name}=` : `#${entry.name}=${entry.example ?? ''}`);
    out.push('');
  }
  return out.join('\n');
}
