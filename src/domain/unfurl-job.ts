import { decideAccess } from './authorize.js';
import { parseTraceUrl } from './parse-trace-url.js';
import type { UnfurlJobPorts } from './ports.js';
import type { JobOutcome, TraceRef, UnfurlJob } from './types.js';

/**
 * One link of one link_shared event, start to finish: parse → authorize → fetch → analyse →
 * render → post. Expected endings come back as values; outages and bugs throw LsslackError.
 */
export async function runUnfurlJob(job: UnfurlJob, ports: UnfurlJobPorts): Promise<JobOutcome> {
  const ref = parseTraceUrl(job.url, ports.allowedOrigins);
  if (ref === undefined) return { kind: 'skipped', reason: 'not_a_trace_link' };

  const [mapping, userToken] = await Promise.all([
    ports.identities.findMapping(job.teamId, job.userId),
    ports.identities.findLinkToken(job.teamId, job.userId),
  ]);
  const access = decideAccess({ mapping, userToken, project: ref.project });
  if (access.kind === 'prompt') return prompt(job, ref, ports, access.reason, mapping !== undefined);
  // Not entitled: nothing is fetched and nothing leaves.
  if (access.kind === 'denied') return { kind: 'not_authorized', project: ref.project };

  const { trace, posted } = await ports.publisher.publishPreview({ teamId: job.teamId, target: job.target, url: job.url, ref, userToken: access.userToken });
  if (posted.kind === 'token_invalid') {
    // The user revoked us (or the token expired): forget the link and ask again.
    await ports.links.dropLink(job.teamId, job.userId, posted.error);
    return prompt(job, ref, ports, 'not_linked', true);
  }
  return trace.kind === 'found'
    ? { kind: 'unfurled', project: ref.project, spanCount: trace.spanCount }
    : { kind: 'not_found', project: ref.project };
}

async function prompt(job: UnfurlJob, ref: TraceRef, ports: UnfurlJobPorts, reason: 'not_mapped' | 'not_linked', mapped: boolean): Promise<JobOutcome> {
  const authUrl = await ports.prompter.authUrlFor(job, mapped);
  await ports.publisher.postAuthPrompt(job.teamId, job.target, authUrl);
  return { kind: 'prompted', project: ref.project, reason };
}
