import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { startStack, traceUrl, waitFor, type Stack } from '../helpers/stack.js';
import { hasScript, spawnInPty, stripAnsi as plain, within } from '../helpers/terminal.js';
import { simulatorEnv } from '../../src/cli/simulator-env.js';

const ENTRY = path.resolve('src/cli/run.ts');

describe('lsslack start --dashboard', { skip: hasScript ? false : 'util-linux `script` is not installed' }, () => {
  let stack: Stack;
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-start-home-'));
    // Simulators and a seeded store only: the daemon under test is the child process.
    stack = await startStack({ startDaemon: false });
  });
  after(async () => {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('draws the dashboard of its own listener, logs to lsslack.log, and q stops the daemon with 0', async () => {
    const { slack, lightstep } = stack;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      LSSLACK_CONFIG_DIR: path.join(home, 'cfg'),
      TERM: 'xterm-256color',
      ...simulatorEnv({ slack, lightstep }, stack.dataDir),
      LSSLACK_ADMIN_TOKEN: 'the-admin-token-of-this-daemon',
    };
    const pty = spawnInPty([process.execPath, '--import', 'tsx', ENTRY, 'start', '--dashboard'], { env, columns: 90, rows: 26 });
    const raw = () => pty.output();
    const logFile = path.join(stack.dataDir, 'lsslack.log');
    // A log left by an older version, readable by everyone: start makes it private.
    await writeFile(logFile, '', { mode: 0o644 });
    await chmod(logFile, 0o644);
    try {
      await waitFor(() => plain(raw()).includes('● live') && /events \d/.test(plain(raw())), `a live frame; output so far:\n${plain(raw()).slice(-2000)}`, 60_000);
      const text = plain(raw());
      assert.ok(text.indexOf(`lsslack: logs go to ${logFile}`) < text.indexOf('● live'), 'the log path is printed before the dashboard');
      assert.match(text, /● connected/, 'the daemon reached the Slack simulator');
      assert.match(raw(), /\u001B\[3[1-6]m/, 'colour is on without NO_COLOR');
      await slack.sendEvent(linkSharedEvent({ channel: 'C0SELF', urls: [traceUrl()] }));
      await waitFor(() => /C0SELF/.test(plain(raw())), `the job on screen; output so far:\n${plain(raw()).slice(-2000)}`, 30_000);
      assert.equal(/"level":\d+/.test(raw()), false, 'no JSON log line on the terminal');
      pty.type('q');
      const code = await within(pty.exited, 15_000, 'quitting with q');
      assert.equal(code, 0, `exit code; output:\n${plain(raw()).slice(-1500)}`);
      assert.match(plain(raw()), /lsslack: dashboard closed, stopping the daemon…[^]*lsslack: stopped \(logs: /);
      const log = await readFile(logFile, 'utf8');
      assert.match(log, /"msg":"lsslack started"/);
      assert.match(log, /"msg":"lsslack stopped"/);
      assert.match(log, /"channel":"C0SELF"/);
      assert.equal(log.includes('the-admin-token-of-this-daemon'), false);
      assert.equal((await stat(logFile)).mode & 0o777, 0o600, 'lsslack.log is 0600 like the rest of the data dir');
    } finally {
      pty.kill();
    }
  });
});
