/**
 * The Lightstep simulator in a process of its own, for benchmarks whose measure is taken by the
 * Slack simulator in the bench process: serving every preview's trace reads there would slow the
 * very event loop that timestamps the acks (in production Lightstep is another machine).
 * BENCH_LATENCY_MS adds latency to every request. Messages: {type:'stall', on} → {type:'stalled', on};
 * {type:'count'} → {type:'count', storedTraceRequests}.
 */
import { sampleCheckoutTrace, startLightstepSimulator } from '../../src/simulators/lightstep/index.js';

const project = process.env.BENCH_PROJECT ?? 'checkout';
const lightstep = await startLightstepSimulator({ org: 'bench-org', projects: [project], latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 0) });
lightstep.addTrace(project, sampleCheckoutTrace());
process.on('message', (message: { type?: string; on?: boolean }) => {
  if (message.type === 'count') process.send?.({ type: 'count', storedTraceRequests: lightstep.storedTraceRequestCount() });
  if (message.type !== 'stall') return;
  lightstep.stall(message.on === true);
  process.send?.({ type: 'stalled', on: message.on === true });
});
process.on('disconnect', () => {
  void lightstep.stop().finally(() => process.exit(0));
});
process.send?.({ type: 'ready', url: lightstep.url, org: lightstep.org, apiKey: lightstep.apiKey });
