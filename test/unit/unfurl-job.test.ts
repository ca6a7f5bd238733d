import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DetailsRequest, DetailsResult, LinkRecognizer, PreviewRequest, PreviewResult, UnfurlJobPorts } from '../../src/domain/ports.js';
import type { AudienceKind, ChannelPolicy, TraceRef, UnfurlJob, UserMapping } from '../../src/domain/types.js';
import { REFRESH_DELAYS_MS, runDetailsJob, runUnfurlJob } from '../../src/domain/unfurl-job.js';

/** Links look like https://traces.test/<backend>/<scope>/<trace id>; anything else is not a trace link. */
const recognizer: LinkRecognizer = {
  recognise(url) {
    const m = /^https:\/\/traces\.test\/([a-z]+)\/([a-z-]+)\/([0-9a-f]{32})$/.exec(url);
    if (m === null) return undefined;
    return { url, backendId: m[1]!, scope: m[2]!, lookup: { kind: 'trace', traceId: m[3]! }, display: { product: 'Test', where: `scope ${m[2]}`, notFound: 'gone' } };
  },
};
const TRACE = 'a'.repeat(32);
const link = (backend: string, scope: string) => `https://traces.test/${backend}/${scope}/${TRACE}`;

const job = (overrides: Partial<UnfurlJob> = {}): UnfurlJob => ({
  id: 'Ev1:0',
  eventId: 'Ev1',
  teamId: 'T1',
  userId: 'U1',
  channel: 'C1',
  messageTs: '1.2',
  target: { kind: 'message', channel: 'C1', ts: '1.2' },
  url: link('lightstep', 'checkout'),
  receivedAt: 0,
  ...overrides,
});

interface World {
  mappings: Map<string, UserMapping>;
  tokens: Map<string, string>;
  audiences: Map<string, AudienceKind>;
  policies: ChannelPolicy[];
  workObjects: boolean;
  /** What the preview worker answers. */
  preview: (request: PreviewRequest) => PreviewResult;
  details?: (request: DetailsRequest) => DetailsResult;
}

/** Small in-memory ports that record every call. */
function fakePorts(world: Partial<World> = {}) {
  const w: World = {
    mappings: new Map([['U1', { teamId: 'T1', slackUserId: 'U1', traceUser: 'ann', grants: ['lightstep/checkout'], mappedAt: '' }]]),
    tokens: new Map([['U1', 'xoxp-ann']]),
    audiences: new Map(),
    policies: [],
    workObjects: false,
    preview: () => ({ trace: { kind: 'found', spanCount: 3, partial: false, digest: 'd1', stillArriving: false }, posted: { kind: 'posted' } }),
    ...world,
  };
  const calls = {
    previews: [] as PreviewRequest[],
    prompts: [] as string[],
    promptsBuilt: [] as Array<{ jobId: string; deliver: boolean }>,
    details: [] as DetailsRequest[],
    lookups: [] as Array<{ channel: string; hint?: { extShared?: boolean } }>,
    policyReads: 0,
    refreshes: [] as Array<{ n: number; digest: string; delayMs: number }>,
    dropped: [] as string[],
  };
  const ports: UnfurlJobPorts = {
    recognizer,
    identities: {
      findMapping: async (_t, user) => w.mappings.get(user),
      findLinkToken: async (_t, user) => w.tokens.get(user),
    },
    prompter: {
      authUrlFor: async (j, _mapped, options) => {
        calls.promptsBuilt.push({ jobId: j.id, deliver: options?.deliver !== false });
        return `https://lsslack.test/link/${j.id}`;
      },
    },
    publisher: {
      publishPreview: async (request) => {
        calls.previews.push(request);
        return w.preview(request);
      },
      postAuthPrompt: async (_t, _target, url) => {
        calls.prompts.push(url);
      },
      presentDetails: async (request) => {
        calls.details.push(request);
        return w.details?.(request) ?? { shown: true, ...(request.answer.kind === 'details' ? { trace: { kind: 'found', spanCount: 7 } } : {}) };
      },
    },
    links: {
      dropLink: async (_t, user) => {
        calls.dropped.push(user);
        w.tokens.delete(user);
      },
    },
    audiences: {
      audienceOf: async (_t, channel, hint) => {
        calls.lookups.push({ channel, ...(hint === undefined ? {} : { hint }) });
        return hint?.extShared === true ? 'external' : (w.audiences.get(channel) ?? 'internal');
      },
    },
    policies: {
      findPolicy: async (teamId, channel) => {
        calls.policyReads += 1;
        return w.policies.find((p) => p.teamId === teamId && p.channel === channel);
      },
    },
    refresher: {
      scheduleRefresh: async (_job, refresh, delayMs) => {
        calls.refreshes.push({ ...refresh, delayMs });
      },
    },
    detailDefaults: { internal: 'full', external: 'summary' },
    workObjects: w.workObjects,
  };
  return { ports, calls, world: w };
}

