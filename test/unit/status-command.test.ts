import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listenerUrl, resolveTarget } from '../../src/cli/commands/status.js';
import type { StatusSnapshot } from '../../src/pipeline/status.js';
import { formatStatusSummary } from '../../src/tui/status-summary.js';

describe('lsslack status helpers', () => {
  it('turns the configured listener into a URL this machine can reach', () => {
    assert.equal(listenerUrl('0.0.0.0', 8080), 'http://127.0.0.1:8080');
    assert.equal(listenerUrl('127.0.0.1', 3000), 'http://127.0.0.1:3000');
    assert.equal(listenerUrl('::', 8080), 'http://[::1]:8080');
    assert.equal(listenerUrl('[::]', 8080), 'http://[::1]:8080');
    assert.equal(listenerUrl('fd00::2', 8080), 'http://[fd00::2]:8080');
    assert.equal(listenerUrl('lsslack.internal', 80), 'http://lsslack.internal:80');
  });

  it('takes --url and --token as given, and refuses bad ones as usage errors', () => {
    assert.deepEqual(resolveTarget({ url: 'http://127.0.0.1:9000/', token: 'tok-0123456789abcdef' }), { url: 'http://127.0.0.1:9000', token: 'tok-0123456789abcdef' });
    for (const [flags, message] of [
      [{ url: 'not a url', token: 't' }, /not a URL/],
      [{ url: 'ftp://host', token: 't' }, /http:\/\/ or https:\/\//],
      [{ url: 'http://host/?x=1', token: 't' }, /without \?query/],
      [{ url: 'http://host', token: ' ' }, /--token must not be empty/],
    ] as const) {
      assert.throws(() => resolveTarget(flags), (error: unknown) => (error as { code?: string }).code === 'usage' && message.test((error as Error).message));
    }
  });

  it('summarises a snapshot in a dozen plain lines, with the reasons when not ready', () => {
    const now = Date.parse('2025-06-15T12:00:00Z');
    const snapshot: StatusSnapshot = {
      version: '0.1.0',
      mode: 'socket',
      startedAt: now - 7_380_000,
      now,
      uptimeS: 7380,
      ready: false,
      notReadyReasons: ['slack connection is reconnecting'],
      connection: { state: 'reconnecting', since: now - 4000, reconnects: 3 },
      queue: { waiting: 2, running: 4, deferred: 0, concurrency: 4, oldestWaitingMs: 1500, backlog: 0 },
      counters: { events_received: 1310, events_acked: 1309, events_deduplicated: 12, events_ignored: 1, envelopes_dropped: 0, slack_429: 2, backend_retries: 5, links_dropped: 1, worker_restarts: 0, work_objects_refused: 0 },
      outcomes: { unfurled: 1204, prompted: 31, not_authorized: 4, not_found: 2, skipped: 0, failed: 3 },
      outcomesByBackend: { lightstep: { unfurled: 1204 } },
      backendRetries: { lightstep: 5 },
      backends: [{ id: 'lightstep', kind: 'lightstep' }],
      previews: 'blocks',
      failedByCode: { backend_unavailable: 3 },
      latencyMs: { p50: 420, p95: 1210, p99: 2300, samples: 1024 },
      auth: { usersMapped: 12, usersLinked: 9, promptsPending: 3, linksDropped: 1 },
      recentJobs: [{ at: now - 1000, jobId: 'j1', team: 'T0ACME', channel: 'C0INC', backend: 'lightstep', scope: 'checkout', outcome: 'unfurled', durationMs: 412, latencyMs: 500 }],
      recentErrors: [{ at: now - 60_000, code: 'backend_unavailable', message: 'Lightstep answered HTTP 503.' }],
    };
    const text = formatStatusSummary(snapshot, 'http://127.0.0.1:8080');
    const lines = text.split('\n');
    assert.equal(lines[0], 'lsslack 0.1.0 (socket mode) at http://127.0.0.1:8080, up 2h 03m: NOT READY (slack connection is reconnecting)');
    assert.ok(lines.length <= 12);
    assert.match(text, /^ {2}queue {6}2 waiting, 4\/4 running, oldest 1\.50s$/m);
    assert.match(text, /^ {2}outcomes {3}1,204 unfurled, 31 prompted, 4 not authorized, 2 not found, 0 skipped, 3 failed \(backend_unavailable 3\)$/m);
    assert.match(text, /^ {2}latency {4}p50 420ms, p95 1\.21s, p99 2\.30s \(1,024 samples\)$/m);
    assert.match(text, /^ {2}auth {7}12 mapped, 9 linked, 3 prompts pending, 1 links dropped$/m);
    assert.match(text, /^ {2}last job {3}\d\d:\d\d:\d\d T0ACME C0INC lightstep\/checkout unfurled in 412ms$/m);
    assert.equal(/\u001B/.test(text), false);
  });
});
