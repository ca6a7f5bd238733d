/**
 * Socket Mode side of the simulator (slack-platform.md §4.1, §4.5 "What the fake must do"): single-use tickets
 * from `apps.connections.open`, a `ws` server on `/link/`, the `hello` frame, `events_api` envelopes and acks,
 * and `disconnect` frames. The `ws` library answers the client's pings with pongs by itself, which the SDK needs
 * (it drops the socket when pongs stop, §4.4).
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import type { SimConfig } from './config.js';
import { randomHex } from './config.js';
import type { DisconnectReason, SendEventOptions, SendEventResult } from './types.js';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;
/** Unused tickets are forgotten after this long, so a leaky caller cannot grow the set forever. */
const TICKET_TTL_MS = 5 * 60 * 1000;

interface Connection {
  /** 1-based sequence number, for messages only. */
  readonly id: number;
  readonly ws: WebSocket;
}

interface PendingEnvelope {
  readonly connectionId: number;
  readonly resolve: (result: SendEventResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface ConnectionWaiter {
  readonly n: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** WebSocket endpoint plus the bookkeeping the test API needs. */
export class SocketModeServer {
  readonly #config: SimConfig;
  readonly #wss: WebSocketServer;
  readonly #tickets = new Map<string, number>();
  /** Open, hello'd connections, oldest first. */
  #open: Connection[] = [];
  #nextId = 1;
  #roundRobin = 0;
  readonly #pending = new Map<string, PendingEnvelope>();
  #waiters: ConnectionWaiter[] = [];
  #stopped = false;

  constructor(config: SimConfig) {
    this.#config = config;
    // noServer: the HTTP server's 'upgrade' event is routed here so that bad tickets get a plain HTTP 401.
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: true });
  }

  /** Issues a single-use ticket for the URL returned by `apps.connections.open`. */
  issueTicket(): string {
    const now = Date.now();
    for (const [ticket, at] of this.#tickets) if (now - at > TICKET_TTL_MS) this.#tickets.delete(ticket);
    const ticket = randomHex(16);
    this.#tickets.set(ticket, now);
    return ticket;
  }

  /** Number of open connections that were greeted with `hello`. */
  get connectionCount(): number {
    return this.#open.length;
  }

  /** Envelopes sent by sendEvent and not acked yet. */
  get unackedCount(): number {
    return this.#pending.size;
  }

  /** Handles an HTTP upgrade request for `/link/?ticket=…`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {
      // A client vanishing mid-handshake is not the simulator's problem.
    });
    if (this.#stopped) {
      rejectUpgrade(socket, 503, 'Service Unavailable', 'simulator stopped');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.pathname !== '/link/' && url.pathname !== '/link') {
      rejectUpgrade(socket, 404, 'Not Found', 'unknown WebSocket path');
      return;
    }
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.#tickets.has(ticket)) {
      rejectUpgrade(socket, 401, 'Unauthorized', 'unknown or already used ticket');
      return;
    }
    // Tickets are single-use: a reconnect must call apps.connections.open again (§4.4).
    this.#tickets.delete(ticket);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
  }

  #onConnection(ws: WebSocket): void {
    if (this.#stopped) {
      ws.terminate();
      return;
    }
    const connection: Connection = { id: this.#nextId++, ws };
    ws.on('error', () => {
      // 'close' follows and does the cleanup.
    });
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', (code) => this.#onClose(connection, code));
    this.#open.push(connection);
    // Without hello the SDK's start() never resolves (§4.5).
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#open.length,
        connection_info: { app_id: this.#config.appId },
        debug_info: { host: 'sim', build_number: 1, approximate_connection_time: 3600 },
      }),
    );
    this.#notifyWaiters();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(rawToString(data));
    } catch {
      return; // Slack ignores garbage from clients; so do we.
    }
    if (typeof frame !== 'object' || frame === null) return;
    const envelopeId = (frame as { envelope_id?: unknown }).envelope_id;
    if (typeof envelopeId !== 'string') return;
    const pending = this.#pending.get(envelopeId);
    if (pending === undefined) return; // late or duplicate ack
    this.#pending.delete(envelopeId);
    clearTimeout(pending.timer);
    pending.resolve({ envelopeId, ackedAt: Date.now(), ack: frame });
  }

  #onClose(connection: Connection, code: number): void {
    this.#open = this.#open.filter((c) => c !== connection);
    for (const [envelopeId, pending] of this.#pending) {
      if (pending.connectionId !== connection.id) continue;
      this.#pending.delete(envelopeId);
      clearTimeout(pending.timer);
      pending.reject(
        new Error(
          `Socket Mode connection #${connection.id} closed (code ${code}) before envelope ${envelopeId} was acked`,
        ),
      );
    }
  }

  /** Resolves once at least `n` connections are open. */
  waitForConnections(n: number, timeoutMs = 30_000): Promise<void> {
    if (this.#open.length >= n) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error('Slack simulator stopped'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${n} Socket Mode connection(s); ${this.#open.length} open`,
          ),
        );
      }, timeoutMs);
      const waiter: ConnectionWaiter = { n, resolve, reject, timer };
      this.#waiters.push(waiter);
    });
  }

  #notifyWaiters(): void {
    const ready = this.#waiters.filter((w) => this.#open.length >= w.n);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => this.#open.length < w.n);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  #pick(index: number | undefined): Connection {
    if (this.#open.length === 0) throw new Error('no open Socket Mode connection');
    if (index !== undefined) {
      const chosen = this.#open[index];
      if (chosen === undefined) {
        throw new RangeError(`no Socket Mode connection at index ${index} (${this.#open.length} open)`);
      }
      return chosen;
    }
    // Slack routes each envelope to any one open connection (§4.1 step 6); round-robin makes tests deterministic.
    const chosen = this.#open[this.#roundRobin % this.#open.length];
    this.#roundRobin = (this.#roundRobin + 1) % Number.MAX_SAFE_INTEGER;
    if (chosen === undefined) throw new Error('no open Socket Mode connection');
    return chosen;
  }

  /** Wraps `body` in an `events_api` envelope (§4.1 step 4) and resolves on its ack. */
  sendEvent(body: object, options: SendEventOptions = {}): Promise<SendEventResult> {
    if (this.#stopped) return Promise.reject(new Error('Slack simulator stopped'));
    let connection: Connection;
    try {
      connection = this.#pick(options.connection);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const envelopeId = options.envelopeId ?? randomUUID();
    if (this.#pending.has(envelopeId)) {
      return Promise.reject(new Error(`envelope ${envelopeId} is already waiting for an ack`));
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    const frame = JSON.stringify({
      envelope_id: envelopeId,
      type: 'events_api',
      payload: body,
      accepts_response_payload: false,
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryReason ?? '',
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(envelopeId);
        reject(
          new Error(
            `no ack for envelope ${envelopeId} within ${timeoutMs} ms on Socket Mode connection #${connection.id}`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(envelopeId, { connectionId: connection.id, resolve, reject, timer });
      connection.ws.send(frame, (error) => {
        if (error === undefined || error === null) return;
        const pending = this.#pending.get(envelopeId);
        if (pending === undefined) return;
        this.#pending.delete(envelopeId);
        clearTimeout(pending.timer);
        reject(new Error(`could not send envelope ${envelopeId}: ${error.message}`));
      });
    });
  }

  /** Sends `frame` verbatim. */
  sendRaw(frame: string, connection?: number): void {
    this.#pick(connection).ws.send(frame);
  }

  /** Sends a `disconnect` frame (§4.1 step 3); the SDK then closes and reconnects (§4.4). */
  disconnect(reason: DisconnectReason, connection?: number): void {
    const frame = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'sim' } });
    const targets = connection === undefined ? [...this.#open] : [this.#pick(connection)];
    for (const c of targets) c.ws.send(frame);
  }

  /** Terminates every socket abruptly (TCP destroy, no close frame). */
  dropConnections(): void {
    for (const ws of this.#wss.clients) ws.terminate();
  }

  /** Rejects everything pending, terminates sockets and closes the WebSocketServer. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const stopped = new Error('Slack simulator stopped');
    for (const [, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(stopped);
    }
    this.#pending.clear();
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(stopped);
    }
    this.#waiters = [];
    this.#tickets.clear();
    for (const ws of this.#wss.clients) ws.terminate();
    this.#open = [];
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function rejectUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  // Same approach as ws' own abortHandshake: destroy once the response is flushed.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