describe('runUnfurlJob: who may share', () => {
  it('a URL no backend recognises is skipped without asking anyone', async () => {
    const { ports, calls } = fakePorts();
    assert.deepEqual(await runUnfurlJob(job({ url: 'https://example.com/x' }), ports), { kind: 'skipped', reason: 'not_a_trace_link' });
    assert.equal(calls.previews.length + calls.prompts.length + calls.lookups.length, 0);
  });

  it('a sharer who is neither mapped nor linked gets the link prompt, and nothing is fetched', async () => {
    const { ports, calls } = fakePorts({ mappings: new Map(), tokens: new Map() });
    assert.deepEqual(await runUnfurlJob(job(), ports), { kind: 'prompted', backend: 'lightstep', scope: 'checkout', reason: 'not_mapped' });
    assert.deepEqual(calls.prompts, ['https://lsslack.test/link/Ev1:0']);
    assert.deepEqual(calls.promptsBuilt, [{ jobId: 'Ev1:0', deliver: true }], 'the unfurl is delivered once they link');
    assert.equal(calls.previews.length, 0);
  });

  it('a mapped sharer who has not linked yet is prompted as not_linked', async () => {
    const { ports } = fakePorts({ tokens: new Map() });
    assert.equal(((await runUnfurlJob(job(), ports)) as { reason: string }).reason, 'not_linked');
  });

  it('a linked sharer without a grant for the scope: not_authorized, nothing fetched, no audience lookup', async () => {
    const { ports, calls } = fakePorts();
    assert.deepEqual(await runUnfurlJob(job({ url: link('lightstep', 'payments') }), ports), { kind: 'not_authorized', backend: 'lightstep', scope: 'payments' });
    assert.equal(calls.previews.length + calls.prompts.length + calls.lookups.length, 0);
  });

  it('a token Slack refused drops the link and prompts again', async () => {
    const { ports, calls } = fakePorts({ preview: () => ({ trace: { kind: 'found', spanCount: 1, partial: false, digest: 'd', stillArriving: false }, posted: { kind: 'token_invalid', error: 'token_revoked' } }) });
    assert.equal((await runUnfurlJob(job(), ports)).kind, 'prompted');
    assert.deepEqual(calls.dropped, ['U1']);
    assert.equal(calls.prompts.length, 1);
  });
});

