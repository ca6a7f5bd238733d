import type { Logger } from '../domain/ports.js';
import type { JobOutcome, UnfurlJob } from '../domain/types.js';
import type { JobRecord } from '../pipeline/job-log.js';

/** The one log line of a finished job: ids and how it ended, never trace content or tokens. */
export function logJobOutcome(log: Logger, job: UnfurlJob, record: JobRecord, outcome: JobOutcome): void {
  const level = outcome.kind === 'failed' ? 'warn' : 'info';
  log[level](
    {
      jobId: job.id,
      team: job.teamId,
      channel: job.channel,
      ...(record.backend === undefined ? {} : { backend: record.backend }),
      ...(record.scope === undefined ? {} : { scope: record.scope }),
      outcome: outcome.kind,
      detail: record.detail,
      ...(outcome.kind === 'failed' ? { reason: outcome.message } : {}),
      durationMs: record.durationMs,
      latencyMs: record.latencyMs,
    },
    `job ${outcome.kind}`,
  );
}
