import { decideAccess } from './authorize.js';
import type { UnfurlJobPorts } from './ports.js';
import type { JobOutcome, OutcomeWhere, TraceRef, UnfurlJob } from './types.js';

/**
 * One link of one link_shared event, start to finish: recognise → authorize → (fetch → analyse
 * → render → post, on a preview worker). Expected endings come back as values; outages and bugs
 * throw LsslackError.
 */
export async function runUnfurlJob(job: UnfurlJob, ports: UnfurlJobPorts): Promise<JobOutcome> {
  const ref = ports.recognizer.recognise(job.url);
  if (ref === undefined) return { kind: 'skipped', reason: 'not_a_trace_link' };
  const where = whereOf(ref);

  const [mapping, userToken] = await Promise.all([
    ports.identities.findMapping(job.teamId, job.userId),
    ports.identities.findLinkToken(job.teamId, job.userId),
  ]);
  const access = decideAccess({ mapping, userToken, ref });
  if (access.kind === 'prompt') return prompt(job, where, ports, access.reason, mapping !== undefined);
  // Not entitled: nothing is fetched and nothing leaves.
  if (access.kind === 'denied') return { kind: 'not_authorized', ...where };

  const { trace, posted } = await ports.publisher.publishPreview({ jobId: job.id, teamId: job.teamId, target: job.target, url: job.url, ref, userToken: access.userToken });
  if (posted.kind === 'token_invalid') {
    // The user revoked us (or the token expired): forget the link and ask again.
    await ports.links.dropLink(job.teamId, job.userId, posted.error);
    return prompt(job, where, ports, 'not_linked', true);
  }
  switch (trace.kind) {
    case 'found':
      return { kind: 'unfurled', ...where, spanCount: trace.spanCount, ...(trace.partial ? { partial: true } : {}) };
    case 'not_found':
      return { kind: 'not_found', ...where };
    case 'too_large':
      return { kind: 'failed', ...where, code: 'trace_too_large', message: trace.message };
    case 'timeout':
      return { kind: 'failed', ...where, code: 'trace_timeout', message: trace.message };
  }
}

function whereOf(ref: TraceRef): OutcomeWhere {
  return ref.scope === undefined ? { backend: ref.backendId } : { backend: ref.backendId, scope: ref.scope };
}

async function prompt(job: UnfurlJob, where: OutcomeWhere, ports: UnfurlJobPorts, reason: 'not_mapped' | 'not_linked', mapped: boolean): Promise<JobOutcome> {
  const authUrl = await ports.prompter.authUrlFor(job, mapped);
  await ports.publisher.postAuthPrompt(job.teamId, job.target, authUrl);
  return { kind: 'prompted', ...where, reason };
}
