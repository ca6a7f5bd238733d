import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { deliver, settle, startStack, traceUrl, waitFor, type Stack } from '../helpers/stack.js';
import { closedPort, hasScript, spawnInPty, stripAnsi as plain, within } from '../helpers/terminal.js';

const ENTRY = path.resolve('src/cli/run.ts');

let home: string;
/** Only what the CLI needs: no CI variables (Ink would stop drawing live), no colour. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, LSSLACK_CONFIG_DIR: path.join(home, 'cfg'), TERM: 'xterm-256color', NO_COLOR: '1', ...extra };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env: childEnv(env), timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lsslack dashboard and lsslack status, as child processes', () => {
  let stack: Stack;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-cli-home-'));
    // Long enough that the held job of the "not ready" test keeps the daemon draining while a
    // child process (tsx, seconds on a loaded machine) starts and asks it.
    stack = await startStack({ env: { LSSLACK_SHUTDOWN_TIMEOUT: '120', LSSLACK_TRACE_DEADLINE: '120' } });
  });
  after(async () => {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('dashboard in a pseudo-terminal: live numbers change as events flow, q quits with 0 and restores the screen', { skip: hasScript ? false : 'util-linux `script` is not installed' }, async () => {
    const pty = spawnInPty([process.execPath, '--import', 'tsx', ENTRY, 'dashboard', '--url', stack.httpUrl], { env: childEnv(), columns: 100, rows: 30 });
    const unfurled = () => {
      const all = [...plain(pty.output()).matchAll(/unfurled\s+(\d+)\s/g)];
      const last = all[all.length - 1];
      return last === undefined ? undefined : Number(last[1]);
    };
    try {
      await waitFor(() => plain(pty.output()).includes('● live') && unfurled() !== undefined, `the first live frame; output so far:\n${plain(pty.output()).slice(-2000)}`, 60_000);
      const before = unfurled() ?? 0;
      assert.match(plain(pty.output()), /lsslack test · socket · up \d+s · ready/);
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0PTY', urls: [traceUrl()] }));
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0PTY', urls: [traceUrl()] }));
      await waitFor(() => unfurled() === before + 2, `unfurled ${before + 2} on screen; output so far:\n${plain(pty.output()).slice(-2500)}`, 15_000);
      const raw = pty.output();
      assert.match(plain(raw), /C0PTY/);
      assert.equal(/\u001B\[(?:3\d|9\d|4\d)(?:;\d+)*m/.test(raw), false, 'NO_COLOR: no colour codes');
      assert.match(raw, /\u001B\[\?1049h/, 'drawn on the alternate screen');
      pty.type('q');
      const code = await within(pty.exited, 10_000, 'quitting with q');
      assert.equal(code, 0, `exit code; output:\n${plain(pty.output()).slice(-1500)}`);
      assert.match(pty.output(), /\u001B\[\?1049l[^]*$/, 'the normal screen is back');
      assert.match(pty.output(), /\u001B\[\?25h/, 'the cursor is shown again');
    } finally {
      pty.kill();
    }
  });

  it('status --json prints the snapshot and exits 0 against a ready daemon', async () => {
    const result = await cli(['status', '--json', '--url', stack.httpUrl]);
    assert.equal(result.code, 0, result.stderr);
    const snapshot = JSON.parse(result.stdout) as { ready: boolean; version: string; counters: { events_received: number } };
    assert.equal(snapshot.ready, true);
    assert.equal(snapshot.version, 'test');
    assert.ok(snapshot.counters.events_received >= 1);
  });

  it('status finds the daemon from the configuration (0.0.0.0 → 127.0.0.1) and prints a summary', async () => {
    const port = new URL(stack.httpUrl).port;
    const result = await cli(['status'], { LSSLACK_HOST: '0.0.0.0', LSSLACK_PORT: port });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^lsslack test \\(socket mode\\) at http://127\\.0\\.0\\.1:${port}, up \\d+s: ready$`, 'm'));
    for (const label of ['slack', 'queue', 'events', 'outcomes', 'latency', 'auth']) assert.match(result.stdout, new RegExp(`^  ${label}\\s`, 'm'));
    assert.match(result.stdout, /connected since/);
  });

  it('dashboard without a terminal prints the status summary instead', async () => {
    const result = await cli(['dashboard', '--url', stack.httpUrl]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^lsslack test \(socket mode\) at .*: ready$/m);
    assert.equal(result.stdout.includes('\u001B'), false);
  });

  it('status exits 2 with the URL and the fix when nothing listens, and 2 on bad arguments', async () => {
    const port = await closedPort();
    // Independent processes: run them side by side (each pays the TypeScript start-up).
    const [down, json, bad, unknown] = await Promise.all([
      cli(['status', '--url', `http://127.0.0.1:${port}`]),
      cli(['status', '--json', '--url', `http://127.0.0.1:${port}`]),
      cli(['status', '--url', 'ftp://example.com']),
      cli(['status', '--bogus']),
    ]);
    assert.equal(down.code, 2, down.stderr);
    assert.match(down.stderr, new RegExp(`cannot reach the lsslack daemon at http://127\\.0\\.0\\.1:${port}/status: connection refused`));
    assert.match(down.stderr, /lsslack start/);
    assert.match(down.stderr, /--url/);
    assert.equal(json.code, 2);
    assert.deepEqual(JSON.parse(json.stdout).reachable, false);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--url must be http/);
    assert.equal(unknown.code, 2);
  });

  it('status exits 1 with the reasons while the daemon is not ready', async () => {
    // Hold a job so the daemon stays up, draining, while the CLI asks.
    stack.lightstep.stall(true);
    await deliver(stack.slack, linkSharedEvent({ channel: 'C0DRAIN', urls: [traceUrl()] }));
    // A hang guard, not a timing assert: the job only has to start at all.
    const started = Date.now();
    while ((await stack.daemon.status()).queue.running === 0) {
      assert.ok(Date.now() - started < 30_000, 'the held job never started');
      await settle(20);
    }
    const stopping = stack.daemon.stop();
    try {
      const result = await cli(['status', '--url', stack.httpUrl]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /NOT READY \(shutting down/);
      assert.match(result.stderr, /not ready: shutting down/);
    } finally {
      stack.lightstep.stall(false);
      await stopping;
    }
  });
});
