import { decideAccess } from './authorize.js';
import { decideDetail } from './decide-detail.js';
import type { UnfurlJobPorts } from './ports.js';
import type { AudienceKind, DetailLevel, JobOutcome, OutcomeWhere, TraceRef, UnfurlJob } from './types.js';

/** Refreshes of a preview whose trace was still arriving, and when (after the previous post): LSSLACK_REFRESH_AFTER's default. */
export const REFRESH_DELAYS_MS: readonly number[] = [30_000, 120_000];

/**
 * One link of one link_shared event (or a refresh of its preview), start to finish: recognise →
 * authorize the sharer → who sees the conversation → (fetch → analyse → render → post, in a
 * preview worker). Expected endings come back as values; outages and bugs throw LsslackError.
 */
export async function runUnfurlJob(job: UnfurlJob, ports: UnfurlJobPorts): Promise<JobOutcome> {
  const ref = ports.recognizer.recognise(job.url);
  if (ref === undefined) return { kind: 'skipped', reason: 'not_a_trace_link' };
  const where = whereOf(ref);

  const composer = job.target.kind === 'composer';
  const [mapping, userToken, channelPolicy, workspacePolicy] = await Promise.all([
    ports.identities.findMapping(job.teamId, job.userId),
    ports.identities.findLinkToken(job.teamId, job.userId),
    composer ? undefined : ports.policies.findPolicy(job.teamId, job.channel),
    composer ? undefined : ports.policies.findPolicy(job.teamId, '*'),
  ]);
  // A channel's grants narrow what the sharer may show there (a composer preview is theirs alone).
  const access = decideAccess({ mapping, userToken, ref, channelGrants: channelPolicy?.grants });
  if (access.kind === 'prompt') return job.kind === 'refresh' ? { kind: 'skipped', reason: 'unchanged' } : prompt(job, where, ports, access.reason, mapping !== undefined);
  // Not entitled: nothing is fetched and nothing leaves.
  if (access.kind === 'denied') return { kind: 'not_authorized', ...where };

  // Who sees the conversation decides how much the preview may show; the composer is only the sharer.
  const audience: AudienceKind = composer ? 'composer' : await ports.audiences.audienceOf(job.teamId, job.channel, { extShared: job.extShared });
  const detail = decideDetail({ audience, channelPolicy, workspacePolicy, defaults: ports.detailDefaults });
  // Without Work Objects a "none" preview is no post at all; with them, a card naming only the link.
  if (detail === 'none' && !ports.workObjects) return { kind: 'skipped', reason: 'withheld' };

  const delays = ports.refreshDelaysMs ?? REFRESH_DELAYS_MS;
  const refreshNo = job.refresh?.n ?? 0;
  const { trace, posted } = await ports.publisher.publishPreview({
    jobId: job.id,
    teamId: job.teamId,
    target: job.target,
    url: job.url,
    ref,
    userToken: access.userToken,
    detail,
    workObject: ports.workObjects,
    ...(job.refresh === undefined ? {} : { previousDigest: job.refresh.digest }),
    mayRefresh: refreshNo < delays.length,
  });
  if (posted.kind === 'token_invalid') {
    // The user revoked us (or the token expired): forget the link and ask again.
    await ports.links.dropLink(job.teamId, job.userId, posted.error);
    return prompt(job, where, ports, 'not_linked', true);
  }
  switch (trace.kind) {
    case 'found': {
      // A trace still arriving is previewed again later, while the refreshes last.
      const refreshScheduled = trace.stillArriving && refreshNo < delays.length;
      if (refreshScheduled) await ports.refresher.scheduleRefresh(job, { n: refreshNo + 1, digest: trace.unchanged === true ? job.refresh!.digest : trace.digest }, delays[refreshNo]!);
      if (trace.unchanged === true) return { kind: 'skipped', reason: 'unchanged' };
      return { kind: 'unfurled', ...where, spanCount: trace.spanCount, detail, ...(trace.partial ? { partial: true } : {}), ...(refreshScheduled ? { refreshScheduled } : {}) };
    }
    case 'not_found':
      return { kind: 'not_found', ...where };
    case 'too_large':
      return { kind: 'failed', ...where, code: 'trace_too_large', message: trace.message };
    case 'timeout':
      return { kind: 'failed', ...where, code: 'trace_timeout', message: trace.message };
  }
}

/**
 * A viewer opened the flexpane of a trace's Work Object: the viewer — not the sharer — must be
 * mapped, linked and granted the backend and scope, as for a preview of their own. Not linked →
 * Slack's link prompt (the existing flow: opening the card again afterwards shows the details);
 * not entitled → `restricted`, and nothing is fetched.
 */
export async function runDetailsJob(job: UnfurlJob, ports: Pick<UnfurlJobPorts, 'recognizer' | 'identities' | 'prompter' | 'publisher'>): Promise<JobOutcome> {
  const triggerId = job.triggerId ?? '';
  const externalRefId = job.externalRefId ?? '';
  const base = { jobId: job.id, teamId: job.teamId, triggerId, externalRefId, url: job.url };
  const ref = ports.recognizer.recognise(job.url);
  if (ref === undefined) {
    await ports.publisher.presentDetails({ ...base, answer: { kind: 'error', status: 'not_found' } });
    return { kind: 'skipped', reason: 'not_a_trace_link' };
  }
  const where = whereOf(ref);
  const [mapping, userToken] = await Promise.all([ports.identities.findMapping(job.teamId, job.userId), ports.identities.findLinkToken(job.teamId, job.userId)]);
  const access = decideAccess({ mapping, userToken, ref });
  if (access.kind === 'prompt') {
    const authUrl = await ports.prompter.authUrlFor(job, mapping !== undefined, { deliver: false });
    await ports.publisher.presentDetails({ ...base, answer: { kind: 'auth', authUrl } });
    return { kind: 'prompted', ...where, reason: access.reason };
  }
  if (access.kind === 'denied') {
    await ports.publisher.presentDetails({ ...base, answer: { kind: 'error', status: 'restricted' } });
    return { kind: 'not_authorized', ...where };
  }
  const result = await ports.publisher.presentDetails({ ...base, answer: { kind: 'details', ref } });
  if (result.trace?.kind === 'not_found') return { kind: 'not_found', ...where };
  return { kind: 'unfurled', ...where, spanCount: result.trace?.spanCount ?? 0, detail: 'full' satisfies DetailLevel, surface: 'flexpane' };
}

function whereOf(ref: TraceRef): OutcomeWhere {
  return ref.scope === undefined ? { backend: ref.backendId } : { backend: ref.backendId, scope: ref.scope };
}

async function prompt(job: UnfurlJob, where: OutcomeWhere, ports: UnfurlJobPorts, reason: 'not_mapped' | 'not_linked', mapped: boolean): Promise<JobOutcome> {
  const authUrl = await ports.prompter.authUrlFor(job, mapped);
  await ports.publisher.postAuthPrompt(job.teamId, job.target, authUrl);
  return { kind: 'prompted', ...where, reason };
}
