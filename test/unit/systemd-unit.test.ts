import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../src/config/settings.js';
import { LsslackError } from '../../src/domain/errors.js';
import { buildEnvFileTemplate, buildSystemdUnit, ENV_TEMPLATE_NAMES, permissionWarnings, quoteExecWord, sandboxWarnings, timeoutStopSecFor, type Inspect } from '../../src/cli/systemd-unit.js';
import { envFileOverrides } from '../../src/cli/commands/service.js';

const BASE = { nodePath: '/usr/bin/node', binPath: '/usr/lib/node_modules/lsslack/bin/lsslack.js', user: 'lsslack', envFile: '/etc/lsslack/lsslack.env', shutdownTimeoutMs: 10_000 };

/** The unit as section → directive lines (comments and blanks dropped). */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = header[1]!;
      out.set(current, []);
      continue;
    }
    out.get(current)?.push(line);
  }
  return out;
}

describe('buildSystemdUnit', () => {
  it('has every directive the service needs, in the right section', () => {
    const unit = buildSystemdUnit(BASE);
    assert.deepEqual(unit.warnings, []);
    const s = sections(unit.text);
    assert.deepEqual([...s.keys()], ['Unit', 'Service', 'Install']);
    const expect = {
      Unit: ['After=network-online.target', 'Wants=network-online.target', 'StartLimitIntervalSec=300', 'StartLimitBurst=5'],
      Service: [
        'Type=exec',
        'ExecStart=/usr/bin/node /usr/lib/node_modules/lsslack/bin/lsslack.js start',
        'User=lsslack',
        'Group=lsslack',
        'EnvironmentFile=/etc/lsslack/lsslack.env',
        'Environment=LSSLACK_DATA_DIR=/var/lib/lsslack',
        'StateDirectory=lsslack',
        'UMask=0077',
        'Restart=on-failure',
        'RestartSec=5s',
        'RestartPreventExitStatus=2',
        'KillSignal=SIGTERM',
        'TimeoutStopSec=30',
        'StandardOutput=journal',
        'StandardError=journal',
        'SyslogIdentifier=lsslack',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ProtectHome=yes',
        'PrivateTmp=yes',
        'PrivateDevices=yes',
        'ProtectKernelTunables=yes',
        'ProtectKernelModules=yes',
        'ProtectControlGroups=yes',
        'RestrictNamespaces=yes',
        'LockPersonality=yes',
        'MemoryDenyWriteExecute=no',
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
        'CapabilityBoundingSet=',
      ],
      Install: ['WantedBy=multi-user.target'],
    };
    for (const [section, lines] of Object.entries(expect)) {
      for (const line of lines) assert.ok(s.get(section)?.includes(line), `[${section}] has ${line}`);
    }
    // StateDirectory= is the only writable path: no ReadWritePaths widening it.
    assert.equal(unit.text.split('\n').some((l) => l.startsWith('ReadWritePaths=')), false);
    // The JIT comment explains why MemoryDenyWriteExecute stays off.
    assert.match(unit.text, /#.*V8.*writable\+executable/);
  });

  it('runs absolute paths and waits longer than the shutdown deadline before SIGKILL', () => {
    const unit = buildSystemdUnit(BASE);
    const exec = /^ExecStart=(\S+) (\S+) start$/m.exec(unit.text);
    assert.ok(exec !== null);
    assert.ok(path.isAbsolute(exec[1]!) && path.isAbsolute(exec[2]!));
    for (const ms of [0, 500, 10_000, 45_500, 3_600_000]) {
      const built = buildSystemdUnit({ ...BASE, shutdownTimeoutMs: ms });
      const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(built.text)?.[1]);
      assert.equal(stop, timeoutStopSecFor(ms));
      assert.ok(stop * 1000 > ms, `TimeoutStopSec=${stop} > ${ms} ms`);
      assert.ok(stop * 1000 - ms >= 10_000, 'at least 10 s to flush and exit after the deadline');
    }
  });

  it('uses the given user and env file', () => {
    const unit = buildSystemdUnit({ ...BASE, user: 'svc-ls', envFile: '/srv/conf/ls.env' });
    assert.match(unit.text, /^User=svc-ls$/m);
    assert.match(unit.text, /^Group=svc-ls$/m);
    assert.match(unit.text, /^EnvironmentFile=\/srv\/conf\/ls\.env$/m);
  });

  it('rejects bad users and relative paths as usage errors', () => {
    for (const bad of [{ user: 'Root Admin' }, { user: '-x' }, { envFile: 'lsslack.env' }, { binPath: 'bin/lsslack.js' }, { envFile: '/etc/a\nExecStartPre=/bin/sh' }]) {
      assert.throws(() => buildSystemdUnit({ ...BASE, ...bad }), (e: unknown) => e instanceof LsslackError && e.code === 'usage');
    }
  });

  it('warns when ProtectHome=yes would hide node or lsslack', () => {
    for (const place of ['/home/ada/.nvm/versions/node/v20/bin/node', '/root/node', '/run/user/1000/node']) {
      const unit = buildSystemdUnit({ ...BASE, nodePath: place });
      assert.equal(unit.warnings.length, 1, place);
      assert.match(unit.warnings[0]!, /ProtectHome=yes/);
      assert.match(unit.text, /^# WARNING: .*ProtectHome/m);
    }
    assert.equal(buildSystemdUnit({ ...BASE, binPath: '/home/ada/lsslack/bin/lsslack.js' }).warnings.length, 1);
    assert.equal(buildSystemdUnit({ ...BASE, nodePath: '/homestead/node' }).warnings.length, 0);
  });

  it('warns when PrivateTmp=yes would hide node or lsslack, or the env file sits in a temporary directory', () => {
    for (const [override, pattern] of [
      [{ binPath: '/tmp/lsslack/bin/lsslack.js' }, /lsslack is at \/tmp\/lsslack\/bin\/lsslack\.js, under \/tmp or \/var\/tmp, which PrivateTmp=yes replaces/],
      [{ nodePath: '/var/tmp/node-v20/bin/node' }, /the node binary is at \/var\/tmp\/node-v20\/bin\/node.*PrivateTmp=yes/],
      [{ envFile: '/tmp/lsslack.env' }, /the env file \/tmp\/lsslack\.env is under \/tmp or \/var\/tmp/],
      [{ envFile: '/home/ada/lsslack.env' }, /the env file .* ProtectHome=yes/],
    ] as const) {
      const unit = buildSystemdUnit({ ...BASE, ...override });
      assert.equal(unit.warnings.length, 1, JSON.stringify(override));
      assert.match(unit.warnings[0]!, pattern);
      assert.match(unit.text, /^# WARNING: /m);
    }
    assert.deepEqual(sandboxWarnings({ ...BASE, binPath: '/tmpfs/lsslack/bin/lsslack.js' }), [], '/tmpfs is not /tmp');
  });

  it('warns when the service user cannot reach or read node or lsslack', () => {
    const modes = new Map<string, number>([
      ['/', 0o755],
      ['/usr', 0o755],
      ['/usr/bin', 0o755],
      ['/usr/bin/node', 0o755],
      ['/opt', 0o755],
      ['/opt/secret', 0o700],
      ['/opt/secret/lsslack', 0o755],
      ['/opt/secret/lsslack/bin', 0o755],
      ['/opt/secret/lsslack/bin/lsslack.js', 0o644],
      ['/opt/ok', 0o755],
      ['/opt/ok/lsslack', 0o755],
      ['/opt/ok/lsslack/bin', 0o755],
      ['/opt/ok/lsslack/bin/lsslack.js', 0o600],
    ]);
    const inspect: Inspect = (file) => (modes.has(file) ? { mode: modes.get(file)!, isDirectory: !file.endsWith('.js') && !file.endsWith('node') } : undefined);
    const hidden = permissionWarnings({ ...BASE, binPath: '/opt/secret/lsslack/bin/lsslack.js' }, inspect);
    assert.equal(hidden.length, 1);
    assert.match(hidden[0]!, /user lsslack cannot reach lsslack .*: \/opt\/secret is mode 0700 .*chmod o\+x \/opt\/secret/);
    const unreadable = permissionWarnings({ ...BASE, binPath: '/opt/ok/lsslack/bin/lsslack.js' }, inspect);
    assert.match(unreadable.join('\n'), /cannot read lsslack \/opt\/ok\/lsslack\/bin\/lsslack\.js \(mode 0600\)/);
    assert.deepEqual(permissionWarnings({ ...BASE, user: 'root', binPath: '/opt/secret/lsslack/bin/lsslack.js' }, inspect), [], 'root reads anything');
    assert.match(permissionWarnings({ ...BASE, binPath: '/opt/none/bin/lsslack.js' }, inspect).join(''), /does not exist/);
    modes.set('/opt/ok/lsslack/bin/lsslack.js', 0o644);
    modes.set('/opt/ok/lsslack', 0o751);
    assert.match(permissionWarnings({ ...BASE, binPath: '/opt/ok/lsslack/bin/lsslack.js' }, inspect).join(''), /cannot list lsslack's package directory \/opt\/ok\/lsslack \(mode 0751\)/);
  });

  it('an env file that moves the data or config dir away from the state directory is flagged', () => {
    assert.deepEqual(envFileOverrides('SLACK_BOT_TOKEN=x\n#LSSLACK_DATA_DIR=/srv\nLSSLACK_DATA_DIR=/var/lib/lsslack\n', '/etc/l.env'), []);
    const flagged = envFileOverrides('LSSLACK_DATA_DIR="/srv/lsslack"\n LSSLACK_CONFIG_DIR=/etc/lsslack\n', '/etc/l.env');
    assert.equal(flagged.length, 2);
    assert.match(flagged[0]!, /sets LSSLACK_DATA_DIR=\/srv\/lsslack, which overrides the unit's \/var\/lib\/lsslack/);
  });

  it('points Documentation= at the README of this installation', () => {
    assert.match(buildSystemdUnit(BASE).text, /^Documentation=file:\/\/\/usr\/lib\/node_modules\/lsslack\/README\.md$/m);
    assert.match(buildSystemdUnit({ ...BASE, binPath: '/opt/my apps/lsslack/bin/lsslack.js' }).text, /^Documentation=file:\/\/\/opt\/my%%20apps\/lsslack\/README\.md$/m);
  });

  it('quotes command words for systemd: blanks, quotes, % specifiers and $ variables', () => {
    assert.equal(quoteExecWord('/usr/bin/node'), '/usr/bin/node');
    assert.equal(quoteExecWord('/opt/my apps/node'), '"/opt/my apps/node"');
    assert.equal(quoteExecWord('/opt/100%/node'), '/opt/100%%/node');
    assert.equal(quoteExecWord('/opt/$HOME/node'), '/opt/$$HOME/node');
    assert.equal(quoteExecWord('/opt/a"b/node'), '"/opt/a\\"b/node"');
    const unit = buildSystemdUnit({ ...BASE, binPath: '/opt/my apps/lsslack/bin/lsslack.js' });
    assert.match(unit.text, /^ExecStart=\/usr\/bin\/node "\/opt\/my apps\/lsslack\/bin\/lsslack\.js" start$/m);
  });
});

describe('buildEnvFileTemplate', () => {
  it('lists every secret and every required variable, with where to get it, and no values', () => {
    const text = buildEnvFileTemplate();
    const required = ['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'LIGHTSTEP_ORG', 'LIGHTSTEP_API_KEY', 'LSSLACK_PUBLIC_URL', 'LSSLACK_ADMIN_TOKEN'];
    for (const name of [...required, ...SETTINGS.filter((s) => s.secret).map((s) => s.env)]) {
      assert.ok(ENV_TEMPLATE_NAMES.includes(name), `${name} is in the template`);
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l === `${name}=` || l.startsWith(`#${name}=`));
      assert.ok(at > 0, `${name} has a line`);
      assert.match(lines[at - 1]!, /^# \S/, `${name} has a comment above it`);
    }
    for (const name of required) assert.match(text, new RegExp(`^${name}=$`, 'm'), `${name} is left empty to fill in`);
    assert.match(text, /0600/);
    assert.equal(/^LSSLACK_DATA_DIR=/m.test(text), false, 'the unit owns LSSLACK_DATA_DIR');
  });
});
