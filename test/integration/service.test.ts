import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { installService, type InstallServiceOptions } from '../../src/cli/commands/service.js';
import { LsslackError } from '../../src/domain/errors.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/run.ts')];

async function cli(args: string[], env: Record<string, string>, extra: { uid?: number; gid?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000, ...extra });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).error === undefined;

describe('lsslack service print', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-svc-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('prints a unit running this installation by absolute paths, honouring --user, --env-file and LSSLACK_SHUTDOWN_TIMEOUT', async () => {
    const result = await cli(['service', 'print', '--user', 'svc', '--environment-file', '/srv/ls.env'], { HOME: home, LSSLACK_SHUTDOWN_TIMEOUT: '25' });
    assert.equal(result.code, 0, result.stderr);
    const exec = /^ExecStart=(\S+) (\S+) start$/m.exec(result.stdout);
    assert.ok(exec !== null, result.stdout);
    assert.equal(exec[1], process.execPath);
    assert.equal(exec[2], path.resolve('bin/lsslack.js'));
    assert.match(result.stdout, /^User=svc$/m);
    assert.match(result.stdout, /^EnvironmentFile=\/srv\/ls\.env$/m);
    assert.match(result.stdout, /^TimeoutStopSec=45$/m);
  });

  it('refuses a relative env file or a bad user with exit 2', async () => {
    const relative = await cli(['service', 'print', '--environment-file', 'ls.env'], { HOME: home });
    assert.equal(relative.code, 2);
    assert.match(relative.stderr, /env file \(--environment-file\) must be an absolute path/);
    const user = await cli(['service', 'print', '--user', 'Bad User'], { HOME: home });
    assert.equal(user.code, 2);
    assert.match(user.stderr, /not a valid user name/);
  });

  it('accepts --env-file as an alias for an existing file (Node 20 itself intercepts --env-file for missing files)', async () => {
    const existing = path.join(home, 'existing.env');
    await writeFile(existing, '');
    const result = await cli(['service', 'print', '--env-file', existing], { HOME: home });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`EnvironmentFile=${existing}\n`));
  });

  it('passes systemd-analyze verify', { skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed (Debian: apt-get install systemd); only the unit content is checked' }, async (t) => {
    for (const user of ['lsslack', 'root']) {
      const printed = await cli(['service', 'print', '--user', user], { HOME: home });
      assert.equal(printed.code, 0, printed.stderr);
      const dir = await mkdtemp(path.join(home, 'unit-'));
      const file = path.join(dir, 'lsslack.service');
      await writeFile(file, printed.stdout);
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8', timeout: 30_000 });
      // verify reports unknown keys and unparsable values only as warnings with exit 0, so any
      // line about our file counts as a failure; lines about unrelated system units do not.
      const about = (verify.stderr ?? '').split('\n').filter((l) => l.includes('lsslack'));
      t.diagnostic(`systemd-analyze verify (User=${user}): exit ${verify.status}${verify.stderr.trim() === '' ? ', no output' : `: ${verify.stderr.trim()}`}`);
      assert.equal(verify.status, 0, verify.stderr);
      assert.deepEqual(about, [], `systemd-analyze complained:\n${verify.stderr}`);
    }
  });

  it('systemd-analyze verify catches a broken unit (so the check above means something)', { skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed' }, async () => {
    const printed = await cli(['service', 'print'], { HOME: home });
    const dir = await mkdtemp(path.join(home, 'bad-'));
    const file = path.join(dir, 'lsslack.service');
    await writeFile(file, printed.stdout.replace('ProtectHome=yes', 'ProtectHome=perhaps').replace('Type=exec', 'Tpye=exec'));
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8', timeout: 30_000 });
    assert.match(verify.stderr, /Unknown key 'Tpye'/);
    assert.match(verify.stderr, /protect home/i);
  });
});

