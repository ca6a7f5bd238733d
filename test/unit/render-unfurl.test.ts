import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { escapeMrkdwn, formatDuration, renderTraceGone, renderUnfurl } from '../../src/domain/render-unfurl.js';
import type { Block, SpanSummary, TraceRef, TraceSummary, UnfurlContent } from '../../src/domain/types.js';

const REF: TraceRef = {
  url: 'https://app.lightstep.com/demo/trace?span_guid=a000000000000001&amp;at_micros=1#span-c0',
  backendId: 'lightstep',
  scope: 'demo',
  lookup: { kind: 'span', spanId: 'a000000000000001' },
  selectedSpanPrefix: 'c0',
  display: { product: 'Lightstep', where: 'project demo', notFound: 'This trace is no longer stored: Lightstep keeps stored traces for about 7 days.' },
};

/** The same link in another Lightstep project (as the Lightstep backend names it). */
const inProject = (project: string): TraceRef => ({ ...REF, scope: project, display: { ...REF.display, where: `project ${project}` } });

const OPEN_LINK = '<https://app.lightstep.com/demo/trace?span_guid=a000000000000001&amp;at_micros=1#span-c0|Open trace in Lightstep>';

const SELECTED: SpanSummary = {
  spanId: 'c000000000000004',
  service: 'payments',
  name: 'INSERT',
  durationUs: 3000,
  share: 0.25,
  offsetUs: 4000,
  isError: true,
  ancestry: [
    { spanId: 'a000000000000001', service: 'frontend', name: 'GET /checkout' },
    { spanId: 'b100000000000003', service: 'payments', name: 'charge' },
  ],
};

const SUMMARY: TraceSummary = {
  traceId: 't',
  root: { spanId: 'a000000000000001', service: 'frontend', name: 'GET /checkout' },
  startUs: 1000,
  durationUs: 12000,
  spanCount: 5,
  serviceCount: 4,
  errorCount: 2,
  firstError: { spanId: 'b100000000000003', service: 'payments', name: 'charge' },
  orphanCount: 1,
  criticalPath: [],
  topContributors: [
    { spanId: 'a000000000000001', service: 'frontend', name: 'GET /checkout', criticalUs: 5000, share: 5000 / 12000 },
    { spanId: 'c000000000000004', service: 'payments', name: 'INSERT', criticalUs: 3000, share: 0.25 },
  ],
  selected: SELECTED,
  selectedStatus: 'found',
  hasRoot: true,
  services: [],
};

/** Every text Slack will read, from section texts, fields and context elements. */
function texts(content: UnfurlContent): string[] {
  const out: string[] = [];
  for (const block of content.blocks) {
    const text = block.text as { text?: string } | undefined;
    if (text?.text !== undefined) out.push(text.text);
    for (const field of (block.fields as { text: string }[] | undefined) ?? []) out.push(field.text);
    for (const element of (block.elements as { text?: string }[] | undefined) ?? []) {
      if (element.text !== undefined) out.push(element.text);
    }
  }
  return out;
}

/** Asserts Slack's Block Kit limits for an unfurl (slack-platform.md §7). */
function assertWithinLimits(content: UnfurlContent): void {
  assert.ok(content.blocks.length >= 1 && content.blocks.length <= 50, `${content.blocks.length} blocks`);
  for (const block of content.blocks) {
    assert.ok(['section', 'context', 'header', 'divider'].includes(block.type as string), `block type ${String(block.type)}`);
    if (block.type === 'header') assert.ok(((block.text as { text: string }).text).length <= 150);
    const fields = block.fields as unknown[] | undefined;
    if (fields !== undefined) assert.ok(fields.length <= 10);
    const elements = block.elements as unknown[] | undefined;
    if (elements !== undefined) assert.ok(elements.length >= 1 && elements.length <= 10);
  }
  for (const text of texts(content)) {
    assert.ok(text.length >= 1 && text.length <= 3000, `text of ${text.length} chars`);
  }
  const json = JSON.stringify(content);
  assert.equal(json.includes('rich_text'), false);
  assert.equal(json.includes('"button"'), false);
}

/** Asserts that outside the one link, no raw < > remain and every & starts an entity. */
function assertEscaped(content: UnfurlContent): void {
  for (const text of texts(content)) {
    const withoutLink = text.replace(/<https:[^|<>]*\|Open trace in Lightstep>/g, '');
    assert.equal(/[<>]/.test(withoutLink), false, withoutLink.slice(0, 200));
    assert.equal(/&(?!amp;|lt;|gt;)/.test(withoutLink), false, withoutLink.slice(0, 200));
  }
}

function blockText(block: Block | undefined): string | undefined {
  return (block?.text as { text?: string } | undefined)?.text;
}

function contextTexts(block: Block | undefined): string[] {
  return ((block?.elements as { text: string }[] | undefined) ?? []).map((e) => e.text);
}

