import type { StatusSnapshot } from '../pipeline/status.js';
import { formatClock, formatCount, formatDuration, formatMs, outcomeLabel, traceScope } from './format.js';

/**
 * `lsslack status` as text: a compact summary of one snapshot, a dozen lines, no colour. Holds
 * what the snapshot holds: no trace content, no tokens.
 */
export function formatStatusSummary(snapshot: StatusSnapshot, url: string): string {
  const s = snapshot;
  const c = s.counters;
  const o = s.outcomes;
  const failed = Object.entries(s.failedByCode)
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
  const latency = s.latencyMs.samples === 0 ? 'no samples yet' : `p50 ${formatMs(s.latencyMs.p50)}, p95 ${formatMs(s.latencyMs.p95)}, p99 ${formatMs(s.latencyMs.p99)} (${formatCount(s.latencyMs.samples)} samples)`;
  const lastJob = s.recentJobs[0];
  const lastError = s.recentErrors[0];
  const lines: Array<[string, string]> = [
    ['slack', `${s.connection.state} since ${formatClock(s.connection.since)} (${formatDuration(s.now - s.connection.since)}), ${formatCount(s.connection.reconnects)} reconnects`],
    ['queue', `${formatCount(s.queue.waiting)} waiting, ${s.queue.running}/${s.queue.concurrency === 0 ? 'held (intake burst)' : s.queue.concurrency} running${s.queue.waiting > 0 ? `, oldest ${formatMs(s.queue.oldestWaitingMs)}` : ''}${s.queue.deferred > 0 ? `, ${formatCount(s.queue.deferred)} waiting out an outage` : ''}${s.queue.backlog > 0 ? `, ${formatCount(s.queue.backlog)} more in the journal` : ''}`],
    ['events', `${formatCount(c.events_received)} received, ${formatCount(c.events_acked)} acked, ${formatCount(c.events_deduplicated)} deduplicated, ${formatCount(c.events_ignored)} ignored, ${formatCount(c.envelopes_dropped)} dropped`],
    ['outcomes', `${(Object.keys(o) as Array<keyof typeof o>).map((k) => `${formatCount(o[k])} ${outcomeLabel(k)}`).join(', ')}${failed === '' ? '' : ` (${failed})`}`],
    ['latency', latency],
    ['auth', `${formatCount(s.auth.usersMapped)} mapped, ${formatCount(s.auth.usersLinked)} linked, ${formatCount(s.auth.promptsPending)} prompts pending, ${formatCount(s.auth.linksDropped)} links dropped`],
    ['upstream', `${formatCount(c.slack_429)} Slack 429s, ${formatCount(c.backend_retries)} backend retries`],
  ];
  if (lastJob !== undefined) {
    lines.push(['last job', `${formatClock(lastJob.at)} ${lastJob.team} ${lastJob.channel} ${traceScope(lastJob)} ${outcomeLabel(lastJob.outcome)} in ${formatMs(lastJob.durationMs)}`]);
  }
  if (lastError !== undefined) lines.push(['last error', `${formatClock(lastError.at)} ${lastError.code}: ${lastError.message}`]);
  const head = `lsslack ${s.version} (${s.mode} mode) at ${url}, up ${formatDuration(s.uptimeS * 1000)}: ${s.ready ? 'ready' : `NOT READY (${s.notReadyReasons.join('; ')})`}`;
  return [head, ...lines.map(([k, v]) => `  ${k.padEnd(10)} ${v}`)].join('\n');
}
