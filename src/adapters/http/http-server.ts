import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { LsslackError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports.js';
import { sendJson, type Handler } from './handler.js';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: readonly Handler[];
  readonly log: Logger;
}

export interface HttpServer {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
  readonly server: Server;
}

/**
 * The built-in listener (OAuth pages, health, status, and HTTP-mode events): a chain of handlers
 * over node:http, first match answers; one try/catch turns surprises into 500s.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.log.child({ component: 'http' });
  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://lsslack.invalid');
    } catch {
      sendJson(res, 400, { error: 'bad_request', message: 'The request target is not a valid URL.' });
      return;
    }
    try {
      for (const handler of options.handlers) {
        if (await handler(req, res, url)) return;
      }
      sendJson(res, 404, { error: 'not_found', message: `No route for ${req.method ?? '?'} ${url.pathname}` });
    } catch (error) {
      log.error({ requestId, path: url.pathname, err: (error as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', requestId });
      else res.destroy();
    }
  });
  // Slow clients must not hold sockets forever (slowloris).
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  let listening = false;

  return {
    server,
    async start() {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          reject(
            new LsslackError('config_invalid', error.code === 'EADDRINUSE'
              ? `Port ${options.port} on ${options.host} is already in use. Stop the other process or set LSSLACK_PORT to a free port.`
              : `Cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}). Check LSSLACK_HOST and LSSLACK_PORT.`, { cause: error }),
          );
        };
        const onListening = () => {
          server.off('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(options.port, options.host);
      });
      listening = true;
      const address = server.address() as AddressInfo;
      return { host: address.address, port: address.port };
    },
    async stop() {
      if (!listening) return;
      listening = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Give in-flight requests a moment, then cut the rest.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
    },
  };
}
