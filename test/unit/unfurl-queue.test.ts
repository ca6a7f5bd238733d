import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LsslackError } from '../../src/domain/errors.js';
import type { JobOutcome, UnfurlJob } from '../../src/domain/types.js';
import { createUnfurlQueue } from '../../src/pipeline/unfurl-queue.js';

const job = (n: number): UnfurlJob => ({
  id: `Ev${n}:0`,
  eventId: `Ev${n}`,
  teamId: 'T1',
  userId: 'U1',
  channel: 'C1',
  messageTs: `${n}.0001`,
  target: { kind: 'message', channel: 'C1', ts: `${n}.0001` },
  url: `https://app.lightstep.com/p/trace?span_guid=${n.toString(16).padStart(16, '0')}`,
  receivedAt: Date.now(),
});

/** A worker whose jobs finish only when released, recording how many ran at once. */
function gatedWork() {
  let running = 0;
  let peak = 0;
  const release: Array<() => void> = [];
  const work = async (): Promise<JobOutcome> => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => release.push(resolve));
    running -= 1;
    return { kind: 'skipped', reason: 'duplicate' };
  };
  return { work, release, running: () => running, peak: () => peak, resetPeak: () => (peak = running) };
}

describe('unfurl queue', () => {
  it('runs at most `concurrency` jobs, follows setConcurrency down and up, and ends every job once', async () => {
    const gate = gatedWork();
    const done: string[] = [];
    const queue = createUnfurlQueue({ concurrency: 4, work: gate.work, onDone: (j) => done.push(j.id) });
    queue.enqueue(Array.from({ length: 12 }, (_, i) => job(i)));
    await sleep(10);
    assert.equal(gate.running(), 4);
    queue.setConcurrency(1);
    // Running jobs are not interrupted; no new one starts until fewer than 1 run.
    for (const r of gate.release.splice(0, 3)) r();
    await sleep(10);
    assert.equal(gate.running(), 1, 'three finished, none started in their place');
    gate.resetPeak();
    for (let i = 0; i < 3; i++) {
      gate.release.shift()?.();
      await sleep(5);
    }
    assert.equal(gate.peak(), 1, 'one at a time while lowered');
    queue.setConcurrency(4);
    await sleep(10);
    assert.equal(gate.running(), 4, 'raising it starts waiting jobs at once');
    while (done.length < 12) {
      gate.release.shift()?.();
      await sleep(2);
    }
    assert.equal(new Set(done).size, 12);
    assert.equal(await queue.stop(1000), true);
  });

  it("re-runs a job after the retry decision's delay without holding a worker, then records one outcome", async () => {
    let calls = 0;
    const outcomes: JobOutcome[] = [];
    const deferred: string[] = [];
    const queue = createUnfurlQueue({
      concurrency: 1,
      work: async () => {
        calls += 1;
        if (calls === 1) throw new LsslackError('slack_rate_limited', 'slow down', { retryAfterMs: 30 });
        return { kind: 'skipped', reason: 'not_a_trace_link' };
      },
      retry: (_job, error, attempt) => (error instanceof LsslackError && attempt <= 1 ? { delayMs: error.retryAfterMs ?? 0, reason: error.code, crash: false } : undefined),
      onDeferred: (j, decision) => deferred.push(`${j.id} ${decision.reason}`),
      onDone: (_j, outcome) => outcomes.push(outcome),
    });
    queue.enqueue([job(1)]);
    await sleep(5);
    assert.equal(queue.stats().running, 0, 'no worker held while waiting');
    assert.equal(queue.stats().waiting, 1);
    for (let i = 0; i < 500 && outcomes.length === 0; i++) await sleep(10);
    assert.equal(calls, 2);
    assert.deepEqual(outcomes, [{ kind: 'skipped', reason: 'not_a_trace_link' }]);
    assert.deepEqual(deferred, ['Ev1:0 slack_rate_limited']);
    await queue.stop(1000);
  });

  it('holds at most `capacity` jobs in memory and hands back the rest; room opens as jobs end', async () => {
    const gate = gatedWork();
    let rooms = 0;
    const queue = createUnfurlQueue({ concurrency: 2, capacity: 3, work: gate.work, onDone: () => undefined, onRoom: () => (rooms += 1) });
    const overflow = queue.enqueue([job(1), job(2), job(3), job(4), job(5)]);
    assert.deepEqual(overflow.map((j) => j.id), ['Ev4:0', 'Ev5:0']);
    assert.equal(queue.room(), 0);
    await sleep(10);
    gate.release.shift()?.();
    for (let i = 0; i < 100 && rooms === 0; i++) await sleep(5);
    assert.equal(rooms, 1);
    assert.equal(queue.room(), 1);
    assert.deepEqual(queue.enqueue([job(4), job(5)]).map((j) => j.id), ['Ev5:0']);
    while (gate.release.length > 0 || gate.running() > 0) {
      gate.release.shift()?.();
      await sleep(2);
    }
    assert.equal(await queue.stop(1000), true);
  });

  it('a job not due yet (a scheduled refresh) waits without a worker, runs once due, and a second copy of it is not taken', async () => {
    const started: string[] = [];
    const queue = createUnfurlQueue({
      concurrency: 1,
      work: async (j) => {
        started.push(j.id);
        return { kind: 'skipped', reason: 'unchanged' };
      },
      onDone: () => undefined,
    });
    const later: UnfurlJob = { ...job(1), id: 'Ev1:0:r1', kind: 'refresh', refresh: { n: 1, digest: 'd' }, notBefore: Date.now() + 150 };
    assert.deepEqual(queue.enqueue([later, job(2)]), []);
    assert.deepEqual(queue.enqueue([later]), [], 'already held: not held twice');
    for (let i = 0; i < 100 && started.length === 0; i++) await sleep(5);
    assert.deepEqual(started, ['Ev2:0'], 'the job that is due runs first');
    for (let i = 0; i < 100 && queue.stats().running > 0; i++) await sleep(5);
    assert.equal(queue.stats().deferred, 1);
    assert.equal(queue.stats().running, 0);
    for (let i = 0; i < 200 && started.length < 2; i++) await sleep(5);
    await sleep(50);
    assert.deepEqual(started, ['Ev2:0', 'Ev1:0:r1']);
    assert.equal(await queue.stop(1000), true);
  });

  it('expedites deferred jobs whose failure matches, and leaves the others to their back-off', async () => {
    const calls = new Map<string, number>();
    const outcomes: string[] = [];
    const queue = createUnfurlQueue({
      concurrency: 2,
      random: () => 0.5,
      work: async (j) => {
        const n = (calls.get(j.id) ?? 0) + 1;
        calls.set(j.id, n);
        if (n === 1) throw new LsslackError(j.id === 'Ev1:0' ? 'backend_unavailable' : 'slack_rate_limited', 'down', { backend: 'jaeger' });
        return { kind: 'skipped', reason: 'not_a_trace_link' };
      },
      retry: (_j, error) => ({ delayMs: 60_000, reason: (error as LsslackError).code, crash: false }),
      onDone: (j) => outcomes.push(j.id),
    });
    queue.enqueue([job(1), job(2)]);
    for (let i = 0; i < 100 && queue.stats().deferred < 2; i++) await sleep(5);
    assert.equal(queue.expedite((e) => e instanceof LsslackError && e.code === 'backend_unavailable'), 1);
    for (let i = 0; i < 300 && outcomes.length === 0; i++) await sleep(10);
    assert.deepEqual(outcomes, ['Ev1:0']);
    assert.equal(queue.stats().deferred, 1, 'the rate-limited one still waits');
    await queue.stop(1000);
  });
});

describe('unfurl queue held', () => {
  it('starts nothing while concurrency is 0 and reports it, then resumes', async () => {
    const gate = gatedWork();
    const queue = createUnfurlQueue({ concurrency: 2, work: gate.work, onDone: () => undefined });
    queue.setConcurrency(0);
    queue.enqueue([job(1), job(2), job(3)]);
    await sleep(10);
    assert.equal(gate.running(), 0);
    assert.equal(queue.stats().concurrency, 0);
    assert.equal(queue.stats().waiting, 3);
    queue.setConcurrency(2);
    await sleep(10);
    assert.equal(gate.running(), 2);
    for (let i = 0; i < 3; i++) {
      gate.release.shift()?.();
      await sleep(5);
    }
    assert.equal(await queue.stop(1000), true);
  });
});
