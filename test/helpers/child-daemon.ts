import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { simulatorEnv as envFor } from '../../src/cli/simulator-env.js';
import type { LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import type { SlackSimulator } from '../../src/simulators/slack/index.js';

/** `lsslack start` in a child process (the real CLI entry), talking to in-test simulators. */
export interface ChildDaemon {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Environment for a child daemon: the simulators, plus PATH/HOME and info-level logs. */
export function simulatorEnv(slack: SlackSimulator, lightstep: LightstepSimulator, dataDir: string): Record<string, string> {
  return { ...envFor({ slack, lightstep }, dataDir), PATH: process.env.PATH ?? '', HOME: dataDir, LSSLACK_LOG_LEVEL: 'info' };
}

/** Start the daemon and wait for its "lsslack started" log line (which names the listener URL). */
export async function startChildDaemon(env: Record<string, string>, args: string[] = []): Promise<ChildDaemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/run.ts'), 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start within 90 s:\n${out}`)), 90_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"msg":"lsslack started"/.test(out) ? /"httpUrl":"([^"]+)"/.exec(out) : null;
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before starting:\n${out}`));
    });
  });
  return { child, httpUrl, output: () => out, exited };
}
