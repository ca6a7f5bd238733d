import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnalysisCache } from '../../src/adapters/preview-workers/analysis-cache.js';
import type { DetailsPresenter } from '../../src/domain/publish-preview.js';
import { digestOf, isStillArriving, presentDetails, publishPreview } from '../../src/domain/publish-preview.js';
import type { FetchTraceResult, PreviewRequest, TraceSource, UnfurlPoster } from '../../src/domain/ports.js';
import { analyseTrace } from '../../src/domain/analyse-trace.js';
import type { EntityCard, Span, Trace, TraceRef, UnfurlContent } from '../../src/domain/types.js';

const T0 = 1_700_000_000_000_000;
const span = (spanId: string, parentId: string | undefined, service: string, name: string, start: number, end: number, isError = false): Span => ({ spanId, ...(parentId === undefined ? {} : { parentId }), service, name, startUs: T0 + start, endUs: T0 + end, isError });
/** Names a summary must never show: services, operations, the project. */
const SECRET_NAMES = ['checkout-gateway', 'POST /orders', 'ledger-writer', 'INSERT ledger', 'fraud-scorer', 'checkout-prod'];
const TRACE: Trace = {
  traceId: 'b'.repeat(32),
  spans: [
    span('0000000000000001', undefined, 'checkout-gateway', 'POST /orders', 0, 90_000),
    span('0000000000000002', '0000000000000001', 'ledger-writer', 'INSERT ledger', 10_000, 60_000, true),
    span('0000000000000003', '0000000000000001', 'fraud-scorer', 'score', 60_000, 85_000),
  ],
};
const REF: TraceRef = { url: 'https://traces.test/t', backendId: 'lightstep', scope: 'checkout-prod', lookup: { kind: 'trace', traceId: TRACE.traceId! }, display: { product: 'Lightstep', where: 'project checkout-prod', notFound: 'gone' } };

const request = (overrides: Partial<PreviewRequest> = {}): PreviewRequest => ({
  jobId: 'j',
  teamId: 'T1',
  target: { kind: 'message', channel: 'C1', ts: '1.2' },
  url: REF.url,
  ref: REF,
  userToken: 'xoxp-1',
  detail: 'full',
  workObject: true,
  mayRefresh: true,
  ...overrides,
});

function world(trace: Trace | undefined = TRACE) {
  const posted: UnfurlContent[] = [];
  let fetches = 0;
  const traces: TraceSource = {
    async fetchTrace(): Promise<FetchTraceResult> {
      fetches += 1;
      return trace === undefined ? { kind: 'not_found' } : { kind: 'found', trace };
    },
  };
  const poster: UnfurlPoster = {
    async postUnfurl(_t, _target, _url, content) {
      posted.push(content);
      return { kind: 'posted' };
    },
    async postAuthPrompt() {},
  };
  const answers: Array<Parameters<DetailsPresenter['presentDetails']>[2]> = [];
  const presenter: DetailsPresenter = {
    async presentDetails(_t, _trigger, answer) {
      answers.push(answer);
      return true;
    },
  };
  return { traces, poster, presenter, posted, answers, fetches: () => fetches };
}

