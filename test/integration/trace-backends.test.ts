import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { grafanaLink, jaegerLink, zipkinLink } from '../../src/cli/simulator-env.js';
import { SAMPLE_TRACE_ID, SAMPLE_TRACE_SELECTED_SPAN, sampleCheckoutTrace } from '../../src/simulators/lightstep/index.js';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { deliver, settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';

type Unfurls = Record<string, { blocks: Array<Record<string, unknown>> }>;

describe('trace backends: Jaeger, Zipkin and Grafana/Tempo links unfurl like Lightstep ones', () => {
  let stack: Stack;
  let n = 0;
  const share = async (url: string, user = USER) => {
    const ts = `1749996000.${String(++n).padStart(6, '0')}`;
    // deliver, not sendEvent: a test that made a simulator build a large body stalled this process's
    // event loop, and the daemon may be reconnecting Socket Mode when the next event is sent.
    await deliver(stack.slack, linkSharedEvent({ teamId: TEAM, userId: user, channel: 'C0BACK', messageTs: ts, urls: [url] }));
    return ts;
  };
  const previewOf = async (ts: string, url: string) => {
    await waitFor(() => stack.slack.unfurls().some((c) => c.args.ts === ts && c.args.unfurls !== undefined), `the preview of ${url}`);
    const call = stack.slack.unfurls().find((c) => c.args.ts === ts && c.args.unfurls !== undefined)!;
    return JSON.stringify((call.args.unfurls as Unfurls)[url]);
  };

  before(async () => {
    stack = await startStack({
      mappings: [
        { grants: ['lightstep/checkout', 'jaeger', 'zipkin', 'grafana/tempo-prod'] },
        { slackUserId: 'U0LSONLY', grants: ['lightstep/checkout'] },
      ],
      env: { LSSLACK_TRACE_DEADLINE: '2', LSSLACK_TRACE_MAX_BYTES: String(1024 * 1024) },
    });
  });
  after(async () => {
    await stack.stop();
  });

  /** The facts of the sample checkout trace every backend serves (sampleCheckoutTrace). */
  const assertSamplePreview = (text: string, product: string) => {
    // Zipkin stores names lowercased (zipkin2 Span.Builder.name), so its preview says "get /checkout".
    assert.match(text, /frontend: GET \/checkout/i, 'root service and operation');
    assert.match(text, /Critical path/);
    assert.match(text, /error/i);
    assert.match(text, new RegExp(`Open trace in ${product}`));
  };

  it('Jaeger (v3 API): the preview, with the span selected by ?uiFind', async () => {
    const url = jaegerLink(SAMPLE_TRACE_ID, SAMPLE_TRACE_SELECTED_SPAN);
    const text = await previewOf(await share(url), url);
    assertSamplePreview(text, 'Jaeger');
    assert.match(text, /Selected span/);
    assert.ok(stack.jaeger.requests.some((r) => r.path.startsWith('/api/v3/traces/')), 'asked the v3 API');
  });

  it('Zipkin: the preview', async () => {
    const url = zipkinLink(SAMPLE_TRACE_ID);
    assertSamplePreview(await previewOf(await share(url), url), 'Zipkin');
    assert.ok(stack.zipkin.requests.some((r) => r.path.startsWith('/api/v2/trace/')));
  });

  it('Grafana Explore → Tempo (v2 API): the preview, and a PARTIAL trace says so', async () => {
    const url = grafanaLink(SAMPLE_TRACE_ID, SAMPLE_TRACE_SELECTED_SPAN);
    const text = await previewOf(await share(url), url);
    assertSamplePreview(text, 'Grafana');
    assert.match(text, /datasource tempo-prod/);
    assert.match(text, /Selected span/);
    assert.ok(stack.tempo.requests.some((r) => r.path.startsWith('/api/v2/traces/')));

    stack.tempo.markPartial(SAMPLE_TRACE_ID, 'trace exceeds max size (max bytes: 5000000)');
    try {
      const again = `${url}&from=1`;
      const partial = await previewOf(await share(again), again);
      assert.match(partial, /returned part of this trace only: trace exceeds max size/);
    } finally {
      stack.tempo.markComplete(SAMPLE_TRACE_ID);
    }
  });

  it('Lightstep keeps working exactly as before beside them', async () => {
    const url = traceUrl({ fragment: SAMPLE_TRACE_SELECTED_SPAN.slice(0, 10) });
    const text = await previewOf(await share(url), url);
    assertSamplePreview(text, 'Lightstep');
    assert.match(text, /project checkout/);
  });

  it('a trace a backend does not have: the "not found" preview, with the backend named', async () => {
    const url = jaegerLink('00000000000000000000000000dead01');
    const text = await previewOf(await share(url), url);
    assert.match(text, /Jaeger has no trace with this id/);
  });

  it('a backend the user holds no grant for: nothing fetched, nothing posted', async () => {
    const before = { jaeger: stack.jaeger.queryCount(), unfurls: stack.slack.unfurls().length, denied: stack.daemon.jobs.snapshot().outcomes.not_authorized };
    await share(jaegerLink(SAMPLE_TRACE_ID), 'U0LSONLY');
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.not_authorized === before.denied + 1, 'the denial');
    await settle(200);
    assert.equal(stack.jaeger.queryCount(), before.jaeger, 'nothing fetched');
    assert.equal(stack.slack.unfurls().length, before.unfurls, 'nothing posted');
    assert.equal(stack.daemon.jobs.snapshot().outcomesByBackend.jaeger?.not_authorized, 1);
  });

  it('a reply past the byte cap, streamed without a length: a "too large" preview, and the body is not kept', async () => {
    stack.zipkin.oversizeNext(1, { bytes: 4 * 1024 * 1024, chunked: true });
    const url = `${zipkinLink(SAMPLE_TRACE_ID)}?big=1`;
    const text = await previewOf(await share(url), url);
    assert.match(text, /too large to preview here \(the trace from Zipkin is too large: more than 1 MiB sent, the limit\)/);
    // The outcome is counted when the preview worker reports back, a moment after chat.unfurl answered.
    await waitFor(() => stack.daemon.jobs.snapshot().failedByCode.trace_too_large !== undefined, 'the trace_too_large outcome');
    assert.equal(stack.daemon.jobs.snapshot().failedByCode.trace_too_large, 1);
  });

  it('a backend that drips its reply: one deadline for the whole request, then a preview that says so', async () => {
    stack.jaeger.dripNext(1, { bytesPerChunk: 1, intervalMs: 500 });
    const url = `${jaegerLink(SAMPLE_TRACE_ID)}?drip=1`;
    const text = await previewOf(await share(url), url);
    assert.match(text, /Jaeger did not finish sending this trace in time/);
    await waitFor(() => stack.daemon.jobs.snapshot().failedByCode.trace_timeout !== undefined, 'the trace_timeout outcome');
    assert.equal(stack.daemon.jobs.snapshot().failedByCode.trace_timeout, 1);
  });

  it('metrics carry the backend as a label', async () => {
    const res = await fetch(`${stack.httpUrl}/metrics`);
    const text = await res.text();
    assert.match(text, /lsslack_backend_jobs_total\{backend="jaeger",outcome="unfurled"\} [1-9]/);
    assert.match(text, /lsslack_backend_jobs_total\{backend="grafana",outcome="unfurled"\} [1-9]/);
    assert.match(text, /lsslack_backend_jobs_total\{backend="zipkin",outcome="failed"\} 1/);
  });
});

