import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { openFileJournal } from '../../src/adapters/journal/file-journal.js';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import type { UnfurlJob } from '../../src/domain/types.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { simulatorEnv, startChildDaemon } from '../helpers/child-daemon.js';
import { prng } from '../helpers/prng.js';
import { LogCapture, linkThroughFlow, settle, TEAM, traceUrl, USER, waitFor } from '../helpers/stack.js';

const job = (i: number): UnfurlJob => ({
  id: `Ev${i}:0`,
  eventId: `Ev${i}`,
  teamId: TEAM,
  userId: USER,
  channel: 'C1',
  messageTs: `1.${i}`,
  target: { kind: 'message', channel: 'C1', ts: `1.${i}` },
  url: traceUrl(),
  receivedAt: 1,
});

describe('job journal', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-journal-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps recorded jobs until they are done, across reopen', async () => {
    const log = pino({ level: 'silent' });
    const journal = await openFileJournal({ dataDir: dir, log });
    await journal.append([job(1), job(2), job(3)]);
    journal.done('Ev2:0');
    await journal.close();
    const again = await openFileJournal({ dataDir: dir, log });
    assert.deepEqual((await again.take(10)).map((j) => j.id), ['Ev1:0', 'Ev3:0']);
    await again.close();
  });

  it('detects a torn or corrupted tail, reports it, and recovers the intact part', async () => {
    const logs = new LogCapture();
    const log = pino({ level: 'debug' }, logs);
    const journal = await openFileJournal({ dataDir: dir, log });
    await journal.append([job(4), job(5)]);
    await journal.close();
    const file = path.join(dir, 'journal.log');
    // A flipped byte in the last record, then half a record (power loss mid-write).
    const text = await readFile(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    lines[lines.length - 1] = lines.at(-1)!.replace('Ev5', 'Ev6');
    await writeFile(file, `${lines.join('\n')}\n`);
    await appendFile(file, '0badc0de {"t":"job","job":{"id":"Ev7:0"');
    const recovered = await openFileJournal({ dataDir: dir, log });
    const ids = (await recovered.take(100)).map((j) => j.id);
    assert.ok(ids.includes('Ev4:0'));
    assert.ok(!ids.includes('Ev5:0') && !ids.includes('Ev6:0') && !ids.includes('Ev7:0'));
    assert.match(logs.text, /journal had damaged records/);
    // The damaged part is gone from disk: a second open finds nothing to report.
    await recovered.append([job(8)]);
    await recovered.close();
    const logs2 = new LogCapture();
    const clean = await openFileJournal({ dataDir: dir, log: pino({ level: 'debug' }, logs2) });
    assert.ok((await clean.take(100)).some((j) => j.id === 'Ev8:0'));
    assert.equal(logs2.text.includes('damaged'), false);
    await clean.close();
  });

  it('compacts itself and stays bounded', async () => {
    const sub = await mkdtemp(path.join(dir, 'c-'));
    const journal = await openFileJournal({ dataDir: sub, log: pino({ level: 'silent' }), compactAfterLines: 500 });
    for (let i = 0; i < 2000; i += 1) {
      await journal.append([job(1000 + i)]);
      journal.done(`Ev${1000 + i}:0`);
    }
    await journal.append([job(99_999)]);
    await journal.close();
    const text = await readFile(path.join(sub, 'journal.log'), 'utf8');
    assert.ok(text.split('\n').length < 1100, `journal has ${text.split('\n').length} lines`);
    const reopened = await openFileJournal({ dataDir: sub, log: pino({ level: 'silent' }) });
    assert.deepEqual((await reopened.take(10)).map((j) => j.id), ['Ev99999:0']);
    await reopened.close();
  });

  // Four seeds: whether records sit in memory at a rewrite's cut depends on when the disk answers.
  for (const seed of [20_261_204, 7, 1_234_567, 99]) {
    it(`rewrites itself while appends, starts, retries and dones go on: every live job and its crash count survive (seed ${seed})`, async () => {
      await rewriteUnderLoad(dir, seed);
    });
  }
});

