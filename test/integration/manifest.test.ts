import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { SlackManifest } from '../../src/cli/slack-manifest.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/run.ts')];

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('lsslack manifest', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-manifest-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('prints YAML from the configuration: unfurl domains from LIGHTSTEP_APP_URL, redirect from LSSLACK_PUBLIC_URL', async () => {
    const result = await cli(['manifest'], { HOME: home, LIGHTSTEP_APP_URL: 'https://app.lightstep.com,https://eu.app.lightstep.com', LSSLACK_PUBLIC_URL: 'https://ls.example.com' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'no warning for an https public URL');
    const m = parse(result.stdout) as SlackManifest;
    assert.deepEqual(m.features.unfurl_domains, ['app.lightstep.com', 'eu.app.lightstep.com']);
    assert.deepEqual(m.oauth_config.redirect_urls, ['https://ls.example.com/integration/auth/slack/callback']);
    assert.equal(m.settings.socket_mode_enabled, true);
    assert.equal(m.settings.event_subscriptions.request_url, undefined);
  });

  it('--mode http --public-url --format json: the Events request URL, valid JSON', async () => {
    const result = await cli(['manifest', '--mode', 'http', '--public-url', 'https://hooks.example.com/', '--format', 'json'], { HOME: home });
    assert.equal(result.code, 0, result.stderr);
    const m = JSON.parse(result.stdout) as SlackManifest;
    assert.equal(m.settings.socket_mode_enabled, false);
    assert.equal(m.settings.event_subscriptions.request_url, 'https://hooks.example.com/slack/events');
    assert.deepEqual(m.oauth_config.redirect_urls, ['https://hooks.example.com/integration/auth/slack/callback']);
  });

  it('reads the public URL from --config, and warns on stderr (stdout stays pasteable) about a loopback URL', async () => {
    const file = path.join(home, 'config.json');
    await writeFile(file, JSON.stringify({ http: { publicUrl: 'http://127.0.0.1:3000' } }));
    const result = await cli(['manifest', '--config', file, '--format', 'json'], { HOME: home });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: .*loopback/);
    assert.deepEqual((JSON.parse(result.stdout) as SlackManifest).oauth_config.redirect_urls, ['http://127.0.0.1:3000/integration/auth/slack/callback']);
  });

  it('refuses more than 5 unfurl domains, an over-long name and a bad format with exit 2', async () => {
    const six = await cli(['manifest'], { HOME: home, LIGHTSTEP_APP_URL: ['a', 'b', 'c', 'd', 'e', 'f'].map((h) => `https://${h}.example.com`).join(',') });
    assert.equal(six.code, 2);
    assert.match(six.stderr, /at most 5 unfurl domains/);
    assert.equal(six.stdout, '');
    const long = await cli(['manifest', '--name', 'x'.repeat(36)], { HOME: home });
    assert.equal(long.code, 2);
    assert.match(long.stderr, /at most 35/);
    const format = await cli(['manifest', '--format', 'xml'], { HOME: home });
    assert.equal(format.code, 2);
  });
});