describe('runUnfurlJob: what the conversation may see', () => {
  it('an internal channel gets the full preview, posted with the sharer\'s token', async () => {
    const { ports, calls } = fakePorts();
    const outcome = await runUnfurlJob(job(), ports);
    assert.deepEqual(outcome, { kind: 'unfurled', backend: 'lightstep', scope: 'checkout', spanCount: 3, detail: 'full' });
    assert.equal(calls.previews[0]!.detail, 'full');
    assert.equal(calls.previews[0]!.userToken, 'xoxp-ann');
    assert.equal(calls.previews[0]!.workObject, false);
    assert.deepEqual(calls.lookups.map((l) => [l.channel, l.hint?.extShared]), [['C1', undefined]]);
  });

  it('an externally shared channel gets the summary; the event\'s own flag is passed on as a hint', async () => {
    const { ports, calls } = fakePorts({ audiences: new Map([['C9', 'external']]) });
    assert.equal(((await runUnfurlJob(job({ channel: 'C9', target: { kind: 'message', channel: 'C9', ts: '1.2' } }), ports)) as { detail: string }).detail, 'summary');
    assert.equal(calls.previews[0]!.detail, 'summary');
    await runUnfurlJob(job({ id: 'Ev2:0', extShared: true }), ports);
    assert.deepEqual(calls.lookups[1], { channel: 'C1', hint: { extShared: true } });
    assert.equal(calls.previews[1]!.detail, 'summary');
  });

  it('a failed audience lookup (unknown) is treated like an outside audience', async () => {
    const { ports, calls } = fakePorts({ audiences: new Map([['C1', 'unknown']]) });
    await runUnfurlJob(job(), ports);
    assert.equal(calls.previews[0]!.detail, 'summary');
  });

  it('a composer preview is seen by the person typing only: full, with no channel lookup or policy read', async () => {
    const { ports, calls } = fakePorts({ policies: [{ teamId: 'T1', channel: '*', detail: 'none', setAt: '' }] });
    const outcome = await runUnfurlJob(job({ channel: 'COMPOSER', target: { kind: 'composer', unfurlId: 'Uf1', source: 'composer' } }), ports);
    assert.equal((outcome as { detail: string }).detail, 'full');
    assert.equal(calls.lookups.length, 0);
    assert.equal(calls.policyReads, 0);
  });

  it('a channel policy of none posts nothing without Work Objects, and a card naming only the link with them', async () => {
    const policies: ChannelPolicy[] = [{ teamId: 'T1', channel: 'C1', detail: 'none', setAt: '' }];
    const blocks = fakePorts({ policies });
    assert.deepEqual(await runUnfurlJob(job(), blocks.ports), { kind: 'skipped', reason: 'withheld' });
    assert.equal(blocks.calls.previews.length, 0);
    const cards = fakePorts({ policies, workObjects: true });
    await runUnfurlJob(job(), cards.ports);
    assert.equal(cards.calls.previews[0]!.detail, 'none');
    assert.equal(cards.calls.previews[0]!.workObject, true);
  });

  it('a channel\'s grants narrow the sharer\'s: a whole-backend grant shows only the channel\'s scope there', async () => {
    const mappings = new Map([['U1', { teamId: 'T1', slackUserId: 'U1', traceUser: 'ann', grants: ['lightstep', 'jaeger'], mappedAt: '' } satisfies UserMapping]]);
    const { ports, calls } = fakePorts({ mappings, policies: [{ teamId: 'T1', channel: 'C1', grants: ['lightstep/payments'], setAt: '' }] });
    assert.equal((await runUnfurlJob(job({ url: link('lightstep', 'checkout') }), ports)).kind, 'not_authorized');
    assert.equal((await runUnfurlJob(job({ url: link('jaeger', 'default') }), ports)).kind, 'not_authorized');
    assert.equal((await runUnfurlJob(job({ url: link('lightstep', 'payments') }), ports)).kind, 'unfurled');
    assert.equal(calls.previews.length, 1);
    // …and never widen: a channel allowing payments does not let a checkout-only sharer show it.
    const narrow = fakePorts({ policies: [{ teamId: 'T1', channel: 'C1', grants: ['lightstep'], setAt: '' }] });
    assert.equal((await runUnfurlJob(job({ url: link('lightstep', 'payments') }), narrow.ports)).kind, 'not_authorized');
    assert.equal((await runUnfurlJob(job({ url: link('lightstep', 'checkout') }), narrow.ports)).kind, 'unfurled');
  });
});

describe('runUnfurlJob: late spans', () => {
  const arriving = (digest: string, unchanged = false) => (): PreviewResult => ({ trace: { kind: 'found', spanCount: 2, partial: true, digest, stillArriving: true, ...(unchanged ? { unchanged } : {}) }, posted: { kind: 'posted' } });

  it('a trace still arriving schedules refreshes at about 30 s and 2 min, then stops', async () => {
    const { ports, calls } = fakePorts({ preview: arriving('d1') });
    const first = await runUnfurlJob(job(), ports);
    assert.deepEqual(first, { kind: 'unfurled', backend: 'lightstep', scope: 'checkout', spanCount: 2, detail: 'full', partial: true, refreshScheduled: true });
    assert.equal(calls.previews[0]!.mayRefresh, true);
    assert.equal(calls.previews[0]!.previousDigest, undefined);
    assert.deepEqual(calls.refreshes, [{ n: 1, digest: 'd1', delayMs: REFRESH_DELAYS_MS[0] }]);

    await runUnfurlJob(job({ kind: 'refresh', refresh: { n: 1, digest: 'd1' } }), ports);
    assert.equal(calls.previews[1]!.previousDigest, 'd1');
    assert.deepEqual(calls.refreshes[1], { n: 2, digest: 'd1', delayMs: REFRESH_DELAYS_MS[1] });

    // The last one says nothing about refreshing and schedules none.
    const last = await runUnfurlJob(job({ kind: 'refresh', refresh: { n: REFRESH_DELAYS_MS.length, digest: 'd1' } }), ports);
    assert.equal(calls.previews[2]!.mayRefresh, false);
    assert.equal(calls.refreshes.length, 2);
    assert.equal((last as { refreshScheduled?: boolean }).refreshScheduled, undefined);
  });

  it('a refresh that finds nothing new posts nothing and keeps the digest of what was posted', async () => {
    const { ports, calls } = fakePorts({ preview: arriving('d1', true) });
    assert.deepEqual(await runUnfurlJob(job({ kind: 'refresh', refresh: { n: 1, digest: 'd1' } }), ports), { kind: 'skipped', reason: 'unchanged' });
    assert.deepEqual(calls.refreshes, [{ n: 2, digest: 'd1', delayMs: REFRESH_DELAYS_MS[1] }]);
  });

  it('a complete trace schedules no refresh', async () => {
    const { ports, calls } = fakePorts();
    await runUnfurlJob(job(), ports);
    assert.equal(calls.refreshes.length, 0);
  });

  it('a refresh for a sharer who has since unlinked neither prompts nor posts', async () => {
    const { ports, calls } = fakePorts({ tokens: new Map() });
    assert.deepEqual(await runUnfurlJob(job({ kind: 'refresh', refresh: { n: 1, digest: 'd1' } }), ports), { kind: 'skipped', reason: 'unchanged' });
    assert.equal(calls.prompts.length + calls.previews.length, 0);
  });
});

