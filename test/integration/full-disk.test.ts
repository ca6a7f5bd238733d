import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { openFileJournal } from '../../src/adapters/journal/file-journal.js';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import type { UnfurlJob } from '../../src/domain/types.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { simulatorEnv, startChildDaemon } from '../helpers/child-daemon.js';
import { LogCapture, linkThroughFlow, settle, TEAM, traceUrl, USER, waitFor } from '../helpers/stack.js';
import { mountTinyFs, type TinyFs } from '../helpers/tiny-fs.js';

const job = (i: number, urlPadding = 0): UnfurlJob => ({
  id: `Ev${i}:0`,
  eventId: `Ev${i}`,
  teamId: TEAM,
  userId: USER,
  channel: 'C1',
  messageTs: `1.${i}`,
  target: { kind: 'message', channel: 'C1', ts: `1.${i}` },
  url: `${traceUrl()}${'&x=1'.repeat(urlPadding)}`,
  receivedAt: 1,
});

/** One tiny filesystem per test, unmounted after it. */
async function withTinyFs(bytes: number, fn: (fs: TinyFs) => Promise<void>): Promise<void> {
  const fs = await mountTinyFs(bytes);
  if (fs === undefined) return;
  try {
    await fn(fs);
  } finally {
    await fs.unmount();
  }
}

describe('the job journal on a full disk (a real tmpfs)', () => {
  it('never acks what it did not write: the batch is refused and the file cut back to its last good record', async () => {
    await withTinyFs(256 * 1024, async (fs) => {
      const logs = new LogCapture();
      const journal = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'debug' }, logs) });
      await journal.append([job(1), job(2)]);
      const file = path.join(fs.dir, 'journal.log');
      const sizeBefore = (await stat(file)).size;
      await fs.fill();
      // Big enough that part of it would fit in the last partial page: a short write, not an error.
      await assert.rejects(journal.append([job(3, 2000), job(4, 2000)]), { code: 'store_unavailable' });
      assert.equal((await stat(file)).size, sizeBefore, 'nothing half-written stays behind');
      await journal.close();
      await fs.free();
      const reopened = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'debug' }, logs) });
      assert.deepEqual((await reopened.take(10)).map((j) => j.id), ['Ev1:0', 'Ev2:0'], 'only what was acked');
      assert.equal(logs.text.includes('damaged'), false, 'no damaged records to report');
      await reopened.close();
    });
  });

  it('keeps the done records of a full disk and writes them once there is space again', async () => {
    await withTinyFs(256 * 1024, async (fs) => {
      const logs = new LogCapture();
      const journal = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'debug' }, logs), retryWriteMs: 20 });
      const jobs = Array.from({ length: 200 }, (_, i) => job(i + 1));
      await journal.append(jobs);
      await fs.fill();
      // ~150 done records are several KiB: more than the slack of the file's last page, so the
      // write really fails (a few records would fit in it and prove nothing).
      for (const j of jobs.slice(0, 150)) journal.done(j.id);
      await waitFor(() => logs.text.includes('journal write failed'), 'the done records to hit the full disk');
      await fs.free();
      // Written by the retry (no new append needed), then durable across a reopen.
      await waitFor(() => logs.text.includes('journal writes work again'), 'the retry to write them');
      await journal.close();
      const reopened = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'silent' }) });
      assert.deepEqual((await reopened.take(100)).map((j) => j.id), jobs.slice(150).map((j) => j.id), 'finished jobs are not replayed');
      await reopened.close();
    });
  });

  it('starts on a full disk: reading the journal and the store needs no space', async () => {
    await withTinyFs(256 * 1024, async (fs) => {
      const log = pino({ level: 'silent' });
      const store = await openLowdbStore({ dataDir: fs.dir });
      await store.putMapping({ teamId: TEAM, slackUserId: USER, traceUser: 'ada', grants: ['lightstep'], mappedAt: 'now' });
      await store.close();
      const journal = await openFileJournal({ dataDir: fs.dir, log });
      await journal.append([job(1), job(2)]);
      journal.done('Ev1:0');
      await journal.close();
      await fs.fill();
      const again = await openFileJournal({ dataDir: fs.dir, log });
      assert.deepEqual((await again.take(10)).map((j) => j.id), ['Ev2:0']);
      const storeAgain = await openLowdbStore({ dataDir: fs.dir });
      assert.equal((await storeAgain.findMapping(TEAM, USER))?.traceUser, 'ada');
      // A change cannot be stored, says so, and leaves no temp file nor a change that only memory holds.
      await assert.rejects(storeAgain.putMapping({ teamId: TEAM, slackUserId: 'U0NEW', traceUser: 'bob', grants: ['jaeger'], mappedAt: 'now' }), { code: 'store_unavailable' });
      assert.equal(await storeAgain.findMapping(TEAM, 'U0NEW'), undefined);
      assert.deepEqual((await readdir(fs.dir)).filter((f) => f.endsWith('.tmp')), []);
      await storeAgain.close();
      await again.close();
    });
  });

  it('a rewrite that does not fit leaves no temp file, and the journal carries on appending', async () => {
    await withTinyFs(1024 * 1024, async (fs) => {
      const logs = new LogCapture();
      const journal = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'debug' }, logs), compactAfterLines: 50 });
      // 40 big jobs stay live (a rewrite copies ~240 KB); 60 small ones finish.
      await journal.append(Array.from({ length: 40 }, (_, i) => job(i, 1500)));
      await journal.append(Array.from({ length: 60 }, (_, i) => job(1000 + i)));
      await fs.fill();
      await fs.freeSome(64 * 1024);
      for (let i = 0; i < 60; i++) journal.done(`Ev${1000 + i}:0`);
      await journal.append([job(5000)]);
      await waitFor(() => logs.text.includes('journal compaction failed'), 'the failed rewrite');
      assert.deepEqual((await readdir(fs.dir)).filter((f) => f.includes('compact')), [], 'its temp file is gone');
      await journal.append([job(5001)]);
      await journal.close();
      const reopened = await openFileJournal({ dataDir: fs.dir, log: pino({ level: 'silent' }) });
      assert.equal((await reopened.take(100)).length, 42, '40 big jobs and the 2 appended after the failure');
      await reopened.close();
    });
  });
});

