import { createHmac } from 'node:crypto';
import net from 'node:net';

/**
 * A bare-bones HTTP/1.1 client over `net`, for requests that real clients refuse to send:
 * duplicated or garbage headers, bodies that never finish, lies in Content-Length. It signs
 * nothing on its own; `signature()` below is the test's own HMAC (not the product's verifier).
 */

export interface RawResponse {
  /** 0 when the connection closed without a (parseable) response. */
  readonly status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Socket error seen (e.g. EPIPE when the server stopped reading); '' if none. */
  readonly socketError: string;
}

export interface RawOptions {
  /**
   * Half-close the socket after writing (default false). Real clients never do this, and node's
   * server (httpAllowHalfOpen false) drops a response that is not written yet when the client's
   * FIN arrives, so only the "truncated body" cases ask for it.
   */
  readonly end?: boolean;
  /** Give up and report status 0 after this long (default 20 s). */
  readonly timeoutMs?: number;
}

/** Writes `parts` to a fresh loopback connection and resolves with the first complete response. */
export function rawExchange(port: number, parts: Array<Buffer | string>, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let socketError = '';
    let settled = false;
    const finish = (response: { status: number; headers: Record<string, string>; body: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...response, socketError });
    };
    const tryParse = (final: boolean) => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (final) finish({ status: 0, headers: {}, body: received.toString('latin1') });
        return;
      }
      const lines = received.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      if (status >= 100 && status < 200) {
        // An interim response (100 Continue): the real one follows.
        received = received.subarray(end + 4);
        tryParse(final);
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      const body = received.subarray(end + 4);
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      if (length !== undefined && body.length >= length) finish({ status, headers, body: body.subarray(0, length).toString('utf8') });
      else if (final) finish({ status, headers, body: body.toString('utf8') });
    };
    const timer = setTimeout(() => finish({ status: 0, headers: {}, body: 'client timeout' }), options.timeoutMs ?? 20_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
    });
    socket.on('close', () => tryParse(true));
    socket.on('connect', () => {
      for (const part of parts) socket.write(part);
      if (options.end === true) socket.end();
    });
  });
}

/** `HEAD\r\n…\r\n\r\n` for a request with exactly these header lines, in this order. */
export function requestHead(headers: ReadonlyArray<readonly [string, string]>, options: { method?: string; path?: string } = {}): string {
  const lines = [`${options.method ?? 'POST'} ${options.path ?? '/slack/events'} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Slack's v0 signature, computed by the test itself from the docs (slack-platform.md §1.1). */
export function signature(secret: string, timestamp: string | number, body: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The two signing headers for `body`, as Slack sends them. */
export function signingHeaders(secret: string, body: string | Buffer, timestamp: number = nowSeconds()): Array<[string, string]> {
  return [
    ['X-Slack-Request-Timestamp', String(timestamp)],
    ['X-Slack-Signature', signature(secret, timestamp, body)],
  ];
}

/** One HTTP/1.1 chunk. */
export function chunk(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}
