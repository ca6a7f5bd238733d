import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { migrate } from '../../src/adapters/store/pg/migrations.js';
import { createPgJournal } from '../../src/adapters/store/pg/pg-journal.js';
import { createPgPool } from '../../src/adapters/store/pg/pg-pool.js';
import { createPgStore } from '../../src/adapters/store/pg/pg-store.js';
import type { UnfurlJob } from '../../src/domain/types.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { simulatorEnv, startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.js';
import { freshSchemaUrl, PG_BASE_URL, postgresAvailable } from '../helpers/postgres.js';
import { linkThroughFlow, settle, TEAM, traceUrl, USER, waitFor } from '../helpers/stack.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const ok = await postgresAvailable();
const skip = ok ? false : 'PostgreSQL not reachable (see the notice above)';
const log = pino({ level: 'silent' });

const job = (i: number, receivedAt: number): UnfurlJob => ({
  id: `Ev${i}:0`, eventId: `Ev${i}`, teamId: TEAM, userId: USER, channel: 'C1', messageTs: `1.${i}`,
  target: { kind: 'message', channel: 'C1', ts: `1.${i}` }, url: traceUrl(), receivedAt,
});

describe('PostgreSQL job leases', { skip }, () => {
  it('a live owner keeps its jobs; once its lease expires each job is claimed by exactly one replica', async () => {
    const fresh = freshSchemaUrl();
    let clock = 1_800_000_000_000;
    const now = () => clock;
    const conns = [0, 1, 2].map(() => createPgPool(fresh.url, log, { max: 4 }));
    try {
      await Promise.all(conns.map((c) => migrate(c.pool, c.schema)));
      const [a, b, c] = conns.map((conn) => createPgJournal({ pool: conn.pool, log, now, leaseMs: 10_000 }));
      await a!.append(Array.from({ length: 50 }, (_, i) => job(i, clock + i)));
      assert.deepEqual(await b!.take(100), [], 'leased to a live owner');
      clock += 11_000; // a "died": its lease ran out without renewal
      const [fromB, fromC] = await Promise.all([b!.take(100), c!.take(100)]);
      const ids = [...fromB!, ...fromC!].map((j) => j.id);
      assert.equal(ids.length, 50);
      assert.equal(new Set(ids).size, 50, 'no job claimed twice');
      for (const j of [a, b, c]) await j!.close();
    } finally {
      for (const conn of conns) await conn.pool.end();
      await fresh.drop();
    }
  });
});

