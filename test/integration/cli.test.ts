import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { linkThroughFlow, startStack, TEAM, traceUrl, waitFor, type Stack } from '../helpers/stack.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/run.ts')];

/** Run the real CLI entry in a child process with exactly the given environment. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? os.tmpdir(), ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('CLI', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-home-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('prints help and version', async () => {
    const help = await cli(['--help'], { HOME: home });
    assert.equal(help.code, 0);
    for (const command of ['start', 'demo', 'users', 'config']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
    const version = await cli(['--version'], { HOME: home });
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('refuses bad configuration with exit 2, listing every problem at once, before connecting', async () => {
    const result = await cli(['start'], {
      HOME: home,
      SLACK_BOT_TOKEN: 'xoxp-not-a-bot-token-SECRETVALUE',
      LSSLACK_PORT: '99999',
      LSSLACK_CONCURRENCY: 'many',
      LSSLACK_MODE: 'carrier-pigeon',
      SLACK_API_URL: 'not a url',
      LSSLACK_LOG_LEVEL: 'loud',
    });
    assert.equal(result.code, 2, result.stderr);
    for (const name of ['SLACK_BOT_TOKEN', 'LSSLACK_PORT', 'LSSLACK_CONCURRENCY', 'LSSLACK_MODE', 'SLACK_API_URL', 'LSSLACK_LOG_LEVEL', 'LIGHTSTEP_ORG', 'LIGHTSTEP_API_KEY', 'SLACK_CLIENT_ID']) {
      assert.match(result.stderr, new RegExp(name), `${name} is named`);
    }
    assert.equal(result.stderr.includes('SECRETVALUE'), false, 'the secret is not echoed');
    assert.equal(existsSync(path.join(home, '.config', 'lsslack')), false, 'a start that never ran leaves no config dir behind');
  });

  it('users map without arguments names the missing arguments first', async () => {
    const none = await cli(['users', 'map'], { HOME: home });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing required argument 'slack-user-id'/);
    const one = await cli(['users', 'map', 'U0ABC'], { HOME: home });
    assert.match(one.stderr, /missing required argument 'trace-user'/);
    const noTeam = await cli(['users', 'map', 'U0ABC', 'ada@example.com', '--allow', 'jaeger'], { HOME: home });
    assert.match(noTeam.stderr, /--team <team-id> is required/);
  });

  it('refuses a usage error with exit 2', async () => {
    const result = await cli(['users', 'map', 'not-an-id', 'ada', '--team', 'T1', '--projects', 'a'], { HOME: home, LSSLACK_DATA_DIR: path.join(home, 'd1') });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a Slack user id/);
  });

  it('saves settings with config set, masks secrets in config list, keeps the file private', async () => {
    const env = { HOME: home, LSSLACK_CONFIG_DIR: path.join(home, 'cfg') };
    assert.equal((await cli(['config', 'set', 'lightstep.org', 'acme'], env)).code, 0);
    assert.equal((await cli(['config', 'set', 'lightstep.apiKey', 'super-secret-api-key-123'], env)).code, 0);
    assert.equal((await cli(['config', 'set', 'concurrency', 'lots'], env)).code, 2);
    const list = await cli(['config', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /lightstep\.org\s+acme\s+\(saved/);
    assert.equal(list.stdout.includes('super-secret-api-key-123'), false);
    // The environment wins over a saved setting.
    const fromEnv = await cli(['config', 'get', 'lightstep.org'], { ...env, LIGHTSTEP_ORG: 'from-env' });
    assert.equal(fromEnv.stdout.trim(), 'from-env');
    const file = (await cli(['config', 'path'], env)).stdout.trim();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700, 'and its directory');
  });
});

describe('users map against a running daemon', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ mappings: [] });
  });
  after(async () => {
    await stack.stop();
  });

  it('takes effect without a restart, and concurrent CLI and daemon writes are all kept', async () => {
    const env = { HOME: os.tmpdir(), LSSLACK_DATA_DIR: stack.dataDir };
    // The daemon writes a pending unfurl for every prompt; meanwhile 6 CLI processes write mappings.
    const prompts = Array.from({ length: 12 }, (_, i) =>
      stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: `U0P${String(i).padStart(3, '0')}`, channel: 'C7', messageTs: `1749994000.${String(i).padStart(6, '0')}`, urls: [traceUrl()] })),
    );
    const maps = Array.from({ length: 6 }, (_, i) => cli(['users', 'map', `U0M${String(i).padStart(3, '0')}`, `user${i}@example.com`, '--team', TEAM, '--projects', 'checkout'], env));
    const results = await Promise.all(maps);
    await Promise.all(prompts);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.prompted === 12, '12 prompts');
    const store = await stack.store();
    assert.equal((await store.listMappings()).length, 6, 'no CLI write lost');
    assert.equal(await store.countPending(), 12, 'no daemon write lost');
    assert.equal((await stat(path.join(stack.dataDir, 'store.json'))).mode & 0o777, 0o600);

    // A mapping made by the CLI is used by the running daemon at once: the user can link now,
    // and the link they shared is delivered.
    const before = stack.slack.unfurls().filter((c) => c.args.unfurls !== undefined).length;
    const flow = await linkThroughFlow(stack, { userId: 'U0M003', channel: 'C8' });
    assert.equal(flow.callbackStatus, 200, flow.callbackBody);
    await waitFor(() => stack.slack.unfurls().filter((c) => c.args.unfurls !== undefined).length === before + 1, 'the preview for the newly mapped user');

    const list = await cli(['users', 'list', '--json'], env);
    const rows = JSON.parse(list.stdout) as Array<{ slackUser: string; projects: string[] }>;
    assert.equal(rows.length, 6);
    const unmap = await cli(['users', 'unmap', 'U0M003', '--team', TEAM], env);
    assert.equal(unmap.code, 0);
    assert.equal((await store.listMappings()).length, 5);
  });
});

describe('channels set/list/unset against a running daemon', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.stop();
  });

  it('sets a channel to summary, which the daemon applies to the next share; lists it; unset restores the default', async () => {
    const env = { HOME: os.tmpdir(), LSSLACK_DATA_DIR: stack.dataDir };
    let n = 0;
    const previewIn = async (channel: string) => {
      const ts = `1749994500.${String(++n).padStart(6, '0')}`;
      await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: 'U0SIMUSER', channel, messageTs: ts, urls: [traceUrl()] }));
      await waitFor(() => stack.slack.unfurls().some((c) => c.args.ts === ts && c.args.unfurls !== undefined), `the preview in ${channel}`);
      return JSON.stringify(stack.slack.unfurls().find((c) => c.args.ts === ts)!.args.unfurls);
    };
    assert.match(await previewIn('C0CLI'), /frontend: GET \/checkout/);

    const set = await cli(['channels', 'set', 'C0CLI', '--team', TEAM, '--detail', 'summary'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Channel C0CLI \(team T0SIM\): summary while internal/);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const summary = await previewIn('C0CLI');
    assert.doesNotMatch(summary, /frontend|checkout-service|GET \/checkout/);

    // Options not given keep their value: narrowing grants leaves the detail alone.
    assert.equal((await cli(['channels', 'set', 'C0CLI', '--team', TEAM, '--allow', 'lightstep/payments'], env)).code, 0);
    assert.equal((await cli(['channels', 'set', '*', '--team', TEAM, '--external-detail', 'none'], env)).code, 0);
    const list = await cli(['channels', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { defaults: { internal: string; external: string }; policies: Array<{ channel: string; detail?: string; externalDetail?: string; grants?: string[] }> };
    assert.deepEqual(listed.defaults, { internal: 'full', external: 'summary' });
    assert.deepEqual(listed.policies.map((p) => [p.channel, p.detail, p.externalDetail, p.grants]), [['*', undefined, 'none', undefined], ['C0CLI', 'summary', undefined, ['lightstep/payments']]]);
    const table = await cli(['channels', 'list'], env);
    assert.match(table.stdout, /Defaults: full in internal channels, summary in channels shared outside/);
    assert.match(table.stdout, /C0CLI +summary +- +lightstep\/payments/);

    const unset = await cli(['channels', 'unset', 'C0CLI', '--team', TEAM], env);
    assert.equal(unset.code, 0, unset.stderr);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.match(await previewIn('C0CLI'), /frontend: GET \/checkout/);
    const again = await cli(['channels', 'unset', 'C0CLI', '--team', TEAM], env);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /No policy for C0CLI/);
  });

  it('refuses bad arguments with exit 2 and says what is expected', async () => {
    const env = { HOME: os.tmpdir(), LSSLACK_DATA_DIR: stack.dataDir };
    const cases: Array<[string[], RegExp]> = [
      [['channels', 'set', 'C0X', '--detail', 'full'], /--team <team-id> is required/],
      [['channels', 'set', 'general', '--team', TEAM, '--detail', 'full'], /not a channel id .*Channel ID/],
      [['channels', 'set', 'C0X', '--team', TEAM, '--detail', 'everything'], /--detail must be full, summary or none/],
      [['channels', 'set', 'C0X', '--team', TEAM], /Give at least one of --detail/],
      [['channels', 'set', '*', '--team', TEAM, '--allow', 'jaeger'], /--allow is per channel/],
      [['channels', 'set', 'C0X', '--team', TEAM, '--allow', 'Not A Grant'], /Not a grant/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});

describe('lsslack demo', () => {
  it('runs against the simulators, shows a preview and exits 0', async () => {
    const child = spawn(process.execPath, [...CLI, 'demo'], { env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /SIMULATED/);
    assert.match(out, /frontend: GET \/checkout/);
    assert.match(out, /Critical path/);
    assert.match(out, /You are connected/);
    assert.match(out, /user's own token/);
    // Who sees what: the externally shared channel's card and blocks name nothing of the trace.
    const outside = out.slice(out.indexOf('externally shared'), out.indexOf('12. '));
    assert.match(outside, /Jaeger trace · 412\.6ms/);
    assert.doesNotMatch(outside, /frontend|payment-service|GET \/checkout/);
    const flexpanes = out.slice(out.indexOf('12. '));
    assert.match(flexpanes, /U0SIMUSER \(linked, granted jaeger\) opens it:\n\s+┌ frontend: GET \/checkout[\s\S]*Critical path/);
    assert.match(flexpanes, /U0SIMGUEST \(not linked yet\) opens it:\n\s+Slack's sign-in prompt/);
  });
});