describe('renderUnfurl', () => {
  it('renders header, stats, selected span, critical path and the open link', () => {
    const content = renderUnfurl(SUMMARY, REF);
    assertWithinLimits(content);
    const [header, stats, selected, path, link] = content.blocks;
    assert.equal(content.blocks.length, 5);
    assert.equal(blockText(header), '*frontend: GET /checkout*');
    assert.deepEqual(contextTexts(stats), [
      '*12.0ms* · 5 spans · 4 services · 2 errors',
      ':warning: 1 orphan span (incomplete trace)',
      ':red_circle: Error starts in *payments: charge*',
    ]);
    assert.equal(
      blockText(selected),
      '*Selected span:* payments: INSERT\n' +
        '3.0ms · 25.0% of trace · starts +4.0ms · :red_circle: error\n' +
        'Path: frontend: GET /checkout → payments: charge',
    );
    assert.equal(
      blockText(path),
      '*Critical path* · top contributors\n```\n' +
        '████████░░░░░░░░░░░░  41.7%  frontend: GET /checkout\n' +
        '█████░░░░░░░░░░░░░░░  25.0%  payments: INSERT\n```',
    );
    assert.deepEqual(contextTexts(link), [`${OPEN_LINK} · project demo`]);
  });

  it('leaves out what does not apply: no orphans, no errors, no selection, no critical path', () => {
    const quiet: TraceSummary = {
      hasRoot: true,
      services: [],
      root: SUMMARY.root,
      startUs: 0,
      durationUs: 950,
      spanCount: 1,
      serviceCount: 1,
      errorCount: 0,
      orphanCount: 0,
      criticalPath: [],
      topContributors: [],
      selectedStatus: 'none',
    };
    const content = renderUnfurl(quiet, REF);
    assertWithinLimits(content);
    assert.equal(content.blocks.length, 3);
    assert.deepEqual(contextTexts(content.blocks[1]), ['*950µs* · 1 span · 1 service · no errors']);
    assert.deepEqual(contextTexts(content.blocks[2]), [`${OPEN_LINK} · project demo`]);
  });

  it('groups thousands in counts', () => {
    const big = renderUnfurl({ ...SUMMARY, spanCount: 1_234_567, serviceCount: 1000, errorCount: 1, durationUs: 125_000_000 }, REF);
    assert.equal(contextTexts(big.blocks[1])[0], '*2m 05s* · 1,234,567 spans · 1,000 services · 1 error');
  });

  it('says in one context line when the fragment matched nothing or several spans', () => {
    const base = { ...SUMMARY, selected: undefined };
    const notFound = renderUnfurl({ ...base, selectedStatus: 'not_found' }, REF);
    assert.deepEqual(contextTexts(notFound.blocks[2]), ['Selected span `#span-c0` is not in this trace.']);
    const ambiguous = renderUnfurl({ ...base, selectedStatus: 'ambiguous' }, REF);
    assert.deepEqual(contextTexts(ambiguous.blocks[2]), ['Selected span `#span-c0` matches several spans; showing the whole trace.']);
  });

  it('abbreviates a long ancestry to the root and the last three ancestors', () => {
    const ancestry = Array.from({ length: 1000 }, (_, i) => ({ spanId: `s${i}`, service: 'svc', name: `op${i}` }));
    const content = renderUnfurl({ ...SUMMARY, selected: { ...SELECTED, ancestry, isError: false } }, REF);
    assert.equal(
      blockText(content.blocks[2]),
      '*Selected span:* payments: INSERT\n3.0ms · 25.0% of trace · starts +4.0ms\n' +
        'Path: svc: op0 → … → svc: op997 → svc: op998 → svc: op999',
    );
    const root = renderUnfurl({ ...SUMMARY, selected: { ...SELECTED, spanId: SUMMARY.root.spanId, ancestry: [] } }, REF);
    assert.match(blockText(root.blocks[2]) ?? '', /\nRoot span$/);
    const orphan = renderUnfurl({ ...SUMMARY, selected: { ...SELECTED, ancestry: [] } }, REF);
    assert.match(blockText(orphan.blocks[2]) ?? '', /\nIts parent is not in this trace$/);
  });

  it('escapes & < > in every name, including inside the code block', () => {
    const evil = '<!channel> & <@U123>';
    const summary: TraceSummary = {
      ...SUMMARY,
      root: { spanId: 'r', service: evil, name: 'a>b' },
      firstError: { spanId: 'e', service: 'x&y', name: '<z>' },
      topContributors: [{ spanId: 'r', service: evil, name: 'a>b', criticalUs: 1, share: 1 }],
      selected: { ...SELECTED, service: '<s>', ancestry: [{ spanId: 'p', service: '&', name: '&' }] },
    };
    const content = renderUnfurl(summary, inProject('<proj>'));
    assertWithinLimits(content);
    assertEscaped(content);
    assert.equal(blockText(content.blocks[0]), '*&lt;!channel&gt; &amp; &lt;@U123&gt;: a&gt;b*');
    assert.match(blockText(content.blocks[3]) ?? '', /████████████████████ 100\.0%  &lt;!channel&gt; &amp; &lt;@U123&gt;: a&gt;b\n/);
    assert.match(contextTexts(content.blocks[4])[0] ?? '', / · project &lt;proj&gt;$/);
  });

  it('keeps huge names within limits, cut with an ellipsis and never inside an entity', () => {
    const huge = (char: string): string => char.repeat(100_000);
    const ancestry = Array.from({ length: 10 }, (_, i) => ({ spanId: `s${i}`, service: huge('&'), name: huge('<') }));
    const contributors = Array.from({ length: 5 }, (_, i) => ({
      spanId: `c${i}`,
      service: huge('>'),
      name: huge('x'),
      criticalUs: 10 - i,
      share: 0.1,
    }));
    const summary: TraceSummary = {
      ...SUMMARY,
      root: { spanId: 'r', service: huge('&'), name: huge('é') },
      firstError: { spanId: 'e', service: huge('<'), name: huge('&') },
      topContributors: contributors,
      selected: { ...SELECTED, service: huge('&'), name: huge('😀'), ancestry },
    };
    const content = renderUnfurl(summary, inProject(huge('&')));
    assertWithinLimits(content);
    assertEscaped(content);
    assert.ok(blockText(content.blocks[0])?.includes('…'));
    // Emoji are surrogate pairs: a cut must not leave half of one.
    for (const text of texts(content)) assert.equal(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(text), false);
  });

  it('keeps a backtick in a name from closing the code block', () => {
    const summary: TraceSummary = {
      ...SUMMARY,
      topContributors: [{ spanId: 'r', service: 'svc', name: 'run ```rm```', criticalUs: 1, share: 0.5 }],
    };
    const text = blockText(renderUnfurl(summary, REF).blocks[3]) ?? '';
    assert.equal(text.split('```').length, 3);
    assert.ok(text.includes('svc: run ˋˋˋrmˋˋˋ'));
  });

  it('decodes &amp; in the link, re-escapes & < >, and keeps | out of the URL part', () => {
    const link = (url: string): string => contextTexts(renderTraceGone({ ...REF, url }).blocks[1])[0] ?? '';
    assert.equal(link('https://h/p/trace?a=1&b=2'), '<https://h/p/trace?a=1&amp;b=2|Open trace in Lightstep>');
    assert.equal(link('https://h/p/trace?a=1&amp;b=2'), '<https://h/p/trace?a=1&amp;b=2|Open trace in Lightstep>');
    assert.equal(link('https://h/p/trace?a=<x>|y'), '<https://h/p/trace?a=&lt;x&gt;%7Cy|Open trace in Lightstep>');
  });

  it('never renders rich_text or buttons, and stays far below 50 blocks', () => {
    const content = renderUnfurl(SUMMARY, REF);
    assertWithinLimits(content);
    assert.ok(content.blocks.length <= 6);
  });
});