describe('lsslack service install', () => {
  let root: string;
  const lines: string[] = [];
  const warnings: string[] = [];
  const base = (): InstallServiceOptions => ({
    root,
    isRoot: () => true,
    systemd: () => ({ running: true, systemctl: true }),
    user: 'lsslack',
    envFile: '/etc/lsslack/lsslack.env',
    shutdownTimeoutMs: 10_000,
    nodePath: '/usr/bin/node',
    binPath: '/usr/lib/node_modules/lsslack/bin/lsslack.js',
    out: (l) => lines.push(l),
    warn: (l) => warnings.push(l),
    // The paths above, as a system-wide install has them: every directory 0755, the files readable.
    inspect: (file) => ({ mode: file === '/usr/lib/node_modules/lsslack/bin/lsslack.js' ? 0o644 : 0o755, isDirectory: !file.endsWith('.js') && !file.endsWith('/node') }),
  });
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lsslack-root-'));
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the unit (0644) and a 0600 env-file template, and prints the commands to run', async () => {
    lines.length = 0;
    const result = await installService(base());
    const unitFile = path.join(root, 'etc/systemd/system/lsslack.service');
    const envFile = path.join(root, 'etc/lsslack/lsslack.env');
    assert.equal(result.unitState, 'created');
    assert.equal(result.envFileCreated, true);
    assert.equal(result.userExists, false);
    assert.equal((await stat(unitFile)).mode & 0o777, 0o644);
    assert.equal((await stat(envFile)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(envFile))).mode & 0o777, 0o700);
    if (process.getuid?.() === 0) assert.equal((await stat(envFile)).uid, 0, 'owned by root');
    const unit = await readFile(unitFile, 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/node \/usr\/lib\/node_modules\/lsslack\/bin\/lsslack\.js start$/m);
    assert.match(await readFile(envFile, 'utf8'), /^SLACK_BOT_TOKEN=$/m);
    const text = lines.join('\n');
    for (const command of [
      'useradd --system --user-group --home-dir /var/lib/lsslack --no-create-home --shell /usr/sbin/nologin lsslack',
      'systemctl daemon-reload',
      'systemctl enable --now lsslack',
      'journalctl -u lsslack -f',
    ]) {
      assert.ok(text.includes(command), `prints ${command}`);
    }
    assert.ok(text.indexOf('useradd') < text.indexOf('daemon-reload') && text.indexOf('daemon-reload') < text.indexOf('enable --now'), 'in order');
  });

  it('never overwrites an existing env file, warns about loose modes, skips useradd for an existing user', async () => {
    const envFile = path.join(root, 'etc/lsslack/lsslack.env');
    await writeFile(envFile, 'SLACK_BOT_TOKEN=xoxb-mine\n');
    await chmod(envFile, 0o644);
    await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nlsslack:x:998:998::/var/lib/lsslack:/usr/sbin/nologin\n');
    lines.length = 0;
    warnings.length = 0;
    const result = await installService(base());
    assert.equal(result.envFileCreated, false);
    assert.equal(result.unitState, 'unchanged');
    assert.equal(result.userExists, true);
    assert.equal(await readFile(envFile, 'utf8'), 'SLACK_BOT_TOKEN=xoxb-mine\n');
    assert.match(lines.join('\n'), /Kept the existing \/etc\/lsslack\/lsslack\.env/);
    assert.ok(warnings.some((w) => w.includes('chmod 600 /etc/lsslack/lsslack.env')), warnings.join('\n'));
    await writeFile(envFile, 'SLACK_BOT_TOKEN=xoxb-mine\nLSSLACK_DATA_DIR=/srv/lsslack\n');
    warnings.length = 0;
    await installService(base());
    assert.ok(warnings.some((w) => /sets LSSLACK_DATA_DIR=\/srv\/lsslack, which overrides/.test(w)), warnings.join('\n'));
    await writeFile(envFile, 'SLACK_BOT_TOKEN=xoxb-mine\n');
    assert.equal(lines.join('\n').includes('useradd'), false);
    const updated = await installService({ ...base(), shutdownTimeoutMs: 60_000 });
    assert.equal(updated.unitState, 'updated');
    assert.match(await readFile(updated.unitFile, 'utf8'), /^TimeoutStopSec=80$/m);
  });

  it('refuses when not root, when systemd is absent, and when ProtectHome would hide the program', async () => {
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'lsslack-root-'));
    try {
      const cases: Array<[Partial<InstallServiceOptions>, RegExp]> = [
        [{ isRoot: () => false }, /needs root: run it again with sudo/],
        [{ systemd: () => ({ running: false, systemctl: false }) }, /systemd is not present/],
        [{ nodePath: '/home/ada/.nvm/versions/node/v20.18.1/bin/node' }, /Refusing to install: .*ProtectHome=yes/],
        [{ binPath: '/tmp/lsslack-checkout/bin/lsslack.js' }, /Refusing to install: .*PrivateTmp=yes replaces with an empty directory/],
        [{ envFile: '/var/tmp/lsslack.env' }, /Refusing to install: the env file \/var\/tmp\/lsslack\.env is under/],
        [{ inspect: (file) => ({ mode: file === '/usr/lib/node_modules' ? 0o700 : 0o755, isDirectory: !file.endsWith('.js') }) }, /Refusing to install: user lsslack cannot reach lsslack .*\/usr\/lib\/node_modules is mode 0700/],
      ];
      for (const [override, message] of cases) {
        await assert.rejects(installService({ ...base(), root: fresh, ...override }), (e: unknown) => e instanceof LsslackError && e.code === 'forbidden' && message.test(e.message));
      }
      assert.deepEqual(await readdirSafe(fresh), [], 'nothing written');
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('installs when systemctl exists but systemd is not running, with a warning', async () => {
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'lsslack-root-'));
    try {
      warnings.length = 0;
      await installService({ ...base(), root: fresh, systemd: () => ({ running: false, systemctl: true }) });
      assert.ok(warnings.some((w) => /not running here/.test(w)));
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('the real CLI refuses without root, exit 1', async (t) => {
    // As root, drop to nobody for the child; as any other user, run it directly.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) t.diagnostic('running as root: the CLI child runs as uid 65534 (nobody)');
    const result = await cli(['service', 'install'], { HOME: '/nonexistent' }, asRoot ? { uid: 65534, gid: 65534 } : {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /needs root: run it again with sudo/);
  });
});

async function readdirSafe(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return readdir(dir);
}
