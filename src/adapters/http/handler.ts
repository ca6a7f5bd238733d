import type { IncomingMessage, ServerResponse } from 'node:http';

/** A route: answers and returns true, or returns false to let the next handler try (Probot's chain). */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** Send a JSON body with the right headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * Send a small self-contained HTML page. `formTargets` are origins a form may end up at: CSP's
 * form-action also governs where a form post is redirected (the OAuth button → Slack).
 */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}, formTargets: readonly string[] = []): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // Pages carry no scripts or external assets; say so, so a bug cannot add any.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formTargets.map((o) => ` ${o}`).join('')}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(html);
}

/** `GET` and `HEAD` both read; HEAD gets the headers only (node drops the body). */
export function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}
