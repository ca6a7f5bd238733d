/**
 * The load generator, in a process of its own so it never shares an event loop with the server
 * under test or the simulators. Driven over IPC: {type:'run', ...} → {type:'result', ...}.
 *
 * Every request is built fresh (autocannon's setupRequest): a unique event_id and message_ts, a
 * timestamp of now, signed with the bench's own HMAC. The load is identical whoever answers it.
 */
import autocannon, { type RequestOptions } from 'autocannon';
import { idSource, linkSharedBody, signBody } from '../lib/slack-events.js';

export interface LoadRequest {
  readonly type: 'run';
  readonly id: number;
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Requests per second over all connections (autocannon overallRate); undefined = as fast as answered. */
  readonly overallRate?: number;
  readonly signingSecret: string;
  /** Send every per-request latency back (Float64Array, ms). */
  readonly collectLatencies: boolean;
}

export interface LoadResult {
  readonly type: 'result';
  readonly id: number;
  readonly durationS: number;
  readonly responses: number;
  readonly status2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  /** autocannon's own histogram figures (integer-ms granularity), for reference. */
  readonly autocannon: { p50: number; p99: number; max: number; reqPerSecAverage: number };
  /** Every response time in ms, as measured by autocannon's client (hrtime), in arrival order. */
  readonly latencies?: Float64Array;
  /** First and last event ids are enough to check the server saw unique ones. */
  readonly eventsSent: number;
}

function run(request: LoadRequest): Promise<LoadResult> {
  const ids = idSource('L');
  const latencies: number[] = [];
  let responses = 0;
  let status2xx = 0;
  const statusCodes: Record<string, number> = {};
  const target = new URL(request.url);

  const build = (req: RequestOptions): RequestOptions => {
    const body = JSON.stringify(linkSharedBody({ eventId: ids.eventId(), channel: ids.channel, messageTs: ids.messageTs() }));
    const ts = Math.floor(Date.now() / 1000);
    return {
      ...req,
      method: 'POST',
      path: target.pathname,
      body,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signBody(request.signingSecret, ts, body),
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
    };
  };

  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: `${target.origin}${target.pathname}`,
        connections: request.connections,
        duration: request.durationS,
        ...(request.overallRate === undefined ? {} : { overallRate: request.overallRate }),
        timeout: 10,
        // Each connection gets its own request object, so no two connections can share a body.
        setupClient: (client) => client.setRequests([{ setupRequest: build }]),
      },
      (error, result) => {
        if (error !== null) {
          reject(error);
          return;
        }
        const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({
          type: 'result',
          id: request.id,
          durationS: Math.min(elapsed, result.duration),
          responses,
          status2xx,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          autocannon: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, reqPerSecAverage: result.requests.average },
          ...(request.collectLatencies ? { latencies: Float64Array.from(latencies) } : {}),
          eventsSent: ids.count,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      responses += 1;
      if (statusCode >= 200 && statusCode < 300) status2xx += 1;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (request.collectLatencies) latencies.push(responseTime);
    });
  });
}

process.on('message', (message: LoadRequest) => {
  if (message.type !== 'run') return;
  run(message).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ type: 'error', id: message.id, message: (error as Error).message }),
  );
});
process.send?.({ type: 'ready' });
