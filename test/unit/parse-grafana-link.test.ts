import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseGrafanaLink } from '../../src/adapters/backends/grafana/parse-grafana-link.js';

const GRAFANA = 'https://grafana.acme.dev';
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** A current (schemaVersion=1) Explore link, its pane state URL-encoded as Grafana's toURL does. */
function explore(panes: unknown, base = GRAFANA): string {
  return `${base}/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}&orgId=1`;
}

function legacy(left: unknown, right?: unknown): string {
  const rightParam = right === undefined ? '' : `&right=${encodeURIComponent(JSON.stringify(right))}`;
  return `${GRAFANA}/explore?orgId=1&left=${encodeURIComponent(JSON.stringify(left))}${rightParam}`;
}

/** The pane from Grafana's own URL examples (trace-backends.md §3). */
function tempoPane(query: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): unknown {
  return {
    datasource: 'tempo-ds-uid',
    queries: [{ refId: 'A', datasource: { type: 'tempo', uid: 'tempo-ds-uid' }, queryType: 'traceql', query: TRACE, ...query }],
    range: { from: 'now-1h', to: 'now' },
    panelsState: { trace: { spanId: SPAN } },
    ...extra,
  };
}

function lokiPane(): unknown {
  return { datasource: { type: 'loki', uid: 'loki-uid' }, queries: [{ refId: 'A', expr: '{app="cart"}', query: TRACE, datasource: { type: 'loki', uid: 'loki-uid' } }], range: { from: 'now-1h', to: 'now' } };
}

const FOUND = { traceId: TRACE, selectedSpanId: SPAN, datasource: 'tempo-ds-uid' };

