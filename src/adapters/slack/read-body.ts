import type { IncomingMessage } from 'node:http';
import { LsslackError } from '../../domain/errors.js';

/**
 * Read a request body up to `limit` bytes within `timeoutMs`. Refuses at once (413) when
 * Content-Length announces more, and stops reading as soon as the limit is crossed, so a huge
 * body is never buffered. A slow or truncated body ends with `request_malformed` (408/400).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    return Promise.reject(new LsslackError('body_too_large', `The body is larger than ${limit} bytes`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: LsslackError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error !== undefined) {
        // Stop reading; the route answers, then the socket is closed.
        req.pause();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(new LsslackError('body_too_large', `The body is larger than ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(new LsslackError('request_malformed', 'The body could not be read'));
    const onAborted = () => finish(new LsslackError('request_malformed', 'The body was truncated'));
    const timer = setTimeout(() => finish(new LsslackError('request_malformed', `The body did not arrive within ${timeoutMs} ms`, { timedOut: true })), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
