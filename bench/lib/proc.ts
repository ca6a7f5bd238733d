import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = path.dirname(BENCH_DIR);

export interface Proc<Ready> {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: Ready;
  /** Ask it to exit (IPC disconnect, then SIGTERM, then SIGKILL); resolves when it has. */
  stop(): Promise<void>;
}

/**
 * A TypeScript bench process (tsx) with an IPC channel; resolves once it sent {type:'ready'}.
 * Its output goes nowhere unless `inherit` is set: the bench's own stdout is for the table.
 */
export async function startProc<Ready extends { type: 'ready' }>(script: string, env: Record<string, string> = {}, options: { inherit?: boolean; timeoutMs?: number } = {}): Promise<Proc<Ready>> {
  const child = fork(path.join(BENCH_DIR, script), [], {
    cwd: ROOT_DIR,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: options.inherit === true ? 'inherit' : ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready within ${options.timeoutMs ?? 30_000} ms\n${stderr}`)), options.timeoutMs ?? 30_000);
    child.on('message', function onMessage(message: { type?: string }) {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as Ready);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready\n${stderr}`));
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    ready,
    stop: () => stopChild(child, exited),
  };
}

/** Disconnect/SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.disconnect();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Send a message and wait for the reply with the same id (type 'result' or 'error'). */
export function request<Reply extends { type: string; id: number }>(child: ChildProcess, message: { id: number } & Record<string, unknown>, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no reply to ${String(message.type)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply: Reply & { message?: string }) => {
      if (reply.id !== message.id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (reply.type === 'error') reject(new Error(reply.message ?? 'child failed'));
      else resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}