describe('parseGrafanaLink', () => {
  it('parses a current Explore link to a Tempo trace with its selected span and datasource', () => {
    assert.deepEqual(parseGrafanaLink(explore({ abc: tempoPane() }), GRAFANA), FOUND);
  });

  it('reads the datasource uid from a pane datasource object, else from the query', () => {
    assert.deepEqual(parseGrafanaLink(explore({ abc: tempoPane({}, { datasource: { type: 'tempo', uid: 'obj-uid' } }) }), GRAFANA), { ...FOUND, datasource: 'obj-uid' });
    assert.deepEqual(parseGrafanaLink(explore({ abc: tempoPane({}, { datasource: undefined }) }), GRAFANA), { ...FOUND, datasource: 'tempo-ds-uid' });
    // A "-- Mixed --" pane: each query names its own datasource.
    const mixed = tempoPane({ datasource: { type: 'tempo', uid: 'q-uid' } }, { datasource: { type: 'datasource', uid: '-- Mixed --' } });
    assert.deepEqual(parseGrafanaLink(explore({ abc: mixed }), GRAFANA), { ...FOUND, datasource: 'q-uid' });
    assert.deepEqual(parseGrafanaLink(explore({ abc: tempoPane({ datasource: undefined }, { datasource: undefined }) }), GRAFANA), { traceId: TRACE, selectedSpanId: SPAN });
  });

  it('uses the first pane, in key order, that shows a trace', () => {
    const twoTraces = { zzz: lokiPane(), xyz: tempoPane({ query: 'd269b633813fc60c' }), abc: tempoPane() };
    assert.deepEqual(parseGrafanaLink(explore(twoTraces), GRAFANA), { ...FOUND, traceId: '0000000000000000d269b633813fc60c' });
    // JavaScript key order puts integer-like keys first, as Grafana itself iterates them.
    assert.deepEqual(parseGrafanaLink(explore({ abc: tempoPane(), 123: tempoPane({ query: 'd269b633813fc60c' }) }), GRAFANA)?.traceId, '0000000000000000d269b633813fc60c');
  });

  it('uses the first query of a pane that names a trace', () => {
    const pane = tempoPane();
    (pane as { queries: unknown[] }).queries.unshift({ refId: 'Z', queryType: 'traceqlSearch', query: '{ resource.service.name = "cart" }' }, { refId: 'Y', queryType: 'traceql', query: '' });
    assert.deepEqual(parseGrafanaLink(explore({ abc: pane }), GRAFANA), FOUND);
  });

  it("reads Tempo's older traceId queries, Zipkin's traceID and Jaeger's bare ids", () => {
    assert.equal(parseGrafanaLink(explore({ a: tempoPane({ queryType: 'traceId', query: ' 3E8 ' }) }), GRAFANA)?.traceId, '000000000000000000000000000003e8');
    const zipkin = { datasource: { type: 'zipkin', uid: 'zip' }, queries: [{ refId: 'A', queryType: 'traceID', query: 'ffdc9bb9a6453df3' }] };
    assert.deepEqual(parseGrafanaLink(explore({ a: zipkin }), GRAFANA), { traceId: '0000000000000000ffdc9bb9a6453df3', datasource: 'zip' });
    const jaeger = { datasource: { type: 'jaeger', uid: 'jg' }, queries: [{ refId: 'A', query: TRACE.toUpperCase() }] };
    assert.deepEqual(parseGrafanaLink(explore({ a: jaeger }), GRAFANA), { traceId: TRACE, datasource: 'jg' });
  });

  it('extracts the id from TraceQL that names exactly one trace', () => {
    for (const query of [
      `{trace:id="${TRACE}"}`,
      `{ trace_id = "${TRACE}" }`,
      `{ trace:id = \`${TRACE.toUpperCase()}\` }`,
      `{ span.trace_id="${TRACE}" && resource.service.name = "cart" }`,
      `{ .traceID = "${TRACE}" } | select(span.http.url)`,
      `{trace:id="${TRACE}"} && {trace:id="${TRACE}"}`,
    ]) {
      assert.equal(parseGrafanaLink(explore({ a: tempoPane({ query }) }), GRAFANA)?.traceId, TRACE, query);
    }
  });

  it('does not take a TraceQL search, another operator or several ids for a trace link', () => {
    for (const query of [
      '{ resource.service.name = "cart" && span.http.status_code = 500 }',
      `{ span.http.url = "/cart/${TRACE}" }`,
      `{ trace:id != "${TRACE}" }`,
      `{ trace:id =~ "${TRACE}" }`,
      `{ trace:id = "${TRACE}" } || { resource.service.name = "cart" }`,
      `{ trace:id = "${TRACE}" && trace:id = "d269b633813fc60c" }`,
      '{ trace:id = "d269b633813fc60" }',
      `{ trace:id = ${TRACE} }`,
      `{ trace:id = "${TRACE}`,
      'deadbeef',
      `${TRACE} extra`,
    ]) {
      assert.equal(parseGrafanaLink(explore({ a: tempoPane({ query }) }), GRAFANA), undefined, query);
    }
  });

  it('ignores panes of non-trace datasources and query types that never show one trace', () => {
    assert.equal(parseGrafanaLink(explore({ a: lokiPane() }), GRAFANA), undefined);
    for (const queryType of ['search', 'traceqlSearch', 'serviceMap', 'upload', 'nativeSearch', 42]) {
      assert.equal(parseGrafanaLink(explore({ a: tempoPane({ queryType }) }), GRAFANA), undefined, String(queryType));
    }
    const prometheus = { datasource: { type: 'prometheus', uid: 'p' }, queries: [{ refId: 'A', query: TRACE }] };
    assert.equal(parseGrafanaLink(explore({ a: prometheus }), GRAFANA), undefined);
  });

  it('parses the legacy left= object form, and right= when left shows no trace', () => {
    const pane = { datasource: 'Tempo', queries: [{ refId: 'A', queryType: 'traceId', query: TRACE }], range: { from: 'now-1h', to: 'now' }, panelsState: { trace: { spanId: SPAN } } };
    assert.deepEqual(parseGrafanaLink(legacy(pane), GRAFANA), { traceId: TRACE, selectedSpanId: SPAN, datasource: 'Tempo' });
    assert.deepEqual(parseGrafanaLink(legacy(lokiPane(), pane), GRAFANA), { traceId: TRACE, selectedSpanId: SPAN, datasource: 'Tempo' });
  });

  it('parses the legacy compact array form, skipping ui/mode/__panelsState segments', () => {
    const compact = ['now-1h', 'now', 'Tempo Prod', { mode: 'Logs' }, { ui: [true, true, true, 'none'] }, { refId: 'A', queryType: 'traceql', query: `{trace:id="${TRACE}"}` }, { __panelsState: { trace: { spanId: SPAN.toUpperCase() } } }];
    assert.deepEqual(parseGrafanaLink(legacy(compact), GRAFANA), { traceId: TRACE, selectedSpanId: SPAN, datasource: 'Tempo Prod' });
    assert.deepEqual(parseGrafanaLink(legacy(['now-1h', 'now', 7, { query: TRACE }]), GRAFANA), { traceId: TRACE });
    assert.equal(parseGrafanaLink(legacy(['now-1h', 'now', 'Tempo', { ui: [true], query: TRACE }]), GRAFANA), undefined);
  });

  it('drops a selected span that is not a span id', () => {
    for (const spanId of [42, 'not-hex', '', '0000000000000000', `1${SPAN}`, null]) {
      assert.deepEqual(parseGrafanaLink(explore({ a: tempoPane({}, { panelsState: { trace: { spanId } } }) }), GRAFANA), { traceId: TRACE, datasource: 'tempo-ds-uid' }, String(spanId));
    }
    assert.deepEqual(parseGrafanaLink(explore({ a: tempoPane({}, { panelsState: { trace: { spanId: '3e8' } } }) }), GRAFANA)?.selectedSpanId, '00000000000003e8');
  });

  it("decodes Slack's &amp;, and honours a sub-path base and a trailing slash", () => {
    const slack = explore({ a: tempoPane() }).replace(/&/g, '&amp;');
    assert.deepEqual(parseGrafanaLink(slack, GRAFANA), FOUND);
    const sub = 'https://acme.dev/grafana';
    assert.deepEqual(parseGrafanaLink(explore({ a: tempoPane() }, sub), `${sub}/`), FOUND);
    assert.deepEqual(parseGrafanaLink(explore({ a: tempoPane() }, sub).replace('/explore?', '/explore/?'), sub), FOUND);
    assert.equal(parseGrafanaLink(explore({ a: tempoPane() }), sub), undefined);
  });

  it('rejects other origins and pages', () => {
    assert.equal(parseGrafanaLink(explore({ a: tempoPane() }, 'https://evil.dev'), GRAFANA), undefined);
    assert.equal(parseGrafanaLink(explore({ a: tempoPane() }, 'http://grafana.acme.dev'), GRAFANA), undefined);
    assert.deepEqual(parseGrafanaLink(explore({ a: tempoPane() }, 'HTTPS://Grafana.Acme.Dev:443'), GRAFANA), FOUND);
    for (const path of ['/d/abc/dash', '/explore/metrics', '/a/grafana-exploretraces-app/explore', '/']) {
      assert.equal(parseGrafanaLink(explore({ a: tempoPane() }).replace('/explore', path), GRAFANA), undefined, path);
    }
    assert.equal(parseGrafanaLink(`${GRAFANA}/explore?orgId=1`, GRAFANA), undefined);
  });

  it('survives hostile pane state without throwing, hanging or polluting prototypes', () => {
    const deepArray = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const manyPanes = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`p${i}`, { queries: [{ query: 'x' }] }]));
    const manyEquals = `{ ${'a = "1" && '.repeat(4_000)}trace:id = "${TRACE}" }`;
    const huge = JSON.stringify({ a: tempoPane({ comment: 'x'.repeat(70 * 1024) }) });
    const states = [
      'not json',
      '{"a":',
      'null',
      '42',
      '"str"',
      '[]',
      '{}',
      deepArray,
      deepObject,
      JSON.stringify(manyPanes),
      huge,
      '{"__proto__":{"queries":[{"query":"x"}]},"constructor":{"prototype":{"polluted":1}}}',
      '{"a":{"queries":{"__proto__":[]},"datasource":{"uid":{"toString":1}}}}',
      '{"a":{"queries":[null,1,"x",[],{"query":{"a":1}},{"query":12},{"queryType":{},"query":"x"}],"panelsState":[]}}',
      '{"a":{"queries":[{"datasource":7,"query":"' + TRACE + '"}],"panelsState":{"trace":[]}}}',
    ];
    for (const state of states) {
      const url = `${GRAFANA}/explore?panes=${encodeURIComponent(state)}&left=${encodeURIComponent(state)}&right=${encodeURIComponent(state)}`;
      const result = parseGrafanaLink(url, GRAFANA);
      if (state.startsWith('{"a":{"queries":[{"datasource":7')) assert.deepEqual(result, { traceId: TRACE }, state.slice(0, 40));
      else assert.equal(result, undefined, state.slice(0, 40));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Over the 64 KiB cap even though it would name a trace.
    assert.equal(parseGrafanaLink(`${GRAFANA}/explore?panes=${encodeURIComponent(huge)}`, GRAFANA), undefined);
    assert.equal(parseGrafanaLink(explore({ a: tempoPane({ query: manyEquals }) }), GRAFANA)?.traceId, TRACE);
  });
});