describe('older servers: Jaeger without the v3 API, Tempo without v2', () => {
  it('falls back to Jaeger v1 and Tempo v1 when the route is absent (not when the trace is)', async () => {
    const { startJaegerSimulator } = await import('../../src/simulators/jaeger/index.js');
    const { startTempoSimulator } = await import('../../src/simulators/tempo/index.js');
    const { createTraceSource } = await import('../../src/adapters/backends/trace-source.js');
    const { createLinkRecognizer } = await import('../../src/adapters/backends/recognise-links.js');
    const jaeger = await startJaegerSimulator({ apiV3: false, basePath: '/jaeger' });
    const tempo = await startTempoSimulator({ apiV2: false, multitenant: true });
    try {
      jaeger.addTrace(sampleCheckoutTrace());
      tempo.addTrace(sampleCheckoutTrace(), { tenant: 'acme' });
      const backends = [
        { id: 'old-jaeger', kind: 'jaeger' as const, uiUrl: 'https://ops.example.com/jaeger', apiUrl: jaeger.queryUrl },
        { id: 'grafana', kind: 'grafana' as const, url: 'https://grafana.example.com', datasources: { 'tempo-prod': { kind: 'tempo' as const, apiUrl: tempo.url, tenant: 'acme' } } },
      ];
      const recognizer = createLinkRecognizer(backends);
      const source = createTraceSource({ backends, limits: { maxBytes: 64 << 20, deadlineMs: 5000 } });
      try {
        const jRef = recognizer.recognise(`https://ops.example.com/jaeger/trace/${SAMPLE_TRACE_ID}`)!;
        const jTrace = await source.fetchTrace(jRef);
        assert.equal(jTrace.kind, 'found');
        assert.equal(jTrace.kind === 'found' && jTrace.trace.spans.length, sampleCheckoutTrace().spans.length);
        assert.ok(jaeger.requests.some((r) => r.path === `/jaeger/api/traces/${'0'.repeat(16)}${SAMPLE_TRACE_ID}`), 'asked v1 after the v3 route 404');
        assert.equal((await source.fetchTrace(recognizer.recognise('https://ops.example.com/jaeger/trace/00000000deadbeef')!)).kind, 'not_found');

        const tRef = recognizer.recognise(grafanaLink(SAMPLE_TRACE_ID))!;
        const tTrace = await source.fetchTrace(tRef);
        assert.equal(tTrace.kind, 'found');
        assert.ok(tempo.requests.some((r) => r.path.startsWith('/api/traces/') && r.scopeOrgId === 'acme'), 'v1, with the tenant');
      } finally {
        await source.close();
      }
    } finally {
      await jaeger.stop();
      await tempo.stop();
    }
  });
});