describe('replicas on one database', { skip }, () => {
  let slack: SlackSimulator;
  let lightstep: LightstepSimulator;
  let fresh: ReturnType<typeof freshSchemaUrl>;
  const dirs: string[] = [];
  const daemons: ChildDaemon[] = [];
  let baseEnv: Record<string, string>;

  const envFor = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-replica-'));
    dirs.push(dir);
    return { ...baseEnv, LSSLACK_DATA_DIR: dir, HOME: dir };
  };

  before(async () => {
    if (!ok) return;
    slack = await startSlackSimulator();
    lightstep = await startLightstepSimulator({ org: 'test-org', projects: ['checkout'] });
    lightstep.addTrace('checkout', sampleCheckoutTrace());
    fresh = freshSchemaUrl();
    baseEnv = { ...simulatorEnv(slack, lightstep, os.tmpdir()), LSSLACK_STORE_URL: fresh.url, LSSLACK_SECRET_KEY: randomBytes(32).toString('hex') };
    const conn = createPgPool(fresh.url, log);
    await migrate(conn.pool, conn.schema);
    await createPgStore(conn.pool).putMapping({ teamId: TEAM, slackUserId: USER, traceUser: 'ada@example.com', grants: ['lightstep/checkout'], mappedAt: new Date().toISOString() });
    await conn.pool.end();
  });
  after(async () => {
    if (!ok) return;
    for (const d of daemons) d.child.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    await slack.stop();
    await lightstep.stop();
    await fresh.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('three replicas share the work; kill -9 one mid-burst and every event is still unfurled', { timeout: 240_000 }, async () => {
    for (let i = 0; i < 3; i += 1) daemons.push(await startChildDaemon(await envFor()));
    await slack.waitForSocketConnections(3, 30_000);
    const flow = await linkThroughFlow({ slack }, { channel: 'C0SETUP' });
    assert.equal(flow.callbackStatus, 200, flow.callbackBody);
    await waitFor(() => slack.unfurls().some((c) => c.args.unfurls !== undefined), 'the setup unfurl').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${daemons.map((d) => d.output().split('\n').slice(-6).join('\n')).join('\n---\n')}`);
    });

    const total = 600;
    const bodies = Array.from({ length: total }, (_, i) => {
      const ts = `1760000000.${String(i).padStart(6, '0')}`;
      return { ts, body: linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CREPL', messageTs: ts, urls: [traceUrl()] }) };
    });
    let next = 0;
    let killed = false;
    const failed: number[] = [];
    const victim = daemons[1]!;
    const sender = async () => {
      while (next < total) {
        const index = next++;
        try {
          // Round-robin over all connections, like Slack spreading envelopes.
          await slack.sendEvent(bodies[index]!.body, { timeoutMs: 5000 });
        } catch {
          failed.push(index);
        }
        if (index === Math.floor(total / 3) && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    assert.equal(await victim.exited, 'SIGKILL');
    // Slack redelivers what was not acknowledged; the surviving connections take it.
    for (const index of failed) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await slack.sendEvent(bodies[index]!.body, { retryAttempt: attempt, retryReason: 'timeout', timeoutMs: 5000 });
          break;
        } catch {
          await settle(100);
        }
      }
    }
    const posted = () => {
      const counts = new Map<string, number>();
      for (const c of slack.unfurls()) if (c.args.channel === 'CREPL') counts.set(String(c.args.ts), (counts.get(String(c.args.ts)) ?? 0) + 1);
      return counts;
    };
    // The dead replica's unfinished jobs move once their lease (15 s) runs out.
    await waitFor(() => bodies.every(({ ts }) => posted().has(ts)), 'every event unfurled', 120_000);
    const twice = [...posted().values()].filter((n) => n > 1).length;
    // In flight at the kill: the running jobs plus those posted whose delete had not reached the database.
    assert.ok(twice <= 40, `${twice} events posted more than once (only jobs in flight at the kill may be)`);
    const perConnection = new Set(slack.unfurls().filter((c) => c.args.channel === 'CREPL').map((c) => c.token));
    assert.ok(perConnection.size >= 1);
  });

  it('losing the database: /readyz 503, events not acknowledged, recovery without a restart', { timeout: 120_000 }, async () => {
    const target = new URL(PG_BASE_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(fresh.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
    daemons.length = 0;
    const daemon = await startChildDaemon({ ...(await envFor()), LSSLACK_STORE_URL: viaProxy.toString() });
    daemons.push(daemon);
    try {
      await slack.waitForSocketConnections(1, 30_000);
      const ready = async () => (await fetch(`${daemon.httpUrl}/readyz`)).status;
      assert.equal(await ready(), 200);
      proxy.cut();
      await waitFor(() => false, 'nothing', 0).catch(() => undefined);
      let status = 0;
      for (let i = 0; i < 100 && status !== 503; i += 1) {
        status = await ready();
        await settle(100);
      }
      assert.equal(status, 503, '/readyz reports the lost database');
      const body = linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CDB', messageTs: '1760000100.000001', urls: [traceUrl()] });
      await assert.rejects(slack.sendEvent(body, { timeoutMs: 3000 }), 'not acknowledged while the database is gone');
      proxy.restore();
      let acked = false;
      for (let attempt = 1; attempt < 60 && !acked; attempt += 1) {
        try {
          await slack.sendEvent(body, { retryAttempt: attempt, retryReason: 'timeout', timeoutMs: 3000 });
          acked = true;
        } catch {
          await settle(250);
        }
      }
      assert.ok(acked, 'acknowledged once the database is back');
      await waitFor(() => slack.unfurls().some((c) => c.args.channel === 'CDB'), 'the unfurl after recovery');
      assert.equal(await ready(), 200);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      await proxy.close();
    }
  });
});
