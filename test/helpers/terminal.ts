import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';

/** CSI, OSC and the short ESC sequences a terminal app writes (colours, cursor moves, screens). */
const ESCAPES = /\u001B(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007]*\u0007|[()][A-Z0-9]|[78=>DEMc])/g;

/** `text` without terminal escape sequences. */
export const stripAnsi = (text: string): string => text.replace(ESCAPES, '');

/** `promise`, or a failure after `ms`; the timer is cleared either way, so no handle is left. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback port that was free a moment ago (nothing listens on it). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether util-linux `script` is here to give a child a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

/** A child running `argv` in a pseudo-terminal of the given size, its screen output collected. */
export interface PtyChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to the terminal so far, escapes included. */
  output(): string;
  /** Resolves with the exit code of `argv`. */
  readonly exited: Promise<number | null>;
  /** Type keys (sent through the pty, as a person would). */
  type(keys: string): void;
  kill(): void;
}

/** Run `argv` under `script`, which gives it a real pty; its stdin is forwarded as keystrokes. */
export function spawnInPty(argv: readonly string[], options: { env: Record<string, string>; columns: number; rows: number }): PtyChild {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const command = `stty cols ${options.columns} rows ${options.rows}; exec ${quoted}`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  const collect = (chunk: Buffer) => {
    raw += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => raw,
    exited,
    type: (keys) => child.stdin.write(keys),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
