import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateTrace } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';

type Unfurls = Record<string, { blocks: Array<Record<string, unknown>> }>;

/** Where a preview worker is, and whether it is the one that was there before. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('preview workers: no trace can take the daemon down', () => {
  let stack: Stack;
  let n = 0;
  const ts = () => `1749995000.${String(++n).padStart(6, '0')}`;
  const share = (url: string, channel = 'C0W') => stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel, messageTs: ts(), urls: [url] }));
  /** The newest preview of `url` posted in a channel of this suite (the setup posted the plain link too). */
  const unfurlText = (url: string) => {
    const call = stack.slack.unfurls().filter((c) => c.args.channel !== 'C0SETUP' && c.args.unfurls !== undefined && url in (c.args.unfurls as Unfurls)).at(-1);
    return call === undefined ? undefined : JSON.stringify((call.args.unfurls as Unfurls)[url]);
  };

  // Built before the daemon connects: generating 200k spans blocks this process (the simulators
  // included) long enough for the Socket Mode client's 400 ms pong timeout to drop the connection.
  let huge: ReturnType<typeof generateTrace>;
  before(async () => {
    huge = generateTrace({ spans: 200_000, seed: 7 });
    // The smallest heap lsslack allows, so a 200k-span trace (about 55 MB of JSON, under the 64 MiB cap) cannot fit.
    stack = await startStack({ env: { LSSLACK_PREVIEW_HEAP_MB: '64', LSSLACK_TRACE_MAX_BYTES: String(64 * 1024 * 1024) } });
  });
  after(async () => {
    await stack.stop();
  });

  it('a trace too big for the worker heap gets a "too large" preview; the daemon stays up and the next link unfurls', { timeout: 120_000 }, async () => {
    stack.lightstep.addTrace('checkout', huge);
    const url = traceUrl({ span: huge.spans[0]!.spanId });
    const [pid] = stack.daemon.workerPids();
    await share(url);
    await waitFor(() => stack.daemon.jobs.snapshot().failedByCode.trace_too_large === 1, 'the too-large outcome', 90_000);
    assert.match(unfurlText(url) ?? '', /too large to preview/);
    assert.match(unfurlText(url) ?? '', /Open trace in Lightstep/);
    assert.equal(alive(pid!), false, 'the worker that ran out of heap is gone');
    assert.ok(stack.daemon.counters.get('worker_restarts') >= 1);
    const normal = traceUrl({ fragment: 'a11ce' });
    await share(normal);
    await waitFor(() => /frontend: GET \/checkout/.test(unfurlText(normal) ?? ''), 'the next preview');
    assert.match(stack.logs.text, /ran out of heap/);
    stack.lightstep.removeTrace('checkout', huge.traceId);
  });

  it('a worker killed in the middle of a job: the job runs again and is posted once', async () => {
    stack.lightstep.latencyMs = 800;
    try {
      const url = traceUrl({ fragment: 'c0ffee' });
      const before = stack.slack.unfurls().length;
      const fetches = stack.lightstep.storedTraceRequestCount();
      await share(url, 'C0KILL');
      await waitFor(() => stack.lightstep.storedTraceRequestCount() > fetches, 'the job to be running');
      for (const pid of stack.daemon.workerPids()) process.kill(pid, 'SIGKILL');
      await waitFor(() => stack.slack.unfurls().filter((c) => c.args.channel === 'C0KILL').length === 1, 'the preview', 30_000);
      await settle(500);
      assert.equal(stack.slack.unfurls().filter((c) => c.args.channel === 'C0KILL').length, 1, 'posted once');
      assert.deepEqual(stack.slack.unfurls().slice(before).map((c) => `${String(c.args.channel)} ${c.args.user_auth_required === true ? 'prompt' : 'preview'}`), ['C0KILL preview']);
    } finally {
      stack.lightstep.latencyMs = 0;
    }
  });

  it('a job that kills every worker it runs in is ended as poison after 3 attempts, and nothing else suffers', { timeout: 60_000 }, async () => {
    const poison = generateTrace({ spans: 10, seed: 11 });
    stack.lightstep.addTrace('checkout', poison);
    const seed = poison.spans[0]!.spanId;
    // Whenever a worker asks for this trace, it dies (as a native crash in a decoder would make it).
    let killed = 0;
    stack.lightstep.latencyMs = 300;
    const watcher = setInterval(() => {
      const asking = stack.lightstep.requests.filter((r) => r.query['span-id'] === seed).length;
      if (asking > killed) {
        killed = asking;
        for (const pid of stack.daemon.workerPids()) process.kill(pid, 'SIGKILL');
      }
    }, 20);
    try {
      const url = traceUrl({ span: seed });
      const before = stack.slack.unfurls().length;
      await share(url, 'C0POISON');
      await waitFor(() => stack.daemon.jobs.snapshot().failedByCode.poison === 1, 'the poison outcome', 45_000);
      assert.equal(killed, 3, 'three attempts, each killed its worker');
      assert.equal(stack.slack.unfurls().length, before, 'nothing posted for it');
      assert.match(stack.logs.text, /job is poison/);
    } finally {
      clearInterval(watcher);
      stack.lightstep.latencyMs = 0;
    }
    const normal = traceUrl({ fragment: 'feed' });
    await share(normal, 'C0AFTER');
    await waitFor(() => stack.slack.unfurls().some((c) => c.args.channel === 'C0AFTER'), 'a preview after the poison');
  });

  it('a reply past the byte cap (declared by Content-Length) gets a "too large" preview without being read', async () => {
    const url = traceUrl({ fragment: 'beef' });
    const failedBefore = stack.daemon.jobs.snapshot().failedByCode.trace_too_large ?? 0;
    stack.lightstep.failNext(1, { status: 200, body: Buffer.alloc(65 * 1024 * 1024, 0x20) });
    await share(url, 'C0CAP');
    await waitFor(() => (stack.daemon.jobs.snapshot().failedByCode.trace_too_large ?? 0) === failedBefore + 1, 'the too-large outcome');
    assert.match(unfurlText(url) ?? '', /too large to preview here \(the trace from Lightstep is too large: 65 MiB declared, the limit is 64 MiB\)/);
  });
});
