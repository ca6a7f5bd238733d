import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusSnapshot } from '../../src/pipeline/status.js';
import { firstThatFits, fit, formatDuration, formatMs, pad, spread } from '../../src/tui/format.js';
import { planLayout } from '../../src/tui/layout.js';
import { parseSnapshot } from '../../src/tui/read-snapshot.js';
import { SseParser } from '../../src/tui/sse-parser.js';
import { fitColumns } from '../../src/tui/table-columns.js';
import { JobLog } from '../../src/pipeline/job-log.js';
import { addSample, perSecond, rates, sparkline, type ThroughputSample } from '../../src/tui/throughput.js';

describe('SseParser', () => {
  it('splits on blank lines, joins data lines, ignores comments and unknown fields', () => {
    const parser = new SseParser();
    const messages = parser.push(': keep-alive\n\nevent: status\ndata: {"a":\ndata: 1}\nfoo: bar\nid: 7\n\ndata: plain\n\n');
    assert.deepEqual(messages, [
      { event: 'status', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });

  it('handles frames split anywhere: inside a field, inside CRLF, inside a UTF-8 character', () => {
    const frame = Buffer.from('event: status\r\ndata: {"note":"daemon — ünïcode"}\r\n\r\nevent: status\rdata: 2\r\r');
    for (let cut = 1; cut < frame.length; cut += 1) {
      const parser = new SseParser();
      const got = [...parser.push(frame.subarray(0, cut)), ...parser.push(frame.subarray(cut))];
      assert.deepEqual(
        got.map((m) => m.data),
        ['{"note":"daemon — ünïcode"}', '2'],
        `cut at ${cut}`,
      );
    }
    // One byte at a time, too.
    const parser = new SseParser();
    const got = [...frame].flatMap((byte) => parser.push(Uint8Array.of(byte)));
    assert.equal(got.length, 2);
  });

  it('keeps an unfinished message until its blank line arrives', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event: status\ndata: {}\n'), []);
    assert.deepEqual(parser.push('\n'), [{ event: 'status', data: '{}' }]);
    assert.deepEqual(parser.push('event: status\n\n'), [], 'a message without data is dropped');
  });
});

describe('throughput', () => {
  const snap = (now: number, unfurled: number, startedAt = 0) =>
    ({ now, startedAt, outcomes: { unfurled, prompted: 0, not_authorized: 0, not_found: 0, skipped: 0, failed: 0 } }) as unknown as StatusSnapshot;

  it('turns successive snapshots into per-second deltas of finished jobs', () => {
    let history: ThroughputSample[] = [];
    let previous: StatusSnapshot | undefined;
    for (const [at, total] of [[1000, 0], [2000, 3], [3000, 3], [4000, 10]] as const) {
      const s = snap(at, total);
      history = addSample(history, s, previous);
      previous = s;
    }
    const series = perSecond(history, 5);
    assert.deepEqual(series, [null, 0, 3, 0, 7], 'the first observed second counts from the first sample');
    assert.deepEqual(rates(series), { total: 10, now: 7, peak: 7 });
  });

  it('starts afresh when the daemon restarts, and forgets samples older than the window', () => {
    const a = snap(5000, 40, 0);
    const restarted = snap(6000, 1, 5500);
    assert.deepEqual(addSample([{ at: 5000, finished: 40 }], restarted, a), [{ at: 6000, finished: 1 }]);
    const long = Array.from({ length: 200 }, (_, i) => ({ at: i * 1000, finished: i }));
    const trimmed = addSample(long, snap(200_000, 200), snap(199_000, 199));
    assert.ok(trimmed.length <= 63, `kept ${trimmed.length}`);
    assert.equal(perSecond(trimmed).every((v) => v === 1), true);
  });

  it('a dashboard that connects to a busy daemon starts from its last minute, not from zero', () => {
    const log = new JobLog(() => clock);
    let clock = 100_000;
    const job = { id: 'j', eventId: 'e', teamId: 'T', userId: 'U', channel: 'C', messageTs: '1', target: { kind: 'message', channel: 'C', ts: '1' }, url: 'u', receivedAt: 0 } as const;
    // 3 jobs 20 s ago, 5 jobs 2 s ago, 1 job now.
    for (const [at, n] of [[80_500, 3], [98_200, 5], [100_000, 1]] as const) {
      clock = at;
      for (let i = 0; i < n; i++) log.record(job, { kind: 'skipped', reason: 'duplicate' }, 1);
    }
    clock = 100_400;
    const { finishedPerSecond, outcomes } = log.snapshot();
    assert.equal(finishedPerSecond.length, 60);
    assert.deepEqual([finishedPerSecond[39], finishedPerSecond[57], finishedPerSecond[59]], [3, 5, 1]);
    const snapshot = { now: clock, startedAt: 0, outcomes, finishedPerSecond } as unknown as StatusSnapshot;
    const series = perSecond(addSample([], snapshot, undefined));
    assert.equal(series.every((v) => v !== null), true, 'every second of the window is known at once');
    assert.deepEqual(rates(series), { total: 9, now: 1, peak: 5 });
    assert.deepEqual([series[39], series[57], series[59]], [3, 5, 1]);
  });

  it('draws ▁▂▃▄▅▆▇█, blank before the first sample, bucketed when narrow', () => {
    assert.equal(sparkline([null, 0, 1, 2, 4, 8], 6), ' ▁▂▃▅█');
    const minute = Array.from({ length: 60 }, (_, i) => i % 7);
    assert.equal([...sparkline(minute, 60)].length, 60);
    assert.equal([...sparkline(minute, 44)].length, 30, 'two seconds per character');
    assert.equal(sparkline(Array.from({ length: 60 }, () => 0), 10), '▁'.repeat(10));
  });
});

describe('layout', () => {
  it('fits 80×24 in 23 lines with every panel', () => {
    const layout = planLayout({ columns: 80, rows: 24, jobs: 20, errors: 2 });
    assert.equal(layout.top.length, 1);
    assert.deepEqual(
      layout.top[0]?.map((c) => c.panel),
      ['slack', 'queue', 'latency', 'auth'],
    );
    assert.equal(layout.top[0]?.reduce((s, c) => s + c.width, 0), 80);
    assert.ok(layout.middle !== undefined && layout.middle.throughput + layout.middle.outcomes === 80);
    const lines = 2 + 5 + 5 + (layout.jobRows + 3) + (layout.errorRows + 2);
    assert.equal(lines, 23);
    assert.ok(layout.jobRows >= 4 && layout.errorRows === 2, JSON.stringify(layout));
  });

  it('drops lists, then the middle row, when short; stacks the top panels when narrow', () => {
    const short = planLayout({ columns: 60, rows: 15, jobs: 20, errors: 2 });
    assert.deepEqual([short.jobRows, short.errorRows], [0, 0]);
    assert.ok(short.middle !== undefined);
    assert.equal(planLayout({ columns: 80, rows: 10, jobs: 5, errors: 0 }).middle, undefined);
    const narrow = planLayout({ columns: 50, rows: 40, jobs: 5, errors: 0 });
    assert.equal(narrow.top.length, 2);
    assert.equal(planLayout({ columns: 30, rows: 24, jobs: 0, errors: 0 }).tooSmall, true);
  });

  it('fits table columns by dropping the least important first', () => {
    const specs = [
      { key: 'a', min: 5, ideal: 8, priority: 9 },
      { key: 'b', min: 5, ideal: 5, priority: 1 },
      { key: 'c', min: 5, ideal: 10, priority: 5 },
    ] as const;
    assert.deepEqual(
      fitColumns(specs, 30, 2).map((c) => [c.key, c.width]),
      [['a', 8], ['b', 5], ['c', 10]],
    );
    assert.deepEqual(
      fitColumns(specs, 14, 2).map((c) => [c.key, c.width]),
      [['a', 7], ['c', 5]],
    );
  });
});

describe('format', () => {
  it('formats latencies, durations and fitted text', () => {
    assert.deepEqual([0, 420, 1234, 12_345, 123_000].map(formatMs), ['0ms', '420ms', '1.23s', '12.3s', '2m03s']);
    assert.deepEqual([5000, 123_000, 7_380_000, 190_000_000].map(formatDuration), ['5s', '2m 03s', '2h 03m', '2d 04h']);
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(pad('ab', 4, true), '  ab');
    assert.deepEqual(spread(['pending prompts', 'prompts'], '12', 12), { label: 'prompts', gap: '   ', value: '12' });
    assert.equal(firstThatFits(['long one', 'short'], 6), 'short');
  });

  it('accepts a real-looking snapshot and rejects other JSON', () => {
    assert.equal(parseSnapshot('{"status":"ok"}'), undefined);
    assert.equal(parseSnapshot('not json'), undefined);
    const ok = { version: '1', now: 1, uptimeS: 0, ready: true, notReadyReasons: [], recentJobs: [], recentErrors: [], connection: {}, queue: {}, counters: {}, outcomes: {}, failedByCode: {}, latencyMs: {}, auth: {} };
    assert.ok(parseSnapshot(JSON.stringify(ok)) !== undefined);
  });
});