describe('renderTraceGone', () => {
  it('says the trace is no longer stored and links to it', () => {
    const content = renderTraceGone(REF);
    assertWithinLimits(content);
    assert.deepEqual(content.blocks, [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Lightstep trace* in project demo\nThis trace is no longer stored: Lightstep keeps stored traces for about 7 days.',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: OPEN_LINK }] },
    ]);
  });

  it('escapes and clips the project name', () => {
    const content = renderTraceGone(inProject(`a&b${'&'.repeat(5000)}`));
    assertWithinLimits(content);
    assertEscaped(content);
    assert.match(blockText(content.blocks[0]) ?? '', /^\*Lightstep trace\* in project a&amp;b(&amp;)+…\n/);
  });
});

describe('escapeMrkdwn', () => {
  it('escapes only & < >', () => {
    assert.equal(escapeMrkdwn('a & b < c > d "e" \'f\' *g* _h_ `i`'), 'a &amp; b &lt; c &gt; d "e" \'f\' *g* _h_ `i`');
    assert.equal(escapeMrkdwn('&amp;'), '&amp;amp;');
  });
});

describe('formatDuration', () => {
  it('picks the unit like trace UIs do, deciding on the rounded value', () => {
    const cases: [number, string][] = [
      [0, '0µs'],
      [950, '950µs'],
      [999.4, '999µs'],
      [999.6, '1.0ms'],
      [12_345, '12.3ms'],
      [999_960, '1.00s'],
      [1_420_000, '1.42s'],
      [59_999_000, '1m 00s'],
      [123_000_000, '2m 03s'],
      [3_723_000_000, '1h 02m'],
      [-5, '0µs'],
    ];
    for (const [us, text] of cases) assert.equal(formatDuration(us), text, String(us));
  });
});
