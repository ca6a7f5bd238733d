import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLowdbStore } from '../../src/adapters/store/lowdb-store.js';
import { sampleCheckoutTrace, startLightstepSimulator, type LightstepSimulator } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { simulatorEnv, startChildDaemon } from '../helpers/child-daemon.js';
import { linkThroughFlow, settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';

/** How many times each message ts of a channel was posted with a preview. */
const postsPerTs = (slack: SlackSimulator, channel: string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const c of slack.unfurls()) if (c.args.channel === channel && c.args.unfurls !== undefined) counts.set(String(c.args.ts), (counts.get(String(c.args.ts)) ?? 0) + 1);
  return counts;
};

describe('a backlog is kept in the journal, not in memory', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { LSSLACK_QUEUE_MEMORY: '20', LSSLACK_TRACE_DEADLINE: '60' } });
  });
  after(async () => {
    await stack.stop();
  });

  it('with the backend stalled, at most LSSLACK_QUEUE_MEMORY jobs are held; the rest wait in the journal and are all unfurled, once each, after', { timeout: 120_000 }, async () => {
    stack.lightstep.stall(true);
    const total = 300;
    let peakHeld = 0;
    let peakBacklog = 0;
    const watch = setInterval(() => {
      void stack.daemon.status().then((s) => {
        peakHeld = Math.max(peakHeld, s.queue.waiting + s.queue.running);
        peakBacklog = Math.max(peakBacklog, s.queue.backlog);
      });
    }, 20);
    try {
      for (let i = 0; i < total; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, total - i) }, (_, j) =>
            stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CBACKLOG', messageTs: `1750002000.${String(i + j).padStart(6, '0')}`, urls: [traceUrl()] })),
          ),
        );
      }
      await waitFor(() => peakBacklog >= total - 20 - 8, 'the backlog in the journal');
      assert.ok(peakHeld <= 20, `held ${peakHeld} jobs in memory`);
    } finally {
      stack.lightstep.stall(false);
    }
    await waitFor(() => postsPerTs(stack.slack, 'CBACKLOG').size === total, 'every event unfurled', 90_000);
    clearInterval(watch);
    assert.ok([...postsPerTs(stack.slack, 'CBACKLOG').values()].every((n) => n === 1), 'each once');
    assert.equal((await stack.daemon.status()).queue.backlog, 0);
  });
});

describe('outages delay previews, they do not drop them', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({});
  });
  after(async () => {
    await stack.stop();
  });

  it('Slack answering 503 to chat.unfurl: the preview is deferred and posted once Slack answers again', async () => {
    const failedBefore = stack.daemon.jobs.snapshot().outcomes.failed;
    // More than the Web API client's own two retries of each call.
    stack.slack.httpErrorNext('chat.unfurl', 8, 503);
    await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CSLACK', messageTs: '1750003100.000001', urls: [traceUrl()] }));
    await waitFor(() => postsPerTs(stack.slack, 'CSLACK').size === 1, 'the preview after Slack recovered', 60_000);
    assert.equal(stack.daemon.jobs.snapshot().outcomes.failed, failedBefore);
    assert.ok(stack.slack.calls.filter((c) => c.method === 'chat.unfurl' && c.error === 'http_503').length === 8);
  });

  it('Lightstep gone during a burst (connections refused): every event is unfurled once it is back, each once', { timeout: 120_000 }, async () => {
    const port = Number(new URL(stack.lightstep.url).port);
    await stack.lightstep.stop();
    const total = 100;
    await Promise.all(
      Array.from({ length: total }, (_, i) => stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'COUTAGE', messageTs: `1750003000.${String(i).padStart(6, '0')}`, urls: [traceUrl()] }))),
    );
    await settle(6_000);
    assert.equal(postsPerTs(stack.slack, 'COUTAGE').size, 0, 'nothing posted during the outage');
    assert.ok((await stack.daemon.status()).queue.deferred > 0, 'the jobs wait it out, deferred');
    const back: LightstepSimulator = await startLightstepSimulator({ port, org: 'test-org', projects: ['checkout'] });
    try {
      back.addTrace('checkout', sampleCheckoutTrace());
      await waitFor(() => postsPerTs(stack.slack, 'COUTAGE').size === total, 'every event unfurled after the outage', 90_000);
      assert.ok([...postsPerTs(stack.slack, 'COUTAGE').values()].every((n) => n === 1));
      assert.equal(stack.daemon.jobs.snapshot().outcomes.failed, 0);
    } finally {
      // The last test of this stack: what it stops at the end is the first one (idempotent).
      await back.stop();
    }
  });
});

describe('a job that brings the daemon down on every start is ended as poison', () => {
  let slack: SlackSimulator;
  let lightstep: LightstepSimulator;
  let dataDir: string;

  before(async () => {
    slack = await startSlackSimulator();
    lightstep = await startLightstepSimulator({ org: 'test-org', projects: ['checkout'] });
    lightstep.addTrace('checkout', sampleCheckoutTrace());
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-poison-'));
    const store = await openLowdbStore({ dataDir });
    await store.putMapping({ teamId: TEAM, slackUserId: USER, traceUser: 'ada@example.com', grants: ['lightstep/checkout'], mappedAt: new Date().toISOString() });
    await store.close();
  });
  after(async () => {
    await slack.stop();
    await lightstep.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('three restarts in a row with the job running: the fourth start ends it, posts nothing for it, and carries on', { timeout: 180_000 }, async () => {
    const env = simulatorEnv(slack, lightstep, dataDir);
    const first = await startChildDaemon(env);
    await slack.waitForSocketConnections(1, 10_000);
    assert.equal((await linkThroughFlow({ slack }, { channel: 'C0SETUP' })).callbackStatus, 200);
    await waitFor(() => slack.unfurls().some((c) => c.args.unfurls !== undefined), 'the setup unfurl');
    // The job hangs on the backend each time it runs; each time the daemon is killed meanwhile.
    lightstep.stall(true);
    let asked = lightstep.storedTraceRequestCount();
    await slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CLOOP', messageTs: '1750004000.000001', urls: [traceUrl()] }));
    let daemon = first;
    for (let crash = 1; crash <= 3; crash++) {
      await waitFor(() => lightstep.storedTraceRequestCount() > asked, `attempt ${crash} to run`);
      asked = lightstep.storedTraceRequestCount();
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      if (crash < 3) daemon = await startChildDaemon(env);
    }
    lightstep.stall(false);
    const last = await startChildDaemon(env);
    await waitFor(() => /job is poison/.test(last.output()), 'the poison log line', 30_000);
    await settle(500);
    assert.equal(slack.unfurls().filter((c) => c.args.channel === 'CLOOP').length, 0, 'nothing posted for it');
    // The daemon carries on with other work.
    await slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'CAFTER', messageTs: '1750004000.000002', urls: [traceUrl()] }));
    await waitFor(() => slack.unfurls().some((c) => c.args.channel === 'CAFTER'), 'a preview after the poison');
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 0);
  });
});
