import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSlackSimulator } from '../../src/simulators/slack/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/run.ts')];

const CHECKS = {
  config: 'configuration',
  dataDir: 'data directory',
  bot: 'bot token (auth.test)',
  audience: 'conversation audiences (conversations.info scopes)',
  app: 'app token (apps.connections.open)',
  signing: 'signing secret',
  lightstep: 'trace backend lightstep (Lightstep)',
  publicUrl: 'LSSLACK_PUBLIC_URL reaches this listener',
  clock: "clock skew (Slack's Date header)",
  workObjects: 'Work Object previews',
} as const;

interface DoctorRun {
  code: number;
  stdout: string;
  stderr: string;
  /** check name → ✓, ✗ or – */
  marks: Map<string, string>;
  /** check name → its `fix:` hint */
  hints: Map<string, string>;
}

/** Run `lsslack doctor` in a child process with exactly the given environment. */
async function doctor(env: Record<string, string>): Promise<DoctorRun> {
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(process.execPath, [...CLI, 'doctor'], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }));
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === 'number' ? e.code : -1;
    stdout = e.stdout ?? '';
    stderr = e.stderr ?? '';
  }
  const marks = new Map<string, string>();
  const hints = new Map<string, string>();
  let last = '';
  for (const line of stdout.split('\n')) {
    const item = /^([✓✗–]) (.+?): /.exec(line);
    if (item !== null) {
      last = item[2]!;
      marks.set(last, item[1]!);
      continue;
    }
    const fix = /^ {4}fix: (.+)$/.exec(line);
    if (fix !== null) hints.set(last, fix[1]!);
  }
  return { code, stdout, stderr, marks, hints };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('lsslack doctor against the simulators and a running daemon', { concurrency: 4 }, () => {
  let stack: Stack;
  let home: string;
  let good: Record<string, string>;
  let secrets: string[];

  before(async () => {
    stack = await startStack({ mappings: [], linked: false });
    home = await mkdtemp(path.join(os.tmpdir(), 'lsslack-doctor-'));
    good = {
      HOME: home,
      LSSLACK_CONFIG_DIR: path.join(home, 'cfg'),
      SLACK_APP_TOKEN: stack.slack.appToken,
      SLACK_BOT_TOKEN: stack.slack.botToken,
      SLACK_CLIENT_ID: stack.slack.clientId,
      SLACK_CLIENT_SECRET: stack.slack.clientSecret,
      SLACK_API_URL: stack.slack.apiUrl,
      LIGHTSTEP_API_URL: stack.lightstep.url,
      LIGHTSTEP_ORG: stack.lightstep.org,
      LIGHTSTEP_API_KEY: stack.lightstep.apiKey,
      LSSLACK_PUBLIC_URL: stack.httpUrl,
      LSSLACK_DATA_DIR: stack.dataDir,
    };
    secrets = [stack.slack.appToken, stack.slack.botToken, stack.slack.clientSecret, stack.lightstep.apiKey, 'xoxb-wrong-bot-token-1234', 'xapp-1-wrong-app-token', 'wrong-lightstep-key-5678'];
  });
  after(async () => {
    await stack?.stop();
    await rm(home, { recursive: true, force: true });
  });

  const assertNoSecrets = (r: DoctorRun) => {
    for (const secret of secrets) assert.equal(`${r.stdout}${r.stderr}`.includes(secret), false, 'no secret value is printed');
  };

  /** Exactly `failing` fail (each with a hint), everything else passes or is not applicable; exit 1. */
  const assertOnlyFails = (r: DoctorRun, failing: string[], skipped: string[] = [CHECKS.signing, CHECKS.workObjects]) => {
    assert.equal(r.code, 1, r.stdout + r.stderr);
    for (const name of Object.values(CHECKS)) {
      const expected = failing.includes(name) ? '✗' : skipped.includes(name) ? '–' : '✓';
      assert.equal(r.marks.get(name), expected, `${name} is ${expected}\n${r.stdout}`);
      if (expected === '✗') assert.ok((r.hints.get(name) ?? '').length > 10, `${name} has a fix hint\n${r.stdout}`);
    }
    assert.match(r.stderr, /doctor: \d+ checks? failed/);
    assertNoSecrets(r);
  };

  it('all ✓ and exit 0 when everything is right (Socket Mode)', async () => {
    const r = await doctor(good);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const name of Object.values(CHECKS)) assert.equal(r.marks.get(name), name === CHECKS.signing || name === CHECKS.workObjects ? '–' : '✓', `${name}\n${r.stdout}`);
    assert.match(r.stdout, /All 8 checks passed/);
    assert.match(r.stdout, /workspace .*bot user/);
    assert.match(r.stdout, /2 projects visible/);
    assertNoSecrets(r);
  });

  it('all ✓ in HTTP mode with a signing secret (the app token is not needed)', async () => {
    const { SLACK_APP_TOKEN: _unused, ...rest } = good;
    const r = await doctor({ ...rest, LSSLACK_MODE: 'http', SLACK_SIGNING_SECRET: 'sim-signing-secret-abcdef' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.marks.get(CHECKS.signing), '✓');
    assert.equal(r.marks.get(CHECKS.app), '–');
    assert.equal(r.stdout.includes('sim-signing-secret-abcdef'), false);
  });

  it('bad bot token → ✗ bot token', async () => {
    const r = await doctor({ ...good, SLACK_BOT_TOKEN: 'xoxb-wrong-bot-token-1234' });
    assertOnlyFails(r, [CHECKS.bot], [CHECKS.signing, CHECKS.workObjects, CHECKS.audience]);
    assert.match(r.stdout, /invalid_auth/);
    assert.match(r.hints.get(CHECKS.bot)!, /OAuth & Permissions/);
  });

  it('a bot token without the conversations.info scopes → ✗ conversation audiences, naming them', async () => {
    const narrow = await startSlackSimulator({ botScopes: ['links:read', 'links:write'] });
    try {
      const r = await doctor({ ...good, SLACK_API_URL: narrow.apiUrl, SLACK_BOT_TOKEN: narrow.botToken, SLACK_APP_TOKEN: narrow.appToken, SLACK_CLIENT_ID: narrow.clientId, SLACK_CLIENT_SECRET: narrow.clientSecret });
      secrets.push(narrow.botToken, narrow.appToken, narrow.clientSecret);
      assertOnlyFails(r, [CHECKS.audience]);
      assert.match(r.stdout, /lacks channels:read, groups:read, im:read, mpim:read/);
      assert.match(r.hints.get(CHECKS.audience)!, /reinstall/);
    } finally {
      await narrow.stop();
    }
  });

  it('LSSLACK_PREVIEW=work-object: says what the app settings need, and ✗ when the running daemon posts blocks', async () => {
    const idle = await doctor({ ...good, LSSLACK_PREVIEW: 'work-object', LSSLACK_PORT: String(await closedPort()) });
    assert.equal(idle.marks.get(CHECKS.workObjects), '✓', idle.stdout);
    assert.match(idle.stdout, /Work Object Previews: turn the toggle on/);
    const port = new URL(stack.httpUrl).port;
    const r = await doctor({ ...good, LSSLACK_PREVIEW: 'work-object', LSSLACK_PORT: port });
    assertOnlyFails(r, [CHECKS.workObjects], [CHECKS.signing]);
    assert.match(r.stdout, /posts classic blocks/);
  });

  it('bad app token → ✗ app token', async () => {
    const r = await doctor({ ...good, SLACK_APP_TOKEN: 'xapp-1-wrong-app-token' });
    assertOnlyFails(r, [CHECKS.app]);
    assert.match(r.hints.get(CHECKS.app)!, /App-Level Tokens/);
  });

  it('HTTP mode without a signing secret → ✗ signing secret (and ✗ configuration, which lists it)', async () => {
    const r = await doctor({ ...good, LSSLACK_MODE: 'http' });
    assertOnlyFails(r, [CHECKS.config, CHECKS.signing], [CHECKS.app, CHECKS.workObjects]);
    assert.match(r.stdout, /SLACK_SIGNING_SECRET is not set/);
    assert.match(r.hints.get(CHECKS.signing)!, /Signing Secret/);
  });

  it('wrong Lightstep key → ✗ Lightstep', async () => {
    const r = await doctor({ ...good, LIGHTSTEP_API_KEY: 'wrong-lightstep-key-5678' });
    assertOnlyFails(r, [CHECKS.lightstep]);
    assert.match(r.stdout, /HTTP 401/);
    assert.match(r.hints.get(CHECKS.lightstep)!, /LIGHTSTEP_API_KEY/);
  });

  it('wrong Lightstep org → ✗ Lightstep', async () => {
    const r = await doctor({ ...good, LIGHTSTEP_ORG: 'no-such-org' });
    assertOnlyFails(r, [CHECKS.lightstep]);
    assert.match(r.stdout, /org no-such-org/);
    assert.match(r.hints.get(CHECKS.lightstep)!, /LIGHTSTEP_ORG/);
  });

  it('public URL that reaches nothing → ✗ with "start lsslack first"', async () => {
    const r = await doctor({ ...good, LSSLACK_PUBLIC_URL: `http://127.0.0.1:${await closedPort()}` });
    assertOnlyFails(r, [CHECKS.publicUrl]);
    assert.match(r.hints.get(CHECKS.publicUrl)!, /start lsslack first, or fix LSSLACK_PUBLIC_URL \/ your proxy/);
  });

  it('public URL that reaches something else → ✗', async () => {
    // The Slack simulator answers 404 at /healthz: a wrong proxy target, not lsslack.
    const r = await doctor({ ...good, LSSLACK_PUBLIC_URL: stack.slack.url });
    assertOnlyFails(r, [CHECKS.publicUrl]);
    assert.match(r.stdout, /not lsslack's/);
  });

  it('group/world-writable data dir → ✗ data directory with chmod 700', async () => {
    const dir = path.join(home, 'loose-dir');
    await mkdir(dir);
    await chmod(dir, 0o777);
    const r = await doctor({ ...good, LSSLACK_DATA_DIR: dir });
    assertOnlyFails(r, [CHECKS.dataDir]);
    assert.match(r.hints.get(CHECKS.dataDir)!, new RegExp(`chmod 700 ${dir}`));
  });

  it('store file readable by others → ✗ data directory with chmod 600', async () => {
    const dir = path.join(home, 'loose-store');
    await mkdir(dir, { mode: 0o700 });
    await writeFile(path.join(dir, 'store.json'), '{}', { mode: 0o644 });
    await chmod(path.join(dir, 'store.json'), 0o644);
    await writeFile(path.join(dir, 'secret.key'), 'k', { mode: 0o600 });
    const r = await doctor({ ...good, LSSLACK_DATA_DIR: dir });
    assertOnlyFails(r, [CHECKS.dataDir]);
    assert.match(r.hints.get(CHECKS.dataDir)!, new RegExp(`chmod 600 ${path.join(dir, 'store.json')}`));
    assert.equal(r.stdout.includes('secret.key is readable'), false);
  });

  it('missing settings → ✗ configuration listing them, and the checks that can still run do', async () => {
    const { SLACK_CLIENT_ID: _a, LIGHTSTEP_API_KEY: _b, ...rest } = good;
    const r = await doctor(rest);
    assert.equal(r.code, 1);
    assert.equal(r.marks.get(CHECKS.config), '✗');
    assert.match(r.stdout, /SLACK_CLIENT_ID is not set/);
    assert.equal(r.marks.get(CHECKS.bot), '✓', 'Slack is still checked');
    // Without its key the Lightstep backend is not defined at all, so no backend is configured.
    assert.equal(r.marks.get('trace backends'), '✗');
    assert.match(r.stdout, /LIGHTSTEP_API_KEY is not set/);
    assertNoSecrets(r);
  });
});