/** A seeded mix of journal operations with rewrites every 40 lines, checked against a model after a reopen. */
async function rewriteUnderLoad(dir: string, seed: number): Promise<void> {
  const sub = await mkdtemp(path.join(dir, 'r-'));
  const logs = new LogCapture();
  const journal = await openFileJournal({ dataDir: sub, log: pino({ level: 'debug' }, logs), compactAfterLines: 40 });
  const random = prng(seed);
  // What must come back: each live job and the attempts begun since its last retry.
  const model = new Map<string, number>();
  // As in the pipeline, a job is started, retried or done only once its append was recorded,
  // and not while it waits spilled to the file (read back by offset, which a rewrite moves).
  const recorded: string[] = [];
  const spilled = new Set<string>();
  const appends: Array<Promise<void>> = [];
  let previous: Array<Promise<void>> = [];
  let next = 0;
  for (let step = 0; step < 4000; step++) {
    const r = random();
    const live = recorded.filter((id) => model.has(id) && !spilled.has(id));
    if (r < 0.3 || live.length === 0) {
      const j = job(20_000 + next++);
      model.set(j.id, 0);
      appends.push(journal.append([j]).then(() => void recorded.push(j.id)));
    } else {
      const id = live[Math.floor(random() * live.length)]!;
      if (r < 0.55) {
        model.set(id, model.get(id)! + 1);
        void journal.started(id);
      } else if (r < 0.63) {
        model.set(id, 0);
        journal.deferred(id);
      } else if (r < 0.66) {
        spilled.add(id);
        journal.spill([id]);
      } else {
        model.delete(id);
        journal.done(id);
      }
    }
    // Every 20 steps, wait for the appends of the 20 before (so how fast this disk syncs does not
    // decide how many jobs the next steps can act on), not for the newest: the next steps run
    // while those are being synced, so records pile up in memory at a rewrite's cut. A rewrite's
    // copy is never waited for: it runs beside the next steps, its switch between their batches.
    if (step % 20 === 0) {
      const older = previous;
      previous = appends.splice(0);
      await Promise.all(older);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await Promise.all([...previous, ...appends]);
  // Spilled jobs read back by their (moved) offsets, in this process.
  assert.deepEqual((await journal.take(100_000)).map((j) => j.id).sort(), [...spilled].sort());
  await journal.close();
  const rewrites = logs.text.split('journal compacted').length - 1;
  assert.ok(rewrites >= 3, `several rewrites ran (${rewrites})`);
  assert.equal(logs.text.includes('compaction failed'), false, logs.text.split('\n').find((l) => l.includes('compaction failed')));
  const reopened = await openFileJournal({ dataDir: sub, log: pino({ level: 'silent' }) });
  const taken = await reopened.take(100_000);
  assert.deepEqual(taken.map((j) => j.id).sort(), [...model.keys()].sort());
  for (const [id, crashes] of model) assert.equal(await reopened.started(id), crashes + 1, `attempts of ${id}`);
  await reopened.close();
}

describe('lsslack start as a real process', () => {
  let slack: SlackSimulator;
  let lightstep: LightstepSimulator;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    slack = await startSlackSimulator();
    lightstep = await startLightstepSimulator({ org: 'test-org', projects: ['checkout'] });
    lightstep.addTrace('checkout', sampleCheckoutTrace());
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-child-'));
    env = simulatorEnv(slack, lightstep, dataDir);
    const store = await openLowdbStore({ dataDir });
    await store.putMapping({ teamId: TEAM, slackUserId: USER, traceUser: 'ada@example.com', grants: ['lightstep/checkout'], mappedAt: new Date().toISOString() });
    await store.close();
  });
  after(async () => {
    await slack.stop();
    await lightstep.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('after kill -9 mid-burst, every acknowledged event is unfurled once restarted', async () => {
    const first = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    const flow = await linkThroughFlow({ slack }, { channel: 'C0SETUP' });
    assert.equal(flow.callbackStatus, 200);
    await waitFor(() => slack.unfurls().some((c) => c.args.unfurls !== undefined), 'the setup unfurl');

    const total = 1000;
    const acked = new Set<string>();
    const unacked = new Set<string>();
    const bodies = Array.from({ length: total }, (_, i) => {
      const ts = `1750000000.${String(i).padStart(6, '0')}`;
      return { ts, body: linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CBURST', messageTs: ts, urls: [traceUrl()] }) };
    });
    // 32 in flight; kill -9 once a third has been acknowledged.
    let next = 0;
    let killed = false;
    const sender = async () => {
      while (next < total) {
        const { ts, body } = bodies[next++]!;
        if (killed) {
          unacked.add(ts);
          continue;
        }
        try {
          await slack.sendEvent(body, { timeoutMs: 5000 });
          acked.add(ts);
          if (acked.size >= total / 3 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch {
          unacked.add(ts);
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    assert.equal(await first.exited, 'SIGKILL');
    const before = new Set(slack.unfurls().filter((c) => c.args.channel === 'CBURST').map((c) => String(c.args.ts)));
    const missingAtKill = [...acked].filter((ts) => !before.has(ts)).length;

    const second = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    // Slack redelivers what was never acked; the restarted daemon replays its journal.
    for (const { ts, body } of bodies) if (unacked.has(ts)) await slack.sendEvent(body, { retryAttempt: 1, retryReason: 'timeout' });
    const posted = () => new Set(slack.unfurls().filter((c) => c.args.channel === 'CBURST').map((c) => String(c.args.ts)));
    await waitFor(() => [...acked].every((ts) => posted().has(ts)) && [...unacked].every((ts) => posted().has(ts)), 'every event unfurled', 120_000);
    const counts = new Map<string, number>();
    for (const c of slack.unfurls().filter((x) => x.args.channel === 'CBURST')) counts.set(String(c.args.ts), (counts.get(String(c.args.ts)) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    // Only jobs in flight at the kill may be posted twice: the 8 running, plus those posted whose
    // completion record was still in the journal's current fsync batch (done is recorded after the
    // post, in group-committed batches). Bounded, and far below the 1,000 sent.
    assert.ok(twice <= 40, `${twice} events posted twice`);
    assert.ok(missingAtKill > 0 || acked.size === total, 'the kill left acknowledged work to replay');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('SIGTERM: /readyz turns 503, running jobs finish, exit 0; a second signal exits at once', { timeout: 120_000 }, async () => {
    // Long enough for /readyz to be asked while the job still runs, on a loaded machine too.
    lightstep.latencyMs = 3000;
    const daemon = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    const before = slack.unfurls().length;
    const asked = lightstep.storedTraceRequestCount();
    await slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CTERM', messageTs: '1750000100.000001', urls: [traceUrl()] }));
    // The job is running (waiting on the slow backend) before the signal.
    await waitFor(() => lightstep.storedTraceRequestCount() > asked, 'the job to reach Lightstep');
    daemon.child.kill('SIGTERM');
    let sawNotReady = false;
    for (let i = 0; i < 20 && !sawNotReady; i += 1) {
      const res = await fetch(`${daemon.httpUrl}/readyz`).catch(() => undefined);
      if (res?.status === 503) sawNotReady = true;
      await res?.text();
      await settle(50);
    }
    assert.ok(sawNotReady, '/readyz answered 503 while draining');
    assert.equal(await daemon.exited, 0);
    assert.equal(slack.unfurls().length, before + 1, 'the running job finished before exit');
    lightstep.latencyMs = 0;

    lightstep.stall(true);
    const again = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    const fetches = lightstep.storedTraceRequestCount();
    await slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CTERM', messageTs: '1750000100.000002', urls: [traceUrl()] }));
    // The job is running (stuck on the stalled backend) before the first signal.
    await waitFor(() => lightstep.storedTraceRequestCount() > fetches, 'the job to reach Lightstep');
    again.child.kill('SIGTERM');
    await settle(200);
    again.child.kill('SIGTERM');
    // The backend is stalled, so only the second signal can end the process (else: test timeout).
    const code = await again.exited;
    assert.equal(code, 130, 'the second signal exits at once');
    lightstep.stall(false);
    // The job is still in the journal, consistent: the next start replays and posts it.
    const third = await startChildDaemon(env);
    await waitFor(() => slack.unfurls().some((c) => c.args.ts === '1750000100.000002'), 'the replayed job', 30_000);
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0);
  });
});
