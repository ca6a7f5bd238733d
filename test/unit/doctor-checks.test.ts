import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fail, pass, renderChecklist, skip } from '../../src/cli/doctor/check.js';
import { runDoctor } from '../../src/cli/commands/doctor.js';
import { checkDataDir } from '../../src/cli/doctor/data-dir-check.js';
import { clockSkewMs, judgeClockSkew, MAX_CLOCK_SKEW_MS } from '../../src/cli/doctor/slack-checks.js';

describe('clock skew', () => {
  const at = Date.parse('2026-03-01T12:00:00Z');

  it('measures local minus server time against the request midpoint', () => {
    const date = new Date(at).toUTCString();
    assert.equal(clockSkewMs(date, at - 100, at + 100), 0);
    assert.equal(clockSkewMs(date, at + 90_000, at + 90_200), 90_100, 'local clock ahead → positive');
    assert.equal(clockSkewMs(date, at - 120_000, at - 119_800), -119_900, 'local clock behind → negative');
    assert.equal(clockSkewMs(undefined, at, at), undefined);
    assert.equal(clockSkewMs('not a date', at, at), undefined);
  });

  it('passes within a minute, fails beyond it with an NTP hint, skips without a header', () => {
    assert.equal(judgeClockSkew(400).status, 'pass');
    assert.equal(judgeClockSkew(-MAX_CLOCK_SKEW_MS).status, 'pass');
    const ahead = judgeClockSkew(MAX_CLOCK_SKEW_MS + 1_000);
    assert.equal(ahead.status, 'fail');
    assert.match(ahead.detail, /61 s ahead of Slack/);
    assert.match(ahead.hint ?? '', /timedatectl set-ntp true/);
    const behind = judgeClockSkew(clockSkewMs(new Date(at).toUTCString(), at - 300_000, at - 300_000));
    assert.equal(behind.status, 'fail');
    assert.match(behind.detail, /300 s behind Slack/);
    assert.equal(judgeClockSkew(undefined).status, 'skip');
  });
});

describe('checkDataDir', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'lsslack-dd-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('passes a private dir with 0600 files, and a dir that does not exist yet but can be created', async () => {
    const dir = path.join(base, 'ok');
    await mkdir(dir, { mode: 0o700 });
    await writeFile(path.join(dir, 'store.json'), '{}', { mode: 0o600 });
    const ok = await checkDataDir(dir);
    assert.equal(ok.status, 'pass', ok.detail);
    assert.match(ok.detail, /store\.json mode 0600/);
    const later = await checkDataDir(path.join(base, 'not', 'yet'));
    assert.equal(later.status, 'pass');
    assert.match(later.detail, /does not exist yet/);
  });

  it('fails a group-writable dir, an exposed key and a file in place of the dir, naming the fix', async () => {
    const dir = path.join(base, 'loose');
    await mkdir(dir);
    await chmod(dir, 0o770);
    await writeFile(path.join(dir, 'secret.key'), 'k');
    await chmod(path.join(dir, 'secret.key'), 0o640);
    const r = await checkDataDir(dir);
    assert.equal(r.status, 'fail');
    assert.match(r.detail, /group\/world writable \(mode 0770\)/);
    assert.match(r.detail, /secret\.key is readable or writable by others \(mode 0640\)/);
    assert.equal(r.hint, `chmod 700 ${dir} && chmod 600 ${path.join(dir, 'secret.key')}`);
    const file = path.join(base, 'a-file');
    await writeFile(file, '');
    assert.equal((await checkDataDir(file)).status, 'fail');
  });
});

describe('renderChecklist', () => {
  it('prints ✓/✗/– lines, the fix under each failure, and a summary', () => {
    const text = renderChecklist([pass('a', 'fine'), fail('b', 'broken\nsecond line', 'do this'), skip('c', 'n/a')]);
    assert.equal(text, '✓ a: fine\n✗ b: broken\n    second line\n    fix: do this\n– c: n/a\n\n1 of 2 checks failed.\n');
    assert.match(renderChecklist([pass('a', 'fine')]), /All 1 check passed/);
  });
});

describe('runDoctor with unusable configuration', () => {
  it('fails the configuration check without echoing secrets and skips what needs valid settings', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-doc-'));
    try {
      const { results } = await runDoctor({ env: { HOME: dir, LSSLACK_CONFIG_DIR: dir, LSSLACK_PORT: '99999', SLACK_BOT_TOKEN: 'xoxp-SECRETVALUE' } });
      assert.equal(results[0]?.status, 'fail');
      assert.match(results[0]?.detail ?? '', /LSSLACK_PORT/);
      assert.equal(JSON.stringify(results).includes('SECRETVALUE'), false);
      assert.ok(results.slice(1).length > 0 && results.slice(1).every((r) => r.status === 'skip'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