describe('publishPreview: what each audience is shown', () => {
  it('summary: duration, counts and status, and none of the trace\'s names in any field — blocks or card', async () => {
    const w = world();
    const result = await publishPreview(request({ detail: 'summary' }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.equal(result.trace.kind, 'found');
    const everything = JSON.stringify(w.posted[0]);
    for (const name of SECRET_NAMES) assert.ok(!everything.includes(name), `the summary shows "${name}": ${everything}`);
    assert.match(everything, /90(\.0)?\s?ms/);
    assert.match(everything, /3 spans/);
    assert.match(everything, /1 error/);
    assert.equal(w.posted[0]!.entity?.external_ref.id, `lightstep:${TRACE.traceId}`);
  });

  it('full: the names are there, in the blocks and on the card', async () => {
    const w = world();
    await publishPreview(request({ detail: 'full' }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    const everything = JSON.stringify(w.posted[0]);
    assert.ok(everything.includes('checkout-gateway') && everything.includes('POST /orders'));
    assert.equal(w.posted[0]!.entity?.app_unfurl_url, REF.url);
  });

  it('none (Work Objects): a card naming only the link, and the trace is not even fetched', async () => {
    const w = world();
    await publishPreview(request({ detail: 'none' }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.equal(w.fetches(), 0);
    assert.deepEqual(w.posted[0]!.blocks, []);
    assert.equal(w.posted[0]!.entity?.entity_payload.attributes.title.text, 'Lightstep trace');
    assert.equal(w.posted[0]!.entity?.entity_payload.custom_fields, undefined);
  });

  it('a notice for a trace the backend lacks names no project in a summary audience', async () => {
    const w = world(undefined);
    await publishPreview(request({ detail: 'summary' }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.ok(!JSON.stringify(w.posted[0]).includes('checkout-prod'));
    await publishPreview(request({ detail: 'full' }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.ok(JSON.stringify(w.posted[1]).includes('checkout-prod'), 'inside, the notice says where');
  });

  it('without Work Objects no card rides along', async () => {
    const w = world();
    await publishPreview(request({ workObject: false }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.equal(w.posted[0]!.entity, undefined);
  });
});

describe('publishPreview: refreshing a trace still arriving', () => {
  it('a refresh whose analysis has not changed posts nothing', async () => {
    const w = world();
    const digest = digestOf(analyseTrace(TRACE, {}));
    const result = await publishPreview(request({ previousDigest: digest }), { traces: w.traces, poster: w.poster, now: () => Date.now() });
    assert.equal(w.posted.length, 0);
    assert.deepEqual(result.trace.kind === 'found' && result.trace.unchanged, true);
  });

  it('a trace ending just now says it is still arriving (and the preview says so when it may refresh)', async () => {
    const w = world();
    const endMs = (T0 + 90_000) / 1000;
    const result = await publishPreview(request(), { traces: w.traces, poster: w.poster, now: () => endMs + 5_000 });
    assert.equal(result.trace.kind === 'found' && result.trace.stillArriving, true);
    assert.match(JSON.stringify(w.posted[0]!.blocks), /still arriving/);
    await publishPreview(request({ mayRefresh: false }), { traces: w.traces, poster: w.poster, now: () => endMs + 5_000 });
    assert.doesNotMatch(JSON.stringify(w.posted[1]!.blocks), /still arriving/, 'the last refresh promises nothing');
  });

  it('isStillArriving: no root, orphans or PARTIAL say so; an old complete trace does not', () => {
    const old = analyseTrace(TRACE, {});
    const later = (T0 + 90_000) / 1000 + 10 * 60_000;
    assert.equal(isStillArriving(old, later), false);
    assert.equal(isStillArriving(analyseTrace({ ...TRACE, partial: 'PARTIAL' }, {}), later), true);
    const orphan = analyseTrace({ spans: [...TRACE.spans, span('0000000000000009', '00000000000000ff', 'late', 'x', 1, 2)] }, {});
    assert.equal(isStillArriving(orphan, later), true);
    const rootless = analyseTrace({ spans: TRACE.spans.slice(1) }, {});
    assert.equal(isStillArriving(rootless, later), true);
  });
});

describe('presentDetails: the flexpane, per viewer', () => {
  it('fifty viewers of one trace cost one fetch; each gets the details on their own trigger', async () => {
    const w = world();
    const cache = createAnalysisCache({ now: () => 0 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => presentDetails({ jobId: `j${i}`, teamId: 'T1', triggerId: `trig-${i}`, externalRefId: 'card-1', url: REF.url, answer: { kind: 'details', ref: REF } }, { traces: w.traces, presenter: w.presenter, cache })),
    );
    assert.equal(w.fetches(), 1);
    assert.ok(answers.every((a) => a.shown && a.trace?.kind === 'found' && a.trace.spanCount === 3));
    const card = (w.answers[0] as { metadata: EntityCard }).metadata;
    assert.equal(card.external_ref.id, 'card-1', 'the answer names the card the viewer opened');
    const fields = JSON.stringify(card.entity_payload.custom_fields);
    for (const want of ['Critical path', 'Error starts in', 'ledger-writer: INSERT ledger', 'By service', 'fraud-scorer']) assert.ok(fields.includes(want), `flexpane lacks ${want}`);
  });

  it('a refusal or a prompt fetches nothing', async () => {
    const w = world();
    const cache = createAnalysisCache();
    await presentDetails({ jobId: 'j', teamId: 'T1', triggerId: 't', externalRefId: 'c', url: REF.url, answer: { kind: 'error', status: 'restricted' } }, { traces: w.traces, presenter: w.presenter, cache });
    await presentDetails({ jobId: 'j', teamId: 'T1', triggerId: 't', externalRefId: 'c', url: REF.url, answer: { kind: 'auth', authUrl: 'https://l/x' } }, { traces: w.traces, presenter: w.presenter, cache });
    assert.equal(w.fetches(), 0);
    assert.deepEqual(w.answers, [{ error: 'restricted' }, { authUrl: 'https://l/x' }]);
  });

  it('the cache expires, is bounded, and does not keep a failed read', async () => {
    let t = 0;
    const cache = createAnalysisCache({ ttlMs: 1_000, max: 2, now: () => t });
    let computed = 0;
    const compute = async () => {
      computed += 1;
      return analyseTrace(TRACE, {});
    };
    const ref = (id: string): TraceRef => ({ ...REF, lookup: { kind: 'trace', traceId: id } });
    await cache.analysisOf(ref('1'), compute);
    await cache.analysisOf(ref('1'), compute);
    assert.equal(computed, 1);
    t = 1_500;
    await cache.analysisOf(ref('1'), compute);
    assert.equal(computed, 2, 'stale after the TTL');
    await cache.analysisOf(ref('2'), compute);
    await cache.analysisOf(ref('3'), compute);
    await cache.analysisOf(ref('1'), compute);
    assert.equal(computed, 5, 'the oldest was evicted at the bound');
    await assert.rejects(cache.analysisOf(ref('4'), async () => Promise.reject(new Error('backend down'))));
    await cache.analysisOf(ref('4'), compute);
    assert.equal(computed, 6, 'a failed read is tried again');
  });
});
