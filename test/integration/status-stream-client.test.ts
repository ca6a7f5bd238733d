import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createStatusStreamClient, type StatusSource, type StreamState } from '../../src/tui/status-stream-client.js';
import { waitFor } from '../helpers/stack.js';

/** Just enough of a snapshot for parseSnapshot; `n` marks which one it is. */
function snapshot(n: number): object {
  return {
    version: `v${n}`,
    mode: 'socket',
    startedAt: 0,
    now: n,
    uptimeS: n,
    ready: true,
    notReadyReasons: [],
    connection: { state: 'connected', since: 0, reconnects: 0 },
    queue: { waiting: 0, running: 0, concurrency: 8, oldestWaitingMs: 0 },
    counters: {},
    outcomes: {},
    failedByCode: {},
    latencyMs: { p50: 0, p95: 0, p99: 0, samples: 0 },
    auth: { usersMapped: 0, usersLinked: 0, promptsPending: 0, linksDropped: 0 },
    recentJobs: [],
    recentErrors: [],
  };
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in daemon whose /status/stream does what each test tells it to. */
class FakeDaemon {
  server: Server | undefined;
  port = 0;
  readonly requests: IncomingMessage[] = [];
  readonly open = new Set<ServerResponse>();
  route: Route = () => undefined;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req);
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      this.route(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
    this.server = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

const streamHead = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const frame = (n: number) => `event: status\ndata: ${JSON.stringify(snapshot(n))}\n\n`;

/** Record every state a source goes through. */
function follow(source: StatusSource): { states: StreamState[]; versions: string[] } {
  const seen = { states: [source.state], versions: [] as string[] };
  source.subscribe(() => {
    if (seen.states[seen.states.length - 1] !== source.state) seen.states.push(source.state);
    const version = source.latest?.version;
    if (version !== undefined && seen.versions[seen.versions.length - 1] !== version) seen.versions.push(version);
  });
  return seen;
}

describe('status stream client', () => {
  const daemons: FakeDaemon[] = [];
  const clients: StatusSource[] = [];
  const daemon = async (route: Route, port?: number) => {
    const d = new FakeDaemon();
    d.route = route;
    await d.start(port);
    daemons.push(d);
    return d;
  };
  const client = (options: Parameters<typeof createStatusStreamClient>[0]) => {
    const c = createStatusStreamClient({ minDelayMs: 50, maxDelayMs: 400, ...options });
    clients.push(c);
    return c;
  };
  after(async () => {
    for (const c of clients) c.close();
    for (const d of daemons) await d.stop();
  });

  it('parses frames cut into odd pieces, skips comments and other events, sends the token', async () => {
    const d = await daemon((req, res) => {
      streamHead(res);
      const bytes = Buffer.from(`: hello\n\nevent: other\ndata: {}\n\n${frame(1)}${frame(2)}`);
      // Three bytes at a time, like a slow proxy.
      let at = 0;
      const timer = setInterval(() => {
        if (at >= bytes.length || res.destroyed) return clearInterval(timer);
        res.write(bytes.subarray(at, at + 3));
        at += 3;
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const c = client({ url: d.url, token: 'a-very-secret-admin-token' });
    const seen = follow(c);
    await waitFor(() => c.latest?.version === 'v2', 'the second snapshot');
    assert.deepEqual(seen.versions, ['v1', 'v2']);
    assert.equal(c.state.kind, 'live');
    assert.deepEqual(
      seen.states.map((s) => s.kind),
      ['connecting', 'live'],
    );
    assert.equal(d.requests[0]?.headers.authorization, 'Bearer a-very-secret-admin-token');
    assert.equal(d.requests[0]?.url, '/status/stream');
  });

  it('reconnects by itself when the daemon goes away and comes back on the same port', async () => {
    let n = 0;
    const d = await daemon((_req, res) => {
      streamHead(res);
      n += 1;
      res.write(frame(n));
    });
    const c = client({ url: d.url });
    await waitFor(() => c.state.kind === 'live', 'live');
    await d.stop();
    await waitFor(() => c.state.kind === 'reconnecting' && c.state.attempt >= 3, 'a few failed attempts');
    const down = c.state;
    assert.ok(down.kind === 'reconnecting');
    assert.match(down.lastError, /connection refused|closed/);
    assert.ok(down.retryInMs <= 400, `backoff is capped: ${down.retryInMs}`);
    assert.equal(c.latest?.version, 'v1', 'the last snapshot is kept while down');
    const since = down.since;
    await waitFor(() => c.state.kind === 'reconnecting' && c.state.attempt >= 5, 'more attempts');
    assert.equal(c.state.kind === 'reconnecting' && c.state.since, since, '"since" is when the stream was lost, not the last attempt');
    await d.start(d.port);
    await waitFor(() => c.state.kind === 'live' && c.latest?.version === 'v2', 'live again with a fresh snapshot');
  });

  it('drops a stream that goes silent and opens a new one', async () => {
    let connections = 0;
    const d = await daemon((_req, res) => {
      connections += 1;
      streamHead(res);
      res.write(frame(connections));
      // …and then nothing: a half-dead proxy.
    });
    const c = client({ url: d.url, staleMs: 300 });
    await waitFor(() => connections >= 2 && c.latest?.version === 'v2', 'a second connection after the silence');
  });

  it('reports 401 as unauthorized with the daemon’s message, and ignores non-snapshot JSON', async () => {
    const d = await daemon((req, res) => {
      if (req.headers.authorization !== 'Bearer right-token-0123456789') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'unauthorized', message: 'Send Authorization: Bearer <LSSLACK_ADMIN_TOKEN>.' }));
        return;
      }
      streamHead(res);
      res.write('event: status\ndata: {"status":"ok"}\n\n');
      res.write(frame(7));
    });
    const wrong = client({ url: d.url, token: 'wrong' });
    await waitFor(() => wrong.state.kind === 'unauthorized', 'unauthorized');
    assert.ok(wrong.state.kind === 'unauthorized');
    assert.equal(wrong.state.status, 401);
    assert.match(wrong.state.message, /Bearer/);
    const right = client({ url: d.url, token: 'right-token-0123456789' });
    await waitFor(() => right.latest !== undefined, 'a snapshot');
    assert.equal(right.latest?.version, 'v7');
  });

  it('close() is idempotent, stops retrying and leaves no socket or timer behind', async () => {
    const d = await daemon((_req, res) => {
      streamHead(res);
      res.write(frame(1));
    });
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const c = createStatusStreamClient({ url: d.url });
    await waitFor(() => c.state.kind === 'live', 'live');
    const refused = createStatusStreamClient({ url: 'http://127.0.0.1:1', minDelayMs: 10 });
    await waitFor(() => refused.state.kind === 'reconnecting', 'a failed attempt');
    c.close();
    c.close();
    refused.close();
    refused.close();
    const calls: string[] = [];
    c.subscribe(() => calls.push('late'));
    await waitFor(() => d.open.size === 0, 'the server to see the stream closed');
    await waitFor(() => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length <= before, 'handles to go away', 3000);
    assert.deepEqual(calls, []);
  });
});