describe('lsslack start with its data dir filling up during a burst, then kill -9', () => {
  let slack: SlackSimulator;
  let lightstep: LightstepSimulator;
  let fs: TinyFs | undefined;

  before(async () => {
    fs = await mountTinyFs(4 * 1024 * 1024);
    slack = await startSlackSimulator();
    lightstep = await startLightstepSimulator({ org: 'test-org', projects: ['checkout'] });
    lightstep.addTrace('checkout', sampleCheckoutTrace());
    if (fs === undefined) return;
    const store = await openLowdbStore({ dataDir: fs.dir });
    await store.putMapping({ teamId: TEAM, slackUserId: USER, traceUser: 'ada@example.com', grants: ['lightstep/checkout'], mappedAt: new Date().toISOString() });
    await store.close();
  });
  after(async () => {
    await slack.stop();
    await lightstep.stop();
    await fs?.unmount();
  });

  it('every acknowledged event is unfurled after the restart (on the still full disk); duplicates only for jobs in flight at the kill', { timeout: 180_000 }, async (t) => {
    if (fs === undefined) {
      t.skip('needs root to mount a tmpfs (see the notice above)');
      return;
    }
    const env = simulatorEnv(slack, lightstep, fs.dir);
    const first = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    assert.equal((await linkThroughFlow({ slack }, { channel: 'C0SETUP' })).callbackStatus, 200);
    await waitFor(() => slack.unfurls().some((c) => c.args.unfurls !== undefined), 'the setup unfurl');

    const total = 600;
    const acked = new Set<string>();
    const refused = new Set<string>();
    const bodies = Array.from({ length: total }, (_, i) => {
      const ts = `1750001000.${String(i).padStart(6, '0')}`;
      return { ts, body: linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CFULL', messageTs: ts, urls: [traceUrl()] }) };
    });
    let next = 0;
    const sender = (until: number) => async () => {
      while (next < until) {
        const { ts, body } = bodies[next++]!;
        try {
          await slack.sendEvent(body, { timeoutMs: 1500 });
          acked.add(ts);
        } catch {
          refused.add(ts);
        }
      }
    };
    // A third in, the disk fills up under the running daemon, and the burst goes on.
    await Promise.all(Array.from({ length: 16 }, sender(total / 3)));
    await fs.fill();
    await Promise.all(Array.from({ length: 16 }, sender(total)));
    assert.ok(refused.size > 0, 'a full disk refused events (not acked, so Slack redelivers them)');
    assert.ok(acked.size > 0);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    const postedAtKill = new Set(slack.unfurls().filter((c) => c.args.channel === 'CFULL').map((c) => String(c.args.ts)));

    // The disk is still full: the daemon must still start, replay and post.
    const second = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    const posted = () => new Set(slack.unfurls().filter((c) => c.args.channel === 'CFULL').map((c) => String(c.args.ts)));
    await waitFor(() => [...acked].every((ts) => posted().has(ts)), 'every acknowledged event unfurled', 120_000);
    const counts = new Map<string, number>();
    for (const c of slack.unfurls().filter((x) => x.args.channel === 'CFULL')) counts.set(String(c.args.ts), (counts.get(String(c.args.ts)) ?? 0) + 1);
    const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([ts]) => ts);
    // Posted twice only if posted before the kill without its completion on disk (the full disk
    // kept `done` records from being written): work that was in flight, never work that was not posted.
    for (const ts of twice) assert.ok(postedAtKill.has(ts), `${ts} was posted twice but was not posted before the kill`);
    assert.ok([...counts.values()].every((n) => n <= 2), 'never more than twice');

    // Space again: Slack's redeliveries of the refused events are recorded, acked and unfurled.
    await fs.free();
    for (const { ts, body } of bodies) if (refused.has(ts)) await slack.sendEvent(body, { retryAttempt: 1, retryReason: 'timeout', timeoutMs: 10_000 });
    await waitFor(() => [...refused].every((ts) => posted().has(ts)), 'the redelivered events unfurled', 60_000);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
