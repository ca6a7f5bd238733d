// Ink picks its colour level and CI mode when it is first imported: force colour (so the NO_COLOR
// test has something to remove) and live rendering before importing it below.
process.env.FORCE_COLOR = '1';
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { StatusSnapshot } from '../../src/pipeline/status.js';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import type { DashboardView } from '../../src/tui/dashboard-view.js';
import type { StreamState } from '../../src/tui/status-stream-client.js';
import { deliver, startStack, settle, traceUrl, waitFor, type Stack } from '../helpers/stack.js';
import { within } from '../helpers/terminal.js';

const { createElement } = await import('react');
const { render } = await import('ink-testing-library');
const { Dashboard } = await import('../../src/tui/components/dashboard.js');
const { renderDashboard } = await import('../../src/tui/render-dashboard.js');
const { createStatusStreamClient } = await import('../../src/tui/status-stream-client.js');
const { addSample, perSecond } = await import('../../src/tui/throughput.js');

const ANSI = /\u001B\[[0-9;?]*[A-Za-z]/g;
const plain = (text: string) => text.replace(ANSI, '');
const lines = (text: string) => plain(text).split('\n');

/** Render the presentational dashboard once with ink-testing-library and return its frame. */
function frame(view: DashboardView, options: { columns?: number; rows?: number; color?: boolean; paused?: boolean; url?: string } = {}): string {
  const instance = render(
    createElement(Dashboard, { view, url: options.url ?? 'http://127.0.0.1:8080', columns: options.columns ?? 80, rows: options.rows ?? 24, color: options.color ?? false, paused: options.paused ?? false, now: Date.now() }),
  );
  const out = instance.lastFrame() ?? '';
  instance.unmount();
  instance.cleanup();
  return out;
}

/** A number shown after `label` in the frame (e.g. "unfurled     7" → 7). */
function shown(text: string, label: string): number {
  const match = new RegExp(`${label}\\s+([\\d,]+)`).exec(plain(text));
  assert.ok(match, `"${label}" is shown in:\n${plain(text)}`);
  return Number((match[1] ?? '').replace(/,/g, ''));
}

function assertFits(text: string, columns: number, rows: number): void {
  const all = lines(text);
  assert.ok(all.length <= rows - 1, `${all.length} lines for ${rows} rows:\n${plain(text)}`);
  for (const line of all) assert.ok([...line].length <= columns, `line wider than ${columns}: "${line}" (${[...line].length})`);
}

/** A fake terminal for renderDashboard: resizable, records what Ink writes. */
class FakeTerminal extends EventEmitter {
  columns = 80;
  rows = 24;
  readonly isTTY = false;
  #frames: string[] = [];
  write = (chunk: string | Uint8Array) => {
    const text = plain(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    if (text.trim() !== '') this.#frames.push(text);
    return true;
  };
  get last(): string {
    return this.#frames[this.#frames.length - 1] ?? '';
  }
}

/** A fake keyboard: Ink reads it in raw mode through 'readable' + read(). */
class FakeKeyboard extends EventEmitter {
  readonly isTTY = true;
  #pending: string[] = [];
  press(key: string) {
    this.#pending.push(key);
    this.emit('readable');
  }
  read = () => this.#pending.shift() ?? null;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}


async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const live: StreamState = { kind: 'live', since: Date.now() };

describe('dashboard components, from real snapshots', () => {
  let stack: Stack;
  let snapshot: StatusSnapshot;
  let view: DashboardView;

  before(async () => {
    stack = await startStack();
    const first = await stack.daemon.status();
    // Shares in #C0DASH: one sent twice (Slack's retry: deduplicated), one of a span the trace
    // does not have (not found); one in #C0PAY of a project this user may not see.
    const twice = linkSharedEvent({ channel: 'C0DASH', urls: [traceUrl()] });
    await stack.slack.sendEvent(twice);
    await stack.slack.sendEvent(twice);
    await stack.slack.sendEvent(linkSharedEvent({ channel: 'C0DASH', urls: [traceUrl({ span: '3f2a9c7d1e8b4a02' })] }));
    await stack.slack.sendEvent(linkSharedEvent({ channel: 'C0PAY', urls: [traceUrl({ project: 'payments' })] }));
    await waitFor(() => stack.daemon.jobs.snapshot().recentJobs.length >= first.recentJobs.length + 3, 'three more jobs');
    snapshot = await stack.daemon.status();
    const history = addSample(addSample([], first, undefined), snapshot, first);
    view = { snapshot, stream: live, throughput: perSecond(history) };
  });
  after(async () => {
    await stack.stop();
  });

  it('shows the numbers of the snapshot at 80×24', () => {
    const out = frame(view);
    assertFits(out, 80, 24);
    const text = plain(out);
    assert.equal(shown(out, 'unfurled'), snapshot.outcomes.unfurled);
    assert.equal(shown(out, 'prompted'), snapshot.outcomes.prompted);
    assert.equal(shown(out, '(?:not authorized|no access)'), snapshot.outcomes.not_authorized);
    assert.equal(shown(out, 'not found'), snapshot.outcomes.not_found);
    assert.ok(snapshot.outcomes.unfurled >= 2 && snapshot.outcomes.not_authorized >= 1 && snapshot.outcomes.not_found >= 1, JSON.stringify(snapshot.outcomes));
    assert.equal(shown(out, 'events'), snapshot.counters.events_received);
    assert.equal(shown(out, 'acked'), snapshot.counters.events_acked);
    assert.equal(shown(out, 'deduplicated'), snapshot.counters.events_deduplicated);
    assert.equal(snapshot.counters.events_deduplicated, 1);
    assert.equal(shown(out, 'mapped'), 1);
    assert.equal(shown(out, 'linked'), 1);
    assert.equal(shown(out, 'pending prompts'), snapshot.auth.promptsPending);
    assert.match(text, /● connected/);
    assert.match(text, /since \d\d:\d\d:\d\d/);
    assert.match(text, new RegExp(`\\d+/${snapshot.queue.concurrency}`));
    assert.match(text, /p50\s+\d+(ms|\.\d+s)/);
    assert.match(text, /lsslack test · socket · up \d+s · ready/);
    assert.match(text, /● live/);
    // Recent jobs: newest first, with team, channel, project and outcome.
    assert.match(text, /\d\d:\d\d:\d\d\s+T0SIM\s+C0PAY\s+lightstep\/payments\s+not authorized/);
    assert.match(text, /T0SIM\s+C0DASH\s+lightstep\/checkout\s+unfurled/);
    assert.match(text, /Errors · Slack 429s 0 · backend retries 0/);
    assert.match(text, /q quit · p pause/);
    // The throughput sparkline has drawn something for the jobs that just finished.
    assert.match(text, /[▂▃▄▅▆▇█]/);
  });

  it('honours NO_COLOR: not one escape code without colour, colours with it', () => {
    const mono = frame(view, { color: false });
    assert.equal(/\u001B\[/.test(mono), false, 'no ANSI escape codes');
    const coloured = frame(view, { color: true });
    assert.match(coloured, /\u001B\[32m/, 'green is used when colour is on (FORCE_COLOR set for this test)');
  });

  it('fits narrow and short terminals: no line wider than the terminal, never taller', () => {
    for (const [columns, rows] of [
      [60, 15],
      [40, 10],
      [50, 30],
      [72, 20],
      [100, 40],
    ] as const) {
      for (const color of [false, true]) {
        const out = frame(view, { columns, rows, color });
        assertFits(out, columns, rows);
      }
    }
    const narrow = plain(frame(view, { columns: 60, rows: 15 }));
    assert.match(narrow, /● connected/);
    assert.equal(shown(narrow, 'unfurled'), snapshot.outcomes.unfurled);
  });

  it('says the daemon is unreachable, with the URL and the fix, when it never answered', async () => {
    const port = await freePort();
    const client = createStatusStreamClient({ url: `http://127.0.0.1:${port}`, minDelayMs: 50, maxDelayMs: 200 });
    await waitFor(() => client.state.kind === 'reconnecting', 'the client to give up once');
    const state = client.state;
    client.close();
    const out = frame({ snapshot: undefined, stream: state, throughput: [] }, { url: `http://127.0.0.1:${port}` });
    assertFits(out, 80, 24);
    const text = plain(out);
    assert.match(text, /daemon unreachable — retrying…/);
    assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${port}/status/stream`));
    assert.match(text, /connection refused/);
    assert.match(text, /lsslack start/);
    assertFits(frame({ snapshot: undefined, stream: state, throughput: [] }, { columns: 60, rows: 15 }), 60, 15);
  });

  it('keeps the last known data, greyed, while reconnecting', () => {
    const down: StreamState = { kind: 'reconnecting', since: Date.now(), attempt: 2, lastError: 'connection refused (ECONNREFUSED)', retryInMs: 500 };
    const stale = frame({ ...view, stream: down }, { color: true });
    const text = plain(stale);
    assert.match(text, /daemon unreachable — retrying…/);
    assert.match(text, /last update \d\d:\d\d:\d\d · connection refused \(ECONNREFUSED\)/);
    assert.equal(shown(stale, 'unfurled'), snapshot.outcomes.unfurled);
    const body = stale.split('\n').slice(1, -1).join('\n');
    assert.equal(/\u001B\[3[1-6]m/.test(body), false, 'no green, red, cyan… in the panels: all grey');
    assert.match(body, /\u001B\[90m/);
    assert.match(plain(frame(view, { paused: true })), /‖ PAUSED[\s\S]*p resume/);
  });

  it('renders live through renderDashboard: numbers move, p pauses, resizes, daemon down, q quits', async () => {
    const terminal = new FakeTerminal();
    const keyboard = new FakeKeyboard();
    const handle = renderDashboard({ url: stack.httpUrl, color: false, stdout: terminal as unknown as NodeJS.WriteStream, stdin: keyboard as unknown as NodeJS.ReadStream, alternateScreen: false });
    const waitForFrame = (check: (text: string) => boolean, what: string) => waitFor(() => check(terminal.last), `${what}; last frame:\n${terminal.last}`, 10_000);
    try {
      await waitForFrame((t) => /● live/.test(t) && /unfurled\s+\d/.test(t), 'a live frame');
      const before = shown(terminal.last, 'unfurled');
      // Rendering above kept the event loop busy; `deliver` re-sends if the socket reconnected meanwhile.
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0LIVE', urls: [traceUrl()] }));
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0LIVE', urls: [traceUrl()] }));
      await waitForFrame((t) => /unfurled\s+\d/.test(t) && shown(t, 'unfurled') === before + 2, 'two more unfurls on screen');
      assert.match(terminal.last, /C0LIVE/);

      keyboard.press('p');
      await waitForFrame((t) => t.includes('PAUSED'), 'the PAUSED badge');
      await deliver(stack.slack, linkSharedEvent({ channel: 'C0LIVE', urls: [traceUrl()] }));
      await waitFor(() => stack.daemon.jobs.snapshot().outcomes.unfurled >= before + 3, 'the third unfurl');
      await settle(1300);
      assert.equal(shown(terminal.last, 'unfurled'), before + 2, 'paused: the screen does not move');
      keyboard.press('p');
      await waitForFrame((t) => !t.includes('PAUSED') && shown(t, 'unfurled') === before + 3, 'resumed with the new number');

      terminal.columns = 60;
      terminal.rows = 15;
      terminal.emit('resize');
      await waitForFrame((t) => t.trimEnd().split('\n').every((l) => [...l].length <= 60) && /● live/.test(t), 'a 60-column frame');
      assertFits(terminal.last.trimEnd(), 60, 15);

      await stack.daemon.stop();
      await waitForFrame((t) => t.includes('daemon unreachable — retrying…'), 'the unreachable badge');
      assert.equal(shown(terminal.last, 'unfurled'), before + 3, 'the last known numbers stay');

      keyboard.press('q');
      await within(handle.waitUntilExit(), 5000, 'quitting with q');
    } finally {
      handle.unmount();
    }
  });
});