describe('runDetailsJob: each viewer of a Work Object', () => {
  const details = (userId: string, url = link('lightstep', 'checkout')) => job({ id: 'Ev5:details', userId, url, kind: 'details', triggerId: 'trig-1', externalRefId: `lightstep:${TRACE}` });
  const viewers = () =>
    fakePorts({
      mappings: new Map<string, UserMapping>([
        ['U1', { teamId: 'T1', slackUserId: 'U1', traceUser: 'ann', grants: ['lightstep/checkout'], mappedAt: '' }],
        ['U2', { teamId: 'T1', slackUserId: 'U2', traceUser: 'bob', grants: ['lightstep/payments'], mappedAt: '' }],
        ['U3', { teamId: 'T1', slackUserId: 'U3', traceUser: 'cat', grants: ['lightstep'], mappedAt: '' }],
      ]),
      tokens: new Map([
        ['U1', 'xoxp-ann'],
        ['U2', 'xoxp-bob'],
      ]),
    });

  it('an entitled viewer gets the details of the trace, answered on their trigger and card', async () => {
    const { ports, calls } = viewers();
    const outcome = await runDetailsJob(details('U1'), ports);
    assert.deepEqual(outcome, { kind: 'unfurled', backend: 'lightstep', scope: 'checkout', spanCount: 7, detail: 'full', surface: 'flexpane' });
    assert.equal(calls.details[0]!.answer.kind, 'details');
    assert.equal(calls.details[0]!.triggerId, 'trig-1');
    assert.equal(calls.details[0]!.externalRefId, `lightstep:${TRACE}`);
  });

  it('a viewer not entitled to the scope gets `restricted`, and nothing is fetched', async () => {
    const { ports, calls } = viewers();
    assert.equal((await runDetailsJob(details('U2'), ports)).kind, 'not_authorized');
    assert.deepEqual(calls.details.map((d) => d.answer), [{ kind: 'error', status: 'restricted' }]);
    assert.equal(calls.previews.length, 0);
  });

  it('a viewer who has not linked gets the link prompt, which does not post anything after linking', async () => {
    const { ports, calls } = viewers();
    assert.equal((await runDetailsJob(details('U3'), ports)).kind, 'prompted');
    assert.deepEqual(calls.details.map((d) => d.answer), [{ kind: 'auth', authUrl: 'https://lsslack.test/link/Ev5:details' }]);
    assert.deepEqual(calls.promptsBuilt, [{ jobId: 'Ev5:details', deliver: false }]);
    // An unmapped guest is prompted too (linking then tells them to ask an admin).
    assert.equal((await runDetailsJob(details('U9'), ports)).kind, 'prompted');
  });

  it('a card whose link is no trace link is answered not_found', async () => {
    const { ports, calls } = viewers();
    assert.deepEqual(await runDetailsJob(details('U1', 'https://example.com/'), ports), { kind: 'skipped', reason: 'not_a_trace_link' });
    assert.deepEqual(calls.details.map((d) => d.answer), [{ kind: 'error', status: 'not_found' }]);
  });

  it('a trace the backend no longer has is not_found for the viewer', async () => {
    const { ports } = fakePorts({ details: () => ({ shown: true, trace: { kind: 'not_found' } }) });
    assert.equal((await runDetailsJob(details('U1'), ports)).kind, 'not_found');
  });
});

// Keep the fixture honest: the recognizer parses what the tests share.
describe('fixture', () => {
  it('recognises the links the tests share', () => {
    const ref = recognizer.recognise(link('lightstep', 'checkout')) as TraceRef;
    assert.equal(ref.scope, 'checkout');
  });
});
